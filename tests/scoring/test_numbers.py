"""One number formatter for every output (okrsite.numbers)."""

from __future__ import annotations

import pytest

from okrsite.history.text import fmt
from okrsite.numbers import fmt_fixed, fmt_grouped, fmt_num, fmt_score


@pytest.mark.parametrize(("value", "text"), [
    (18.0, "18"), (0.1 + 0.2, "0.3"), (1234567.5, "1234567.5"), (-0.0, "0"), (7, "7"),
    (1e15, "1e+15"), (float("inf"), "inf"),
])
def test_a_number_reads_as_a_person_writes_it(value: float, text: str) -> None:
    assert fmt_num(value) == text


def test_the_change_log_writes_numbers_as_the_scorecard_does() -> None:
    for value in (1234567.5, 0.1 + 0.2, 12.0, 3):
        assert fmt(value) == fmt_num(value)


def test_no_negative_zero() -> None:
    assert fmt_score(-0.001) == "0.00" and fmt_fixed(-0.0, 1) == "0.0"
    assert fmt_score(-0.5) == "-0.50"


@pytest.mark.parametrize(("x", "text"), [
    (241000, "241,000"), (-1234.5, "-1,234.5"), (1000, "1,000"), (999, "999"), (0.25, "0.25"),
    (12345678.5, "12,345,678.5"), (1e20, "1e+20"), (float("inf"), "inf")])
def test_measured_values_have_their_thousands_grouped(x: float, text: str) -> None:
    assert fmt_grouped(x) == text


@pytest.mark.parametrize(("x", "text"), [
    (999.4999, "999.4999"), (-999.4999, "-999.4999"), (999.99999999999, "1,000"),
    (-999.99999999999, "-1,000"), (999.5, "999.5")])
def test_a_value_just_below_a_thousand_is_grouped_when_it_is_written_as_one(
        x: float, text: str) -> None:
    # fmt_grouped skips the grouping below 1,000; a value that rounds up to 1000 is 1,000
    assert fmt_grouped(x) == text
