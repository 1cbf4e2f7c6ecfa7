"""Period ids and their dates.

`2026` is a year, `2026-H1` a half, `2026-Q3` a quarter. Dates follow from the
id and the fiscal year start month: fiscal year 2026 starts in that month of
calendar 2026 (with the default, January, fiscal and calendar years agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_ID = re.compile(r"^([0-9]{4})(?:-(H[12]|Q[1-4]))?\Z")

KIND_ORDER = {"year": 0, "half": 1, "quarter": 2}

# Format v1: a closing check-in (or KPI value) may be dated up to 14 days after the
# period ends. A rule of the format, not a setting: validation and scoring share it.
CLOSING_GRACE = timedelta(days=14)

# Years whose periods have dates for every fiscal year start (Python dates end in 9999).
MIN_YEAR, MAX_YEAR = 1000, 9998


@dataclass(frozen=True)
class PeriodSpan:
    id: str
    kind: str  # year | half | quarter
    start: date
    end: date  # inclusive

    def contains(self, other: PeriodSpan) -> bool:
        return self.start <= other.start and other.end <= self.end

    def duration_days(self) -> int:
        return (self.end - self.start).days + 1


def _add_months(year: int, month: int, months: int) -> date:
    index = year * 12 + (month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def is_period_id(text: str) -> bool:
    match = PERIOD_ID.match(text)
    return bool(match) and MIN_YEAR <= int(match[1]) <= MAX_YEAR


def span(period_id: str, fiscal_year_start: int = 1) -> PeriodSpan:
    """Dates of a standard period id. Raises ValueError for anything else."""
    match = PERIOD_ID.match(period_id)
    if not match:
        raise ValueError(f"not a period id: {period_id!r} (use YYYY, YYYY-H1 or YYYY-Q3)")
    year, part = int(match[1]), match[2]
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"period {period_id!r}: years run from {MIN_YEAR} to {MAX_YEAR}")
    if part is None:
        kind, offset, length = "year", 0, 12
    elif part[0] == "H":
        kind, offset, length = "half", (int(part[1]) - 1) * 6, 6
    else:
        kind, offset, length = "quarter", (int(part[1]) - 1) * 3, 3
    start = _add_months(year, fiscal_year_start, offset)
    end = _add_months(year, fiscal_year_start, offset + length) - timedelta(days=1)
    return PeriodSpan(period_id, kind, start, end)


def sort_key(period_id: str, fiscal_year_start: int = 1) -> tuple[date, int, str]:
    """Chronological, a year before its halves before its quarters."""
    s = span(period_id, fiscal_year_start)
    return (s.start, KIND_ORDER[s.kind], period_id)
