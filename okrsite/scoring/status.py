"""Status: how a score compares with what was expected by the as-of date.

- planning period: `planned`.
- active period: expected = elapsed fraction x end expectation (1.0 committed,
  0.7 aspirational), or the end expectation all along for "level" scorers
  (thresholds). Then `on_track` if score >= expected - on_track_margin,
  `at_risk` if score >= expected - at_risk_margin, else `off_track`. A key result
  without data is `no_data`; one whose last check-in is too old is `stale`.
- closed period: `achieved` if score >= end expectation, else `missed` (also without
  data: by the close, no data is a miss).
"""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from okrsite.model import KPI, KeyResult, Period, PeriodState
from okrsite.scoring.base import ScoringSettings, StatusRule

Status = Literal["planned", "no_data", "stale", "on_track", "at_risk", "off_track",
                 "achieved", "missed"]
Band = Literal["red", "yellow", "green"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_LABELS = {s: s.replace("_", " ") for s in STATUSES}

# Float noise must not flip a status at an exact edge (0.7 vs 0.69999999999).
_EPS = 1e-9


def elapsed_fraction(period: Period, as_of: date) -> float:
    """0 on the first day, 1 on the last, linear in between (clamped outside)."""
    length = (period.end - period.start).days
    if length <= 0:
        return 1.0 if as_of >= period.end else 0.0
    return min(1.0, max(0.0, (as_of - period.start).days / length))


def expected_score(period: Period, as_of: date, end_expectation: float,
                   pace: str = "linear") -> float:
    state = period.state(as_of)
    if state is PeriodState.PLANNING:
        return 0.0
    if state is PeriodState.CLOSED or pace == "level":
        return end_expectation
    return elapsed_fraction(period, as_of) * end_expectation


def judge(score: float, expected: float, rule: StatusRule) -> str:
    if score + _EPS >= expected - rule.on_track_margin:
        return "on_track"
    if score + _EPS >= expected - rule.at_risk_margin:
        return "at_risk"
    return "off_track"


def status_of(state: PeriodState, score: float, expected: float, end_expectation: float,
              rule: StatusRule, *, no_data: bool = False, stale: bool = False) -> str:
    if state is PeriodState.PLANNING:
        return "planned"
    if state is PeriodState.CLOSED:  # no data by the close is a miss, not "no data"
        return "achieved" if not no_data and score + _EPS >= end_expectation else "missed"
    if no_data:
        return "no_data"
    if stale:
        return "stale"
    return judge(score, expected, rule)


QUARTER_DAYS = 91  # the length the `stale_after_days` setting is written for


def stale_after_days(kr: KeyResult, kpi: KPI | None, settings: ScoringSettings,
                     period: Period | None = None) -> int:
    """How old the latest value may be: the KR's `stale_after_days`, else the KR's own
    `cadence`, else its KPI's cadence (both with grace for reporting lag), else the site
    default scaled to the period's length (a quarter keeps it, a year gets four times it)."""
    if kr.stale_after_days:
        return kr.stale_after_days
    cadence = kr.cadence or (kpi.cadence if kpi is not None else None)
    if cadence in settings.kpi_stale_after_days:
        return settings.kpi_stale_after_days[cadence]
    if period is None:
        return settings.stale_after_days
    length = (period.end - period.start).days + 1
    return max(settings.stale_after_days, round(settings.stale_after_days * length / QUARTER_DAYS))


def data_due(period: Period, as_of: date, days: int) -> bool:
    """A KR's first value is due once its staleness window has passed since the start:
    before that, having no data is normal, not a failure."""
    return (as_of - period.start).days > days


def is_stale(state: PeriodState, last_update: date | None, as_of: date, days: int) -> bool:
    """Only an active period goes stale; without any update it is `no_data` instead."""
    return (state is PeriodState.ACTIVE and last_update is not None
            and (as_of - last_update).days > days)


def grade_mismatch(grade: float | None, score: float, tolerance: float) -> bool:
    return grade is not None and abs(grade - score) > tolerance + _EPS


# Confidence against status. The owner's word and the numbers disagree: "on track but
# low confidence" (the numbers look fine, the owner expects trouble) and its opposite,
# "behind but confident". Either is worth a conversation; neither changes the score.
LOW_CONFIDENCE = 0.5  # below this, confidence is low
HIGH_CONFIDENCE = 0.7  # at or above this, confidence is high
ConfidenceFlag = Literal["on_track_low_confidence", "behind_high_confidence"]
CONFIDENCE_FLAG_LABELS: dict[str, str] = {
    "on_track_low_confidence": "on track but low confidence",
    "behind_high_confidence": "behind but high confidence",
}


def confidence_flag(status: str, confidence: float | None) -> ConfidenceFlag | None:
    """The flag for a KR's status and its latest confidence, or None when they agree
    (or there is no confidence, or the status is not a judgement of progress)."""
    if confidence is None:
        return None
    if status == "on_track" and confidence + _EPS < LOW_CONFIDENCE:
        return "on_track_low_confidence"
    if status in ("at_risk", "off_track") and confidence + _EPS >= HIGH_CONFIDENCE:
        return "behind_high_confidence"
    return None


# Google's guidance, shown wherever an aspirational score is (pages and the score
# table), so that 70% reads as success and not as a failing grade.
ASPIRATIONAL_NOTE = ("For aspirational objectives 0.6 to 0.7 is success: they aim beyond "
                     "what is sure, and 1.0 every time means they aimed too low.")
