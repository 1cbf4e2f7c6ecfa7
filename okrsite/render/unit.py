"""Unit pages: one unit in one period (`periods/<period>/<unit>/index.md`), a unit
across periods (`units/<unit>/index.md`) and the directory of units (`units/index.md`)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from okrsite.model import KeyResult, KRKind, Objective, PeriodState
from okrsite.render.charts import Chart, Point, Shared, kr_chart, trend_chart
from okrsite.render.common import (
    RESTRICTED_CHIP,
    UNITS_INDEX,
    Site,
    admonition,
    aspirational_note,
    bullets,
    counts_text,
    day,
    details,
    fact_list,
    h1,
    heading,
    join_blocks,
    kpi_page,
    kr_anchor,
    meta_line,
    nested_list,
    num,
    objective_anchor,
    para,
    pct,
    period_page,
    plural,
    progress,
    score,
    score_cell,
    search_meta,
    status_chip,
    status_label,
    table,
    trend_bar,
    unit_page,
    unit_period_page,
    value,
    withheld_note,
)
from okrsite.render.page import UNSEARCHED, Page
from okrsite.render.safe import attr, inline, title_text, url_kind
from okrsite.scoring.base import ScoreInput
from okrsite.scoring.rollup import KRResult, ObjectiveResult, key_result_input
from okrsite.scoring.status import CONFIDENCE_FLAG_LABELS

# -- one unit, one period -------------------------------------------------------------------


def unit_period(site: Site, period: str, unit: str) -> Page:
    path = unit_period_page(period, unit)
    up = site.content.okrs[(period, unit)]
    name = site.unit_name(unit, period)  # at close, on a closed period's page
    result = site.unit_result(period, unit)
    org_unit = site.content.org.units.get(unit)
    blocks = [h1(f"{inline(name)} · {period}")]
    lead = f"lead {site.person_link(path, org_unit.lead)}" if org_unit and org_unit.lead \
        else ""
    blocks.append(site.as_of_line(site.state_words(period), lead, period=period))
    blocks.append(_breadcrumbs(site, path, period, unit))
    blocks.append(withheld_note(site.withheld.unit_period(period, unit)))

    blocks.append(heading(2, "Summary", "summary"))
    if result is None or not up.objectives:
        blocks.append(para("No objectives in this build."))
    else:
        blocks.append(para(progress(result)))
        expected = "" if site.state(period) is not PeriodState.ACTIVE else score(result.expected)
        blocks.append(fact_list([("Objectives", counts_text(result.counts)),
                                 ("Key results", counts_text(result.kr_counts)),
                                 ("Expected by now", expected or "–")]))
        how = [para(f"Unit score: {inline(result.explanation)}.")]
        if result.cascade_score is not None and result.cascade_explanation:
            how.append(para(f"Cascade roll-up {score(result.cascade_score)}: "
                            f"{inline(result.cascade_explanation)}."))
        blocks.append(details("How was this computed?", "\n".join(how)))
    children = site.unit_children(unit, period)
    if children:
        items = []
        for child in children:
            child_result = site.unit_result(period, child)
            facts = f" — {score(child_result.score)} · {status_label(child_result.status)}" \
                if child_result is not None and not child_result.no_data else ""
            items.append(f"{site.unit_link(path, child, period)}{facts}")
        blocks.append(para("Units beneath:"))
        blocks.append(bullets(items))

    blocks.append(aspirational_note(up.objectives))
    blocks.append(_sandbagging(site, unit))
    if up.retrospective:
        blocks.append(heading(2, "Retrospective", "retrospective"))
        blocks.append(site.md.block(up.retrospective))
    shared = Shared()  # what the page's charts draw alike, drawn once
    for objective in up.objectives:
        blocks += _objective(site, path, objective, shared)
    if site.history is not None:
        from okrsite.render.history import unit_period_history

        blocks.append(unit_period_history(site.history, period, unit))
    return Page(path, title_text(f"{name} · {period}"), join_blocks(blocks),
                {"okrsite": {"kind": "unit-period", "period": period, "unit": unit},
                 **search_meta(site.state(period))},
                in_nav=False)


MAX_CRUMBS = 8  # ancestors named above a unit; a deeper org shows the root, …, the nearest


def _breadcrumbs(site: Site, path: str, period: str, unit: str) -> str:
    crumbs = [site.link(path, period_page(period), period)]
    above = site.unit_ancestors(unit, period)[::-1]  # root first; at close if closed
    if len(above) > MAX_CRUMBS:  # a page's size must not grow with the org's depth
        crumbs.append(site.unit_link(path, above[0], period))
        crumbs.append("…")
        above = above[-(MAX_CRUMBS - 1):]
    for ancestor in above:
        crumbs.append(site.unit_link(path, ancestor, period))
    crumbs.append(inline(site.unit_name(unit, period)))
    other = site.link(path, unit_page(unit), f"{inline(site.unit_name(unit))} in every period")
    return para(" › ".join(crumbs) + f" · {other}", "okr-breadcrumbs")


def _objective(site: Site, path: str, objective: Objective, shared: Shared) -> list[str]:
    res = site.objective_result(objective)
    closed = site.state(objective.period) is PeriodState.CLOSED
    blocks = [heading(2, inline(objective.title), objective_anchor(objective.id))]
    facts = [status_chip(res.status),
             f"{objective.type} (expected {score(res.end_expectation)} by the end)"]
    if res.score_from == "aligned":  # say which rule gave the number
        facts.append(f"scored from {plural(len(res.aligned), 'aligned objective')}")
    if res.weight != 1:
        facts.append(f"weight {num(res.weight)} in the unit")
    if objective.owner:
        facts.append(f"owner {site.person_link(path, objective.owner)}")
    if objective.restricted:
        facts.append(RESTRICTED_CHIP)
    blocks.append(meta_line(*facts))
    blocks.append(para(progress(res)))
    if closed and res.grade is not None:
        blocks.append(_grade(site, res))
    how = [para(f"Objective score: {inline(res.explanation)}.")]
    if site.state(objective.period) is PeriodState.ACTIVE:
        how.append(para(f"Expected by {site.as_of.isoformat()}: {score(res.expected)}; "
                        f"status {status_label(res.status)}."))
    blocks.append(details("How was this computed?", "\n".join(how)))
    blocks.append(site.md.block(objective.description))
    blocks.append(_alignment(site, path, objective))
    if objective.retrospective:
        blocks.append(para("<strong>Retrospective</strong>"))
        blocks.append(site.md.block(objective.retrospective))
    for kr in objective.key_results:
        blocks += _key_result(site, path, objective, kr, shared)
    return blocks


def _sandbagging(site: Site, unit: str) -> str:
    """Aspirational objectives at 1.0 in several closed periods: the unit aims too low."""
    refs = site.card.sandbagging.get(unit, [])
    if not refs:
        return ""
    periods = sorted({r.split(":", 1)[0] for r in refs})
    return admonition("warning", "Aiming too low?", para(
        f"{plural(len(refs), 'aspirational objective')} of this unit scored 1.0 at the close "
        f"of {', '.join(inline(p) for p in periods)}. Aspirational objectives are meant to "
        "reach about 0.7: reaching all of them, period after period, suggests they are "
        "set where the unit is sure to get."))


def _grade(site: Site, res: ObjectiveResult | KRResult) -> str:
    assert res.grade is not None
    value_now = res.score.value if isinstance(res, KRResult) else res.score
    text = f"Score {score(value_now)} · owner's grade {score(res.grade)}"
    if res.grade_mismatch:
        diff = abs(res.grade - value_now)
        tolerance = site.card.settings.grade_tolerance
        text += (f' <span class="okr-flag"><span aria-hidden="true">⚠</span> differs by '
                 f"{score(diff)}, more than {score(tolerance)}</span>")
    return para(text, "okr-grade")


def _alignment(site: Site, path: str, objective: Objective) -> str:
    lines = []
    parent = site.parent_ref(objective)
    if parent is not None:
        target = site.objectives[parent]
        via = ""
        if objective.aligns_to is not None and objective.aligns_to.key_result:
            kr = site.content.key_result(objective.aligns_to.in_period(objective.period))
            if kr is not None:
                via = f" (key result: {inline(kr.title)})"
        lines.append(f"<strong>Aligns to:</strong> {site.objective_link(path, target)}{via}")
    elif str(objective.ref) in site.withheld.hidden_alignments:
        lines.append("<strong>Aligns to:</strong> a restricted objective that is not shown "
                     "in this build")
    beneath = site.beneath.get(str(objective.ref), [])
    if beneath:
        links = ", ".join(site.objective_link(path, o) for o in beneath)
        lines.append(f"<strong>Aligned to it:</strong> {links}")
    if objective.carried_from is not None:
        carried = site.objectives.get(str(objective.carried_from))
        if carried is not None:
            lines.append(f"<strong>Carried from:</strong> {site.objective_link(path, carried)}")
    return "\n".join(para(line) for line in lines)


def _key_result(site: Site, path: str, objective: Objective, kr: KeyResult,
                shared: Shared) -> list[str]:
    res = site.kr_result(kr)
    data = key_result_input(kr, site.periods[objective.period], site.content,
                            site.period_as_of(objective.period), site.card.settings)
    unit = kr.unit or (data.kpi.unit if data.kpi is not None else None)
    anchor = kr_anchor(objective.id, kr.id)
    # A chart needs a line: with fewer than two values the facts say it all. Its table
    # goes into the one "How was this computed?" of the key result.
    chart = None
    if kr.kind in (KRKind.NUMERIC, KRKind.THRESHOLD) and len(data.values) >= 2:
        chart, points = _kr_chart(site, objective, kr, data, unit, anchor, shared)
    blocks = [heading(3, inline(kr.title), anchor), para(progress(res)),
              _kr_facts(site, path, kr, res, data, unit),
              _latest(site, path, kr, res, set() if chart is None else
                      {(p.date, p.note_html) for p in points})]
    if res.grade is not None and site.state(objective.period) is PeriodState.CLOSED:
        blocks.append(_grade(site, res))  # the owner's grade beside the computed score
    moves = site.goalposts.get(res.ref, [])
    for move in moves:  # the previous goalpost stays in sight: "target was 12"
        said = f": {inline(move.reason)}" if move.reason else " (no reason given)"
        blocks.append(para(f"Goalpost moved on {inline(move.date)}: {inline(move.field)} was "
                           f"{_goal_text(move.old, unit)}, now {_goal_text(move.new, unit)}"
                           f"{said}"))
    if kr.reason and not any(m.reason for m in moves):
        blocks.append(para(f"Changed after the period started: {inline(kr.reason)}"))
    blocks.append(site.md.block(kr.description))
    if kr.kind is KRKind.MILESTONES:
        blocks.append(bullets(
            f"{'✔ done' if m.done else '○ open'} · {inline(m.title)}"
            + (f" (weight {num(m.weight)})" if m.weight != 1 else "") for m in kr.milestones))
    blocks.append(_initiatives(kr))
    values = ""
    if chart is not None:
        blocks.append(chart.figure())
        values = f'<div class="okr-table">\n{chart.table}\n</div>'
    blocks.append(_how(res, values))
    return blocks


def _kr_facts(site: Site, path: str, kr: KeyResult, res: KRResult, data: ScoreInput,
              unit: str | None) -> str:
    """Baseline, current and target (or what the kind has instead), confidence and
    the last check-in, as a one-row table."""
    if kr.kind in (KRKind.NUMERIC, KRKind.THRESHOLD):
        current = data.current
        now = "–" if current is None else \
            f"{value(current.value, unit)} ({current.date.isoformat()})"
        if kr.kind is KRKind.NUMERIC:
            base = value(data.baseline, unit)
            if data.baseline_source.startswith("kpi:"):
                base += f" (KPI, {data.baseline_source.rsplit(' on ', 1)[-1]})"
            header = ["Baseline", "Current", "Target"]
            row = [base, now, value(kr.target, unit)]
        else:
            sign = "at most" if kr.direction == "at_most" else "at least"
            header = ["Keep", "Latest"]
            row = [f"{sign} {value(kr.target, unit)}", now]
    elif kr.kind is KRKind.MILESTONES:
        done = sum(1 for m in kr.milestones if m.done)
        header, row = ["Milestones done"], [f"{done} of {len(kr.milestones)}"]
    else:
        header, row = ["Done"], ["yes" if kr.done else "no" if kr.done is not None else "–"]
    header += ["Confidence", "Last check-in"]
    row += [_confidence_text(res), day(res.last_check_in) + (" (stale)" if res.stale else "")]
    if kr.weight != 1:
        header.append("Weight")
        row.append(num(kr.weight))
    # Figures, as the check-in table's numbers: out of the search index, which keeps
    # the key result's words (title, status, notes): 2.4 KB of index a unit page.
    out = fact_list(zip(header, row, strict=True), UNSEARCHED)
    if res.confidence_flag is not None:  # the owner's word and the numbers disagree
        out += "\n" + para(f'<span class="okr-flag"><span aria-hidden="true">⚠</span> '
                           f"{CONFIDENCE_FLAG_LABELS[res.confidence_flag]}</span>: status "
                           f"{status_label(res.status)}, confidence {pct(res.confidence or 0)}",
                           "okr-confidence-flag")
    if data.kpi is not None:
        out += "\n" + para(f"Values come from the KPI "
                           f"{site.link(path, kpi_page(data.kpi.id), inline(data.kpi.name))}.")
    return out


CONFIDENCE_TREND_SHOWN = 4  # the latest confidences shown as the small trend


def _confidence_text(res: KRResult) -> str:
    """The latest confidence, and with two or more the last few as a small trend:
    '60% (40% → 50% → 60%, rising)'."""
    if res.confidence is None:
        return "–"
    latest = pct(res.confidence)
    if len(res.confidence_trend) < 2:
        return latest
    shown = [v for _, v in res.confidence_trend[-CONFIDENCE_TREND_SHOWN:]]
    way = "rising" if shown[-1] > shown[0] else "falling" if shown[-1] < shown[0] else "flat"
    return f"{latest} ({' → '.join(pct(v) for v in shown)}, {way})"


def _latest(site: Site, path: str, kr: KeyResult, res: KRResult,
            tabled: set[tuple[date, str]]) -> str:
    """The latest check-in: its date, who made it and its note. When the key result's
    table of check-ins (`tabled`: its dates and notes) has the same note on that day,
    the search index takes the note from there only (it was in the index twice)."""
    update = site.latest_update(kr, res.last_check_in)
    if update is None:
        return ""
    note = site.md.html(update.note)
    attrs = ' class="okr-checkin"' + (UNSEARCHED if note and (update.date, note) in tabled
                                      else "")
    what = "Latest measurement of the KPI" if update.measurement else "Latest check-in"
    text = f"{what} {day(update.date)}"
    if update.by:
        text += f", by {site.person_link(path, update.by)}"
    elif update.committer:
        text += f", committed by {site.person_link(path, update.committer)}"
    if not note:
        return para(f"{text}.", "okr-checkin")
    if note.startswith("<p>") and note.endswith("</p>") and note.count("<p>") == 1:
        return f"<p{attrs}>{text}: {note[3:-4]}</p>"  # one paragraph: one line
    return f"<div{attrs}>\n{para(text + ':')}\n{note}\n</div>"


_INITIATIVE_STATUS = {"planned": "○", "doing": "◐", "done": "✔"}


def _initiatives(kr: KeyResult) -> str:
    """The work behind the key result. Only an http(s) URL becomes a link; any other is
    shown as text beside the title, never as a target."""
    if not kr.initiatives:
        return ""
    items = []
    for n in kr.initiatives:
        text = inline(n.title)
        if n.url and url_kind(n.url) == "remote":
            text = f'<a href="{attr(n.url)}">{text}</a>'
        elif n.url:
            text += f" (<code>{inline(n.url)}</code>)"
        if n.status:
            text += (f' · <span aria-hidden="true">{_INITIATIVE_STATUS[n.status]}</span> '
                     f"{n.status}")
        items.append(text)
    return para("<strong>Initiatives</strong>") + "\n" + bullets(items, "okr-initiatives")


def _kr_chart(site: Site, objective: Objective, kr: KeyResult, data: ScoreInput,
              unit: str | None, anchor: str, shared: Shared) -> tuple[Chart, list[Point]]:
    period = site.periods[objective.period]
    notes: dict[date, str | None] = {}
    confidences: dict[date, float | None] = {}
    if data.kpi is not None:
        notes.update((m.date, m.note) for m in data.kpi.measurements)
    for c in kr.check_ins:
        notes[c.date] = c.note
        confidences[c.date] = c.confidence
    points = [Point(p.date, p.value, site.md.html(notes.get(p.date)),
                    confidences.get(p.date)) for p in data.values]
    direction = (kr.direction or "at_least") if kr.kind is KRKind.THRESHOLD else None
    chart = kr_chart(f"{anchor}-chart", kr.title, points, start=period.start, end=period.end,
                     as_of=data.as_of, unit=unit, baseline=data.baseline, target=kr.target,
                     expected_end=site.card.settings.expectation(objective.type),
                     direction=direction, shared=shared)
    return chart, points


def _how(res: KRResult, values: str = "") -> str:
    """The key result's one "How was this computed?": scorer, inputs, arithmetic, and
    the values behind its chart (the chart's text equivalent) when it has one."""
    s = res.score
    # One line of inputs rather than a table: there is one of these per key result.
    inputs = "; ".join(_input_item(k, v) for k, v in s.inputs.items())
    body = [_scorer_line(s.scorer, s.scorer_version),
            para(f"Inputs: {inputs}." if inputs else "No inputs."),
            para(f"{inline(s.explanation)}.")]
    if res.status not in ("planned", "no_data"):
        body.append(para(f"Expected by now: {score(res.expected)}; status "
                         f"{status_label(res.status)}."))
    body.append(values)
    return details("How was this computed?", "\n".join(b for b in body if b))


@lru_cache(maxsize=256)
def _scorer_line(scorer: str, version: str | None) -> str:
    return para(f"Scorer <code>{inline(scorer)}</code>, version <code>"
                f"{inline(version or '–')}</code>.")


def _input_item(name: str, v: object) -> str:
    """`name = value` of a scorer's input, as safe HTML."""
    kind = type(v)
    if kind is int or kind is float or kind is str or kind is bool:  # hashable: memoized
        return _input_item_of(name, v, kind)
    return f"{inline(name)} = {inline(_input_text(v))}"


@lru_cache(maxsize=2048)
def _input_item_of(name: str, v: object, kind: type) -> str:
    # `kind` in the key: True == 1, but one is "yes" and the other "1"
    return f"{inline(name)} = {inline(_input_text(v))}"


def _goal_text(v: object, unit: str | None) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return value(float(v), unit)
    return inline("–" if v is None else str(v))


def _input_text(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return num(float(v))
    if isinstance(v, (list, tuple)):
        return "; ".join(_input_text(x) for x in v) or "none"
    return str(v)


# -- one unit, every period ------------------------------------------------------------------


def unit_overview(site: Site, unit: str) -> Page:
    path = unit_page(unit)
    org_unit = site.content.org.units.get(unit)
    name = site.unit_name(unit)
    blocks = [h1(inline(name))]
    facts = []
    if org_unit is not None and org_unit.lead:
        facts.append(f"lead {site.person_link(path, org_unit.lead)}")
    if org_unit is not None and org_unit.parent:
        facts.append(f"part of {site.unit_link(path, org_unit.parent)}")
    blocks.append(site.as_of_line(*facts))
    withheld = site.withheld.unit(unit)
    blocks.append(withheld_note(withheld))
    if org_unit is not None:
        blocks.append(site.md.block(org_unit.description))
        children = site.content.org.children(unit)
        if children:
            blocks.append(para("Units beneath: " + ", ".join(site.unit_link(path, c.id)
                                                             for c in children)))
        if org_unit.reviewers:
            blocks.append(para("Changes reviewed by: " + ", ".join(inline(r)
                                                                   for r in org_unit.reviewers)))

    periods = site.unit_periods(unit)
    blocks.append(heading(2, "Score by period", "periods"))
    if not periods:
        blocks.append(para("No OKRs in any period of this build."))
    else:
        # One kind of period on the chart's axis (the most common: quarters, say); the
        # table below lists every period.
        kinds = [site.periods[p].kind for p in periods]
        kind = max(kinds, key=lambda k: (kinds.count(k), -kinds.index(k)))
        bars, rows = [], []
        for p in periods:
            res = site.unit_result(p, unit)
            bar = trend_bar(site, p, unit)
            if res is None or bar is None:
                continue
            if site.periods[p].kind == kind:
                bars.append(bar)
            state = site.state(p)
            rows.append([site.link(path, unit_period_page(p, unit), p), state.value,
                         score_cell(res), status_chip(res.status),
                         str(len(res.objectives)), counts_text(res.counts)])
        chart = trend_chart(f"trend-{unit}", f"{name}: unit score by {kind}", bars)
        blocks.append(chart.html("The scores as a table"))
        blocks.append(table(["Period", "State", "Score", "Status", "Objectives",
                             "Objectives by status"], rows, sortable=True, cards=(3, 0)))
        blocks.append(_sandbagging(site, unit))

    kpis = [k for k in site.content.kpis.values() if k.owner == unit]
    if kpis:
        blocks.append(heading(2, "KPIs owned", "kpis"))
        blocks.append(bullets(site.link(path, kpi_page(k.id), inline(k.name)) for k in kpis))
    return Page(path, title_text(name), join_blocks(blocks),
                {"okrsite": {"kind": "unit", "unit": unit}}, in_nav=False)


# -- the directory --------------------------------------------------------------------------


def units_index(site: Site, current: str | None) -> Page:
    path = UNITS_INDEX
    blocks = [h1("Units"), site.as_of_line(plural(len(site.content.org.units), "unit"))]
    lines: list[tuple[int, str]] = []
    known = set(site.content.org.units)
    for u in site.units:
        if u not in known:
            continue
        depth = site.content.org.depth(u)
        org_unit = site.content.org.units[u]
        facts = []
        if org_unit.lead:
            facts.append(f"lead {site.person_link(path, org_unit.lead)}")
        if current is not None:
            res = site.unit_result(current, u)
            if res is not None:
                facts.append(f"{site.link(path, unit_period_page(current, u), current)}: "
                             f"{'no data' if res.no_data else score(res.score)} · "
                             f"{status_label(res.status)}")
        periods = site.unit_periods(u)
        facts.append(plural(len(periods), "period") + " with OKRs")
        lines.append((depth, f"{site.link(path, unit_page(u), inline(org_unit.name))}"
                             f" — {' · '.join(facts)}"))
    blocks.append(nested_list(lines) or para("No units."))
    if current is None:
        blocks.append(admonition("info", "No periods", para("There are no OKRs yet.")))
    return Page(path, "Units", join_blocks(blocks), {"okrsite": {"kind": "units"}},
                in_nav=True)
