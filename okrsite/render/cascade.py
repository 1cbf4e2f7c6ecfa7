"""The alignment cascade of one period (`cascade/<period>.md`).

The tree starts at the root unit's objectives (the company's) and shows beneath each
objective the objectives that align to it. Where a quarter's objectives align to
the year's, the tree starts at the year's company objectives and crosses into the
quarter. Alignment health is the share of this period's objectives outside the root
unit that align to another objective; the unaligned ones are listed.
"""

from __future__ import annotations

from okrsite.model import Objective
from okrsite.render.common import (
    Site,
    aspirational_note,
    bullets,
    cascade_page,
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
    status_label,
    table,
    withheld_note,
)
from okrsite.render.page import Page
from okrsite.render.safe import inline, title_text


def cascade(site: Site, period_id: str) -> Page:
    path = cascade_page(period_id)
    period = site.periods[period_id]
    root = site.root
    in_period = site.content.objectives(period_id)
    order = _order(site)

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

    lines: list[tuple[int, str]] = []
    drawn: set[str] = set()

    # Depth first with a stack, not recursion: an alignment chain may be deeper than
    # Python's stack (one objective per unit of a 1,000-level org).
    stack: list[tuple[Objective, int]] = [(o, 0) for o in reversed(roots)]
    while stack:
        o, depth = stack.pop()
        ref = str(o.ref)
        if ref in drawn:  # an alignment cycle (reported by `okrsite check`): draw once
            continue
        drawn.add(ref)
        lines.append((depth, _item(site, path, o)))
        stack.extend((child, depth + 1) for child in reversed(children(ref)))

    expected = [o for o in in_period if o.unit != root]
    hidden = [o for o in expected if str(o.ref) in site.withheld.hidden_alignments]
    hidden_refs = {str(o.ref) for o in hidden}
    aligned = [o for o in expected
               if site.parent_ref(o) is not None or str(o.ref) in hidden_refs]
    aligned_refs = {str(o.ref) for o in aligned}
    unaligned = [o for o in expected if str(o.ref) not in aligned_refs]

    blocks = [h1(f"Cascade of {inline(period.title)}")]
    blocks.append(site.as_of_line(site.state_words(period_id)))
    blocks.append(para(site.link(path, period_page(period_id), f"All objectives of "
                                 f"{inline(period.title)}"), "okr-breadcrumbs"))
    blocks.append(withheld_note(site.withheld.period(period_id)))

    blocks.append(heading(2, "Alignment health", "health"))
    if expected:
        share = len(aligned) / len(expected)
        blocks.append(para(
            f'<span class="okr-progress okr-progress--neutral" '
            f'style="--okr-fill: {share * 100:.0f}%" aria-hidden="true"></span> '
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
    blocks.append(nested_list(lines) or para("No company objectives to start from."))
    blocks.append(meta_line("Each objective: period · unit, title, score and status. "
                            "Indented objectives align to the one above them."))
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
        blocks.append(table(["Unit", "Objective", "Owner", "Score", "Status"], rows,
                            sortable=True, cards=(4, 1)))
    else:
        blocks.append(para("Every objective below the company level aligns to another one."))
    blocks.append(aspirational_note(site.content.objectives(period_id)))
    return Page(path, title_text(f"Cascade of {period.title}"), join_blocks(blocks),
                {"okrsite": {"kind": "cascade", "period": period_id},
                 **search_meta(site.state(period_id))}, in_nav=True)


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
