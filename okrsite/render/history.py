"""History on the site: the recent-changes page, change-log sections for unit pages,
objective revisions, and the audit page of a period with its downloads.

Every string that comes from YAML or git (titles, notes, reasons, author names,
commit subjects) is escaped with `esc` before it goes into a page: a commit
subject is as untrusted as a YAML title. Short shas are hex and dates ISO, which
we check before using them unescaped. Escaping is `okrsite.render.safe.inline`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from okrsite.digest import digest_of
from okrsite.final import org_at_close
from okrsite.history.audit import AuditedChange, PeriodAudit, exports
from okrsite.history.downloads import EXPORTS, kept_exports
from okrsite.history.restrict import content_marks
from okrsite.history.text import describe, fmt
from okrsite.history.types import Change, History, HistoryEntry
from okrsite.model import FinalRecord
from okrsite.render.common import (
    asset_url,
    h1,
    heading,
    join_blocks,
    nested_list,
    para,
    pct,
    plural,
    status_chip,
    table,
)
from okrsite.render.page import Asset, Page, Searched
from okrsite.render.safe import inline

if TYPE_CHECKING:
    from okrsite.pipeline import Build
    from okrsite.render.inputs import PageInputs

CHANGES_PATH = "changes.md"
RECENT_COMMITS = 100  # commits on the recent-changes page
CHANGES_PER_COMMIT = 20  # change lines under one commit before "and N more"

_EXTRA = str.maketrans({":": "&#58;", "@": "&#64;"})  # emoji `:x:`, magiclink `@user`
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


def esc(text: object) -> str:
    """Untrusted text as inert inline text (HTML, or Markdown for the PR summary), on
    one line: `safe.inline`, plus `:` and `@`, which the emoji and magiclink
    extensions would read."""
    return inline(text).translate(_EXTRA)


def _sha(sha: str) -> str:
    return f"<code>{sha}</code>" if _HEX.match(sha) else esc(sha)


def _entry_line(entry: HistoryEntry) -> str:
    c = entry.commit
    subject = esc(entry.subject) if entry.subject is not None else (
        "<em>(subject not shown: this commit also changed restricted items)</em>")
    return (f"<strong>{c.date.isoformat()}</strong> · {esc(c.author)} · {subject} · "
            f"{_sha(c.short)}")


def _change_line(change: Change, level: str, names: Mapping[str, str] | None = None) -> str:
    text = esc(describe(change, level, names))
    if change.goalpost:
        text += " — <strong>goalpost moved" + (", eased</strong>" if change.eased
                                               else "</strong>")
    if change.rewrites_history:
        text += " — <strong>past entry rewritten</strong>"
    return text


def _entry_items(entry: HistoryEntry, level: str, mark: str = "",
                 per_commit: int = CHANGES_PER_COMMIT,
                 names: Mapping[str, str] | None = None) -> list[tuple[int, str]]:
    """One commit and its changes, as (depth, HTML) items of a nested list."""
    items = [(0, _entry_line(entry) + mark)]
    if entry.boundary:
        items.append((1, "history starts here (shallow clone): "
                         f"{plural(len(entry.changes), 'item')} already present"))
        return items
    items += [(1, _change_line(change, level, names))
              for change in entry.changes[:per_commit]]
    if len(entry.changes) > per_commit:  # the rest one click away, not left out
        rest = entry.changes[per_commit:]
        more = "\n".join(f"<li>{_change_line(c, level, names)}</li>" for c in rest)
        items.append((1, f'<details class="okr-more"><summary>and '
                         f"{plural(len(rest), 'more change')}</summary>\n<ul>\n{more}\n</ul>"
                         "</details>"))
    if entry.withheld:
        s = "s" if entry.withheld != 1 else ""
        items.append((1, f"{entry.withheld} change{s} to restricted items not shown"))
    return items


def _entries(entries: Iterable[HistoryEntry], level: str,
             names: Mapping[str, str] | None = None) -> str:
    return nested_list(item for entry in entries
                       for item in _entry_items(entry, level, names=names))


def _horizon(history: History) -> str:
    return para(f"<em>{esc(history.horizon)}</em>")


def changes_page(history: History, limit: int = RECENT_COMMITS,
                 names: Mapping[str, str] | None = None) -> Page:
    """`changes.md`: the most recent commits that changed the content, site-wide, with
    units and KPIs by name (`names`: `unit:<id>`/`kpi:<id>` to the name pages use)."""
    blocks = [h1("Recent changes")]
    if not history.available:
        blocks.append(_horizon(history))
    elif not history.entries:
        blocks.append(para("No recorded changes yet."))
    else:
        shown = history.entries[:limit]
        recent = ("The most recent commit" if len(shown) == 1 else
                  f"The {len(shown)} most recent commits")
        blocks.append(para(f"{recent} that changed the OKRs and KPIs, newest first. "
                           "Goalpost changes (a key result's target, "
                           "baseline, direction or weight) and rewritten past entries are in "
                           "bold."))
        blocks.append(_entries(shown, "site", names))
        blocks.append(_horizon(history))
    return Page(CHANGES_PATH, "Recent changes", join_blocks(blocks),
                {"title": "Recent changes", "description": "What changed in the OKRs and "
                 "KPIs, commit by commit."}, in_nav=True)


def unit_period_history(history: History, period: str, unit: str) -> str:
    """The "Change log" section of a unit page: every commit that changed this unit's
    OKRs for the period (following renames of its file), newest first."""
    blocks = [heading(2, "Change log", "change-log")]
    if not history.available:
        blocks.append(_horizon(history))
        return join_blocks(blocks)
    entries = history.for_unit_period(period, unit)
    if not entries:
        blocks.append(para("No recorded changes." + (
            f" {esc(history.horizon)}" if history.shallow else "")))
        return join_blocks(blocks)
    blocks.append(_entries(entries, "unit"))
    if history.shallow:
        blocks.append(_horizon(history))
    return join_blocks(blocks)


# -- audit ------------------------------------------------------------------------------------


def audit_path(period: str) -> str:
    return f"audit/{period}.md"


def audit_assets(audit: PeriodAudit) -> list[Asset]:
    """`audit/<period>/okrs.csv`, `check-ins.csv`, `okrs.json`, `manifest.json`."""
    return [Asset(f"audit/{audit.period.id}/{name}", data)
            for name, data in exports(audit.record).items()]


def _score(value: float | None) -> str:
    return "–" if value is None else pct(value)


def audit_page(audit: PeriodAudit, directory_urls: bool = True,
               units: Mapping[str, str] | None = None) -> Page:
    """The audit page of a period, to be read on screen or printed and signed: the
    summary first (it fits the first A4 page), then every score at close beside the
    score now, the changes after the start with the commits after the close flagged
    (no amendment, amended, or only recording the close), the amendments and the
    manifest. Units and key results by name, ids small beside them; `units`: unit id
    -> name where it is not the org's now (a closed period's names at close)."""
    p = audit.period
    path = audit_path(p.id)
    names = {**audit.manifest["units"], **(units or {})}  # the manifest's: names now
    downloads = " · ".join(
        f'<a href="{asset_url(path, f"audit/{p.id}/{name}", directory_urls)}">{name}</a>'
        for name in exports_names())
    blocks = [h1(f"Audit: {esc(p.title)}"),
              '<div class="okr-audit okr-audit-summary">',
              heading(2, "Summary", "summary"),
              _facts(_summary(audit)),
              para(f"Downloads: {downloads}"),
              "</div>",
              heading(2, "Scores", "scores")]
    blocks.append(_scores(audit, names))
    blocks += _changes(audit)
    blocks.append(heading(2, "Amendments", "amendments"))
    if not audit.amendments:
        blocks.append(para("None recorded."))
    else:
        rows = []
        for rec in audit.amendments:
            a = rec.amendment
            made = ", ".join(f"{_sha(e.commit.short)} {e.commit.date.isoformat()} "
                             f"{esc(e.commit.author)}" for e in rec.commits
                             if not e.boundary) or (
                "–" if not audit.history.available else
                "attribution unknown: shallow clone" if audit.history.shallow else
                "not found in the history")
            rows.append([a.date.isoformat(), esc(a.by), esc(fmt(a.reason)), made])
        blocks.append(_audit_table(["Date", "By", "Reason", "Made in"], rows,
                                   cards=(None, 0)))
    m = audit.manifest
    blocks.append(heading(2, "Manifest", "manifest"))
    blocks.append(para(
        f"okrsite {esc(m['okrsite_version'])}; scorers "
        + (", ".join(f"{esc(k)} {esc(v)}" for k, v in m["scorers"].items()) or "none")
        + f"; as of {m['as_of']}; fiscal year starts in month {m['fiscal_year_start']}"
        + (f"; commit {_sha(m['commit'])}" if m.get("commit") else "") + "."))
    blocks.append(_audit_table(["File", "Git blob", "sha256"],
                               [[esc(f["path"]), f"<code>{f['git_blob']}</code>",
                                 f"<code>{f['sha256']}</code>"] for f in m["files"]],
                               cards=(None, 0)))
    blocks.append(para("The digest is the sha256 of the manifest's canonical JSON (sorted "
                       "keys, no spaces) without <code>digest</code> and <code>commit</code>; "
                       "<code>okrsite export</code> rebuilds it."))
    blocks.append(para("Checked by: ____________________ · Date: ____________ · "
                       "Signature: ____________________", "okr-audit-sign"))
    return Page(path, f"Audit {p.id}", join_blocks(blocks),
                {"title": f"Audit {p.id}", "description": f"Scores, changes, amendments and "
                 f"manifest of {p.id}"})


def _facts(pairs: list[tuple[str, str]]) -> str:
    body = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in pairs)
    return f'<table class="okr-audit-facts">\n<tbody>\n{body}\n</tbody>\n</table>'


def _audit_table(header: list[str], rows: list[list[str]],
                 cards: tuple[int | None, int]) -> str:
    """A table of the audit page: its print styles are the page's own (okrsite.css)."""
    return f'<div class="okr-audit">\n{table(header, rows, cards=cards)}\n</div>'


def _summary(audit: PeriodAudit) -> list[tuple[str, str]]:
    """The facts an auditor signs for, as (label, safe HTML)."""
    p, m = audit.period, audit.manifest
    state = f"<strong>{audit.state.value}</strong>"
    if p.closed_on is not None and audit.final:
        state += f", closed on {p.closed_on.isoformat()}" + (
            f" by {esc(p.closed_by)}" if p.closed_by else "")
    kind = "final" if audit.final else "current"
    facts = [("Period", f"{esc(p.title)}: {p.start.isoformat()} to {p.end.isoformat()}"),
             ("State", state),
             ("Scores", f"{kind}, as of {m['as_of']}" + (
                 " (the latest amendment)" if audit.final and p.amendments else ""))]
    final = p.final
    if final is not None:
        text = f"<code>{final.digest}</code>"
        if final.at_close_digest:
            text += f"; at close <code>{final.at_close_digest}</code>"
        facts.append(("Final record", text))
    facts.append(("Manifest digest", f"<code>{m['digest']}</code>"))
    history = audit.history
    if not history.available:
        facts.append(("History", esc(history.horizon)))
        return facts
    goal = sum(len(a.goalposts) for a in audit.changes)
    eased = sum(1 for a in audit.changes for c in a.goalposts if c.eased)
    here = " in this clone" if history.shallow else ""
    facts.append(("Changes since the start", f"{plural(len(audit.changes), 'commit')}{here}; "
                  f"{plural(goal, 'goalpost change')}, {eased} eased"))
    if p.closed_on is not None:
        after = audit.after_close
        bare = [a for a in after if a.unamended]
        amended = [a for a in after if a.amended_by is not None]
        text = (f"{plural(len(after), 'commit')}: "
                f"<strong>{len(bare)} without an amendment</strong>, {len(amended)} amended"
                + (f", {len(after) - len(bare) - len(amended)} only recording the close"
                   if len(after) - len(bare) - len(amended) else "")
                ) if after else "none"
        facts.append(("Commits after the close", text))
    facts.append(("Amendments", str(len(audit.amendments)) if audit.amendments else "none"))
    backdated = [a for a in audit.changes if a.backdated is not None]
    if backdated:
        facts.append(("Dates not trustworthy", f"<strong>{plural(len(backdated), 'commit')} "
                      "dated before a commit it follows</strong>"))
    if history.shallow:
        oldest = history.oldest.isoformat() if history.oldest else "its first commit"
        facts.append(("Attribution", f"<strong>unknown before {oldest}</strong>: this is a "
                      "shallow clone; who made the earlier changes, and when, is not in it "
                      "(build from a full clone: <code>fetch-depth: 0</code>)"))
    return facts


def _scores(audit: PeriodAudit, names: Mapping[str, str]) -> str:
    """Every objective and key result with its score at close (the final record), after
    amendment when amended, and now."""
    if not audit.objectives:
        return para("No objectives.")
    final = audit.period.final
    amended = final is not None and final.at_close_digest is not None
    head = [Searched("Unit"), "Objective / key result"]
    if final is not None:
        head += ["At close"] + (["After amendment"] if amended else [])
    head += ["Now", "Status"]
    rows = []
    for o in audit.objectives:
        unit = o["unit"]
        refs = [(f"{unit}/{o['id']}", o, True)] + [
            (f"{unit}/{o['id']}/{k['id']}", k, False) for k in o["key_results"]]
        for ref, item, is_objective in refs:
            title = (f"<strong>{esc(item['title'])}</strong> <small>{esc(item['id'])} · "
                     f"{esc(item['type'])}</small>" if is_objective else
                     f"↳ {esc(item['title'])} <small>{esc(item['id'])}</small>")
            row = [f"{esc(names.get(unit, unit))} <small>{esc(unit)}</small>"
                   if is_objective else "", title]
            if final is not None:
                row.append(_recorded(final, ref, at_close=True))
                if amended:
                    row.append(_recorded(final, ref, at_close=False))
            row += [_score(item["score"]),
                    status_chip(item["status"]) if item["status"] else "–"]
            rows.append(row)
    return _audit_table(head, rows, cards=(len(head) - 1, 1))


def _changes(audit: PeriodAudit) -> list[str]:
    p = audit.period
    blocks = [heading(2, f"Changes after the period started ({p.start.isoformat()})",
                      "changes")]
    history = audit.history
    if not history.available:
        return [*blocks, _horizon(history)]
    if audit.boundary is not None:  # said first: every line below is read with it
        b = audit.boundary.commit
        blocks.append(para(
            f"<strong>Attribution unknown before {b.date.isoformat()}:</strong> this is a "
            f"shallow clone, and its history starts at commit {_sha(b.short)}. What the "
            "period held then is taken as given; who made those changes, and when, is not "
            "in this clone (fetch the whole history: <code>git fetch --unshallow</code>)."))
    if not audit.changes:
        blocks.append(para("No change was committed after the period started."))
        return blocks
    closed = p.closed_on is not None
    blocks.append(para(
        "Newest first. Goalpost changes are in bold. "
        + ("Each commit after the close says whether an amendment covers it: one added in "
           "it or in a later commit. " if closed else "")
        + "A commit dated before a commit it follows is flagged: its date is not "
        "trustworthy."))
    blocks.append(nested_list(item for a in audit.changes
                              for item in _entry_items(a.entry, "period", _marks(a))))
    if history.shallow:
        blocks.append(_horizon(history))
    return blocks


def _marks(a: AuditedChange) -> str:
    marks = []
    if a.after_close:
        if a.adds is not None:
            marks.append(f"after close: adds the amendment of {a.adds.date.isoformat()} "
                         f"by {esc(a.adds.by)}")
        elif a.amended_by is not None:
            marks.append(f"after close, amended ({a.amended_by.date.isoformat()}, "
                         f"{esc(a.amended_by.by)})")
        elif a.records:
            marks.append("after close: records the close")
        else:
            marks.append('<strong class="okr-audit-flag">after close, no amendment'
                         "</strong>")
    if a.backdated is not None:
        before = "its parent" if a.backdated.parent else "an earlier commit"
        marks.append(f'<strong class="okr-audit-flag">dated before {before} '
                     f"({a.backdated.not_before.isoformat()}): date not trustworthy</strong>")
    return "".join(f" · {m}" for m in marks)


def _recorded(final: FinalRecord, ref: str, at_close: bool) -> str:
    """An item's score in the final record: at close, or as last recorded."""
    items = {i.ref: i for i in final.items}
    if at_close:
        items |= {i.ref: i for i in final.at_close}
    item = items.get(ref)
    if item is None or item.score is None:
        return "–"
    return pct(item.score)


def exports_names() -> tuple[str, ...]:
    return ("okrs.csv", "check-ins.csv", "okrs.json", "manifest.json")


HistoryJob = tuple[str, str, Callable[[], Page]]  # path, digest of its inputs ("": none), make


def history_pages(build: Build) -> tuple[list[Page], list[Asset]]:
    """Everything history adds to a site: `changes.md`, and for every period
    `audit/<period>.md` with its downloads (the build's records, never scored again)."""
    jobs, assets = history_jobs(build, None)
    return [make() for _, _, make in jobs], assets


def history_jobs(build: Build, inputs: PageInputs | None
                 ) -> tuple[list[HistoryJob], list[Asset]]:
    """The history pages as jobs for the page cache (okrsite.render), and the audit
    downloads. With `inputs` (a build with a page cache) each page has the digest of
    everything it is made of (`history_key`), and a period's downloads are taken from
    cache_dir under its audit page's digest (history.downloads.kept_exports): a warm
    build of the same content, commit, settings and as-of neither reads the records
    nor renders a history page (the final cache replays them)."""
    content = build.view.content
    names = {**{f"unit:{u.id}": u.name for u in content.org.units.values()},
             **{f"kpi:{k.id}": k.name for k in content.kpis.values()}}
    key = history_key(build, inputs)
    jobs: list[HistoryJob] = [(CHANGES_PATH, digest_of("changes", key, names) if key else "",
                               lambda: changes_page(build.history, names=names))]
    assets: list[Asset] = []
    kind = build.settings.but(cache_dir=None, as_of=None).key()  # one entry per kind
    for period in content.periods:
        slot, digest = f"{period}\0{kind}", ""
        if key and inputs is not None:
            digest = digest_of("audit", key, period,
                               [inputs.unit_period(p, u) for p, u in sorted(content.okrs)
                                if p == period])
        jobs.append((audit_path(period), digest, partial(_audit_page, build, period)))
        made = kept_exports(build.settings.cache_dir, slot,
                            digest, partial(_exports, build, period))
        assets += [Asset(f"audit/{period}/{name}", data) for name, data in made.items()]
    return jobs, assets


def history_key(build: Build, inputs: PageInputs | None) -> str:
    """The digest of what every history page and download is made of but a period's
    own files and results (its audit page adds those: its unit periods' digests):
    what every page is (`inputs.base`: okrsite's code, the settings, the as-of, the
    org, people and period files, the scorers, the commit), what git gives at that
    commit (a shallow clone's oldest commit, which a deeper fetch changes), what the
    content restricts now (it withholds history: Build.history) and the KPI files
    (their directions decide eased goalposts; their names are shown). So in `serve`
    an edit renders again only the audit page of its period.

    "" (nothing kept) without a page cache, for a model built in memory (no files
    to name) or with a plugin scorer, whose code is not in the digest (its scores are
    not either: okrsite.scoring.store)."""
    if inputs is None or not inputs.files or not build.registry.only_okrsites():
        return ""
    h = build.history
    oldest = h.entries[-1].commit.sha if h.entries else ""
    marks = "" if build.settings.include_restricted else sorted(content_marks(build.content))
    kpis = sorted((rel, sha) for rel, sha in inputs.files.items() if rel.startswith("kpis/"))
    return digest_of("history-pages", inputs.base, h.available, h.reason, h.shallow,
                     len(h.entries), oldest, marks, kpis)


def _exports(build: Build, period: str) -> dict[str, bytes]:
    made = exports(build.records[period])
    assert tuple(made) == EXPORTS
    return made


def _audit_page(build: Build, period: str) -> Page:
    content = build.view.content
    audit = build.audits[period]
    at_close = org_at_close(audit.period)
    units = {u.id: (at_close.name(u.id, u.name) if at_close else u.name)
             for u in content.org.units.values()}
    if at_close is not None and audit.final:
        units |= at_close.names
    return audit_page(audit, build.settings.directory_urls, units)
