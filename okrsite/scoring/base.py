"""What every scorer sees and returns, and the settings that steer scoring.

A scorer is handed a `ScoreInput` whose values are already resolved: check-ins
or KPI measurements, filtered to the period and to "as of". Scorers therefore
never look at dates themselves, which keeps the as-of rule in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from okrsite.model import KPI, KeyResult, KRKind, Period
from okrsite.numbers import fmt_score

PACES = ("linear", "level")


def clamp01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


@dataclass(frozen=True)
class DataPoint:
    """One dated value a scorer may use."""

    date: date
    value: float
    source: str  # "check-in" or "kpi:<id>"


@dataclass(frozen=True)
class ScoreInput:
    """Everything a scorer needs for one key result, as of one date."""

    kr: KeyResult
    as_of: date
    period: Period
    values: tuple[DataPoint, ...]  # on or before as_of, oldest first
    baseline: float | None  # the KR's own, else the KPI's last value before the period
    baseline_source: str  # "key result", "kpi:<id> on <date>" or "none"
    kpi: KPI | None = None
    extensions: Mapping[str, object] = field(default_factory=dict)  # the KR's `x-` fields

    @property
    def current(self) -> DataPoint | None:
        """The latest value dated on or before as of."""
        return self.values[-1] if self.values else None

    @property
    def value_noun(self) -> str:
        return "measurements" if self.kpi is not None else "check-ins"


@dataclass(frozen=True)
class Score:
    """A key result's score and how it came about.

    `value` is clamped to 0..1 and is 0 when there is no data; `raw` is the
    unclamped progress (overachievement shows as raw > 1), None without data.
    """

    value: float
    raw: float | None
    no_data: bool
    scorer: str
    scorer_version: str
    inputs: dict[str, object]
    explanation: str


@runtime_checkable
class Scorer(Protocol):
    """What the registry accepts. Optional attributes: `kinds` (tuple of KR kind
    values it can score; empty means any) and `pace` ("linear": progress should
    grow through the period; "level": the score should sit at the target all along).
    """

    name: str
    version: str

    def score(self, data: ScoreInput) -> Score: ...


class BaseScorer:
    """Convenience base for scorers: builds `Score`s with the scorer's name and version."""

    name: str = ""
    version: str = "1"
    kinds: tuple[str, ...] = ()
    pace: str = "linear"

    def score(self, data: ScoreInput) -> Score:
        raise NotImplementedError

    def result(self, raw: float, inputs: dict[str, object], formula: str,
               data: ScoreInput, note: str = "") -> Score:
        """A score from unclamped progress, explained as `formula = raw[, score s], as of d`."""
        value = clamp01(raw)
        text = f"{formula} = {fmt_score(raw)}"
        if fmt_score(value) != fmt_score(raw):  # not "= 0.00, score 0.00"
            text += f", score {fmt_score(value)}"
        text += f", as of {data.as_of.isoformat()}" + (f" ({note})" if note else "")
        return Score(value, raw, False, self.name, self.version,
                     {**inputs, "as_of": data.as_of.isoformat()}, text)

    def no_data(self, reason: str, data: ScoreInput,
                inputs: dict[str, object] | None = None) -> Score:
        return Score(0.0, None, True, self.name, self.version,
                     {**(inputs or {}), "as_of": data.as_of.isoformat()}, reason)


def scorer_pace(scorer: object) -> str:
    pace = getattr(scorer, "pace", "linear")
    return pace if pace in PACES else "linear"


# -- settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bands:
    """Score colours: red below `yellow_from`, yellow below `green_from`, green from there."""

    yellow_from: float = 0.4
    green_from: float = 0.7

    def __post_init__(self) -> None:
        if not 0 <= self.yellow_from <= self.green_from <= 1:
            raise ValueError("bands need 0 <= yellow_from <= green_from <= 1")

    def of(self, score: float) -> str:
        # Rounding absorbs float noise: a weighted mean of 0.7s is green, 0.39999 stays red.
        s = round(score, 9)
        return "green" if s >= self.green_from else "yellow" if s >= self.yellow_from else "red"


@dataclass(frozen=True)
class StatusRule:
    """Active period: on track if score >= expected - on_track_margin, at risk if
    score >= expected - at_risk_margin, else off track."""

    on_track_margin: float = 0.1
    at_risk_margin: float = 0.25

    def __post_init__(self) -> None:
        if not 0 <= self.on_track_margin <= self.at_risk_margin:
            raise ValueError("status margins need 0 <= on_track_margin <= at_risk_margin")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ScoringSettings:
    """Site-wide scoring configuration; every field has the documented default."""

    # KR kind (numeric | threshold | milestones | binary) -> scorer name, over the built-in default.
    default_scorers: Mapping[str, str] = field(default_factory=dict)
    bands: Bands = field(default_factory=Bands)
    # Score expected at the end of the period, by objective type.
    expectations: Mapping[str, float] = field(
        default_factory=lambda: {"committed": 1.0, "aspirational": 0.7})
    status: StatusRule = field(default_factory=StatusRule)
    stale_after_days: int = 14
    # KPI-linked KRs follow the KPI's cadence, plus grace for reporting lag.
    kpi_stale_after_days: Mapping[str, int] = field(
        default_factory=lambda: {"weekly": 14, "monthly": 45, "quarterly": 105})
    grade_tolerance: float = 0.2
    cascade: bool = False
    trend_flat_tolerance: float = 0.01  # relative change treated as flat

    def __post_init__(self) -> None:
        unknown = sorted(set(self.default_scorers) - {k.value for k in KRKind})
        if unknown:
            raise ValueError(f"default_scorers: unknown key result kind(s) {', '.join(unknown)}; "
                             f"use {', '.join(k.value for k in KRKind)}")
        for name in ("default_scorers", "expectations", "kpi_stale_after_days"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def expectation(self, objective_type: str) -> float:
        return float(self.expectations.get(objective_type, self.expectations.get("aspirational",
                                                                                   0.7)))


DEFAULT_SETTINGS = ScoringSettings()
