"""Scoring: every expected number here is computed by hand (the comment shows how)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.scoringkit import (
    MID,
    Q4,
    at,
    d,
    kr,
    make_content,
    make_period,
    nps,
    objective,
    score_one,
)
from hypothesis import given
from hypothesis import strategies as st

from okrsite.model import Content, KRKind, Milestone, PeriodState, Ref, Thresholds
from okrsite.scoring.base import Bands, ScoringSettings, StatusRule
from okrsite.scoring.checks import check_scoring
from okrsite.scoring.kpis import health_of, trend_of
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.report import format_table, to_json
from okrsite.scoring.rollup import key_result_input, score_content
from okrsite.scoring.status import elapsed_fraction

# -- the table of cases -----------------------------------------------------------------

KPI_NPS = nps(("2026-08-31", 38), ("2026-09-30", 40), ("2026-10-31", 45), ("2026-11-30", 48),
              ("2027-01-10", 49), ("2027-01-20", 60))

CASES = [
    # id, key result, KPIs, as of, score, raw (None: no data)
    ("linear-rising", kr(baseline=40, target=50, check_ins=[("2026-10-15", 45)]), (),
     MID, 0.5, 0.5),  # (45 - 40) / (50 - 40)
    ("linear-falling", kr(baseline=24, target=12, check_ins=[("2026-10-15", 18)]), (),
     MID, 0.5, 0.5),  # (18 - 24) / (12 - 24)
    ("linear-rising-over", kr(baseline=10, target=20, check_ins=[("2026-11-01", 27)]), (),
     MID, 1.0, 1.7),  # (27 - 10) / 10
    ("linear-falling-over", kr(baseline=24, target=12, check_ins=[("2026-11-01", 9)]), (),
     MID, 1.0, 1.25),  # (9 - 24) / (12 - 24)
    ("linear-rising-worse", kr(baseline=40, target=50, check_ins=[("2026-11-01", 35)]), (),
     MID, 0.0, -0.5),  # (35 - 40) / 10
    ("linear-falling-worse", kr(baseline=24, target=12, check_ins=[("2026-11-01", 30)]), (),
     MID, 0.0, -0.5),  # (30 - 24) / -12
    ("linear-latest-wins", kr(baseline=40, target=50,
                              check_ins=[("2026-10-10", 42), ("2026-11-01", 48)]), (),
     MID, 0.8, 0.8),  # (48 - 40) / 10
    ("linear-after-as-of-ignored", kr(baseline=40, target=50,
                                      check_ins=[("2026-11-01", 45), ("2026-11-20", 50)]), (),
     MID, 0.5, 0.5),  # 50 is dated after 11-15
    ("linear-as-of-day-counts", kr(baseline=40, target=50, check_ins=[("2026-11-15", 46)]), (),
     MID, 0.6, 0.6),  # dated on as of: counts
    ("linear-no-check-ins", kr(baseline=40, target=50), (), MID, 0.0, None),
    ("linear-only-future", kr(baseline=40, target=50, check_ins=[("2026-12-01", 45)]), (),
     MID, 0.0, None),
    ("linear-confidence-only", kr(baseline=40, target=50, check_ins=[("2026-11-01", None, 0.8)]),
     (), MID, 0.0, None),
    ("ratio", kr(baseline=20, target=100, scorer="ratio", check_ins=[("2026-11-01", 50)]), (),
     MID, 0.5, 0.5),  # 50 / 100 (linear would give 30 / 80)
    ("ratio-over", kr(baseline=0, target=100, scorer="ratio", check_ins=[("2026-11-01", 120)]),
     (), MID, 1.0, 1.2),  # 120 / 100
    ("threshold-at-least", kr(target=90, direction="at_least",
                              check_ins=[("2026-10-10", 91), ("2026-10-20", 89),
                                         ("2026-10-30", 90)]), (),
     MID, 36 / 46, 36 / 46),  # by days, 10-01..11-15: 91 x 19 days, 89 x 10, 90 x 17
    ("threshold-at-most", kr(target=200, direction="at_most",
                             check_ins=[("2026-10-10", 180), ("2026-10-20", 210),
                                        ("2026-10-30", 200)]), (),
     MID, 36 / 46, 36 / 46),  # 180 x 19 days (from the start), 210 x 10, 200 x 17
    ("threshold-after-as-of-ignored", kr(target=90, direction="at_least",
                                         check_ins=[("2026-10-31", 91), ("2026-11-30", 80)]), (),
     MID, 1.0, 1.0),  # only 91 is known on 11-15
    ("threshold-no-data", kr(target=90, direction="at_least"), (), MID, 0.0, None),
    ("milestones-weighted", kr(milestones=[Milestone("a", True), Milestone("b", False, 2)]), (),
     MID, 1 / 3, 1 / 3),  # done weight 1 / total 3
    ("milestones-all", kr(milestones=[Milestone("a", True), Milestone("b", True, 2)]), (),
     MID, 1.0, 1.0),
    ("milestones-none-done", kr(milestones=[Milestone("a"), Milestone("b")]), (),
     MID, 0.0, 0.0),  # nothing done is a real 0, not "no data"
    ("binary-done", kr(done=True), (), MID, 1.0, 1.0),
    ("binary-not-done", kr(done=False), (), MID, 0.0, 0.0),
    ("binary-unknown", kr(kind=KRKind.BINARY, done=None), (), MID, 0.0, None),
    ("kpi-own-baseline", kr(kpi="nps", baseline=35, target=55), (KPI_NPS,),
     MID, 0.5, 0.5),  # (45 - 35) / (55 - 35): 45 is the 10-31 value
    ("kpi-baseline-before-start", kr(kpi="nps", target=50), (KPI_NPS,),
     MID, 0.5, 0.5),  # baseline 40 (09-30), current 45 (10-31)
    ("kpi-later", kr(kpi="nps", target=50), (KPI_NPS,),
     d("2026-12-05"), 0.8, 0.8),  # (48 - 40) / 10
    ("kpi-closing-window", kr(kpi="nps", target=50), (KPI_NPS,),
     d("2027-02-01"), 0.9, 0.9),  # 01-10 is within end + 14 days: (49 - 40) / 10; 01-20 is not
    ("kpi-none-in-period", kr(kpi="nps", target=50), (KPI_NPS,),
     d("2026-09-30"), 0.0, None),  # planning: baseline known, no value inside the period yet
    ("kpi-threshold", kr(kpi="nps", target=45, direction="at_least"), (KPI_NPS,),
     d("2026-12-31"), 1.0, 1.0),  # 45 and 48 both >= 45
]


@pytest.mark.parametrize(("key_result", "kpis", "as_of", "score", "raw"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_key_result_scores(key_result, kpis, as_of, score, raw):
    result = score_one(key_result, as_of, kpis)
    assert result.score.value == pytest.approx(score)
    if raw is None:
        assert result.score.no_data and result.score.raw is None
        assert result.band is None
        assert result.status in ("no_data", "planned")
    else:
        assert not result.score.no_data
        assert result.score.raw == pytest.approx(raw)
    assert 0.0 <= result.score.value <= 1.0


def test_explanation_names_inputs_and_date():
    result = score_one(kr(baseline=24, target=12, check_ins=[("2026-10-15", 18)]), MID)
    assert result.score.explanation == "(18 - 24) / (12 - 24) = 0.50, as of 2026-11-15"
    assert result.score.scorer == "linear" and result.score.scorer_version == "1"
    assert result.score.inputs == {"baseline": 24, "baseline_source": "key result",
                                   "target": 12, "current": 18.0,
                                   "current_date": "2026-10-15", "as_of": "2026-11-15"}


def test_overachievement_explained():
    result = score_one(kr(baseline=10, target=20, check_ins=[("2026-11-01", 27)]), MID)
    assert result.score.explanation == "(27 - 10) / (20 - 10) = 1.70, score 1.00, as of 2026-11-15"


def test_kpi_baseline_is_traceable():
    result = score_one(kr(kpi="nps", target=50), MID, (KPI_NPS,))
    assert result.score.inputs["baseline"] == 40
    assert result.score.inputs["baseline_source"] == "kpi:nps on 2026-09-30"
    assert result.score.explanation.endswith("(baseline: kpi:nps on 2026-09-30)")


def test_kpi_baseline_ignores_measurements_after_as_of():
    # On 09-15 the 09-30 value does not exist yet: the baseline is the 08-31 one.
    k = kr(kpi="nps", target=50)
    content = make_content(objective("o", k), kpis=[KPI_NPS])
    data = key_result_input(k, content.periods[Q4], content, d("2026-09-15"))
    assert data.baseline == 38 and data.values == ()


def test_milestone_and_binary_explanations():
    ms = score_one(kr(milestones=[Milestone("a", True), Milestone("b", False, 2)]), MID)
    assert ms.score.explanation == ("done weight 1 / 3 = 0.33, as of 2026-11-15 "
                                    "(1 of 2 milestones done)")
    b = score_one(kr(done=False), MID)
    assert b.score.explanation == "not done = 0.00, as of 2026-11-15"


@given(baseline=st.integers(-1000, 1000), delta=st.integers(1, 1000),
       falling=st.booleans(), current=st.integers(-3000, 3000))
def test_linear_is_clamped_raw(baseline, delta, falling, current):
    target = baseline - delta if falling else baseline + delta
    k = kr(baseline=baseline, target=target, check_ins=[("2026-10-15", current)])
    result = score_one(k, MID)
    raw = (current - baseline) / (target - baseline)
    assert result.score.raw == pytest.approx(raw)
    assert result.score.value == pytest.approx(min(1.0, max(0.0, raw)))


# -- scorer choice ----------------------------------------------------------------------


def test_site_default_scorer_per_kind():
    k = kr(baseline=20, target=100, check_ins=[("2026-11-01", 50)])
    assert score_one(k, MID).score.value == pytest.approx(30 / 80)
    ratio = ScoringSettings(default_scorers={"numeric": "ratio"})
    result = score_one(k, MID, settings=ratio)
    assert result.score.scorer == "ratio" and result.score.value == pytest.approx(0.5)


def test_settings_reject_unknown_kind():
    with pytest.raises(ValueError, match="unknown key result kind"):
        ScoringSettings(default_scorers={"numerical": "ratio"})


def test_settings_from_mapping():
    """The plugin block's scoring options become ScoringSettings in one place
    (okrsite.settings); an unknown name is reported, not ignored."""
    from okrsite.settings import parse_options

    options, warnings = parse_options({"bands": {"yellow_from": 0.3, "green_from": 0.6},
                                       "status": {"on_track_margin": 0.05},
                                       "cascade_rollup": True})
    s = options.scoring
    assert s.bands == Bands(0.3, 0.6) and s.status == StatusRule(0.05, 0.25) and s.cascade
    assert warnings == []
    _, warnings = parse_options({"colour": "red"})
    assert warnings == [("colour", "Unrecognised configuration name: colour")]


def test_unknown_scorer_scores_no_data_and_says_why():
    result = score_one(kr(baseline=0, target=10, scorer="nope",
                          check_ins=[("2026-11-01", 5)]), MID)
    assert result.score.no_data and result.status == "no_data"
    assert "unknown scorer 'nope'" in result.score.explanation
    assert "binary, linear, milestones, ratio, threshold" in result.score.explanation


def test_scorer_for_another_shape_scores_no_data():
    result = score_one(kr(milestones=[Milestone("a", True)], scorer="linear"), MID)
    assert result.score.no_data
    assert result.score.explanation == "scorer 'linear' cannot score a milestones key result"


# -- roll-ups and bands -----------------------------------------------------------------


def test_objective_is_weighted_mean_and_unit_is_mean():
    o1 = objective("o1", at(0.5, kr_id="a"), kr("b", done=True, weight=2), kr("c", done=False))
    o2 = objective("o2", kr("d", milestones=[Milestone("m", True), Milestone("n", False)]))
    card = score_content(make_content(o1, o2), MID, registry=ScorerRegistry())
    obj = card.objectives[f"{Q4}:support/o1"]
    assert obj.score == pytest.approx(0.625)  # (0.5 x 1 + 1 x 2 + 0 x 1) / 4
    assert obj.explanation == ("weighted mean of 3 key results: "
                               "(0.50 x 1 + 1.00 x 2 + 0.00 x 1) / 4 = 0.62")
    assert obj.key_results == [f"{Q4}:support/o1/{x}" for x in "abc"]
    unit = card.units[f"{Q4}:support"]
    assert unit.score == pytest.approx((0.625 + 0.5) / 2)
    assert unit.objectives == [f"{Q4}:support/o1", f"{Q4}:support/o2"]


def test_no_data_key_result_counts_as_zero_but_is_not_failure():
    o = objective("o", at(0.8), kr("empty", baseline=0, target=10))
    card = score_content(make_content(o), MID, registry=ScorerRegistry())
    assert card.objectives[f"{Q4}:support/o"].score == pytest.approx(0.4)  # (0.8 + 0) / 2
    empty = card.krs[f"{Q4}:support/o/empty"]
    assert empty.status == "no_data" and empty.band is None
    assert "1 without data counted as 0" in card.objectives[f"{Q4}:support/o"].explanation


def test_objective_without_any_data():
    o = objective("o", kr("a", baseline=0, target=10), kr("b", baseline=0, target=10))
    card = score_content(make_content(o), MID, registry=ScorerRegistry())
    result = card.objectives[f"{Q4}:support/o"]
    assert result.no_data and result.status == "no_data" and result.band is None
    assert card.units[f"{Q4}:support"].status == "no_data"


@pytest.mark.parametrize(("score", "band"), [
    (0.0, "red"), (0.39999, "red"), (0.4, "yellow"), (0.69999, "yellow"), (0.7, "green"),
    (1.0, "green"), (sum([0.7] * 3) / 3, "green"),  # 0.6999999999999998: float noise
])
def test_bands_at_their_edges(score, band):
    assert Bands().of(score) == band


def test_band_of_a_computed_mean_at_the_edge():
    # Three KRs at 0.7 average to 0.6999999999999998 in floats; it is still green.
    o = objective("o", *(at(0.7, kr_id=f"k{i}") for i in range(3)))
    card = score_content(make_content(o), MID, registry=ScorerRegistry())
    assert card.objectives[f"{Q4}:support/o"].band == "green"


def test_configured_bands():
    assert Bands(0.3, 0.6).of(0.3) == "yellow" and Bands(0.3, 0.6).of(0.6) == "green"
    with pytest.raises(ValueError):
        Bands(0.8, 0.6)


def test_cascade_is_separate_and_transitive():
    company = objective("grow", at(1.0), unit="company")
    support = objective("serve", at(0.5), unit="support",
                        aligns_to=Ref("company", "grow", None, Q4))
    tier1 = objective("answer", at(0.0, on=MID), unit="tier1",
                      aligns_to=Ref("support", "serve", "kr", Q4))  # to a KR: its objective
    next_q = objective("later", at(0.0), unit="support", period="2027-Q1",
                       aligns_to=Ref("company", "grow", None, Q4))  # not started: left out
    content = make_content(company, support, tier1, next_q)
    plain = score_content(content, MID, registry=ScorerRegistry())
    assert plain.units[f"{Q4}:company"].cascade_score is None
    card = score_content(content, MID, ScoringSettings(cascade=True), ScorerRegistry())
    unit = card.units[f"{Q4}:company"]
    assert unit.score == pytest.approx(1.0)  # own objectives only
    assert unit.cascade_score == pytest.approx(0.5)  # (1.0 + 0.5 + 0.0) / 3
    assert unit.cascade_objectives == [f"{Q4}:support/serve", f"{Q4}:tier1/answer"]
    assert "cascade" in unit.cascade_explanation
    assert card.units[f"{Q4}:support"].cascade_score == pytest.approx(0.25)  # (0.5 + 0) / 2


# -- status -----------------------------------------------------------------------------


def test_elapsed_fraction():
    q4 = make_period()
    assert elapsed_fraction(q4, d("2026-10-01")) == 0.0
    assert elapsed_fraction(q4, MID) == pytest.approx(45 / 91)
    assert elapsed_fraction(q4, d("2026-12-31")) == 1.0
    assert elapsed_fraction(q4, d("2027-03-01")) == 1.0


@pytest.mark.parametrize(("score", "as_of", "obj_type", "status", "expected"), [
    # start: nothing expected yet, so even 0 is on track
    (0.0, d("2026-10-01"), "committed", "on_track", 0.0),
    # middle: committed expects 45/91 = 0.4945; on track from 0.3945, at risk from 0.2445
    (0.4, MID, "committed", "on_track", 45 / 91),
    (0.3, MID, "committed", "at_risk", 45 / 91),
    (0.2, MID, "committed", "off_track", 45 / 91),
    # middle: aspirational expects 0.7 x 45/91 = 0.3462
    (0.25, MID, "aspirational", "on_track", 0.7 * 45 / 91),
    (0.1, MID, "aspirational", "at_risk", 0.7 * 45 / 91),
    (0.05, MID, "aspirational", "off_track", 0.7 * 45 / 91),
    # last day: committed expects 1.0, aspirational 0.7 (edges are inclusive)
    (0.9, d("2026-12-31"), "committed", "on_track", 1.0),
    (0.8, d("2026-12-31"), "committed", "at_risk", 1.0),
    (0.7, d("2026-12-31"), "committed", "off_track", 1.0),
    (0.6, d("2026-12-31"), "aspirational", "on_track", 0.7),
    (0.45, d("2026-12-31"), "aspirational", "at_risk", 0.7),
    (0.4, d("2026-12-31"), "aspirational", "off_track", 0.7),
])
def test_status_in_active_period(score, as_of, obj_type, status, expected):
    result = score_one(at(score, on=as_of), as_of, obj_type=obj_type)
    assert result.expected == pytest.approx(expected)
    assert result.status == status


def test_status_margins_are_configurable():
    strict = ScoringSettings(status=StatusRule(on_track_margin=0.0, at_risk_margin=0.1))
    result = score_one(at(0.4, on=MID), MID, settings=strict, obj_type="committed")
    assert result.status == "at_risk"  # 0.4 < 0.4945 but >= 0.3945


def test_threshold_expects_the_level_all_along():
    # A kept level is judged against the end expectation (0.7), not the elapsed share.
    k = kr(target=90, direction="at_least", check_ins=[("2026-10-01", 91), ("2026-10-24", 80),
                                                         ("2026-11-10", 80)])
    result = score_one(k, MID)
    assert result.expected == pytest.approx(0.7)
    assert result.score.value == pytest.approx(0.5)  # 91 for 23 of 46 days
    assert result.status == "at_risk"  # 0.5 >= 0.7 - 0.25


def test_planning_and_closed_periods():
    planned = score_one(at(0.5, on=d("2026-10-01")), d("2026-09-20"))
    assert planned.status == "planned" and planned.expected == 0.0
    closed = d("2027-01-20")
    assert score_one(at(1.0), closed, obj_type="committed").status == "achieved"
    assert score_one(at(0.9), closed, obj_type="committed").status == "missed"
    assert score_one(at(0.7), closed, obj_type="aspirational").status == "achieved"
    assert score_one(at(0.6), closed, obj_type="aspirational").status == "missed"
    # a declared state wins over the dates
    assert score_one(at(1.0), MID, state=PeriodState.CLOSED).status == "achieved"


def test_planning_period_has_no_colour():
    o = objective("o", kr("m", milestones=[Milestone("a")]))
    card = score_content(make_content(o), d("2026-09-01"), registry=ScorerRegistry())
    assert card.krs[f"{Q4}:support/o/m"].band is None
    assert card.objectives[f"{Q4}:support/o"].band is None
    assert card.units[f"{Q4}:support"].band is None
    assert card.units[f"{Q4}:support"].status == "planned"


@pytest.mark.parametrize(("as_of", "kr_days", "stale"), [
    (d("2026-10-29"), None, False),  # 14 days after the 10-15 check-in: still fresh
    (d("2026-10-30"), None, True),  # 15 days: stale
    (d("2026-10-30"), 30, False),  # the KR's own cadence
    (d("2026-11-15"), 30, True),
])
def test_stale(as_of, kr_days, stale):
    k = kr(baseline=0, target=10, check_ins=[("2026-10-15", 9)], stale_after_days=kr_days)
    result = score_one(k, as_of)
    assert result.stale is stale
    assert result.status == ("stale" if stale else "on_track")
    assert result.band == "green"  # the score stays; the status says it is old
    assert result.last_check_in == d("2026-10-15")


def test_stale_uses_settings_and_kpi_cadence_and_not_closed_periods():
    k = kr(baseline=0, target=10, check_ins=[("2026-10-15", 9)])
    assert score_one(k, d("2026-10-23"), settings=ScoringSettings(stale_after_days=7)).stale
    # a monthly KPI allows 45 days: 10-31 -> 12-10 is 40 days
    assert not score_one(kr(kpi="nps", target=50), d("2026-12-10"), (
        nps(("2026-09-30", 40), ("2026-10-31", 45)),)).stale
    assert not score_one(k, d("2027-02-01")).stale  # closed: the final score is final


def test_confidence_is_the_latest_known():
    k = kr(baseline=0, target=10, check_ins=[("2026-10-15", 3, 0.5), ("2026-11-01", 5),
                                             ("2026-11-10", None, 0.8),
                                             ("2026-11-20", 6, 0.2)])
    result = score_one(k, MID)
    assert result.confidence == 0.8  # the 11-20 check-in is after as of
    assert result.last_check_in == d("2026-11-10")
    assert result.score.value == pytest.approx(0.5)


@pytest.mark.parametrize(("grade", "mismatch"), [
    (0.9, True), (0.7, False), (0.71, True), (0.3, False), (0.29, True), (None, False)])
def test_grade_mismatch_in_closed_period(grade, mismatch):
    o = objective("o", at(0.5), grade=grade)
    card = score_content(make_content(o), d("2027-01-20"), registry=ScorerRegistry())
    result = card.objectives[f"{Q4}:support/o"]
    assert result.grade == grade and result.grade_mismatch is mismatch
    assert ("owner's grade" in result.explanation) is mismatch


def test_grade_not_judged_while_active():
    o = objective("o", at(0.5), grade=0.9)
    card = score_content(make_content(o), MID, registry=ScorerRegistry())
    assert not card.objectives[f"{Q4}:support/o"].grade_mismatch


def test_unit_counts_statuses():
    o1 = objective("o1", at(0.9), kr("x", baseline=0, target=10))
    o2 = objective("o2", at(0.0))
    card = score_content(make_content(o1, o2), MID, registry=ScorerRegistry())
    unit = card.units[f"{Q4}:support"]
    assert unit.counts["on_track"] == 1 and unit.counts["off_track"] == 1
    assert unit.kr_counts["no_data"] == 1 and unit.kr_counts["on_track"] == 1
    assert list(unit.counts) == list(unit.kr_counts)  # every status, same order


# -- KPI health -------------------------------------------------------------------------

GREEN_45_RED_35 = Thresholds(green=45, red=35)
GREEN_12_RED_20 = Thresholds(green=12, red=20)


@pytest.mark.parametrize(("value", "thresholds", "direction", "health"), [
    (46, GREEN_45_RED_35, "higher_is_better", "healthy"),
    (45, GREEN_45_RED_35, "higher_is_better", "healthy"),  # at green: healthy
    (40, GREEN_45_RED_35, "higher_is_better", "watch"),
    (35, GREEN_45_RED_35, "higher_is_better", "watch"),  # at red: not yet worse
    (34.9, GREEN_45_RED_35, "higher_is_better", "unhealthy"),
    (12, GREEN_12_RED_20, "lower_is_better", "healthy"),
    (15, GREEN_12_RED_20, "lower_is_better", "watch"),
    (20, GREEN_12_RED_20, "lower_is_better", "watch"),
    (21, GREEN_12_RED_20, "lower_is_better", "unhealthy"),
    (50, None, "higher_is_better", "no_thresholds"),
])
def test_kpi_health(value, thresholds, direction, health):
    assert health_of(nps(thresholds=thresholds, direction=direction), value) == health


@pytest.mark.parametrize(("values", "trend"), [
    ([40, 42, 45], "up"), ([45, 42, 40], "down"), ([45, 45.2, 45.1], "flat"),
    ([40], None), ([], None), ([0, 0], "flat"), ([0, 1], "up"),
])
def test_trend(values, trend):
    assert trend_of(values, 0.01) == trend


def test_kpi_health_as_of_with_trend_and_links():
    kpi = nps(("2026-07-31", 50), ("2026-08-31", 40), ("2026-09-30", 41), ("2026-10-31", 44),
              ("2026-11-30", 30), thresholds=GREEN_45_RED_35)
    q3 = objective("o", kr("nps", kpi="nps", target=45), period="2026-Q3")
    q4 = objective("o", kr("nps", kpi="nps", target=50))
    other = objective("p", at(0.5))
    card = score_content(make_content(q4, other, q3, kpis=[kpi]), MID,
                         registry=ScorerRegistry())
    health = card.kpis["nps"]
    assert (health.latest, health.latest_date, health.health) == (44, d("2026-10-31"), "watch")
    assert health.trend == "up" and health.trend_better is True  # 40 -> 44, last three
    assert health.linked_krs == ["2026-Q3:support/o/nps", "2026-Q4:support/o/nps"]
    assert health.explanation == ("44 on 2026-10-31; healthy at 45 or more, unhealthy below "
                                  "35: watch; trend up (better) over the last 3 measurements")


def test_kpi_trend_better_depends_on_direction():
    kpi = nps(("2026-09-30", 14), ("2026-10-31", 12), direction="lower_is_better",
              thresholds=GREEN_12_RED_20)
    card = score_content(make_content(kpis=[kpi]), MID, registry=ScorerRegistry())
    assert card.kpis["nps"].trend == "down" and card.kpis["nps"].trend_better is True
    assert card.kpis["nps"].health == "healthy"


def test_kpi_without_measurements():
    card = score_content(make_content(kpis=[nps(("2026-12-01", 5))]), MID,
                         registry=ScorerRegistry())
    assert card.kpis["nps"].health == "no_data" and card.kpis["nps"].latest is None


# -- checks -----------------------------------------------------------------------------

CLOSED = d("2027-01-20")


def test_okr306_committed_closed_below_one_without_retrospective(tmp_path: Path):
    objectives = [
        objective("miss", at(0.5), type="committed"),
        objective("told", at(0.5), type="committed", retrospective="We learned."),
        objective("blank", at(0.5), type="committed", retrospective="  \n"),
        objective("hit", at(1.0), type="committed"),
        objective("dream", at(0.5), type="aspirational"),
    ]
    found = check_scoring(make_content(*objectives), ScoringSettings(), CLOSED, tmp_path,
                          ScorerRegistry())
    assert [(x.code, x.file, x.line) for x in found] == [
        ("OKR306", str(tmp_path / "periods/2026-Q4/support.yaml"), 5)] * 2
    assert [x.message for x in found] == [
        f"committed objective 2026-Q4:support/{o} closed at 0.50 (below 1.0) without a "
        "retrospective" for o in ("blank", "miss")]
    assert not found[0].is_error
    assert check_scoring(make_content(*objectives), ScoringSettings(), MID, tmp_path,
                         ScorerRegistry()) == []  # still active


def test_okr219_unknown_scorer(tmp_path: Path):
    o = objective("o", kr("k", baseline=0, target=10, scorer="magic"))
    found = check_scoring(make_content(o), ScoringSettings(), MID, tmp_path, ScorerRegistry())
    assert [(x.code, x.file, x.line, x.col) for x in found] == [
        ("OKR219", str(tmp_path / "x.yaml"), 10, 9)]
    assert found[0].is_error
    assert found[0].message == ("key result 2026-Q4:support/o/k names unknown scorer 'magic'; "
                                "known scorers: binary, linear, milestones, ratio, threshold")


def test_okr219_unknown_default_scorer(tmp_path: Path):
    o = objective("o", kr("k", baseline=0, target=10), kr("m", done=True))
    settings = ScoringSettings(default_scorers={"numeric": "magic"})
    found = check_scoring(make_content(o), settings, MID, tmp_path, ScorerRegistry())
    assert [x.code for x in found] == ["OKR219"]
    assert "site's default scorer 'magic' for numeric" in found[0].message


# -- report -----------------------------------------------------------------------------


def report_content() -> Content:
    support = objective("faster-support",
                        kr("first-response", baseline=24, target=12,
                           check_ins=[("2026-11-10", 18)]), type="committed")
    secret = objective("secret", at(0.2), visibility="restricted")
    company = objective("grow", at(0.8), unit="company")
    q3 = objective("old", at(1.0), period="2026-Q3")
    kpis = [nps(("2026-10-31", 46), thresholds=GREEN_45_RED_35),
            nps(("2026-10-31", 1), kpi_id="burn", visibility="restricted"),
            nps(kpi_id="arr")]
    # Deliberately out of order: the report orders by period, org, file.
    return make_content(support, secret, company, q3, kpis=kpis)


def test_to_json_shape_and_order():
    card = score_content(report_content(), MID, registry=ScorerRegistry())
    out = to_json(card)
    assert list(out) == ["format", "as_of", "items"] and out["as_of"] == "2026-11-15"
    assert out["format"] == "okrsite-scores/2"
    assert [(i["level"], i["ref"]) for i in out["items"]] == [
        ("unit", "2026-Q3:support"),
        ("objective", "2026-Q3:support/old"),
        ("key_result", "2026-Q3:support/old/kr"),
        ("unit", "2026-Q4:company"),
        ("objective", "2026-Q4:company/grow"),
        ("key_result", "2026-Q4:company/grow/kr"),
        ("unit", "2026-Q4:support"),
        ("objective", "2026-Q4:support/faster-support"),
        ("key_result", "2026-Q4:support/faster-support/first-response"),
        ("kpi", "kpi:arr"),
        ("kpi", "kpi:nps"),
    ]
    keys = ["ref", "level", "score", "raw", "scorer", "status", "explanation", "band"]
    extra = {"unit": ["expected", "sandbagging"],
             "objective": ["expected", "type", "grade", "weight", "score_from", "aligned"],
             "key_result": ["expected", "weight", "confidence", "stale", "last_check_in",
                            "goalposts", "confidence_trend", "confidence_flag", "grade"],
             "kpi": ["health"]}
    for item in out["items"]:
        assert list(item) == keys + extra[item["level"]]
    kr_item = out["items"][8]
    assert kr_item == {
        "ref": "2026-Q4:support/faster-support/first-response", "level": "key_result",
        "score": 0.5, "raw": 0.5, "scorer": "linear", "status": "on_track",
        "explanation": "(18 - 24) / (12 - 24) = 0.50, as of 2026-11-15", "band": "yellow",
        "expected": 0.4945,  # committed, 45 of 91 days: round(45 / 91, 4)
        "weight": 1.0, "confidence": None, "stale": False, "last_check_in": "2026-11-10",
        "goalposts": [], "confidence_trend": [], "confidence_flag": None, "grade": None}
    assert out["items"][7]["type"] == "committed" and out["items"][7]["grade"] is None
    unit_item = out["items"][6]
    assert unit_item["scorer"] == "mean" and unit_item["raw"] is None
    assert unit_item["score"] == pytest.approx(0.35)  # (0.5 + 0.2) / 2: restricted still counts
    assert out["items"][9] == {"ref": "kpi:arr", "level": "kpi", "score": None, "raw": None,
                               "scorer": None, "status": "no_data",
                               "explanation": "no measurement on or before 2026-11-15",
                               "band": None, "health": "no_data"}
    assert out["items"][10]["health"] == "healthy" and out["items"][10]["raw"] == 46
    assert out["items"][0]["status"] == "achieved"  # Q3 is closed on 11-15
    json.dumps(out)  # plain JSON types only


def test_to_json_restricted_and_period_filter():
    card = score_content(report_content(), MID, registry=ScorerRegistry())
    refs = [i["ref"] for i in to_json(card, include_restricted=True)["items"]]
    assert "2026-Q4:support/secret" in refs and "2026-Q4:support/secret/kr" in refs
    assert "kpi:burn" in refs
    q4 = [i["ref"] for i in to_json(card, period=Q4)["items"]]
    assert q4[0] == "2026-Q4:company" and not any(r.startswith("2026-Q3") for r in q4)
    with pytest.raises(ValueError, match="unknown period '2031-Q1'"):
        to_json(card, period="2031-Q1")


def test_json_is_deterministic():
    first = json.dumps(to_json(score_content(report_content(), MID, registry=ScorerRegistry())))
    again = json.dumps(to_json(score_content(report_content(), MID, registry=ScorerRegistry())))
    assert first == again


def test_table():
    card = score_content(report_content(), MID, registry=ScorerRegistry())
    lines = format_table(card, period=Q4).splitlines()
    assert lines[0] == "Scores as of 2026-11-15"
    assert lines[1].split() == ["ITEM", "SCORE", "BAND", "STATUS", "HOW"]
    row = next(line for line in lines if line.strip().startswith("first-response"))
    assert row.split()[:4] == ["first-response", "0.50", "yellow", "on"]
    assert row.endswith("(18 - 24) / (12 - 24) = 0.50, as of 2026-11-15")
    assert not any("secret" in line for line in lines)
    over = score_content(make_content(objective("o", kr(baseline=10, target=20, check_ins=[
        ("2026-11-01", 27)]))), MID, registry=ScorerRegistry())
    assert "1.00 (1.70)" in format_table(over)


def test_milestones_and_binary_do_not_go_stale():
    k = kr("m", milestones=[Milestone("a", True), Milestone("b")],
           check_ins=[("2026-10-02", None, 0.9)])
    result = score_one(k, MID)
    assert not result.stale and result.status == "on_track"  # 0.5 vs expected 0.35
    assert result.confidence == 0.9


# -- scorers registered in code ---------------------------------------------------------


class Fixed:
    """A duck-typed scorer: no base class needed."""

    name, version, kinds = "fixed", "7", ()

    def __init__(self, value=None, fail=False):
        self.value, self.fail = value, fail

    def score(self, data):
        from okrsite.scoring.base import Score

        if self.fail:
            raise RuntimeError("boom")
        if self.value is None:
            return "not a score"
        return Score(self.value, self.value, False, self.name, self.version, {}, "fixed")


@pytest.mark.parametrize(("scorer", "value", "no_data", "says"), [
    (Fixed(1.5), 1.0, False, "fixed"),  # out of range: clamped, raw kept
    (Fixed(-0.5), 0.0, False, "fixed"),
    (Fixed(fail=True), 0.0, True, "scorer 'fixed' failed: boom"),
    (Fixed(), 0.0, True, "scorer 'fixed' returned str, not a Score"),
])
def test_registered_scorer_is_held_to_the_contract(scorer, value, no_data, says):
    registry = ScorerRegistry()
    registry.register(scorer)
    assert "fixed" in registry.names()
    k = kr("k", baseline=0, target=10, scorer="fixed", check_ins=[("2026-11-01", 5)])
    card = score_content(make_content(objective("o", k)), MID, registry=registry)
    result = card.krs[f"{Q4}:support/o/k"].score
    assert (result.value, result.no_data, result.explanation) == (value, no_data, says)
    assert result.scorer_version == "7"
