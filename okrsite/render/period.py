"""Period pages: the archive (`periods/index.md`) and one period (`periods/<period>/index.md`)."""

from __future__ import annotations

from okrsite.model import PeriodState
from okrsite.render.checkins import attention_box
from okrsite.render.common import (
    PERIODS_INDEX,
    RESTRICTED_CHIP,
    STATUS_ORDER,
    WIDE,
    Site,
    admonition,
    aspirational_note,
    bullets,
    cascade_page,
    counts_table,
    date_range,
    h1,
    heading,
    join_blocks,
    objective_anchor,
    para,
    period_page,
    plural,
    progress,
    score,
    score_cell,
    search_meta,
    state_chip,
    status_chip,
    status_glyph,
    status_label,
    status_tone,
    table,
    unit_period_page,
    withheld_note,
)
from okrsite.render.page import Page, header_cell
from okrsite.render.page import Searched as S
from okrsite.render.safe import inline, title_text
from okrsite.scoring.rollup import ObjectiveResult


def periods_index(site: Site, ordered: list[str]) -> Page:
    """Every period, newest first."""
    path = PERIODS_INDEX
    root = site.root
    blocks = [h1("Periods"), site.as_of_line(plural(len(ordered), "period"))]
    total = site.withheld.total
    blocks.append(withheld_note(total))
    rows = []
    for p in ordered:
        period = site.periods[p]
        units = [u for u in site.units if (p, u) in site.content.okrs]
        n_objectives = sum(len(site.content.okrs[(p, u)].objectives) for u in units)
        company = site.unit_result(p, root) if root else None
        rows.append([
            site.link(path, period_page(p), inline(period.title)), period.kind, date_range(period),
            state_chip(site.state(p)), str(len(units)), str(n_objectives),
            score_cell(company) if company is not None else "–",
            status_chip(company.status) if company is not None else "–",
            site.link(path, cascade_page(p), "cascade")])
    root_name = inline(site.unit_name(root)) if root else "Company"
    if rows:
        blocks.append(table(["Period", "Kind", "Dates", "State", "Units", "Objectives",
                             f"{root_name} score", "Status", "Alignment"], rows,
                            sortable=True, cards=(7, 0)))
    else:
        blocks.append(para("No periods yet."))
    return Page(path, "Periods", join_blocks(blocks), {"okrsite": {"kind": "periods"}, **WIDE},
                in_nav=True)


def period(site: Site, period_id: str) -> Page:
    path = period_page(period_id)
    p = site.periods[period_id]
    state = site.state(period_id)
    title = p.title if p.title == period_id else f"{p.title} ({period_id})"
    blocks = [h1(inline(title))]
    facts = [site.state_words(period_id)]
    if p.closed_on is not None:
        facts.append(f"closed on {p.closed_on.isoformat()}")
    blocks.append(site.as_of_line(*facts, period=period_id))
    related = _related(site, path, period_id)
    blocks.append(para(" · ".join([site.link(path, cascade_page(period_id), "Alignment cascade"),
                                   *related]), "okr-breadcrumbs"))
    blocks.append(withheld_note(site.withheld.period(period_id)))
    if p.amendments:
        body = bullets(f"{a.date.isoformat()}, {inline(a.by)}: {inline(a.reason)}"
                       for a in p.amendments)
        blocks.append(admonition("warning", "Amended after closing", body))
    if state is PeriodState.PLANNING:
        blocks.append(admonition("info", "In planning", para(
            f"This period starts on {p.start.isoformat()}; its OKRs are drafts and have "
            "no scores yet.")))

    # The dashboard: the period's counts beside what needs attention (Build.attention),
    # then a card a unit. Side by side on a wide screen, one under the other on a phone.
    units = [u for u in site.units if (period_id, u) in site.content.okrs]
    objectives_by_status, krs_by_status = site.status_counts(period_id, units)
    blocks.append(heading(2, "Summary", "summary"))
    n_objectives = sum(len(site.content.okrs[(period_id, u)].objectives) for u in units)
    counts = (para(f"{plural(len(units), 'unit')} with {plural(n_objectives, 'objective')}.")
              + "\n" + counts_table(objectives_by_status, krs_by_status))
    attention = attention_box(site, path, period_id)
    blocks.append(f'<div class="okr-dash">\n<div class="okr-dash__counts">\n{counts}\n</div>'
                  f"\n{attention}\n</div>" if attention else counts)

    blocks.append(heading(2, "Units", "units"))
    blocks.append(_unit_cards(site, path, period_id, units) if units
                  else para("No unit has OKRs in this period."))

    blocks.append(heading(2, "Objectives", "objectives"))
    blocks.append(_objectives(site, path, period_id, units, state is PeriodState.CLOSED)
                  or para("No objectives."))
    blocks.append(aspirational_note(o for u in units
                                    for o in site.content.okrs[(period_id, u)].objectives))
    return Page(path, title_text(title), join_blocks(blocks),
                {"okrsite": {"kind": "period", "period": period_id}, **WIDE,
                 **search_meta(state)}, in_nav=True)


# The columns of the period's table of objectives. Its rows are most of the page (one an
# objective: 2,500 at 5,000 units), so they carry no per-cell label or class: okrsite.css
# labels a card's cells and picks its title and status by column (`.okr-objectives`).
OBJECTIVE_COLUMNS = (S("Unit"), S("Objective"), S("Owner"), "Type", "Score", "Status")


def _objectives(site: Site, path: str, period_id: str, units: list[str], closed: bool) -> str:
    """Every objective of the period, sortable; a card a row on a phone."""
    rows = []
    for u in units:
        unit = inline(site.unit_name(u, period_id))
        for o in site.content.okrs[(period_id, u)].objectives:
            res = site.objective_result(o)
            title = site.link(path, unit_period_page(period_id, u), inline(o.title),
                              objective_anchor(o.id))
            if o.restricted:
                title += " " + RESTRICTED_CHIP
            owner = site.person_link(path, o.owner) if o.owner else "–"
            sort = "-1" if res.no_data else f"{res.score:.4f}"
            grade = f"<td>{_grade_cell(res)}</td>" if closed else ""
            rows.append(f"<tr><td>{unit}</td><td>{title}</td><td>{owner}</td><td>{o.type}</td>"
                        f'<td data-sort="{sort}">{_score_text(res)}</td>'
                        f"<td>{status_chip(res.status)}</td>{grade}</tr>")
    if not rows:
        return ""
    header = [*OBJECTIVE_COLUMNS, "Grade"] if closed else list(OBJECTIVE_COLUMNS)
    head = "".join(header_cell(h) for h in header)
    body = "\n".join(rows)
    return (f'<div class="okr-sortable okr-cards okr-objectives">\n<table>\n<thead>\n'
            f"<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</div>")


def _score_text(res: ObjectiveResult) -> str:
    return "no data" if res.no_data else score(res.score)


def _unit_cards(site: Site, path: str, period_id: str, units: list[str]) -> str:
    """A card a unit, in org order: its name (to its page), where it sits, its bar (the
    status's colour, the tick at the score expected by now) and its objectives by
    status, each count with the status's symbol and words."""
    items = []
    for u in units:
        res = site.unit_result(period_id, u)
        org_unit = site.content.org.units.get(u)
        parent = site.unit_parent(u, period_id)  # names and parents at close, if closed
        facts = []
        if parent:
            facts.append(f"part of {inline(site.unit_name(parent, period_id))}")
        if org_unit is not None and org_unit.lead:
            facts.append(f"lead {site.person_link(path, org_unit.lead)}")
        name = site.link(path, unit_period_page(period_id, u),
                         inline(site.unit_name(u, period_id)))
        card = [f"<p><strong>{name}</strong></p>"]
        if facts:
            card.append(para(" · ".join(facts), "okr-meta"))
        if res is None:
            card.append(para("No objectives in this build."))
        else:
            card.append(para(progress(res)))
            card.append(para(_count_chips(res.counts), "okr-counts"))
        items.append("\n".join(card))
    return f'<div class="grid cards okr-unit-cards">\n{bullets(items)}\n</div>'


def _count_chips(counts: dict[str, int]) -> str:
    """`✗ 1 off track` `✓ 2 on track`: a chip a status, in a fixed order."""
    chips = [f'<span class="okr-chip okr-chip--{status_tone(s)}">'
             f'<span class="okr-chip__icon" aria-hidden="true">{status_glyph(s)}</span> '
             f"{counts[s]} {status_label(s)}</span>"
             for s in STATUS_ORDER if counts.get(s)]
    return " ".join(chips) or "No objectives."


def _grade_cell(res: ObjectiveResult) -> str:
    if res.grade is None:
        return "–"
    text = score(res.grade)
    if res.grade_mismatch:
        diff = abs(res.grade - res.score)
        text += (f' <span class="okr-flag"><span aria-hidden="true">⚠</span> differs by '
                 f"{score(diff)}</span>")
    return text


def _related(site: Site, path: str, period_id: str) -> list[str]:
    """Links to the periods containing this one and those inside it."""
    p = site.periods[period_id]
    out = []
    for other_id, other in site.periods.items():
        if other_id == period_id:
            continue
        if other.contains(p):
            out.append(f"part of {site.link(path, period_page(other_id), inline(other.title))}")
    inside = [o for o_id, o in site.periods.items() if o_id != period_id and p.contains(o)]
    if inside:
        out.append("contains " + ", ".join(site.link(path, period_page(o.id), inline(o.title))
                                           for o in inside))
    return out
