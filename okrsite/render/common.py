"""What every page kind shares: the site context, page paths and links, number
formats, and small HTML pieces (status chips, progress bars, notices).

Every string from the content goes through `safe.inline` (plain text) or
`SafeMarkdown` (Markdown fields) before it reaches a page; numbers are formatted
here, the same way everywhere, so pages are byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from okrsite.attention import Attention
from okrsite.final import OrgAtClose, org_at_close
from okrsite.model import ID_PATTERN, Content, KeyResult, Objective, Period, PeriodState, Ref
from okrsite.numbers import fmt_fixed, fmt_grouped, fmt_num
from okrsite.people import PeopleIndex
from okrsite.periods import PERIOD_ID
from okrsite.render.charts import Bar
from okrsite.render.page import header_cell
from okrsite.render.safe import SafeMarkdown, inline
from okrsite.scoring.rollup import KRResult, ObjectiveResult, Scorecard, UnitResult
from okrsite.scoring.status import ASPIRATIONAL_NOTE, STATUS_LABELS
from okrsite.visibility import Withheld, WithheldCount

if TYPE_CHECKING:
    from okrsite.history import History
    from okrsite.history.authors import EntryAuthors
    from okrsite.history.goalposts import Goalpost

# -- page paths -----------------------------------------------------------------------------
#
# Listing pages are `<section>/index.md`; a detail page is `<section>/<id>/index.md`, one
# directory deeper, so no id (not even `index`) can land on a listing page's path.

HOME = "index.md"
PERIODS_INDEX = "periods/index.md"
KPIS_INDEX = "kpis/index.md"
UNITS_INDEX = "units/index.md"
PEOPLE_INDEX = "people/index.md"
CHECKINS = "checkins/index.md"


# Front matter of a page of wide tables or cards: the theme leaves out the table of
# contents (Material's `hide`), so the content has the screen's width.
WIDE: dict[str, list[str]] = {"hide": ["toc"]}


def search_meta(state: PeriodState) -> dict[str, dict[str, float]]:
    """Front matter that ranks a page in search by its period: the active and planning
    periods' pages above closed ones (Material's `search: boost`)."""
    return {"search": {"boost": 0.5 if state is PeriodState.CLOSED else 2}}


@lru_cache(maxsize=1024)  # a page links to the same few units and periods many times
def seg(identifier: str) -> str:
    """An id as a URL path segment. Valid ids pass unchanged; anything else (content
    that failed validation) becomes a stable, harmless slug."""
    if ID_PATTERN.match(identifier) or PERIOD_ID.match(identifier):
        return identifier
    slug = re.sub(r"[^a-z0-9]+", "-", identifier.lower()).strip("-")[:40] or "x"
    return f"{slug}-{hashlib.sha256(identifier.encode()).hexdigest()[:8]}"


def period_page(period: str) -> str:
    return f"periods/{seg(period)}/index.md"


def unit_period_page(period: str, unit: str) -> str:
    return f"periods/{seg(period)}/{seg(unit)}/index.md"


def cascade_page(period: str) -> str:
    return f"cascade/{seg(period)}.md"


def cascade_unit_page(period: str, unit: str) -> str:
    """One unit's part of a period's cascade: a directory below `cascade/<period>/`,
    so no unit id (not even `index`) takes the period's cascade's place."""
    return f"cascade/{seg(period)}/{seg(unit)}/index.md"


def kpi_page(kpi: str) -> str:
    return f"kpis/{seg(kpi)}/index.md"


def unit_page(unit: str) -> str:
    return f"units/{seg(unit)}/index.md"


def person_page(person: str) -> str:
    return f"people/{seg(person)}/index.md"


def objective_anchor(objective: str) -> str:
    return f"o-{seg(objective)}"


def kr_anchor(objective: str, key_result: str) -> str:
    # `_` cannot occur in an id, so objective and key result ids cannot run together.
    return f"kr-{seg(objective)}_{seg(key_result)}"


@lru_cache(maxsize=1024)
def page_url(path: str, directory_urls: bool = True) -> str:
    """A page's URL relative to the site root, as MkDocs makes it: `index.md` -> ``,
    `a/index.md` -> `a/`, `a/b.md` -> `a/b/` (or `a/b.html` without directory URLs)."""
    stem = path[:-3] if path.endswith(".md") else path
    if stem == "index" or stem.endswith("/index"):
        folder = stem[:-5]
        return folder if directory_urls else folder + "index.html"
    return stem + "/" if directory_urls else stem + ".html"


def rel(from_page: str, to_page: str, anchor: str | None = None,
        directory_urls: bool = True) -> str:
    """A relative URL from one page to another (or to an anchor on it)."""
    if from_page == to_page and anchor:
        return f"#{anchor}"
    url = asset_url(from_page, page_url(to_page, directory_urls) or ".", directory_urls)
    if directory_urls:
        url = "./" if url == "." else url + "/"
    return f"{url}#{anchor}" if anchor else url


@lru_cache(maxsize=1024)  # a page links to its parent's page once per objective, say
def asset_url(from_page: str, asset: str, directory_urls: bool = True) -> str:
    """A relative URL from a page to a path of the site (`audit/2026-Q3/okrs.csv`)."""
    here = page_url(from_page, directory_urls)
    # A directory URL is a folder the browser is in; a file URL sits in its parent.
    base = here.rstrip("/") if directory_urls else posixpath.dirname(here)
    return _relpath(asset, base or ".")


def _relpath(path: str, start: str) -> str:
    """`posixpath.relpath` of two paths inside the site, without its `abspath` (a
    `getcwd` a call; pages make tens of thousands of links)."""
    if ".." in path or ".." in start or path[:1] == "/" or start[:1] == "/":
        return posixpath.relpath(path, start)
    to = [part for part in path.split("/") if part and part != "."]
    here = [part for part in start.split("/") if part and part != "."]
    same = 0
    for a, b in zip(to, here, strict=False):  # the shorter one ends the common part
        if a != b:
            break
        same += 1
    parts = [".."] * (len(here) - same) + to[same:]
    return "/".join(parts) if parts else "."


def link(from_page: str, to_page: str, text: str, anchor: str | None = None,
         directory_urls: bool = True) -> str:
    """An HTML link; `text` must already be safe HTML (see `safe.inline`)."""
    return f'<a href="{rel(from_page, to_page, anchor, directory_urls)}">{text}</a>'


# -- numbers and words ----------------------------------------------------------------------


num = fmt_num


@lru_cache(maxsize=4096)  # equal numbers (0.7 and 0.70, 1 and 1.0) read alike
def pct(x: float) -> str:
    return f"{fmt_fixed(x * 100, 0)}%"


# People read one scale: every score, expectation and grade on a page is a percentage
# (62%). The JSON exports, the CLI and the scorers' own arithmetic keep 0-1.
score = pct


def value(x: float | None, unit: str | None) -> str:
    """A measured value with its unit, as safe HTML: `24 h`, `90%`, `–` for none."""
    if x is None:
        return "–"
    if not unit:
        return fmt_grouped(x)
    return fmt_grouped(x) + _unit_suffix(unit)


@lru_cache(maxsize=256)
def _unit_suffix(unit: str) -> str:
    """What follows a value in `value` (a build has a few units, on every key result)."""
    return f"{'' if unit in ('%', '‰') else ' '}{inline(unit)}"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def is_are(n: int) -> str:
    return "is" if n == 1 else "are"


def day(d: date | None) -> str:
    return d.isoformat() if d is not None else "–"


def date_range(period: Period) -> str:
    return f"{period.start.isoformat()} to {period.end.isoformat()}"


STATUS_ORDER = ("off_track", "missed", "at_risk", "stale", "no_data", "on_track", "achieved",
                "planned")


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " "))


# -- chips and bars (inline HTML: a symbol and words, never colour alone) -------------------

_STATUS_CHIP = {  # status -> (tone, symbol)
    "planned": ("grey", "○"), "no_data": ("grey", "–"), "stale": ("yellow", "◔"),
    "on_track": ("green", "✓"), "at_risk": ("yellow", "!"), "off_track": ("red", "✗"),
    "achieved": ("green", "★"), "missed": ("red", "✗"),
}
_HEALTH_CHIP = {
    "healthy": ("green", "✓", "healthy"), "watch": ("yellow", "!", "watch"),
    "unhealthy": ("red", "✗", "unhealthy"), "no_thresholds": ("grey", "–", "no thresholds"),
    "no_data": ("grey", "–", "no data"),
}
_STATE_CHIP = {
    PeriodState.PLANNING: ("grey", "○"), PeriodState.ACTIVE: ("blue", "●"),
    PeriodState.CLOSED: ("grey", "■"),
}
HEALTH_ORDER = ("unhealthy", "watch", "no_data", "no_thresholds", "healthy")


def _chip(tone: str, symbol: str, label: str, kind: str, sort: int) -> str:
    return (f'<span class="okr-chip okr-chip--{tone}" data-{kind}="{label}" '
            f'data-sort="{sort}"><span class="okr-chip__icon" aria-hidden="true">{symbol}'
            f"</span> {label}</span>")


def status_chip(status: str) -> str:
    tone, symbol = _STATUS_CHIP.get(status, ("grey", "?"))
    rank = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
    return _chip(tone, symbol, status_label(status), "status", rank)


def health_chip(health: str) -> str:
    tone, symbol, label = _HEALTH_CHIP.get(health, ("grey", "?", health.replace("_", " ")))
    rank = HEALTH_ORDER.index(health) if health in HEALTH_ORDER else len(HEALTH_ORDER)
    return _chip(tone, symbol, label, "health", rank)


def state_chip(state: PeriodState) -> str:
    tone, symbol = _STATE_CHIP[state]
    return _chip(tone, symbol, state.value, "state", list(PeriodState).index(state))


RESTRICTED_CHIP = ('<span class="okr-chip okr-chip--restricted"><span class="okr-chip__icon" '
                   'aria-hidden="true">⊘</span> restricted</span>')


def status_glyph(status: str) -> str:
    """The symbol of a status, as its chip shows it."""
    return _STATUS_CHIP.get(status, ("grey", "?"))[1]


def status_tone(status: str) -> str:
    """The colour of a status: one rule for chips, bars and charts alike."""
    return _STATUS_CHIP.get(status, ("grey", "?"))[0]


_PACED = ("on_track", "at_risk", "off_track", "stale")  # statuses judged against a pace


def progress(result: KRResult | ObjectiveResult | UnitResult, *, with_status: bool = True
             ) -> str:
    """A bar for the eye and the same facts in words: `62% · on track`. The status
    decides the bar's colour (as it does the chip's); the tick on the bar is the score
    expected by now; at close the band is said in words."""
    if isinstance(result, KRResult):
        value_, raw, no_data = result.score.value, result.score.raw, result.score.no_data
    else:
        value_, no_data = result.score, result.no_data
        raw = getattr(result, "raw", None)
    words = "no data" if no_data else pct(value_)
    if not no_data and raw is not None and round(raw, 2) > 1:
        words += " (target exceeded)"
    if with_status and not (no_data and result.status == "no_data"):
        words += f" · {status_label(result.status)}"
        if result.status in ("achieved", "missed") and result.band:
            words += f" · {result.band} band"
    width = 0.0 if no_data else min(1.0, max(0.0, value_)) * 100
    style = f"--okr-fill:{width:.0f}%"
    if result.status in _PACED and result.expected > 0:
        style += f";--okr-expected:{min(1.0, result.expected) * 100:.0f}%"
    # One element: okrsite.css draws the bar before the words (a pseudo-element, not
    # read out), which carry the facts.
    return (f'<span class="okr-progress okr-progress--{status_tone(result.status)}" '
            f'style="{style}">{words}</span>')


def score_cell(result: ObjectiveResult | UnitResult) -> str:
    """A table cell: the score as a sortable percentage (or "no data")."""
    if result.no_data:
        return '<span data-sort="-1">no data</span>'
    return f'<span data-sort="{result.score:.4f}">{pct(result.score)}</span>'


# -- blocks (HTML; every text in them is already safe: see `safe.inline`) ------------------


def heading(level: int, text: str, anchor: str) -> str:
    """A heading with a fixed id, so anchors do not depend on the title. The site
    generator builds the table of contents from these ids."""
    return f'<h{level} id="{anchor}">{text}</h{level}>'


def h1(text: str) -> str:
    """The page's one `<h1>` (no id: the table of contents starts at `<h2>`)."""
    return f"<h1>{text}</h1>"


def para(text: str, css: str | None = None) -> str:
    if not text:
        return ""
    return f'<p class="{css}">{text}</p>' if css else f"<p>{text}</p>"


def meta_line(*parts: str) -> str:
    """A paragraph of facts, `·`-separated, styled as page metadata."""
    return para(" · ".join(p for p in parts if p), "okr-meta")


def bullets(items: Iterable[str], css: str | None = None) -> str:
    """A list of items (safe HTML each)."""
    body = "\n".join(f"<li>{item}</li>" for item in items)
    if not body:
        return ""
    return f'<ul class="{css}">\n{body}\n</ul>' if css else f"<ul>\n{body}\n</ul>"


def nested_list(items: Iterable[tuple[int, str]]) -> str:
    """A list of (depth, safe HTML) items as nested `<ul>`s; an item never goes more
    than one level deeper than the one before it."""
    out: list[str] = []
    open_lists = 0
    for depth, text in items:
        depth = min(depth, open_lists)
        if open_lists == 0 or depth == open_lists:  # the first item, or one level deeper
            out.append("<ul>")
            open_lists += 1
        else:
            out.append("</li>")
            while open_lists > depth + 1:
                out.append("</ul></li>")
                open_lists -= 1
        out.append(f"<li>{text}")
    if not out:
        return ""
    out.append("</li>" + "</ul></li>" * (open_lists - 1) + "</ul>")
    return "\n".join(out)


def admonition(kind: str, title_: str, body: str) -> str:
    """A Material admonition box; `body` is HTML (paragraphs, lists)."""
    return (f'<div class="admonition {kind}">\n<p class="admonition-title">{title_}</p>\n'
            f"{body}\n</div>")


def withheld_note(count: WithheldCount, kpis: int = 0) -> str:
    """Says what a public build left out here ("" when nothing was)."""
    sentences = []
    if count.objectives:
        sentences.append(f"{plural(count.objectives, 'restricted objective')} "
                         f"{is_are(count.objectives)} not shown in this build.")
    if count.key_results:
        sentences.append(f"{plural(count.key_results, 'key result')} that "
                         f"{'uses' if count.key_results == 1 else 'use'} a restricted KPI "
                         f"{is_are(count.key_results)} not shown in this build.")
    if kpis:
        sentences.append(f"{plural(kpis, 'restricted KPI')} {is_are(kpis)} not shown in "
                         "this build.")
    if not sentences:
        return ""
    # One quiet line: what is missing matters less than what is there.
    return para('<span aria-hidden="true">⊘</span> ' + " ".join(sentences), "okr-withheld")


def table(header: list[str], rows: Iterable[list[str]], sortable: bool = False,
          cards: tuple[int | None, int] | None = None) -> str:
    """An HTML table (cells already safe HTML). A sortable one is wrapped in
    `<div class="okr-sortable">` for okrsite.js.

    `cards` = (status column or None, title column): below a tablet's width each row
    becomes a card (okrsite.css), its status first, then its title, then the other
    cells, each with its column's name (`data-label`), so a phone never scrolls
    sideways to find the status."""
    head = "".join(header_cell(h) for h in header)
    if cards is None:
        cell = ["<td>"] * len(header)
    else:
        status, title = cards
        cell = [f'<td data-label="{_TAG.sub("", h)}">' if h else "<td>" for h in header]
        cell[title] = '<td class="okr-card-title">'
        if status is not None:
            cell[status] = '<td class="okr-card-status">'
    body = "\n".join("<tr>" + "".join(f"{cell[i]}{c}</td>" for i, c in enumerate(row))
                     + "</tr>" for row in rows)
    text = f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    css = " ".join(c for c in ("okr-sortable" if sortable else "",
                               "okr-cards" if cards is not None else "") if c)
    return f'<div class="{css}">\n{text}\n</div>' if css else text


_TAG = re.compile(r"<[^>]*>")


def fact_list(pairs: Iterable[tuple[str, str]], attrs: str = "") -> str:
    """A few labelled facts (label, safe HTML) on a line that wraps: a key result's
    baseline, current and target. A one-row table scrolled sideways on a phone.
    `attrs`: the list's other attributes (e.g. `page.UNSEARCHED`)."""
    # without the end tags HTML implies (`</dt>` before its `<dd>`, `</dd>` at the
    # div's end): 10 bytes a fact, 80 facts a unit page
    body = "".join(f"<div><dt>{k}<dd>{v}</div>" for k, v in pairs)
    return f'<dl class="okr-facts"{attrs}>{body}</dl>' if body else ""


def details(summary: str, body: str, css: str = "okr-how", open_: bool = False) -> str:
    """A collapsed section; `summary` and `body` are safe HTML."""
    return (f'<details class="{css}"{" open" if open_ else ""}>\n'
            f"<summary>{summary}</summary>\n{body}\n</details>")


def join_blocks(blocks: Iterable[str]) -> str:
    """A page body: its blocks one per line, empty ones dropped; ends with a newline."""
    return "\n".join(b.strip("\n") for b in blocks if b and b.strip()) + "\n"


# -- the site context -----------------------------------------------------------------------


@dataclass(frozen=True)
class Update:
    """A key result's latest check-in (or its KPI's measurement)."""

    date: date
    note: str | None  # Markdown
    by: str | None  # the check-in's `by:` (a person's id or name), as written
    committer: str | None  # else the author of the commit that added it (history on)
    measurement: bool  # a KPI's measurement, not a check-in


@dataclass
class Site:
    """Everything a page needs, with the indexes built once per build."""

    content: Content  # what this build shows: the public view unless include_restricted
    card: Scorecard  # of that content, as of the build's date, with its scoring settings
    withheld: Withheld
    internal: bool = False  # the build includes restricted items
    directory_urls: bool = True  # links are `a/b/`, else `a/b.html`
    md: SafeMarkdown = field(default_factory=SafeMarkdown)
    history: History | None = None  # git history, when the build reads it
    goalposts: dict[str, list[Goalpost]] = field(default_factory=dict)  # KR ref -> moves
    people: PeopleIndex = field(default_factory=lambda: PeopleIndex({}))  # Build.people
    attention: Attention = field(default_factory=lambda: Attention((), (), ()))
    authors: EntryAuthors | None = None  # Build.entry_authors: who committed each entry
    periods: dict[str, Period] = field(init=False)
    units: list[str] = field(init=False)  # org order (depth first), then unknown ones
    objectives: dict[str, Objective] = field(init=False)  # by ref
    beneath: dict[str, list[Objective]] = field(init=False)  # objective ref -> aligned ones
    _at_close: dict[str, OrgAtClose | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.periods = {p: self.content.period(p) for p in self.card.periods}
        self.units = self.content.ordered_units()
        self.objectives = {str(o.ref): o for o in self.content.objectives()}
        self.beneath = {}
        self._at_close = {}
        for o in self.content.objectives():
            parent = self.parent_ref(o)
            if parent is not None:
                self.beneath.setdefault(parent, []).append(o)

    @property
    def root(self) -> str | None:
        """The root unit (the company), if the org has exactly one."""
        roots = [u.id for u in self.content.org.units.values() if u.parent is None]
        return roots[0] if len(roots) == 1 else None

    @property
    def as_of(self) -> date:
        return self.card.as_of

    def state(self, period: str) -> PeriodState:
        return self.card.period_states.get(period) or self.periods[period].state(self.as_of)

    def unit_name(self, unit: str, period: str | None = None) -> str:
        """The unit's name; on a closed period's pages, its name at close (the final
        record's), so that a later rename does not rewrite what the period was."""
        found = self.content.org.units.get(unit)
        now = found.name if found is not None else unit
        at_close = self.org_at_close(period)
        return at_close.name(unit, now) if at_close is not None else now

    def unit_parent(self, unit: str, period: str | None = None) -> str | None:
        """The unit the unit was part of: at close, for a closed period."""
        found = self.content.org.units.get(unit)
        now = found.parent if found is not None else None
        at_close = self.org_at_close(period)
        return at_close.parent(unit, now) if at_close is not None else now

    def unit_ancestors(self, unit: str, period: str | None = None) -> list[str]:
        """Parent first, root last (at close, for a closed period); a cycle ends it."""
        if self.org_at_close(period) is None:
            return [u.id for u in self.content.org.ancestors(unit)] \
                if unit in self.content.org.units else []
        out: list[str] = []
        parent = self.unit_parent(unit, period)
        while parent is not None and parent not in out and parent != unit:
            out.append(parent)
            parent = self.unit_parent(parent, period)
        return out

    def unit_children(self, unit: str, period: str | None = None) -> list[str]:
        now = [c.id for c in self.content.org.children(unit)]
        at_close = self.org_at_close(period)
        return at_close.children(unit, now) if at_close is not None else now

    def org_at_close(self, period: str | None) -> OrgAtClose | None:
        """A closed period's org as its final record keeps it (okrsite.final)."""
        if period is None or period not in self.periods:
            return None
        if period not in self._at_close:  # as of a day before the close: the org now
            closed = self.state(period) is PeriodState.CLOSED
            self._at_close[period] = org_at_close(self.periods[period]) if closed else None
        return self._at_close[period]

    def parent_ref(self, objective: Objective) -> str | None:
        """The objective this one aligns to (a KR's objective for a KR), as a ref string,
        if it is in this build."""
        if objective.aligns_to is None:
            return None
        ref = str(objective.aligns_to.in_period(objective.period).objective_ref)
        return ref if ref in self.objectives else None

    def unit_result(self, period: str, unit: str) -> UnitResult | None:
        return self.card.units.get(f"{period}:{unit}")

    def objective_result(self, objective: Objective) -> ObjectiveResult:
        return self.card.objectives[str(objective.ref)]

    def kr_result(self, kr: KeyResult) -> KRResult:
        return self.card.krs[str(kr.ref)]

    def unit_periods(self, unit: str) -> list[str]:
        return [p for p in self.card.periods if (p, unit) in self.content.okrs]

    def url(self, from_page: str, to_page: str, anchor: str | None = None) -> str:
        return rel(from_page, to_page, anchor, self.directory_urls)

    def link(self, from_page: str, to_page: str, text: str, anchor: str | None = None) -> str:
        """`<a href="…">text</a>`; `text` must already be safe HTML."""
        return link(from_page, to_page, text, anchor, self.directory_urls)

    def objective_url(self, from_page: str, ref: Ref | str) -> str:
        ref = Ref.parse(ref) if isinstance(ref, str) else ref
        return self.url(from_page, unit_period_page(ref.period or "", ref.unit),
                        objective_anchor(ref.objective))

    def objective_link(self, from_page: str, objective: Objective, *,
                       context: bool = True) -> str:
        """`<a href="…#o-id">Title</a>`, with `Unit · Period` after it when asked."""
        text = (f'<a href="{self.objective_url(from_page, objective.ref)}">'
                f"{inline(objective.title)}</a>")
        if context:
            text += (f" ({inline(self.unit_name(objective.unit, objective.period))} · "
                     f"{objective.period})")
        return text

    def person_link(self, from_page: str, name: str) -> str:
        """A person's name linked to their page when people.yaml has them; else the
        text as written (free text stays valid)."""
        person = self.content.person(name)
        if person is None or person.id not in self.people.people:
            return inline(name)
        return self.link(from_page, person_page(person.id), inline(person.name))

    def latest_update(self, kr: KeyResult, last: date | None) -> Update | None:
        """The latest update of a key result on or before as of (`last`, its result's
        `last_check_in`): its check-in, or its KPI's measurement, with the note and who
        made it: the check-in's `by:`, else the author of the commit that added it."""
        if last is None:
            return None
        if kr.kpi and kr.kpi in self.content.kpis:
            found = next((m for m in reversed(self.content.kpis[kr.kpi].measurements)
                          if m.date == last), None)
            if found is None:
                return None
            return Update(last, found.note, None, self._author(f"kpi:{kr.kpi}", last), True)
        check_in = next((c for c in reversed(kr.check_ins) if c.date == last), None)
        if check_in is None:
            return None
        author = None if check_in.by else self._author(str(kr.ref), last)
        return Update(last, check_in.note, check_in.by, author, False)

    def _author(self, ref: str, day: date) -> str | None:
        return self.authors.author(ref, day) if self.authors is not None else None

    def unit_link(self, from_page: str, unit: str, period: str | None = None) -> str:
        """The unit's page for a period if it has OKRs then, else its overview."""
        if period and (period, unit) in self.content.okrs:
            target = unit_period_page(period, unit)
        elif unit in self.content.org.units:
            target = unit_page(unit)
        else:  # not in org.yaml (`okrsite check` reports it): no page to link to
            return inline(self.unit_name(unit, period))
        return self.link(from_page, target, inline(self.unit_name(unit, period)))

    def period_as_of(self, period: str) -> date:
        """The day a period's pages are as of: the build's as-of, but for a closed
        period the day its figures are for (Period.scoring_date: its close or latest
        amendment), so its pages say what its scores used and stay the same, and
        cacheable, when a later build's as-of moves (okrsite.render.inputs)."""
        found = self.periods.get(period)
        return found.scoring_date(self.as_of) if found is not None else self.as_of

    def as_of_line(self, *more: str, period: str | None = None) -> str:
        """The page's "As of" line; `period`: a page of that period (`period_as_of`)."""
        build = "internal build: includes restricted items" if self.internal else ""
        day = self.as_of if period is None else self.period_as_of(period)
        return meta_line(f"As of {day.isoformat()}", *more, build)

    def state_words(self, period: str) -> str:
        p = self.periods[period]
        return f"{inline(p.title)} is {self.state(period).value} ({date_range(p)})"

    def status_counts(self, period: str, units: Iterable[str] | None = None
                      ) -> tuple[dict[str, int], dict[str, int]]:
        """Objectives and key results by status in a period (over some units)."""
        objectives: dict[str, int] = {}
        krs: dict[str, int] = {}
        for u in (self.units if units is None else units):
            result = self.unit_result(period, u)
            if result is None:
                continue
            for k, v in result.counts.items():
                objectives[k] = objectives.get(k, 0) + v
            for k, v in result.kr_counts.items():
                krs[k] = krs.get(k, 0) + v
        return objectives, krs


def trend_bar(site: Site, period: str, unit: str) -> Bar | None:
    """A unit's score in a period as a bar of a trend chart: coloured by its status,
    "so far" while the period is active, no data while it is in planning."""
    res = site.unit_result(period, unit)
    if res is None:
        return None
    state = site.state(period)
    no_data = res.no_data or state is PeriodState.PLANNING
    return Bar(period, None if no_data else res.score, status_label(res.status),
               status_tone(res.status), in_progress=state is PeriodState.ACTIVE)


def counts_text(counts: dict[str, int]) -> str:
    """`2 on track, 1 at risk` in a fixed order; `none` when empty."""
    parts = [f"{counts[s]} {status_label(s)}" for s in STATUS_ORDER if counts.get(s)]
    return ", ".join(parts) or "none"


def counts_table(objectives: dict[str, int], krs: dict[str, int]) -> str:
    rows = [[status_chip(s), str(objectives.get(s, 0)), str(krs.get(s, 0))]
            for s in STATUS_ORDER if objectives.get(s) or krs.get(s)]
    if not rows:
        return para("No objectives.")
    return table(["Status", "Objectives", "Key results"], rows)


def aspirational_note(objectives: Iterable[Objective]) -> str:
    """The note, once per page, when an aspirational objective's score is on it."""
    if not any(o.type == "aspirational" for o in objectives):
        return ""
    return para(ASPIRATIONAL_NOTE, "okr-aspirational-note")
