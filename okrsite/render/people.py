"""People pages: everyone (`people/index.md`) and one person (`people/<id>/index.md`):
their key results, objectives and KPIs across periods, from `Build.people` (the
build's view, so a public build lists no restricted item)."""

from __future__ import annotations

from datetime import date

from okrsite.model import KeyResult, Objective, PeriodState
from okrsite.people import Owned
from okrsite.render.common import (
    PEOPLE_INDEX,
    Site,
    aspirational_note,
    day,
    h1,
    heading,
    health_chip,
    join_blocks,
    kpi_page,
    kr_anchor,
    para,
    person_page,
    plural,
    score,
    score_cell,
    status_chip,
    table,
    unit_period_page,
    value,
)
from okrsite.render.page import Page
from okrsite.render.page import Searched as S
from okrsite.render.safe import inline, title_text


def people_list(site: Site) -> Page:
    path = PEOPLE_INDEX
    people = site.people.people
    blocks = [h1("People"), site.as_of_line(plural(len(people), "person", "people"))]
    rows = []
    for pid, owned in people.items():
        p = owned.person
        unit = site.unit_link(path, p.unit) if p.unit else "–"
        rows.append([site.link(path, person_page(pid), inline(p.name)), unit,
                     str(len(owned.objectives)), str(len(owned.key_results)),
                     str(len(owned.kpis)), _stale_count(site, owned)])
    blocks.append(table(["Person", S("Unit"), "Objectives", "Key results", "KPIs",
                         "Check-ins due"], rows, sortable=True))
    return Page(path, "People", join_blocks(blocks), {"okrsite": {"kind": "people"}},
                in_nav=True)


def _stale_count(site: Site, owned: Owned) -> str:
    """Their key results on the check-ins page (stale or due), from `Build.attention`."""
    n = sum(1 for d in site.attention.key_results if d.person == owned.person.id)
    return f'<span data-sort="{n}">{n or "–"}</span>'


def person(site: Site, pid: str) -> Page:
    path = person_page(pid)
    owned = site.people.people[pid]
    p = owned.person
    blocks = [h1(inline(p.name))]
    facts = []
    if p.unit:
        facts.append(f"in {site.unit_link(path, p.unit)}")
    if p.handle:
        facts.append(f"<code>{inline(p.handle)}</code>")
    if p.email:
        facts.append(f'<a href="mailto:{inline(p.email)}">{inline(p.email)}</a>')
    blocks.append(site.as_of_line(*facts))
    if owned.leads:
        blocks.append(para("Leads " + ", ".join(site.unit_link(path, u.id)
                                                for u in owned.leads) + "."))

    blocks.append(heading(2, "Key results", "key-results"))
    if owned.key_results:
        ordered = sorted(owned.key_results, key=lambda i: _current_first(site, i[0].period))
        rows = [_kr_row(site, path, o, kr) for o, kr in ordered]
        blocks.append(table([S("Key result"), "Period", "Score", "Status", "Latest check-in",
                             S("Note")], rows, sortable=True))
    else:
        blocks.append(para("No key results in this build."))

    blocks.append(heading(2, "Objectives", "objectives"))
    if owned.objectives:
        rows = []
        for o in sorted(owned.objectives, key=lambda o: _current_first(site, o.period)):
            res = site.objective_result(o)
            rows.append([site.objective_link(path, o), o.period, score_cell(res),
                         status_chip(res.status)])
        blocks.append(table([S("Objective"), "Period", "Score", "Status"], rows, sortable=True))
        blocks.append(aspirational_note(owned.objectives))
    else:
        blocks.append(para("No objectives in this build."))

    if owned.kpis:
        blocks.append(heading(2, "KPIs", "kpis"))
        rows = []
        for k in owned.kpis:
            h = site.card.kpis.get(k.id)
            latest = "–" if h is None or h.latest is None else \
                f"{value(h.latest, k.unit)} ({day(h.latest_date)})"
            rows.append([site.link(path, kpi_page(k.id), inline(k.name)), latest,
                         health_chip(h.health) if h is not None else "–"])
        blocks.append(table([S("KPI"), "Latest", "Health"], rows))
    return Page(path, title_text(p.name), join_blocks(blocks),
                {"okrsite": {"kind": "person", "person": pid}}, in_nav=False)


_STATE_FIRST = {PeriodState.ACTIVE: 0, PeriodState.PLANNING: 1, PeriodState.CLOSED: 2}


def _current_first(site: Site, period: str) -> tuple[int, int]:
    """A sort key: what is being worked on first (active periods), then what is planned,
    then the closed periods, newest first."""
    return _STATE_FIRST[site.state(period)], -site.card.periods.index(period)


def _kr_row(site: Site, path: str, o: Objective, kr: KeyResult) -> list[str]:
    res = site.kr_result(kr)
    target = site.url(path, unit_period_page(o.period, o.unit), kr_anchor(o.id, kr.id))
    unit = inline(site.unit_name(o.unit, o.period))
    title = f'<a href="{target}">{inline(kr.title)}</a> ({unit})'
    last = day(res.last_check_in) + (" (stale)" if res.stale else "")
    shown = '<span data-sort="-1">no data</span>' if res.score.no_data else \
        f'<span data-sort="{res.score.value:.4f}">{score(res.score.value)}</span>'
    return [title, o.period, shown, status_chip(res.status),
            f'<span data-sort="{day(res.last_check_in)}">{last}</span>',
            site.md.html(latest_note(site, kr, res.last_check_in))]


def latest_note(site: Site, kr: KeyResult, last: date | None) -> str | None:
    """The note of the latest update (check-in, or the KPI's measurement) on or before
    as of, if it has one."""
    update = site.latest_update(kr, last)
    return update.note if update is not None else None
