"""The score memo on disk (okrsite.scoring.store): a build with a kept cache_dir, as a
CI build is, scores only what changed since the last build, and what it reads is never
stale, restricted or damaged. Each build here is a new process's (a fresh memo and
parse cache) and is compared with a cold build of the same files without cache_dir."""

from __future__ import annotations

import marshal
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from okrsite.loader import ParseCache
from okrsite.pipeline import Build, ScoreMemo, run
from okrsite.scoring.base import Bands, BaseScorer, Score, ScoreInput, ScoringSettings
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.store import MAGIC, PLANS, ScoreStore
from okrsite.settings import Settings
from tests.helpers.checkkit import AS_OF, Repo
from tests.scoring.test_score_memo import Q1, files, shown


class CI:
    """Builds of one content directory, each as a new process with cache_dir kept."""

    def __init__(self, tmp_path: Path, content: dict[str, Any], **settings: Any) -> None:
        self.repo = Repo(tmp_path / "content", content)
        self.cache = tmp_path / "cache"
        self.settings = Settings(self.repo.root, AS_OF, history=False, cache_dir=self.cache,
                                 **settings)

    def build(self, registry: ScorerRegistry | None = None, **changes: Any) -> Build:
        """A build through cache_dir, checked against a cold build without one."""
        settings = self.settings.but(**changes)
        warm = run(settings, None, registry)
        cold = run(settings.but(cache_dir=None), ParseCache(None), registry)
        assert shown(warm) == shown(cold)
        return warm

    def files(self) -> list[Path]:
        return sorted(self.cache.glob("scores-*/*.bin"))


def computed(build: Build) -> dict[str, int]:
    return {kind: n for kind, n in build.score_memo.computed.items() if n}


def test_every_stored_result_class_has_a_plan() -> None:
    # A new field of a type the store does not know must be noticed here, not
    # written in a form it cannot read back.
    assert all(plan is not None for plan in PLANS.values()), PLANS


def test_a_second_build_with_the_cache_dir_kept_scores_nothing_again(tmp_path: Path) -> None:
    ci = CI(tmp_path, files())
    first = ci.build()
    assert computed(first)["objective"] > 0
    second = ci.build()  # a new process: the parse cache is warm, the memo empty
    assert computed(second) == {}
    assert shown(second) == shown(first)


def test_an_edit_rescores_only_the_objective_it_changed(tmp_path: Path) -> None:
    ci = CI(tmp_path, files())
    ci.build()
    ci.repo.doc(f"{Q1}/sales.yaml")["objectives"][0]["key_results"][0]["check_ins"][1][
        "value"] = 28
    ci.repo.save(f"{Q1}/sales.yaml")
    build = ci.build()
    assert computed(build) == {"objective": 1, "shape": 1, "unit": 1}  # sales/win, its unit
    assert build.scorecard.krs["2026-Q1:sales/win/win-rate"].score.value < 1.0


class Puzzle(BaseScorer):
    name = "puzzle"

    def score(self, data: ScoreInput) -> Score:
        return self.result(0.5, {}, "always half", data)


class PuzzleTwo(Puzzle):
    version = "2"

    def score(self, data: ScoreInput) -> Score:
        return self.result(0.25, {}, "always a quarter", data)


def registry_with(scorer: BaseScorer) -> ScorerRegistry:
    registry = ScorerRegistry.discover()
    registry.register(scorer)
    return registry


@pytest.mark.parametrize("plugin", [False, True], ids=["okrsite's scorers", "a plugin"])
def test_a_sequence_of_edits_gives_what_a_cold_build_gives(tmp_path: Path,
                                                           plugin: bool) -> None:
    """With okrsite's own scorers the scores come from the store; with a plugin's,
    from memory only (test_with_a_plugin_scorer_scores_stay_in_memory_only)."""
    content = files()
    if plugin:
        content[f"{Q1}/company.yaml"]["objectives"][0]["key_results"][0]["scorer"] = "puzzle"
    ci = CI(tmp_path, content)
    repo, sales = ci.repo, ci.repo.doc(f"{Q1}/sales.yaml")
    one = registry_with(Puzzle()) if plugin else ScorerRegistry.discover()
    seen = [shown(ci.build(one))]

    def step(registry: ScorerRegistry = one, **changes: Any) -> Build:
        build = ci.build(registry, **changes)  # equal to a cold build
        assert shown(build) != seen[-1], len(seen)  # and the edit shows
        seen.append(shown(build))
        return build

    sales["objectives"][0]["key_results"][0]["check_ins"][1]["value"] = 25
    repo.save(f"{Q1}/sales.yaml")
    step()
    repo.doc(f"{Q1}/company.yaml")["objectives"][0]["key_results"][1]["done"] = False
    repo.save(f"{Q1}/company.yaml")
    step()
    repo.doc("kpis/nps.yaml")["measurements"].append({"date": "2026-03-15", "value": 48})
    repo.save("kpis/nps.yaml")
    assert step().scorecard.krs["2026-Q1:support/happy/nps"].score.value > 0
    repo.doc("org.yaml")["units"][1]["parent"] = "support"
    repo.save("org.yaml")
    step()
    sales["objectives"].append({"id": "secret", "title": "Secret", "visibility": "restricted",
                                "key_results": [{"id": "s", "title": "S", "done": True}]})
    repo.save(f"{Q1}/sales.yaml")
    internal = ci.build(one, include_restricted=True)
    assert "2026-Q1:sales/secret" in internal.scorecard.objectives
    public = ci.build(one)  # after the internal build wrote its scores
    assert "2026-Q1:sales/secret" not in public.scorecard.objectives
    assert public.scorecard.units["2026-Q1:sales"].objectives == ["2026-Q1:sales/win"]
    seen.append(shown(public))
    repo.write({f"{Q1}/support.yaml": None})
    assert "2026-Q1:support" not in step().scorecard.units
    if plugin:
        two = step(registry_with(PuzzleTwo()))  # the same scorer, another version
        assert two.scorecard.krs["2026-Q1:company/q1-grow/deals"].score.value == 0.25
    last = registry_with(PuzzleTwo()) if plugin else one
    step(last, scoring=ScoringSettings(bands=Bands(0.9, 0.95)))
    step(last, scoring=ScoringSettings(bands=Bands(0.9, 0.95)), as_of=date(2026, 2, 1))
    assert bool(ci.files()) is not plugin


def test_settings_of_two_sites_sharing_a_cache_dir_keep_their_own_file(
        tmp_path: Path) -> None:
    ci = CI(tmp_path, files())
    ci.build()
    ci.build(scoring=ScoringSettings(bands=Bands(0.9, 0.95)))
    assert len(ci.files()) == 2
    assert computed(ci.build()) == {}  # the first site's scores are still there


@pytest.mark.parametrize("damage", ["flipped", "truncated", "garbage", "empty", "not marshal"])
def test_a_damaged_store_is_ignored_and_written_again(tmp_path: Path, damage: str) -> None:
    import hashlib

    ci = CI(tmp_path, files())
    ci.build()
    [file] = ci.files()
    raw = file.read_bytes()
    body = b"\x00not marshal data"
    file.write_bytes({
        "flipped": raw[:-10] + bytes([raw[-10] ^ 0xFF]) + raw[-9:],
        "truncated": raw[: len(raw) // 2],
        "garbage": b"\x93" * 100,
        "empty": b"",
        "not marshal": MAGIC + hashlib.sha256(body).digest() + body,
    }[damage])
    again = ci.build()  # no error; scored again, like a cold build
    assert computed(again)["objective"] > 0
    assert computed(ci.build()) == {}  # and written again


@pytest.mark.parametrize("data", [marshal.dumps(("not", "an", "objective")), b"\xff"])
def test_a_damaged_entry_is_scored_again(tmp_path: Path, data: bytes) -> None:
    ci = CI(tmp_path, files())
    build = ci.build()
    store = build.score_memo.disk
    assert isinstance(store, ScoreStore)
    entries = store._load()
    for entry in entries.values():
        if entry[1] == "objective":
            entry[2] = data
    store._dirty = True
    store.save()
    again = ci.build()  # equal to a cold build (CI.build)
    assert computed(again)["objective"] == len(again.scorecard.objectives)


class Edited(BaseScorer):
    """A plugin installed in editable mode: its formula changes, its version does not."""

    name = "edited"
    factor = 0.25

    def score(self, data: ScoreInput) -> Score:
        return Score(self.factor, self.factor, False, self.name, self.version, {}, "edited")


def test_with_a_plugin_scorer_scores_stay_in_memory_only(tmp_path: Path) -> None:
    """A plugin's package version does not name its code (an editable install, a
    branch installed from git): a score it made is never read back in another
    process, so its new formula shows at once."""
    content = files()
    content[f"{Q1}/company.yaml"]["objectives"][0]["key_results"][0]["scorer"] = "edited"
    ci = CI(tmp_path, content)
    kr = "2026-Q1:company/q1-grow/deals"
    assert ci.build(registry_with(Edited())).scorecard.krs[kr].score.value == 0.25
    assert ci.files() == []

    class Changed(Edited):
        factor = 0.75

    again = ci.build(registry_with(Changed()))
    assert again.scorecard.krs[kr].score.value == 0.75
    assert computed(again)["objective"] == len(again.scorecard.objectives)


def test_a_serve_session_with_a_cache_dir_leaves_its_scores_for_the_next_process(
        tmp_path: Path) -> None:
    ci = CI(tmp_path, files())
    memo, parse_cache = ScoreMemo(), ParseCache(ci.cache)
    assert run(ci.settings, parse_cache, score_memo=memo).scorecard.units
    ci.repo.doc(f"{Q1}/sales.yaml")["objectives"][0]["key_results"][0]["check_ins"][1][
        "value"] = 28
    ci.repo.save(f"{Q1}/sales.yaml")
    before = dict(memo.computed)
    edited = run(ci.settings, parse_cache, score_memo=memo)
    cold = run(ci.settings.but(cache_dir=None), ParseCache(None))
    assert shown(edited) == shown(cold)
    assert memo.computed["objective"] - before["objective"] == 1
    assert computed(ci.build()) == {}  # a new process finds the session's scores
