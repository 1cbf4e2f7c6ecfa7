"""Factories for scoring tests: small hand-built Content objects.

Org: company > sales, company > support > tier1. Periods default to the
standard dates of their ids; sources are fixed so diagnostics can be asserted.
"""

from __future__ import annotations

from datetime import date

from okrsite.model import (
    KPI,
    CheckIn,
    Content,
    KeyResult,
    KRKind,
    Measurement,
    Objective,
    Org,
    Period,
    PeriodState,
    Ref,
    Source,
    Thresholds,
    Unit,
    UnitPeriod,
)
from okrsite.periods import span
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.rollup import KRResult, score_content

Q4 = "2026-Q4"  # 2026-10-01 .. 2026-12-31: (end - start) = 91 days
MID = date(2026, 11, 15)  # 45 days in: elapsed 45/91


def d(text: str) -> date:
    return date.fromisoformat(text)


def kr(kr_id: str = "kr", *, check_ins=(), kind: KRKind | None = None, **fields) -> KeyResult:
    """A key result; its ref is set by `objective()`. check_ins: (date, value[, confidence])."""
    if kind is None:
        if fields.get("milestones"):
            kind = KRKind.MILESTONES
        elif "done" in fields:
            kind = KRKind.BINARY
        elif fields.get("direction"):
            kind = KRKind.THRESHOLD
        else:
            kind = KRKind.NUMERIC
    ins = [CheckIn(d(c[0]), c[1], c[2] if len(c) > 2 else None) for c in check_ins]
    return KeyResult(kr_id, kr_id.title(), kind, Ref("u", "o", kr_id, Q4), check_ins=ins,
                     source=Source("x.yaml", 10, 9), **fields)


def objective(obj_id: str, *krs: KeyResult, unit: str = "support", period: str = Q4,
              **fields) -> Objective:
    ref = Ref(unit, obj_id, None, period)
    for k in krs:
        k.ref = Ref(unit, obj_id, k.id, period)
    return Objective(obj_id, obj_id.title(), unit, period, ref, list(krs),
                     source=Source(f"periods/{period}/{unit}.yaml", 5, 5), **fields)


def make_period(pid: str = Q4, state: PeriodState | None = None) -> Period:
    return Period(pid, span(pid), declared_state=state)


def make_content(*objectives: Objective, kpis=(), periods=()) -> Content:
    units = {u.id: u for u in [Unit("company", "Company", None), Unit("sales", "Sales", "company"),
                               Unit("support", "Support", "company"),
                               Unit("tier1", "Tier 1", "support")]}
    okrs: dict[tuple[str, str], UnitPeriod] = {}
    for o in objectives:
        key = (o.period, o.unit)
        source = Source(f"periods/{o.period}/{o.unit}.yaml")
        okrs.setdefault(key, UnitPeriod(o.unit, o.period, [], source)).objectives.append(o)
    by_id = {p.id: p for p in periods}
    for o in objectives:
        by_id.setdefault(o.period, make_period(o.period))
    return Content(Org("Acme", units), by_id, okrs, {k.id: k for k in kpis})


def nps(*measurements: tuple[str, float], thresholds: Thresholds | None = None,
        direction: str = "higher_is_better", kpi_id: str = "nps",
        visibility: str = "public") -> KPI:
    return KPI(kpi_id, kpi_id.upper(), direction=direction, thresholds=thresholds,
               visibility=visibility,
               measurements=[Measurement(d(t), v) for t, v in measurements])


def score_one(k: KeyResult, as_of: date, kpis=(), settings: ScoringSettings | None = None,
              obj_type: str = "aspirational", state: PeriodState | None = None) -> KRResult:
    content = make_content(objective("o", k, type=obj_type), kpis=kpis,
                           periods=[make_period(Q4, state)])
    card = score_content(content, as_of, settings or ScoringSettings(), ScorerRegistry())
    return card.krs[f"{Q4}:support/o/{k.id}"]


def at(score: float, on: date = MID, kr_id: str = "kr", **fields) -> KeyResult:
    """A numeric KR (0 -> 10) scoring exactly `score`, checked in on `on`."""
    return kr(kr_id, baseline=0, target=10, check_ins=[(on.isoformat(), round(score * 10, 9))],
              **fields)
