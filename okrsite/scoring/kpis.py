"""KPIs: the values a KPI-linked key result uses, and each KPI's health and trend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, get_args

from okrsite.model import KPI, Measurement, Period
from okrsite.numbers import fmt_num
from okrsite.periods import CLOSING_GRACE
from okrsite.scoring.base import DataPoint, ScoringSettings

Health = Literal["healthy", "watch", "unhealthy", "no_thresholds", "no_data"]
HEALTHS: tuple[Health, ...] = get_args(Health)


def known_measurements(kpi: KPI, as_of: date) -> list[Measurement]:
    """Measurements dated on or before as of, oldest first."""
    return sorted((m for m in kpi.measurements if m.date <= as_of), key=lambda m: m.date)


def kpi_values(kpi: KPI, period: Period, as_of: date,
               grace: timedelta = CLOSING_GRACE) -> tuple[DataPoint, ...]:
    """The KPI's values inside the period (a closing one up to `grace` after its
    end), on or before as of."""
    last = period.end + grace
    return tuple(DataPoint(m.date, float(m.value), f"kpi:{kpi.id}")
                 for m in known_measurements(kpi, as_of) if period.start <= m.date <= last)


def kpi_baseline(kpi: KPI, period: Period, as_of: date) -> Measurement | None:
    """The KPI's last measurement before the period starts (known as of the date)."""
    before = [m for m in known_measurements(kpi, as_of) if m.date < period.start]
    return before[-1] if before else None


@dataclass
class KPIHealth:
    """A KPI as of a date. `trend_better` says whether the trend is good news given
    the KPI's direction (None when flat or unknown)."""

    id: str
    ref: str  # "kpi:<id>"
    latest: float | None
    latest_date: date | None
    health: Health
    trend: str | None  # up | down | flat; None with fewer than two measurements
    trend_better: bool | None
    linked_krs: list[str] = field(default_factory=list)  # KR refs across periods
    restricted: bool = False
    explanation: str = ""


def health_of(kpi: KPI, value: float) -> str:
    t = kpi.thresholds
    if t is None:
        return "no_thresholds"
    if kpi.higher_is_better:
        return "healthy" if value >= t.green else "unhealthy" if value < t.red else "watch"
    return "healthy" if value <= t.green else "unhealthy" if value > t.red else "watch"


def trend_of(values: Sequence[float], tolerance: float) -> str | None:
    """Direction from the first to the last of the given values (the last three);
    changes within `tolerance` of the first value's size are flat."""
    if len(values) < 2:
        return None
    first, last = values[0], values[-1]
    if abs(last - first) <= tolerance * abs(first) + 1e-12:
        return "flat"
    return "up" if last > first else "down"


def kpi_health(kpi: KPI, as_of: date, settings: ScoringSettings,
               linked_krs: Sequence[str] = ()) -> KPIHealth:
    known = known_measurements(kpi, as_of)
    ref = f"kpi:{kpi.id}"
    if not known:
        return KPIHealth(kpi.id, ref, None, None, "no_data", None, None, list(linked_krs),
                         kpi.restricted, f"no measurement on or before {as_of.isoformat()}")
    latest = known[-1]
    health = health_of(kpi, latest.value)
    trend = trend_of([m.value for m in known[-3:]], settings.trend_flat_tolerance)
    better = None if trend in (None, "flat") else (trend == "up") == kpi.higher_is_better
    parts = [f"{fmt_num(latest.value)} on {latest.date.isoformat()}"]
    if kpi.thresholds is not None:
        t = kpi.thresholds
        if kpi.higher_is_better:
            parts.append(f"healthy at {fmt_num(t.green)} or more, unhealthy below "
                         f"{fmt_num(t.red)}: {health}")
        else:
            parts.append(f"healthy at {fmt_num(t.green)} or less, unhealthy above "
                         f"{fmt_num(t.red)}: {health}")
    else:
        parts.append("no thresholds")
    if trend is not None:
        n = len(known[-3:])
        judged = "" if better is None else (" (better)" if better else " (worse)")
        parts.append(f"trend {trend}{judged} over the last {n} measurements")
    return KPIHealth(kpi.id, ref, latest.value, latest.date, health, trend, better,
                     list(linked_krs), kpi.restricted, "; ".join(parts))
