"""The scoring memo (okrsite.scoring.memo): a build scores each objective once, a serve
session re-scores only what an edit changed, and what it reuses is never stale or
restricted. Each step of an edit sequence compares a build through a kept memo with a
cold build of the same files."""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from okrsite.loader import ParseCache
from okrsite.model import Objective
from okrsite.pipeline import Build, ScoreMemo, run
from okrsite.scoring import rollup
from okrsite.scoring.base import Bands, BaseScorer, Score, ScoreInput, ScoringSettings
from okrsite.scoring.memo import KEYED, UNSCORED
from okrsite.scoring.registry import ScorerRegistry
from okrsite.settings import Settings
from tests.helpers.checkkit import AS_OF, VALID, Repo

Q1 = "periods/2026-Q1"


def shown(build: Build) -> dict[str, Any]:
    """What a user sees of the scoring: the scorecard (in its order) and diagnostics."""
    sc = build.scorecard
    card = json.loads(json.dumps(
        {"as_of": sc.as_of, "periods": sc.periods, "states": sc.period_states,
         "sandbagging": sc.sandbagging, "settings": repr(sc.settings),
         **{name: {ref: asdict(r) for ref, r in getattr(sc, name).items()}
            for name in ("krs", "objectives", "units", "kpis")}}, default=str))
    return {"scorecard": card, "order": [list(build.scorecard.units),
                                         list(build.scorecard.objectives)],
            "diagnostics": [asdict(d) for d in build.diagnostics]}


class Session:
    """A serve session's kept objects (parse cache, memo), and cold builds beside it."""

    def __init__(self, root: Path, **settings: Any) -> None:
        self.settings = Settings(root, AS_OF, history=False, **settings)
        self.memo = ScoreMemo()
        self.parse_cache = ParseCache(None)

    def build(self, registry: ScorerRegistry | None = None, **changes: Any) -> Build:
        """A build through the kept memo, checked against a cold build."""
        settings = self.settings.but(**changes)
        warm = run(settings, self.parse_cache, registry, score_memo=self.memo)
        cold = run(settings, ParseCache(None), registry)
        assert shown(warm) == shown(cold)
        return warm


def files(**extra: Any) -> dict[str, Any]:
    out = copy.deepcopy(VALID)
    out.update(extra)
    return out


def test_the_key_names_every_field_of_what_it_keys() -> None:
    # A new model field must be placed: read by a score (keyed) or not (unscored).
    for cls, keyed in KEYED.items():
        names = {f.name for f in fields(cls)}
        assert set(keyed) | UNSCORED[cls] == names, cls.__name__
        assert not set(keyed) & UNSCORED[cls], cls.__name__


def test_a_build_scores_each_objective_once_for_the_checks_and_the_scorecard(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scored: list[str] = []
    real = rollup._scored

    def counted(objective: Objective, *args: Any) -> Any:
        scored.append(str(objective.ref))
        return real(objective, *args)

    monkeypatch.setattr(rollup, "_scored", counted)
    content = files()
    content[f"{Q1}/sales.yaml"]["objectives"][0]["type"] = "committed"
    Repo(tmp_path, content)
    build = run(Settings(tmp_path, AS_OF, history=False))
    assert [d.code for d in build.diagnostics] == ["OKR306"]  # the check scored sales/win
    assert "2026-Q1:sales/win" in scored
    assert "2026-Q1:sales" in build.scorecard.units
    assert sorted(scored) == sorted(build.scorecard.objectives)  # each one, once


def test_an_edit_rescores_only_the_objectives_it_changed(tmp_path: Path) -> None:
    repo = Repo(tmp_path, files())
    session = Session(tmp_path)
    session.build()
    before = session.memo.computed["objective"]
    repo.doc(f"{Q1}/sales.yaml")["objectives"][0]["key_results"][0]["check_ins"][1]["value"] = 28
    repo.save(f"{Q1}/sales.yaml")
    build = session.build()
    assert session.memo.computed["objective"] - before == 1
    assert build.scorecard.krs["2026-Q1:sales/win/win-rate"].score.value < 1.0


def test_a_sequence_of_edits_gives_what_a_cold_build_gives(tmp_path: Path) -> None:
    repo = Repo(tmp_path, files())
    session = Session(tmp_path)
    first = session.build()
    sales = repo.doc(f"{Q1}/sales.yaml")
    steps = []

    def step() -> Build:
        build = session.build()
        steps.append(shown(build))
        assert steps[-1] != (shown(first) if len(steps) == 1 else steps[-2])  # it shows
        return build

    # A check-in's value.
    sales["objectives"][0]["key_results"][0]["check_ins"][1]["value"] = 25
    repo.save(f"{Q1}/sales.yaml")
    step()
    # A key result's target.
    repo.doc(f"{Q1}/company.yaml")["objectives"][0]["key_results"][0]["target"] = 20
    repo.save(f"{Q1}/company.yaml")
    step()
    # A KPI's value, read by support's key result.
    repo.doc("kpis/nps.yaml")["measurements"].append({"date": "2026-03-15", "value": 48})
    repo.save("kpis/nps.yaml")
    build = step()
    assert build.scorecard.krs["2026-Q1:support/happy/nps"].score.value > 0
    # The org: sales moves under support (the units' order changes).
    repo.doc("org.yaml")["units"][1]["parent"] = "support"
    repo.save("org.yaml")
    step()
    # A restriction added: the public unit score leaves the objective out.
    sales["objectives"].append({"id": "secret", "title": "Secret", "visibility": "restricted",
                                "key_results": [{"id": "s", "title": "S", "done": True}]})
    repo.save(f"{Q1}/sales.yaml")
    session.build()  # the public scorecard is unchanged: compared with a cold build
    internal = session.build(include_restricted=True)
    assert "2026-Q1:sales/secret" in internal.scorecard.objectives
    # The as-of moves: the open year is scored for another day.
    step_build = session.build(as_of=date(2026, 9, 30))
    assert step_build.scorecard.as_of == date(2026, 9, 30)


def test_a_roll_up_follows_the_objectives_it_counts(tmp_path: Path) -> None:
    # company/q1-grow scores from the objectives aligned to it (sales/win): editing only
    # sales must move the company's objective and unit scores.
    content = files()
    content[f"{Q1}/company.yaml"]["objectives"][0]["score_from"] = "aligned"
    repo = Repo(tmp_path, content)
    session = Session(tmp_path, scoring=ScoringSettings(cascade=True))
    before = session.build().scorecard.units["2026-Q1:company"].score
    repo.doc(f"{Q1}/sales.yaml")["objectives"][0]["key_results"][1]["milestones"][1][
        "done"] = True
    repo.save(f"{Q1}/sales.yaml")
    after = session.build().scorecard.units["2026-Q1:company"]
    assert after.score > before
    assert after.cascade_score is not None


def test_a_restricted_objective_never_reaches_the_public_score_through_the_memo(
        tmp_path: Path) -> None:
    content = files()
    content[f"{Q1}/sales.yaml"]["objectives"].append(
        {"id": "secret", "title": "Secret", "owner": "Sam Seller", "visibility": "restricted",
         "key_results": [{"id": "s", "title": "S", "done": True}]})
    Repo(tmp_path, content)
    session = Session(tmp_path)
    internal = session.build(include_restricted=True)  # fills the memo with all of sales
    public = session.build()
    cold = run(session.settings, ParseCache(None))
    unit = "2026-Q1:sales"
    assert public.scorecard.units[unit].score == cold.scorecard.units[unit].score
    assert public.scorecard.units[unit].objectives == ["2026-Q1:sales/win"]
    assert internal.scorecard.units[unit].score != public.scorecard.units[unit].score
    # And within one build: the checks score the whole content, the scorecard the view.
    both = run(session.settings, ParseCache(None))
    assert both.diagnostics == cold.diagnostics
    assert both.scorecard.units[unit].score == cold.scorecard.units[unit].score


def test_settings_change_is_not_served_from_the_memo(tmp_path: Path) -> None:
    Repo(tmp_path, files())
    session = Session(tmp_path)
    plain = session.build()
    strict = session.build(scoring=ScoringSettings(bands=Bands(0.9, 0.95)))
    assert shown(strict)["scorecard"]["krs"] != shown(plain)["scorecard"]["krs"]


class Puzzle(BaseScorer):
    name = "puzzle"

    def score(self, data: ScoreInput) -> Score:
        return self.result(0.5, {}, "always half", data)


def test_a_new_scorer_is_not_served_from_the_memo(tmp_path: Path) -> None:
    content = files()
    content[f"{Q1}/company.yaml"]["objectives"][0]["key_results"][0]["scorer"] = "puzzle"
    Repo(tmp_path, content)
    session = Session(tmp_path)
    without = session.build(ScorerRegistry())
    assert any(d.code == "OKR219" for d in without.diagnostics)
    registry = ScorerRegistry()
    registry.register(Puzzle())
    with_it = session.build(registry)
    assert not any(d.code == "OKR219" for d in with_it.diagnostics)
    assert with_it.scorecard.krs["2026-Q1:company/q1-grow/deals"].score.value == 0.5


@pytest.mark.parametrize("as_of", [date(2026, 2, 1), date(2026, 3, 1)])
def test_the_as_of_date_is_in_the_key(tmp_path: Path, as_of: date) -> None:
    Repo(tmp_path, files())
    session = Session(tmp_path)
    session.build()
    moved = session.build(as_of=as_of)
    assert moved.scorecard.period_states["2026-Q1"].value == "active"


def test_an_objective_made_restricted_is_shown_restricted_in_an_internal_build(
        tmp_path: Path) -> None:
    repo = Repo(tmp_path, files())
    session = Session(tmp_path, include_restricted=True)
    assert not session.build().scorecard.objectives["2026-Q1:sales/win"].restricted
    repo.doc(f"{Q1}/sales.yaml")["objectives"][0]["visibility"] = "restricted"
    repo.save(f"{Q1}/sales.yaml")
    build = session.build()
    assert build.scorecard.objectives["2026-Q1:sales/win"].restricted
    assert build.scorecard.krs["2026-Q1:sales/win/win-rate"].restricted


def test_a_period_declared_planning_is_scored_as_planning(tmp_path: Path) -> None:
    # The year stays scored for the as-of date; only its state changes.
    repo = Repo(tmp_path, files())
    session = Session(tmp_path)
    assert session.build().scorecard.objectives["2026:company/grow"].band is not None
    repo.write({"periods/2026/period.yaml": {"version": 1, "kind": "period", "id": "2026",
                                             "state": "planning"}})
    build = session.build()
    assert build.scorecard.objectives["2026:company/grow"].band is None


def test_a_later_build_leaves_an_earlier_scorecard_as_it_was(tmp_path: Path) -> None:
    # Two scorecards share results through the memo (a diff compares two): the cascade
    # score the second sets must not change the first's.
    repo = Repo(tmp_path, files())
    session = Session(tmp_path, scoring=ScoringSettings(cascade=True))
    first = session.build()
    unit = "2026:company"
    was = first.scorecard.units[unit].cascade_score
    del repo.doc(f"{Q1}/support.yaml")["objectives"][0]["aligns_to"]
    repo.save(f"{Q1}/support.yaml")
    second = session.build()
    assert second.scorecard.units[unit].cascade_score != was
    assert first.scorecard.units[unit].cascade_score == was


class PuzzleTwo(Puzzle):
    version = "2"

    def score(self, data: ScoreInput) -> Score:
        return self.result(0.25, {}, "always a quarter", data)


def test_a_scorer_of_another_version_is_not_served_from_the_memo(tmp_path: Path) -> None:
    # The same name, upgraded in a running session: its scores are its own.
    content = files()
    content[f"{Q1}/company.yaml"]["objectives"][0]["key_results"][0]["scorer"] = "puzzle"
    Repo(tmp_path, content)
    session = Session(tmp_path)
    for scorer, value in ((Puzzle(), 0.5), (PuzzleTwo(), 0.25)):
        registry = ScorerRegistry()
        registry.register(scorer)
        score = session.build(registry).scorecard.krs["2026-Q1:company/q1-grow/deals"].score
        assert (score.value, score.scorer_version) == (value, scorer.version)


def test_a_unit_without_objectives_is_not_served_another_day_s_result(
        tmp_path: Path) -> None:
    # All of support's objectives withheld: its public unit has no objective key to
    # carry the period's state or the day, so the unit key must.
    content = files()
    content[f"{Q1}/support.yaml"]["objectives"][0]["visibility"] = "restricted"
    Repo(tmp_path, content)
    session = Session(tmp_path)
    closed = session.build()
    active = session.build(as_of=date(2026, 2, 1))  # Session.build: equal to a cold build
    unit = "2026-Q1:support"
    assert closed.scorecard.units[unit].objectives == []
    assert active.scorecard.units[unit] != closed.scorecard.units[unit]


def test_a_build_writes_out_each_period_once_for_its_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A closed period's repr holds its final record: the checks and the scorecard
    key by the same Period objects, so it is made once per period, not per scoring."""
    from okrsite import model

    shown: list[str] = []
    real = model.Period.__repr__

    def counted(period: model.Period) -> str:
        shown.append(period.id)
        return real(period)

    monkeypatch.setattr(model.Period, "__repr__", counted)
    Repo(tmp_path, files())
    build = run(Settings(tmp_path, AS_OF, history=False))
    assert not [d for d in build.diagnostics if d.is_error]
    assert build.scorecard.units
    assert sorted(shown) == sorted(build.content.periods)
