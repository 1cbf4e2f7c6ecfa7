"""The objectives' memo keys kept in cache_dir (okrsite.scoring.keystore): a CI build
keys only the objectives of the files that changed, and scores as a cold build."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrsite.model import Objective
from okrsite.scoring import memo
from okrsite.scoring.base import ScoringSettings
from tests.scoring.test_score_memo import Q1, files, shown
from tests.scoring.test_score_store import CI, Puzzle, registry_with


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The objectives whose keys are made (not taken from cache_dir), in order."""
    made: list[str] = []
    real = memo.objective_key

    def counted(objective: Objective, settings: ScoringSettings) -> bytes:
        made.append(str(objective.ref))
        return real(objective, settings)

    monkeypatch.setattr(memo, "objective_key", counted)
    return made


def test_a_ci_build_keys_only_the_objectives_of_the_file_that_changed(
        tmp_path: Path, keyed: list[str]) -> None:
    ci = CI(tmp_path, files())
    first = ci.build()
    every = sorted(first.scorecard.objectives)
    del keyed[:]
    ci.build()
    assert len(keyed) == len(every)  # only the cold build's, which has no cache_dir
    sales = ci.repo.doc(f"{Q1}/sales.yaml")
    sales["objectives"][0]["key_results"][0]["check_ins"][1]["value"] = 27
    ci.repo.save(f"{Q1}/sales.yaml")
    del keyed[:]
    build = ci.build()  # equal to a cold build
    assert keyed[:1] == ["2026-Q1:sales/win"]  # the warm build's, then the cold one's
    assert len(keyed) == 1 + len(every)
    assert build.scorecard.krs["2026-Q1:sales/win/win-rate"].score.value < 1.0


def test_edits_settings_and_damage_give_what_a_cold_build_gives(tmp_path: Path) -> None:
    ci = CI(tmp_path, files())
    seen = [shown(ci.build())]
    sales = ci.repo.doc(f"{Q1}/sales.yaml")
    sales["objectives"][0]["key_results"][0]["check_ins"][1]["value"] = 12
    ci.repo.save(f"{Q1}/sales.yaml")
    seen.append(shown(ci.build()))
    sales["objectives"][0]["key_results"][0]["target"] = 60
    ci.repo.save(f"{Q1}/sales.yaml")
    seen.append(shown(ci.build()))
    assert seen[1] != seen[0] and seen[2] != seen[1]
    # A default scorer changes which scorer scores a key result, so every key.
    kinds = {"default_scorers": {"numeric": "puzzle"}}
    puzzled = ci.build(registry_with(Puzzle()), scoring=ScoringSettings(**kinds))
    assert shown(puzzled) != seen[-1]
    kept = max(tmp_path.glob("cache/okeys-*/*.bin"), key=lambda f: f.stat().st_mtime_ns)
    for data in (b"", b"0" * 64 + b"garbage", kept.read_bytes()[:-3]):
        for file in tmp_path.glob("cache/okeys-*/*.bin"):
            file.write_bytes(data)
        assert shown(ci.build(registry_with(Puzzle()), scoring=ScoringSettings(**kinds))) == \
            shown(puzzled)
