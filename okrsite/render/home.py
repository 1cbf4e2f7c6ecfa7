"""The home page (`index.md`): the current period at a glance."""

from __future__ import annotations

from okrsite.model import Objective, PeriodState
from okrsite.render.charts import trend_chart
from okrsite.render.checkins import attention_box
from okrsite.render.common import (
    CHECKINS,
    HOME,
    KPIS_INDEX,
    PERIODS_INDEX,
    RESTRICTED_CHIP,
    UNITS_INDEX,
    Site,
    admonition,
    aspirational_note,
    bullets,
    cascade_page,
    counts_table,
    day,
    h1,
    heading,
    health_chip,
    join_blocks,
    kpi_page,
    nested_list,
    para,
    period_page,
    plural,
    progress,
    score,
    status_chip,
    status_label,
    table,
    trend_bar,
    value,
    withheld_note,
)
from okrsite.render.kpi import trend_words
from okrsite.render.page import Page
from okrsite.render.page import Searched as S
from okrsite.render.safe import inline

ATTENTION = ("unhealthy", "watch")


def current_period(site: Site) -> str | None:
    """The period "now" (as of): the shortest active one (a quarter over its year, the
    later start on a tie); else the last one to close; else the first in planning."""
    periods = site.card.periods
    active = [p for p in periods if site.state(p) is PeriodState.ACTIVE]
    if active:
        return min(active, key=lambda p: (site.periods[p].span.duration_days(),
                                          -site.periods[p].start.toordinal(), p))
    closed = [p for p in periods if site.state(p) is PeriodState.CLOSED]
    if closed:
        return max(closed, key=lambda p: (site.periods[p].end, -site.periods[p]
                                          .span.duration_days(), p))
    return periods[0] if periods else None


def home(site: Site, current: str | None) -> Page:
    path = HOME
    org_name = site.content.org.name or "OKRs"
    blocks = [h1(inline(org_name))]
    if current is None:
        blocks.append(site.as_of_line())
        blocks.append(admonition("info", "No OKRs yet", para(
            "Add <code>periods/&lt;period&gt;/&lt;unit&gt;.yaml</code> files to the content "
            "directory.")))
        blocks.append(_more(site, path, None))
        return Page(path, "Home", join_blocks(blocks), {"okrsite": {"kind": "home"}},
                    in_nav=True)

    period = site.periods[current]
    blocks.append(site.as_of_line(
        f"current period {site.link(path, period_page(current), inline(period.title))} is "
        f"{site.state(current).value} ({period.start.isoformat()} to "
        f"{period.end.isoformat()})"))
    blocks.append(withheld_note(site.withheld.period(current), site.withheld.kpis))
    blocks.append(attention_box(site, path))

    root = site.root
    blocks.append(heading(2, f"Company objectives, {inline(period.title)}", "objectives"))
    own = site.content.okrs.get((current, root)) if root else None
    blocks.append(_cards(site, path, own.objectives if own else []))
    shown = list(own.objectives) if own else []
    for other_id, other in site.periods.items():
        if other_id != current and other.contains(period) and root and \
                (other_id, root) in site.content.okrs:
            blocks.append(heading(2, f"Company objectives, {inline(other.title)}",
                                  f"objectives-{other_id}"))
            blocks.append(_cards(site, path, site.content.okrs[(other_id, root)].objectives))
            shown += site.content.okrs[(other_id, root)].objectives
    blocks.append(aspirational_note(shown))

    blocks.append(heading(2, "At a glance", "status"))
    units = [u for u in site.units if (current, u) in site.content.okrs]
    n_objectives = sum(len(site.content.okrs[(current, u)].objectives) for u in units)
    blocks.append(para(
        f"{plural(len(units), 'unit')} with {plural(n_objectives, 'objective')} in "
        f"{site.link(path, period_page(current), inline(period.title))}; see the "
        f"{site.link(path, cascade_page(current), 'alignment cascade')}."))
    blocks.append(counts_table(*site.status_counts(current, units)))
    if root:
        blocks.append(_trend(site, root, current))

    blocks.append(heading(2, "KPIs needing attention", "kpis"))
    rows = []
    for k in site.content.kpis.values():
        h = site.card.kpis.get(k.id)
        if h is None or h.health not in ATTENTION:
            continue
        name = site.link(path, kpi_page(k.id), inline(k.name))
        if k.restricted:
            name += " " + RESTRICTED_CHIP
        rows.append((ATTENTION.index(h.health), k.id,
                     [name, f"{value(h.latest, k.unit)} ({day(h.latest_date)})",
                      health_chip(h.health), trend_words(site, k.id)]))
    rows.sort(key=lambda r: (r[0], r[1]))
    if rows:
        blocks.append(table([S("KPI"), "Latest", "Health", "Trend"], [r[2] for r in rows],
                            cards=(2, 0)))
    else:
        blocks.append(para(f"No KPI is unhealthy or on watch. "
                           f"{site.link(path, KPIS_INDEX, 'All KPIs')}."))

    blocks.append(heading(2, "Across the organisation", "org"))
    blocks.append(_org_tree(site, path, current))
    blocks.append(_more(site, path, current))
    return Page(path, "Home", join_blocks(blocks), {"okrsite": {"kind": "home"}}, in_nav=True)


def _trend(site: Site, root: str, current: str) -> str:
    """The root unit's score in every period of the current one's kind (quarters beside
    quarters; a year is not one of them). The current period's score is one so far."""
    kind = site.periods[current].kind
    bars = [trend_bar(site, p, root) for p in site.unit_periods(root)
            if site.periods[p].kind == kind]
    shown = [b for b in bars if b is not None]
    if not shown:
        return ""
    name = site.unit_name(root)
    chart = trend_chart("trend-home", f"{name}: score by {kind}", shown)
    return chart.html("The scores as a table")


def _cards(site: Site, path: str, objectives: list[Objective]) -> str:
    if not objectives:
        return para("No company objectives in this period.")
    items = []
    for o in objectives:
        res = site.objective_result(o)
        facts = [status_chip(res.status), o.type]
        if o.owner:
            facts.append(f"owner {site.person_link(path, o.owner)}")
        if o.restricted:
            facts.append(RESTRICTED_CHIP)
        items.append(f"<p><strong>{site.objective_link(path, o, context=False)}</strong></p>"
                     f"\n<hr>\n{para(progress(res))}\n{para(' · '.join(facts))}")
    return f'<div class="grid cards">\n{bullets(items)}\n</div>'


def _org_tree(site: Site, path: str, current: str) -> str:
    items = []
    for u in site.units:
        if u not in site.content.org.units:
            continue
        res = site.unit_result(current, u)
        facts = "no OKRs this period" if res is None else \
            ("no data" if res.no_data else score(res.score)) + f" · {status_label(res.status)}"
        items.append((site.content.org.depth(u), f"{site.unit_link(path, u, current)} — {facts}"))
    return nested_list(items) or para("No units.")


def _more(site: Site, path: str, current: str | None) -> str:
    links = [site.link(path, PERIODS_INDEX, "All periods"), site.link(path, KPIS_INDEX, "KPIs"),
             site.link(path, UNITS_INDEX, "Units"), site.link(path, CHECKINS, "Check-ins due")]
    if current is not None:
        links.insert(1, site.link(path, cascade_page(current), f"Cascade of {current}"))
    return heading(2, "More", "more") + "\n" + para(" · ".join(links))

