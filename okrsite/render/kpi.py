"""KPI pages: the catalogue (`kpis/index.md`) and one KPI (`kpis/<kpi>/index.md`)."""

from __future__ import annotations

from okrsite.model import KPI, Ref
from okrsite.render.charts import Point, kpi_chart
from okrsite.render.common import (
    KPIS_INDEX,
    RESTRICTED_CHIP,
    WIDE,
    Site,
    day,
    details,
    h1,
    heading,
    health_chip,
    join_blocks,
    kpi_page,
    kr_anchor,
    para,
    pct,
    plural,
    status_chip,
    table,
    unit_period_page,
    value,
    withheld_note,
)
from okrsite.render.page import Page
from okrsite.render.page import Searched as S
from okrsite.render.safe import inline, title_text
from okrsite.visibility import WithheldCount

_TREND = {"up": "↑ up", "down": "↓ down", "flat": "→ flat"}


def trend_words(site: Site, kpi_id: str) -> str:
    h = site.card.kpis.get(kpi_id)
    if h is None or h.trend is None:
        return "–"
    text = _TREND.get(h.trend, h.trend)
    if h.trend_better is not None:
        text += " (better)" if h.trend_better else " (worse)"
    return text


def kpis_index(site: Site) -> Page:
    path = KPIS_INDEX
    kpis = list(site.content.kpis.values())
    blocks = [h1("KPIs"), site.as_of_line(plural(len(kpis), "KPI"))]
    blocks.append(withheld_note(WithheldCount(), site.withheld.kpis))
    rows = []
    for k in kpis:
        h = site.card.kpis.get(k.id)
        name = site.link(path, kpi_page(k.id), inline(k.name))
        if k.restricted:
            name += " " + RESTRICTED_CHIP
        # The date and cadence under the value: the catalogue fits a laptop's width.
        latest = "–" if h is None or h.latest is None else \
            (f"{value(h.latest, k.unit)}<br><small>{day(h.latest_date)}, "
             f"{inline(k.cadence)}</small>")
        rows.append([health_chip(h.health) if h is not None else "–", name, latest,
                     value(k.target, k.unit) if k.target is not None else "–",
                     trend_words(site, k.id),
                     site.unit_link(path, k.owner) if k.owner else "–",
                     str(len(h.linked_krs)) if h is not None else "0"])
    if rows:
        blocks.append(table(["Health", S("KPI"), "Latest", "Target", "Trend", S("Owner"),
                             "Key results"], rows, sortable=True, cards=(0, 1)))
    else:
        blocks.append(para("No KPIs in this build."))
    return Page(path, "KPIs", join_blocks(blocks), {"okrsite": {"kind": "kpis"}, **WIDE},
                in_nav=True)


def kpi(site: Site, k: KPI) -> Page:
    path = kpi_page(k.id)
    h = site.card.kpis.get(k.id)
    blocks = [h1(inline(k.name))]
    facts = []
    if k.owner:
        facts.append(f"owned by {site.unit_link(path, k.owner)}")
    facts.append(f"unit {inline(k.unit)}" if k.unit else "")
    facts.append("higher is better" if k.higher_is_better else "lower is better")
    facts.append(f"measured {inline(k.cadence)}")
    if k.restricted:
        facts.append(RESTRICTED_CHIP)
    blocks.append(site.as_of_line(*facts))
    blocks.append(para(site.link(path, KPIS_INDEX, "All KPIs"), "okr-breadcrumbs"))
    blocks.append(site.md.block(k.description))

    blocks.append(heading(2, "Health", "health"))
    if h is not None:
        latest = "no measurement yet" if h.latest is None else \
            f"{value(h.latest, k.unit)} on {day(h.latest_date)}"
        blocks.append(para(f"{health_chip(h.health)} · latest {latest} · trend "
                           f"{trend_words(site, k.id)}"))
        rows = []
        if k.target is not None:
            rows.append(["Target", value(k.target, k.unit)])
        if k.thresholds is not None:
            better, worse = ("or more", "below") if k.higher_is_better else ("or less", "above")
            rows.append(["Healthy", f"{value(k.thresholds.green, k.unit)} {better}"])
            rows.append(["Unhealthy", f"{worse} {value(k.thresholds.red, k.unit)}"])
        if rows:
            blocks.append(table(["", "Value"], rows))
        blocks.append(details("How was this computed?", para(f"{inline(h.explanation)}.")))

    blocks.append(heading(2, "Measurements", "measurements"))
    known = [m for m in k.measurements if m.date <= site.as_of]
    if known:
        points = [Point(m.date, float(m.value), site.md.html(m.note)) for m in known]
        t = k.thresholds
        chart = kpi_chart(f"kpi-{k.id}-chart", k.name, points, as_of=site.as_of,
                          unit=k.unit, green=t.green if t else None, red=t.red if t else None,
                          higher_is_better=k.higher_is_better, target=k.target)
        blocks.append(chart.html("The measurements as a table"))
    else:
        blocks.append(para(f"No measurement on or before {site.as_of.isoformat()}."))

    blocks.append(heading(2, "Key results using this KPI", "key-results"))
    linked = h.linked_krs if h is not None else []
    rows = []
    for ref_text in linked:
        ref = Ref.parse(ref_text)
        objective = site.content.objective(ref)
        kr = site.content.key_result(ref)
        res = site.card.krs.get(ref_text)
        if objective is None or kr is None or res is None:
            continue
        target = unit_period_page(ref.period or "", ref.unit)
        rows.append([ref.period or "", site.unit_link(path, ref.unit, ref.period),
                     site.objective_link(path, objective, context=False),
                     site.link(path, target, inline(kr.title), kr_anchor(objective.id, kr.id)),
                     "no data" if res.score.no_data else pct(res.score.value),
                     status_chip(res.status)])
    blocks.append(table(["Period", S("Unit"), S("Objective"), S("Key result"), "Score", "Status"],
                        rows, sortable=True, cards=(5, 3))
                  if rows else para("No key result uses this KPI."))
    return Page(path, title_text(k.name), join_blocks(blocks),
                {"okrsite": {"kind": "kpi", "kpi": k.id}}, in_nav=False)
