"""The rules around the formulas (issue 13): one test per rule, named after it.
Every expected number is computed by hand in the comment beside it."""

from __future__ import annotations

import pytest
from helpers.scoringkit import Q4, d, kr, make_content, make_period, nps, objective, score_one

from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.rollup import score_content

DAY_ONE = d("2026-10-01")


def card_of(*objectives, as_of, kpis=(), periods=(), settings=None):
    content = make_content(*objectives, kpis=kpis, periods=periods)
    return score_content(content, as_of, settings or ScoringSettings(), ScorerRegistry())


# -- 1. day one ----------------------------------------------------------------------------


def test_on_day_one_a_key_result_without_data_does_not_pull_its_objective_off_track():
    o = objective("launch",
                  kr("revenue", baseline=10, target=20, check_ins=[("2026-10-01", 10)]),
                  kr("csat", target=90, direction="at_least"),  # threshold, no data yet
                  kr("soc2", done=False), type="committed")
    card = card_of(o, as_of=DAY_ONE)
    krs = [card.krs[f"{Q4}:support/launch/{k}"].status for k in ("revenue", "csat", "soc2")]
    assert krs == ["on_track", "no_data", "on_track"]
    # nothing is expected yet: 0 >= 0 - 0.10
    assert card.objectives[f"{Q4}:support/launch"].expected == 0.0
    assert card.objectives[f"{Q4}:support/launch"].status == "on_track"
    assert card.units[f"{Q4}:support"].status == "on_track"


def test_a_key_result_without_data_once_its_data_is_due_is_expected_like_any_other():
    # 14 days (the quarter's staleness window) after the start, data is due: the threshold
    # KR is expected at 1.0 all along, the linear one at 20/91 of 1.0.
    o = objective("launch", kr("csat", target=90, direction="at_least"),
                  kr("revenue", baseline=10, target=20, check_ins=[("2026-10-01", 10)]),
                  type="committed")
    card = card_of(o, as_of=d("2026-10-21"))
    assert card.krs[f"{Q4}:support/launch/csat"].expected == 1.0
    assert card.objectives[f"{Q4}:support/launch"].expected == pytest.approx(
        (1.0 + 20 / 91) / 2)


# -- 5. a note is no update ------------------------------------------------------------------


def test_a_check_in_with_only_a_note_does_not_clear_stale():
    k = kr(baseline=0, target=10, check_ins=[("2026-10-01", 3)])
    k.check_ins.append(type(k.check_ins[0])(d("2026-11-10"), None, None, "still blocked"))
    result = score_one(k, d("2026-11-15"))  # the last value is 45 days old, window 14
    assert result.stale and result.status == "stale"


# -- 6. staleness scales with the period -------------------------------------------------------


def year_kr(**fields):
    k = kr(baseline=0, target=12, check_ins=[("2026-06-30", 6)], **fields)
    o = objective("grow", k, period="2026")
    return card_of(o, as_of=d("2026-08-10"), periods=[make_period("2026")]).krs[
        "2026:support/grow/kr"]


def test_a_yearly_key_result_goes_stale_after_four_times_the_quarter_window():
    # 2026 has 365 days: round(14 x 365 / 91) = 56 days; 06-30 -> 08-10 is 41 days
    assert not year_kr().stale
    late = kr(baseline=0, target=12, check_ins=[("2026-06-30", 6)])
    card = card_of(objective("grow", late, period="2026"), as_of=d("2026-08-26"),
                   periods=[make_period("2026")])  # 57 days
    assert card.krs["2026:support/grow/kr"].stale


def test_a_quarter_keeps_the_fourteen_day_window():
    k = kr(baseline=0, target=10, check_ins=[("2026-10-01", 3)])
    assert not score_one(k, d("2026-10-15")).stale  # 14 days
    assert score_one(k, d("2026-10-16")).stale  # 15 days


def test_a_key_results_own_cadence_overrides_the_stale_window():
    # weekly: 14 days, even in a year
    assert year_kr(cadence="weekly").stale


# -- 2. a threshold counts time, not check-ins ---------------------------------------------


def test_a_threshold_scores_the_share_of_elapsed_days_inside_the_bound():
    # CSAT >= 90 as of 11-15 (46 days): 91 from 10-01 (19 days), 89 from 10-20 (10 days),
    # 90 from 10-30 (17 days): 36 of 46 days met
    k = kr(target=90, direction="at_least",
           check_ins=[("2026-10-01", 91), ("2026-10-20", 89), ("2026-10-30", 90)])
    result = score_one(k, d("2026-11-15"))
    assert result.score.value == pytest.approx(36 / 46)
    assert result.score.explanation == ("36 of 46 days >= 90 = 0.78, as of 2026-11-15 "
                                        "(3 check-ins)")


def test_checking_in_more_often_does_not_change_a_threshold_score():
    sparse = kr(target=90, direction="at_least",
                check_ins=[("2026-10-01", 91), ("2026-10-20", 89)])
    dense = kr(target=90, direction="at_least",
               check_ins=[("2026-10-01", 91), ("2026-10-05", 92), ("2026-10-10", 91),
                          ("2026-10-15", 93), ("2026-10-20", 89)])
    as_of = d("2026-10-31")  # 31 days: 19 met, 12 not
    assert score_one(sparse, as_of).score.value == pytest.approx(19 / 31)
    assert score_one(dense, as_of).score.value == pytest.approx(19 / 31)


def test_two_threshold_values_on_one_date_count_once():
    # the later one stands; 89 from 10-01 to 10-31 is 0 of 31 days, not 1 of 2 check-ins
    k = kr(target=90, direction="at_least",
           check_ins=[("2026-10-01", 95), ("2026-10-01", 89)])
    assert score_one(k, d("2026-10-31")).score.value == 0.0


# -- 3. ratio on a falling key result --------------------------------------------------------


def scoring_errors(*objectives, as_of, kpis=(), periods=(), settings=None):
    from pathlib import Path

    from okrsite.scoring.checks import check_scoring
    content = make_content(*objectives, kpis=kpis, periods=periods)
    return [(x.code, x.message) for x in check_scoring(
        content, settings or ScoringSettings(), as_of, Path("/c"), ScorerRegistry())
        if x.is_error]


def test_ratio_on_a_falling_key_result_is_an_error_and_scores_no_data():
    falling = kr("hours", baseline=24, target=12, scorer="ratio",
                 check_ins=[("2026-10-15", 18)])
    result = score_one(falling, d("2026-11-15"))  # 18 / 12 = 1.50 would be "on track"
    assert result.score.no_data and result.status == "no_data"
    assert "cannot score a falling key result" in result.score.explanation
    errors = scoring_errors(objective("o", falling), as_of=d("2026-11-15"))
    assert errors == [("OKR230", "key result 2026-Q4:support/o/hours: ratio (current / "
                       "target) cannot score a falling key result")]


def test_ratio_on_an_at_most_key_result_is_an_error():
    ceiling = kr("p95", target=200, direction="at_most", scorer="ratio",
                 check_ins=[("2026-10-15", 180)])
    assert [c for c, _ in scoring_errors(objective("o", ceiling), as_of=d("2026-11-15"))] \
        == ["OKR230"]


# -- 4. the effective baseline of a KPI-linked key result ------------------------------------


def test_a_kpi_baseline_already_past_the_target_is_an_error_not_a_reversed_key_result():
    high = nps(("2026-09-30", 52), ("2026-10-31", 50))  # higher is better; 52 -> 50
    k = kr("nps", kpi="nps", target=50)
    result = score_one(k, d("2026-11-15"), (high,))
    assert result.score.no_data  # not 1.00 for falling to 50
    assert result.score.explanation == ("baseline 52 (kpi:nps on 2026-09-30) is already past "
                                        "the target 50 of KPI nps, where higher is better")
    assert [c for c, _ in scoring_errors(objective("o", k), as_of=d("2026-11-15"),
                                         kpis=[high])] == ["OKR231"]


def test_a_kpi_baseline_equal_to_the_target_is_okr213():
    flat = nps(("2026-09-30", 50), ("2026-10-31", 51))
    k = kr("nps", kpi="nps", target=50)
    errors = scoring_errors(objective("o", k), as_of=d("2026-11-15"), kpis=[flat])
    assert errors == [("OKR213", "key result 2026-Q4:support/o/nps: its baseline, kpi:nps on "
                       "2026-09-30, is 50, equal to the target, so there is no progress to "
                       "measure")]


# -- 8. an objective without key results -----------------------------------------------------


def test_an_objective_without_key_results_is_an_error_once_its_period_started():
    empty = objective("empty")
    assert [c for c, _ in scoring_errors(empty, as_of=d("2026-11-15"))] == ["OKR232"]
    closed = objective("empty")
    assert [c for c, _ in scoring_errors(closed, as_of=d("2027-02-01"))] == ["OKR232"]


def test_an_objective_without_key_results_is_allowed_while_planning():
    assert scoring_errors(objective("empty"), as_of=d("2026-09-15")) == []


# -- 7. no data at the close -----------------------------------------------------------------

AFTER = d("2027-02-01")


def test_a_key_result_without_data_at_the_close_is_missed_and_says_why():
    o = objective("o", kr("csat", target=90, direction="at_least"),
                  kr("done", done=True), type="aspirational")
    card = card_of(o, as_of=AFTER)
    csat = card.krs[f"{Q4}:support/o/csat"]
    assert (csat.status, csat.band) == ("missed", "red")
    assert csat.score.explanation == ("no data on or before 2027-02-01; no data by the close, "
                                      "so missed (counted as 0)")
    # and its objective counts it as 0, as the status says: (0 + 1) / 2
    assert card.objectives[f"{Q4}:support/o"].score == 0.5


# -- 9. a unit and its commitments -----------------------------------------------------------


def test_a_unit_is_not_achieved_while_a_committed_objective_missed():
    def at(value):
        return kr("k", baseline=0, target=10, check_ins=[("2026-12-20", value)])
    card = card_of(objective("enterprise-push", at(6), type="committed"),
                   objective("pipeline", at(10), type="aspirational"),
                   objective("brand", at(10), type="aspirational"), as_of=AFTER)
    unit = card.units[f"{Q4}:support"]
    # mean (0.6 + 1 + 1) / 3 = 0.87 reaches the mean expectation (1 + 0.7 + 0.7) / 3 = 0.8
    assert unit.score == pytest.approx(2.6 / 3)
    assert unit.status == "missed"
    assert unit.explanation.endswith("; missed: committed objective enterprise-push missed")


def test_a_unit_whose_commitments_are_all_kept_is_achieved():
    k = kr("k", baseline=0, target=10, check_ins=[("2026-12-20", 10)])
    card = card_of(objective("enterprise-push", k, type="committed"), as_of=AFTER)
    assert card.units[f"{Q4}:support"].status == "achieved"


# -- 10. no negative zero ---------------------------------------------------------------------


def test_a_score_a_hair_below_zero_is_never_printed_as_minus_zero():
    k = kr(baseline=0, target=1000, check_ins=[("2026-10-15", -1)])  # raw -0.001
    result = score_one(k, d("2026-11-15"))
    assert result.score.explanation == "(-1 - 0) / (1000 - 0) = 0.00, as of 2026-11-15"
    assert "-0.00" not in result.score.explanation


# -- 12. a goalpost moved mid-quarter stays in sight ------------------------------------------


def test_a_target_changed_mid_quarter_shows_the_previous_target_and_reason(tmp_path, capsys,
                                                                            monkeypatch):
    import json

    from helpers.gitkit import GitRepo, base_files

    from okrsite.cli import main
    from okrsite.pipeline import run
    from okrsite.render import iter_site
    from okrsite.settings import Settings

    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    repo.commit("Q3 OKRs", "2026-07-01")
    repo.edit("periods/2026-Q3/support.yaml", "        target: 12\n",
              "        target: 15\n        reason: Two of the team left in July.\n")
    repo.commit("Ease the first-response target", "2026-08-03")
    ref = "2026-Q3:support/answer-faster/first-response"
    # the JSON
    assert main(["score", str(repo.content), "--format", "json", "--as-of", "2026-08-15"]) == 0
    items = {i["ref"]: i for i in json.loads(capsys.readouterr().out)["items"]}
    [move] = items[ref]["goalposts"]
    assert {k: move[k] for k in ("field", "old", "new", "date", "reason")} == {
        "field": "target", "old": 12, "new": 15, "date": "2026-08-03",
        "reason": "Two of the team left in July."}
    # the KR card
    build = run(Settings(repo.content, as_of=d("2026-08-15")))
    page = next(p for p in iter_site(build) if p.path == "periods/2026-Q3/support/index.md")
    assert ("Goalpost moved on 2026-08-03: target was 12 h, now 15 h: Two of the team left "
            "in July.") in page.html
