"""What practitioners expect beyond the formulas (issue 13, items 13-15): confidence as
a signal, opt-in roll-ups, and the review at close. One test per rule, named after it;
every expected number is worked out by hand beside it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from helpers.checkkit import VALID, Repo, codes, render_content
from helpers.scoringkit import (
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

from okrsite.model import ConfidenceEntry, Ref
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.report import to_json
from okrsite.scoring.rollup import score_content
from okrsite.settings import Settings

MID = d("2026-11-15")  # 45 of 91 days into Q4: an aspirational KR is expected at 0.35


def card_of(*objectives, as_of=MID, kpis=(), periods=()):
    content = make_content(*objectives, kpis=kpis, periods=periods)
    return content, score_content(content, as_of, ScoringSettings(), ScorerRegistry())


def at_score(score, on=MID):
    """A numeric KR 0 -> 10 scoring exactly `score` on `on`."""
    return at(score, on)


def unit_page(content, as_of, unit="support", period=Q4):
    pages = render_content(content, Settings(Path("."), as_of))
    return next(p for p in pages if p.path == f"periods/{period}/{unit}/index.md").html


# -- 13. confidence ---------------------------------------------------------------------------


def test_a_key_result_that_follows_a_kpi_takes_confidence_from_its_confidence_list(tmp_path):
    files = copy.deepcopy(VALID)
    support = files["periods/2026-Q1/support.yaml"]["objectives"][0]["key_results"][0]
    assert support["kpi"] == "nps"
    support["confidence"] = [{"date": "2026-01-15", "value": 0.4},
                             {"date": "2026-02-15", "value": 0.6, "note": "Survey is back."}]
    repo = Repo(tmp_path, files)
    assert codes(repo.check()) == []  # allowed: no OKR214, no schema error
    # check-ins on it are still refused, and the fix names the confidence list
    support["check_ins"] = [{"date": "2026-01-20", "value": 41, "confidence": 0.5}]
    repo.save("periods/2026-Q1/support.yaml")
    found = [x for x in repo.check() if x.code == "OKR214"]
    assert len(found) == 1 and "`confidence:`" in found[0].hint


def test_confidence_given_outside_the_period_or_twice_on_a_date_is_an_error(tmp_path):
    files = copy.deepcopy(VALID)
    support = files["periods/2026-Q1/support.yaml"]["objectives"][0]["key_results"][0]
    support["confidence"] = [{"date": "2026-05-15", "value": 0.4},
                             {"date": "2026-02-15", "value": 0.6},
                             {"date": "2026-02-15", "value": 0.7}]
    assert codes(Repo(tmp_path, files).check()) == ["OKR215", "OKR222"]


def test_the_latest_confidence_counts_whichever_list_gave_it_and_none_after_as_of():
    k = kr(kpi="nps", target=50, check_ins=())
    k.confidence = [ConfidenceEntry(d("2026-10-10"), 0.8), ConfidenceEntry(d("2026-11-01"), 0.6),
                    ConfidenceEntry(d("2026-11-30"), 0.1)]  # after as of: not yet said
    kpi = nps(("2026-09-30", 40), ("2026-10-31", 46))
    result = score_one(k, MID, kpis=[kpi])
    assert result.confidence == 0.6
    assert result.confidence_trend == [(d("2026-10-10"), 0.8), (d("2026-11-01"), 0.6)]


def test_on_track_but_low_confidence_is_flagged():
    # 0 -> 10 at 5 is 0.50, expected 0.35: on track; the owner says 0.3 (< 0.5)
    result = score_one(kr(baseline=0, target=10, check_ins=[("2026-11-10", 5, 0.3)]), MID)
    assert result.status == "on_track"
    assert result.confidence_flag == "on_track_low_confidence"


def test_behind_but_high_confidence_is_flagged():
    # 0 -> 10 at 0.5 is 0.05, expected 0.35: 0.05 < 0.35 - 0.25, off track; confidence 0.8
    result = score_one(kr(baseline=0, target=10, check_ins=[("2026-11-10", 0.5, 0.8)]), MID)
    assert result.status == "off_track"
    assert result.confidence_flag == "behind_high_confidence"


def test_confidence_that_agrees_with_the_status_is_not_flagged():
    # on track at 0.50 with confidence exactly 0.5 (not below): no flag
    result = score_one(kr(baseline=0, target=10, check_ins=[("2026-11-10", 5, 0.5)]), MID)
    assert (result.status, result.confidence_flag) == ("on_track", None)


def test_the_card_and_the_json_show_the_confidence_trend_and_the_flag():
    k = kr("signups", baseline=0, target=10,
           check_ins=[("2026-10-10", 2, 0.7), ("2026-10-25", 4, 0.5), ("2026-11-10", 5, 0.3)])
    content, card = card_of(objective("grow", k))
    html = unit_page(content, MID)
    assert "30% (70% → 50% → 30%, falling)" in html
    assert "on track but low confidence</span>: status on track, confidence 30%" in html
    item = next(i for i in to_json(card)["items"] if i["ref"] == f"{Q4}:support/grow/signups")
    assert item["confidence_flag"] == "on_track_low_confidence"
    assert item["confidence_trend"] == [{"date": "2026-10-10", "value": 0.7},
                                        {"date": "2026-10-25", "value": 0.5},
                                        {"date": "2026-11-10", "value": 0.3}]
    json.dumps(item)  # serialisable as it is


# -- 14. opt-in roll-ups ------------------------------------------------------------------------


def test_a_unit_score_is_the_mean_of_its_objectives_weighted_by_their_weight():
    # 0.20 x 1 and 0.80 x 3: (0.2 + 2.4) / 4 = 0.65 (the plain mean would be 0.50)
    _, card = card_of(objective("a", at_score(0.2)), objective("b", at_score(0.8), weight=3))
    unit = card.units[f"{Q4}:support"]
    assert unit.score == pytest.approx(0.65)
    assert unit.explanation == "weighted mean of 2 objectives: (0.20 x 1 + 0.80 x 3) / 4 = 0.65"


def test_without_weights_and_score_from_the_plain_rule_stays():
    _, card = card_of(objective("a", at_score(0.2)), objective("b", at_score(0.8)))
    assert card.units[f"{Q4}:support"].explanation == \
        "mean of 2 objectives: (0.20 + 0.80) / 2 = 0.50"
    o = card.objectives[f"{Q4}:support/a"]
    assert (o.score_from, o.explanation) == (
        "key_results", "mean of 1 key result: (0.20) / 1 = 0.20")


def test_an_objective_scored_from_aligned_is_the_weighted_mean_of_the_objectives_aligned_to_it():
    top = objective("grow", at_score(0.0), unit="company", score_from="aligned")
    a = objective("a", at_score(0.4), unit="sales", aligns_to=Ref("company", "grow", None, Q4))
    b = objective("b", at_score(1.0), aligns_to=Ref("company", "grow", "kr", Q4), weight=2)
    _, card = card_of(top, a, b)
    res = card.objectives[f"{Q4}:company/grow"]
    # (0.40 x 1 + 1.00 x 2) / 3 = 0.80; its own KR (0.00) is shown, not counted
    assert res.score == pytest.approx(0.8)
    assert res.explanation == ("score_from aligned: weighted mean of 2 aligned objectives: "
                               "(0.40 x 1 + 1.00 x 2) / 3 = 0.80 (its own 1 key result "
                               "shown, not counted)")
    assert card.units[f"{Q4}:company"].score == pytest.approx(0.8)  # the unit uses it
    item = next(i for i in to_json(card)["items"] if i["ref"] == f"{Q4}:company/grow")
    assert (item["score_from"], item["aligned"]) == (
        "aligned", [f"{Q4}:sales/a", f"{Q4}:support/b"])


def test_a_yearly_objective_scored_from_aligned_counts_only_quarters_that_started():
    year = objective("grow", unit="company", period="2026", score_from="aligned")
    q3 = objective("q3", at_score(0.6, d("2026-09-15")), unit="company", period="2026-Q3",
                   aligns_to=Ref("company", "grow", None, "2026"))
    q4 = objective("q4", at_score(0.3), unit="company",
                   aligns_to=Ref("company", "grow", None, "2026"))
    q1 = objective("q1", at_score(1.0, d("2027-01-15")), unit="company", period="2027-Q1")
    q1.aligns_to = Ref("company", "grow", None, "2026")  # not contained: still not started
    _, card = card_of(year, q3, q4, q1, periods=[make_period("2026"), make_period("2026-Q3"),
                                                make_period("2027-Q1")])
    res = card.objectives["2026:company/grow"]
    assert res.aligned == ["2026-Q3:company/q3", f"{Q4}:company/q4"]
    assert res.score == pytest.approx(0.45)  # (0.60 + 0.30) / 2


def test_a_roll_up_of_roll_ups_uses_the_rolled_up_scores():
    top = objective("top", unit="company", score_from="aligned")
    mid = objective("mid", unit="support", score_from="aligned",
                    aligns_to=Ref("company", "top", None, Q4))
    leaf = objective("leaf", at_score(0.7), unit="tier1",
                     aligns_to=Ref("support", "mid", None, Q4))
    _, card = card_of(top, mid, leaf)
    assert card.objectives[f"{Q4}:company/top"].score == pytest.approx(0.7)


def test_a_roll_up_without_key_results_is_no_okr232_and_its_card_names_the_rule(tmp_path):
    files = copy.deepcopy(VALID)
    grow = files["periods/2026/company.yaml"]["objectives"][0]
    del grow["key_results"]
    grow["score_from"] = "aligned"
    support = files["periods/2026-Q1/support.yaml"]["objectives"][0]
    support["aligns_to"] = "2026:company/grow"  # its KR `arr` is gone
    assert codes(Repo(tmp_path, files).check()) == []
    top = objective("grow", unit="company", score_from="aligned")
    a = objective("a", at_score(0.4), aligns_to=Ref("company", "grow", None, Q4), weight=2)
    content, _ = card_of(top, a, objective("b", at_score(0.1)))
    assert "scored from 1 aligned objective" in unit_page(content, MID, unit="company")
    assert "weight 2 in the unit" in unit_page(content, MID)


# -- 15. the review at close -----------------------------------------------------------------

Q3 = "2026-Q3"
CLOSED_Q3 = d("2026-10-10")  # after Q3's end: closed (no period.yaml)


def test_a_key_results_grade_is_shown_beside_its_score_at_close_and_flagged_when_far():
    k = kr("deals", baseline=0, target=10, check_ins=[("2026-09-20", 9)], grade=0.5)
    content, card = card_of(objective("win", k, period=Q3), as_of=CLOSED_Q3)
    res = card.krs[f"{Q3}:support/win/deals"]
    # 0.90 computed, 0.50 graded: 0.40 apart, more than the 0.2 tolerance
    assert (res.grade, res.grade_mismatch) == (0.5, True)
    html = unit_page(content, CLOSED_Q3, period=Q3)
    assert "Score 90% · owner's grade 50%" in html and "differs by 40%, more than 20%" in html
    item = next(i for i in to_json(card)["items"] if i["ref"] == f"{Q3}:support/win/deals")
    assert item["grade"] == 0.5


def test_a_units_retrospective_for_the_period_is_on_its_page(tmp_path):
    files = copy.deepcopy(VALID)
    files["periods/2026-Q1/sales.yaml"]["retrospective"] = "We *over-committed* in January."
    repo = Repo(tmp_path, files)
    assert codes(repo.check()) == []
    from okrsite.pipeline import run
    from okrsite.render import render_pages

    build = run(Settings(tmp_path, d("2026-06-30"), history=False))
    page = next(p for p in render_pages(build) if p.path == "periods/2026-Q1/sales/index.md")
    assert '<h2 id="retrospective">Retrospective</h2>' in page.html
    assert "We <em>over-committed</em> in January." in page.html


def sandbag_content(*scores_by_period):
    objectives = [objective(f"bold-{i}", at_score(s, d(f"{p}-15")), period=q)
                  for i, (q, p, s) in enumerate(scores_by_period)]
    periods = [make_period(q) for q, _, _ in scores_by_period]
    return card_of(*objectives, as_of=d("2026-10-10"), periods=periods)


def test_an_aspirational_objective_at_1_in_two_closed_periods_signals_sandbagging():
    content, card = sandbag_content(("2026-Q2", "2026-05", 1.0), (Q3, "2026-08", 1.0))
    assert card.sandbagging == {"support": ["2026-Q2:support/bold-0", f"{Q3}:support/bold-1"]}
    assert "Aiming too low?" in unit_page(content, d("2026-10-10"), period=Q3)
    unit = next(i for i in to_json(card)["items"] if i["ref"] == f"{Q3}:support")
    assert unit["sandbagging"] == ["2026-Q2:support/bold-0", f"{Q3}:support/bold-1"]


def test_one_period_at_1_or_a_committed_objective_at_1_is_no_sandbagging():
    _, card = sandbag_content(("2026-Q2", "2026-05", 1.0), (Q3, "2026-08", 0.9))
    assert card.sandbagging == {}
    committed = [objective("sure", at_score(1.0, d("2026-05-15")), period="2026-Q2",
                           type="committed"),
                 objective("sure2", at_score(1.0, d("2026-08-15")), period=Q3,
                           type="committed")]
    _, card = card_of(*committed, as_of=d("2026-10-10"),
                      periods=[make_period("2026-Q2"), make_period(Q3)])
    assert card.sandbagging == {}


def test_the_aspirational_success_note_is_wherever_aspirational_scores_are_shown():
    from okrsite.scoring.report import format_table
    from okrsite.scoring.status import ASPIRATIONAL_NOTE

    content, card = card_of(objective("bold", at_score(0.7), unit="company"),
                            objective("sure", at_score(0.7), type="committed"))
    pages = {p.path: p.html for p in render_content(content, Settings(Path("."), MID))}
    with_aspirational = [f"periods/{Q4}/company/index.md", f"periods/{Q4}/index.md",
                         "index.md", f"cascade/{Q4}.md"]
    for path in with_aspirational:
        assert pages[path].count(ASPIRATIONAL_NOTE) == 1, path  # once per page
    assert ASPIRATIONAL_NOTE not in pages[f"periods/{Q4}/support/index.md"]  # committed only
    assert format_table(card).endswith(f"Note: {ASPIRATIONAL_NOTE}")
