"""The alignment cascade of one period (`cascade/<period>.md`), drawn and in words.

The tree starts at the root unit's objectives (the company's) and shows beneath each
objective the objectives that align to it. Where a quarter's objectives align to
the year's, the tree starts at the year's company objectives and crosses into the
quarter. Alignment health is the share of this period's objectives outside the root
unit that align to another objective; the unaligned ones are listed.

The drawing is an inline SVG: one row a node, indented by its depth, in its status's
colour and glyph, each a link to the objective. It stays readable at any size of
organisation: levels are drawn while the whole next level fits in `MAX_NODES` (at most
`MAX_DEPTH` levels); a node whose objectives beneath are not drawn links to its unit's
own cascade (`cascade/<period>/<unit>/index.md`, made only for the units so linked),
which starts at that unit's objectives. The period's list in words below it holds the
whole tree; a unit's page lists as deep as it draws, and links on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from okrsite.model import Objective
from okrsite.render.common import (
    Site,
    aspirational_note,
    bullets,
    cascade_page,
    cascade_unit_page,
    details,
    h1,
    heading,
    join_blocks,
    meta_line,
    nested_list,
    para,
    period_page,
    plural,
    score,
    score_cell,
    search_meta,
    status_chip,
    status_glyph,
    status_label,
    status_tone,
    table,
    withheld_note,
)
from okrsite.render.page import Page
from okrsite.render.page import Searched as S
from okrsite.render.safe import attr, clean, inline, title_text

MAX_NODES = 60  # objectives in one drawing: a phone screen scrolls through 60 rows
MAX_DEPTH = 6  # levels in one drawing (the deepest is indented 5 steps)

Children = Callable[[str], list[Objective]]


def cascade_pages(site: Site, period_id: str) -> Iterator[Page]:
    """The period's cascade, then the cascade of each unit it links to (and of each
    unit those link to), each once."""
    order = _order(site)
    in_period = site.content.objectives(period_id)
    first, wanted = cascade(site, period_id, order)
    yield first
    done: set[str] = set()
    queue = list(wanted)
    while queue:
        unit = queue.pop(0)
        if unit in done:
            continue
        done.add(unit)
        page, more = unit_cascade(site, period_id, unit, order, in_period)
        yield page
        queue.extend(u for u in more if u not in done)


def cascade(site: Site, period_id: str,
            order: dict[str, tuple[int, int, int]] | None = None) -> tuple[Page, list[str]]:
    """The period's cascade page, and the units whose own cascade it links to."""
    path = cascade_page(period_id)
    period = site.periods[period_id]
    root = site.root
    in_period = site.content.objectives(period_id)
    order = order if order is not None else _order(site)

    nodes: dict[str, Objective] = {}
    for o in in_period:
        nodes[str(o.ref)] = o
        parent = site.parent_ref(o)
        # A node already in `nodes` has its whole chain there: each link is walked once.
        while parent is not None and parent not in nodes:
            nodes[parent] = site.objectives[parent]
            parent = site.parent_ref(site.objectives[parent])
    for other_id, other in site.periods.items():
        if other_id != period_id and other.contains(period):
            for o in site.content.objectives(other_id):
                if o.unit == root:
                    nodes.setdefault(str(o.ref), o)

    def children(ref: str) -> list[Objective]:
        return sorted((c for c in site.beneath.get(ref, []) if str(c.ref) in nodes),
                      key=lambda c: order[str(c.ref)])

    roots = sorted((o for ref, o in nodes.items()
                    if site.parent_ref(o) not in nodes
                    and (o.unit == root or children(ref))),
                   key=lambda o: order[str(o.ref)])

    lines = [(depth, _item(site, path, o)) for o, depth in _walk(roots, children)]

    expected = [o for o in in_period if o.unit != root]
    hidden = [o for o in expected if str(o.ref) in site.withheld.hidden_alignments]
    hidden_refs = {str(o.ref) for o in hidden}
    aligned = [o for o in expected
               if site.parent_ref(o) is not None or str(o.ref) in hidden_refs]
    aligned_refs = {str(o.ref) for o in aligned}
    unaligned = [o for o in expected if str(o.ref) not in aligned_refs]

    blocks = [h1(f"Cascade of {inline(period.title)}")]
    blocks.append(site.as_of_line(site.state_words(period_id), period=period_id))
    blocks.append(para(site.link(path, period_page(period_id), f"All objectives of "
                                 f"{inline(period.title)}"), "okr-breadcrumbs"))
    blocks.append(withheld_note(site.withheld.period(period_id)))

    blocks.append(heading(2, "Alignment health", "health"))
    if expected:
        share = len(aligned) / len(expected)
        blocks.append(para(
            f'<span class="okr-progress okr-progress--neutral" '
            f'style="--okr-fill: {share * 100:.0f}%" aria-hidden="true"></span>'
            f"{len(aligned)} of {plural(len(expected), 'objective')} below the "
            f"company level align to another objective: {share * 100:.0f}%."))
        if hidden:
            blocks.append(para(f"{plural(len(hidden), 'objective')} "
                               f"{'aligns' if len(hidden) == 1 else 'align'} to a restricted "
                               "objective that is not shown in this build; counted as "
                               "aligned."))
    else:
        blocks.append(para("No objectives below the company level in this period."))

    blocks.append(heading(2, "Cascade", "tree"))
    drawing = _Drawing(site, path, period_id, None, roots, children)
    blocks.append(drawing.figure(f"Cascade of {period.title}"))
    blocks.append(_in_words(nested_list(lines) or para("No company objectives to start from.")))
    if hidden:
        blocks.append(para("Aligned to a restricted objective that is not shown in this "
                           "build:"))
        blocks.append(bullets(_item(site, path, o) for o in hidden))

    blocks.append(heading(2, "Unaligned objectives", "unaligned"))
    if unaligned:
        rows = []
        for o in unaligned:
            res = site.objective_result(o)
            rows.append([site.unit_link(path, o.unit, period_id),
                         site.objective_link(path, o, context=False),
                         site.person_link(path, o.owner) if o.owner else "–",
                         score_cell(res),
                         status_chip(res.status)])
        blocks.append(table([S("Unit"), S("Objective"), S("Owner"), "Score", "Status"], rows,
                            sortable=True, cards=(4, 1)))
    else:
        blocks.append(para("Every objective below the company level aligns to another one."))
    blocks.append(aspirational_note(site.content.objectives(period_id)))
    page = Page(path, title_text(f"Cascade of {period.title}"), join_blocks(blocks),
                {"okrsite": {"kind": "cascade", "period": period_id},
                 **search_meta(site.state(period_id))}, in_nav=True)
    return page, drawing.linked_units


def unit_cascade(site: Site, period_id: str, unit: str,
                 order: dict[str, tuple[int, int, int]],
                 in_period: list[Objective]) -> tuple[Page, list[str]]:
    """One unit's part of the period's cascade: its objectives and what aligns to them,
    drawn and listed as deep as one drawing goes; deeper, links to further units."""
    path = cascade_unit_page(period_id, unit)
    period = site.periods[period_id]
    name = site.unit_name(unit, period_id)
    here = {str(o.ref): o for o in in_period}

    def children(ref: str) -> list[Objective]:
        return sorted((c for c in site.beneath.get(ref, []) if str(c.ref) in here),
                      key=lambda c: order[str(c.ref)])

    own = [o for o in in_period if o.unit == unit]
    own_refs = {str(o.ref) for o in own}
    roots = sorted((o for o in own if site.parent_ref(o) not in own_refs),
                   key=lambda o: order[str(o.ref)])
    drawing = _Drawing(site, path, period_id, unit, roots, children)

    blocks = [h1(f"Cascade of {inline(name)} · {inline(period.title)}")]
    blocks.append(site.as_of_line(site.state_words(period_id), period=period_id))
    blocks.append(para(" · ".join([
        site.link(path, cascade_page(period_id), f"Cascade of {inline(period.title)}"),
        site.unit_link(path, unit, period_id)]), "okr-breadcrumbs"))
    blocks.append(withheld_note(site.withheld.unit_period(period_id, unit)))
    blocks.append(para(f"The objectives of {inline(name)} and those that align to them."))
    blocks.append(drawing.figure(f"Cascade of {name} · {period.title}"))
    # The list holds every objective of the levels drawn (those the drawing left out
    # too); one on the deepest level with objectives beneath links to their cascade.
    lines, listed, linked = [], [], list(drawing.linked_units)
    for o, depth in _walk(roots, children, drawing.levels):
        text = _item(site, path, o)
        below = len(children(str(o.ref))) if depth == drawing.levels - 1 else 0
        if below:
            text += f" · {drawing.more_link(o, below)}"
            target = drawing.target(o)
            if target is not None and target not in linked:
                linked.append(target)
        lines.append((depth, text))
        listed.append(o)
    blocks.append(_in_words(nested_list(lines) or para("No objectives in this build.")))
    blocks.append(aspirational_note(listed))
    page = Page(path, title_text(f"Cascade of {name} · {period.title}"), join_blocks(blocks),
                {"okrsite": {"kind": "cascade-unit", "period": period_id, "unit": unit},
                 **search_meta(site.state(period_id))}, in_nav=False)
    return page, linked


def _in_words(body: str) -> str:
    """The tree in words, below the drawing (collapsed: the drawing says the same)."""
    return details("The cascade as a list", body + "\n" + meta_line(
        "Each objective: period · unit, title, score and status. Indented objectives align "
        "to the one above them."), "okr-data", open_=False)


def _walk(roots: list[Objective], children: Children, levels: int | None = None
          ) -> Iterator[tuple[Objective, int]]:
    """Depth first, each objective once (an alignment cycle, reported by `okrsite
    check`, is drawn once), to `levels` levels. A stack, not recursion: an alignment
    chain may be deeper than Python's stack (one objective per unit of a 1,000-level org)."""
    seen: set[str] = set()
    stack: list[tuple[Objective, int]] = [(o, 0) for o in reversed(roots)]
    while stack:
        o, depth = stack.pop()
        ref = str(o.ref)
        if ref in seen:
            continue
        seen.add(ref)
        yield o, depth
        if levels is None or depth + 1 < levels:
            stack.extend((c, depth + 1) for c in reversed(children(ref)))


def _item(site: Site, path: str, o: Objective) -> str:
    res = site.objective_result(o)
    facts = status_label(res.status) if res.no_data else \
        f"{score(res.score)} · {status_label(res.status)}"
    return (f"{o.period} · {inline(site.unit_name(o.unit, o.period))}: "
            f"{site.objective_link(path, o, context=False)} — {facts}")


def _order(site: Site) -> dict[str, tuple[int, int, int]]:
    """Periods chronologically, units in org order, objectives in file order."""
    periods = {p: i for i, p in enumerate(site.card.periods)}
    units = {u: i for i, u in enumerate(site.units)}
    out = {}
    for (p, u), up in site.content.okrs.items():
        for i, o in enumerate(up.objectives):
            out[str(o.ref)] = (periods.get(p, len(periods)), units.get(u, len(units)), i)
    return out


# -- the drawing ----------------------------------------------------------------------------
#
# Sizes are viewBox units, drawn 1:1 on a wide screen (the SVG is at most WIDTH px wide)
# and scaled down to the phone's column (358 of 480 px at 390): 15 units of text render
# at 11.2 px there. Text does not wrap in SVG: titles are broken into lines here, by an
# estimate of the glyphs' width that errs wide (CHAR of a 16-unit font).

WIDTH = 480
INDENT = 24
GAP = 8  # between rows
PAD = 8  # inside a node, above and below its text
TITLE_LINE, META_LINE, MORE_HEIGHT = 20, 19, 30
TEXT_X = 30  # a node's text starts right of its glyph
CHAR = 8.6  # the width of an average glyph of the title's 16 units
TITLE_LINES = 2  # a longer title ends with "…" (the list below has it whole)
_NEXT_LINE = f' dy="{TITLE_LINE}"'


@dataclass(frozen=True)
class _Row:
    objective: Objective
    depth: int


class _Drawing:
    """The levels of a tree that fit one drawing, and the SVG of them."""

    def __init__(self, site: Site, path: str, period: str, unit: str | None,
                 roots: list[Objective], children: Children) -> None:
        self.site, self.path, self.period, self.unit = site, path, period, unit
        self.children = children
        drawn, self.levels = _select(roots, children)
        self.cut_roots = max(0, len(roots) - MAX_NODES)

        def shown(ref: str) -> list[Objective]:
            return [c for c in children(ref) if str(c.ref) in drawn]

        self.rows = [_Row(o, d) for o, d in _walk(roots[:MAX_NODES], shown)]
        # objective ref -> how many objectives beneath it are not drawn
        self.more: dict[str, int] = {}
        for r in self.rows:
            below = [c for c in children(str(r.objective.ref)) if str(c.ref) not in drawn]
            if below:
                self.more[str(r.objective.ref)] = len(below)
        self.roots = {str(o.ref) for o in roots}
        self.linked_units: list[str] = []
        for r in self.rows:
            target = self.target(r.objective)
            if str(r.objective.ref) in self.more and target is not None \
                    and target not in self.linked_units:
                self.linked_units.append(target)

    def target(self, o: Objective) -> str | None:
        """The unit whose cascade shows what is beneath `o`: its own; None (the
        period's list in words) for a root of this drawing, an objective of this page's
        unit (aligned to another of its own) or of another period (a year's above the
        quarter's)."""
        if str(o.ref) in self.roots or o.period != self.period or o.unit == self.unit:
            return None
        return o.unit

    def more_link(self, o: Objective, n: int) -> str:
        unit = self.target(o)
        words = f"{plural(n, 'more objective')} beneath"
        if unit is None:  # the period's list in words has the whole tree
            return self.site.link(self.path, cascade_page(self.period), words, "tree")
        return self.site.link(self.path, cascade_unit_page(self.period, unit),
                              f"{words}: cascade of "
                              f"{inline(self.site.unit_name(unit, self.period))}")

    def _more_href(self, o: Objective) -> tuple[str, str]:
        unit = self.target(o)
        if unit is None:
            return self.site.url(self.path, cascade_page(self.period), "tree"), \
                f"in the list of {self.period}"
        return (self.site.url(self.path, cascade_unit_page(self.period, unit)),
                f"cascade of {clean(self.site.unit_name(unit, self.period))}")

    def figure(self, title: str) -> str:
        if not self.rows:
            return ""
        n = len(self.rows)
        caption = (f"{plural(n, 'objective')}, each in its status's colour and symbol, "
                   "linked to its page; the same tree is listed below.")
        if self.cut_roots:
            caption += f" {plural(self.cut_roots, 'more objective')} at the top: in the list."
        return (f'<figure class="okr-chart">\n{self._svg(title)}\n'
                f"<figcaption>{caption}</figcaption>\n</figure>")

    def _svg(self, title: str) -> str:
        y = 0
        parts: list[str] = []
        edges: list[str] = []
        # the top and the glyph's x of the last row drawn at each depth (its parent)
        parent_at: dict[int, tuple[int, int]] = {}
        for r in self.rows:
            o, depth = r.objective, r.depth
            x = depth * INDENT
            res = self.site.objective_result(o)
            tone = status_tone(res.status)
            words = status_label(res.status) if res.no_data else \
                f"{score(res.score)} · {status_label(res.status)}"
            context = clean(self.site.unit_name(o.unit, o.period))
            if o.period != self.period:
                context = f"{o.period} · {context}"
            lines = _wrap(clean(o.title), int((WIDTH - x - TEXT_X - PAD) / CHAR))
            height = PAD + TITLE_LINE * len(lines) + META_LINE + PAD - 4
            if depth > 0 and depth - 1 in parent_at:
                px, ptop = parent_at[depth - 1]
                mid = y + height // 2
                edges.append(f"M{px} {ptop}V{mid}H{x}")
                parent_at[depth - 1] = (px, mid)  # the next sibling's line starts here
            # A node is drawn at its own origin (its link's `transform`): the same small
            # numbers in every node, its status's colour once (its rect's class; okrsite.css
            # colours the glyph and the words after it), the title unclassed.
            heading_ = attr(lines[0]) if len(lines) == 1 else "".join(
                f'<tspan x="{TEXT_X}"{_NEXT_LINE if i else ""}>{attr(t)}</tspan>'
                for i, t in enumerate(lines))
            parts.append(
                f'<a href="{self.site.objective_url(self.path, o.ref)}" '
                f'transform="translate({x} {y})">'
                f'<rect class="okr-k-{tone}" width="{WIDTH - x}" height="{height}" rx="4"/>'
                f'<text class="okr-k-glyph" x="14" y="{PAD + 15}" aria-hidden="true">'
                f"{status_glyph(res.status)}</text>"
                f'<text x="{TEXT_X}" y="{PAD + 15}">{heading_}</text>'
                f'<text class="okr-k-meta" x="{TEXT_X}" y="{PAD + 15 + TITLE_LINE * len(lines)}">'
                f"{attr(context)} · {attr(words)}</text></a>")
            for deeper in [d for d in parent_at if d >= depth]:
                del parent_at[deeper]
            parent_at[depth] = (x + 14, y + height)
            y += height + GAP
            n = self.more.get(str(o.ref))
            if n is not None:
                mx = x + INDENT
                href, where = self._more_href(o)
                edges.append(f"M{x + 14} {y - GAP}V{y + MORE_HEIGHT // 2}H{mx}")
                parent_at[depth] = (x + 14, y + MORE_HEIGHT // 2)
                parts.append(
                    f'<a class="okr-k-more" href="{href}" transform="translate({mx} {y})">'
                    f'<rect width="{WIDTH - mx}" height="{MORE_HEIGHT}" rx="4"/>'
                    f'<text x="10" y="20">▸ {n} more beneath: {attr(where)}</text></a>')
                y += MORE_HEIGHT + GAP
        height = max(0, y - GAP)
        label = f"{title}: {plural(len(self.rows), 'objective')}, drawn"
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="okr-cascade" role="group" '
                f'aria-label="{attr(label)}" viewBox="0 0 {WIDTH} {height}" '
                f'width="{WIDTH}" height="{height}">'
                f'<path class="okr-k-edge" d="{"".join(edges)}"/>{"".join(parts)}</svg>')


def _select(roots: list[Objective], children: Children) -> tuple[set[str], int]:
    """The objectives one drawing shows, and how many levels: the roots and their
    children always (as many as fit, level by level), then each next level while all of
    it fits in MAX_NODES, to MAX_DEPTH levels."""
    level = roots[:MAX_NODES]
    drawn = {str(o.ref) for o in level}
    seen = {str(o.ref) for o in roots}
    levels = 1
    while level and levels < MAX_DEPTH:
        below = []
        for o in level:
            for c in children(str(o.ref)):
                if str(c.ref) not in seen:
                    seen.add(str(c.ref))
                    below.append(c)
        if levels == 1:
            below = below[:MAX_NODES - len(drawn)]
        elif len(drawn) + len(below) > MAX_NODES:
            break
        if not below:
            break
        drawn.update(str(o.ref) for o in below)
        levels += 1
        level = below
    return drawn, levels


def _wrap(text: str, width: int) -> list[str]:
    """Words into at most TITLE_LINES lines of `width` characters; "…" ends a cut."""
    width = max(8, width)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        while len(word) > width:  # a word longer than a line is cut
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > TITLE_LINES:
        last = lines[TITLE_LINES - 1]
        lines = [*lines[:TITLE_LINES - 1], last[:width - 1].rstrip() + "…"]
    return lines or [""]
