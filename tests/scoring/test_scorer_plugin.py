"""A third-party scorer found through the `okrsite.scorers` entry point.

The fixture package tests/fixtures/puzzle_scorer is "installed" without pip: its
source directory goes on sys.path next to a temporary `*.dist-info` whose
entry_points.txt is copied from the package's own pyproject.toml, which is all
importlib.metadata reads. Nothing outlives the test.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from helpers.scoringkit import MID, kr, make_content, objective

from okrsite.model import CheckIn, KeyResult, KRKind, Period, Ref
from okrsite.periods import span
from okrsite.scoring.base import ScoreInput, ScoringSettings
from okrsite.scoring.checks import check_scoring
from okrsite.scoring.registry import ENTRY_POINT_GROUP, ScorerLoadError, ScorerRegistry
from okrsite.scoring.report import to_json
from okrsite.scoring.rollup import key_result_input, score_content

FIXTURE = Path(__file__).parents[1] / "fixtures" / "puzzle_scorer"


def declared_entry_points() -> dict[str, str]:
    """The package's `[project.entry-points."okrsite.scorers"]` table (no tomllib on 3.10)."""
    text = (FIXTURE / "pyproject.toml").read_text()
    section = text.split(f'[project.entry-points."{ENTRY_POINT_GROUP}"]', 1)[1]
    section = section.split("\n[", 1)[0]
    return dict(re.findall(r'^(\S+)\s*=\s*"([^"]+)"', section, re.MULTILINE))


@pytest.fixture
def puzzle_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    dist = tmp_path / "site" / "puzzle_scorer-1.0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: puzzle-scorer\nVersion: 1.0.0\n")
    lines = [f"[{ENTRY_POINT_GROUP}]"] + [f"{k} = {v}" for k, v in declared_entry_points().items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(FIXTURE))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield
    sys.modules.pop("puzzle_scorer", None)


def test_fixture_declares_the_entry_point():
    assert declared_entry_points() == {"puzzle": "puzzle_scorer:PuzzleScorer"}


def test_registry_finds_the_plugin(puzzle_installed):
    registry = ScorerRegistry.discover()
    assert "puzzle" in registry.names()
    scorer = registry.get("puzzle")
    assert (scorer.name, scorer.version) == ("puzzle", "1.0.0")


def test_plugin_is_absent_without_installation():
    assert "puzzle" not in ScorerRegistry.discover().names()


@pytest.mark.parametrize(("value", "score", "raw", "zone"), [
    # baseline 0, target 100: commit 30, stretch 130
    (15, 0.15, 0.15, "fail"),  # 0.3 x 15/30
    (30, 0.3, 0.3, "commit"),
    (65, 0.5, 0.5, "commit"),  # 0.3 + 0.4 x 35/70
    (100, 0.7, 0.7, "target"),
    (115, 0.85, 0.85, "target"),  # 0.7 + 0.3 x 15/30
    (130, 1.0, 1.0, "stretch"),
    (160, 1.0, 1.3, "stretch"),  # beyond stretch: raw keeps going, score stops at 1
])
def test_key_result_with_scorer_puzzle(puzzle_installed, value, score, raw, zone):
    k = kr("signups", baseline=0, target=100, scorer="puzzle",
           check_ins=[("2026-11-01", value)])
    content = make_content(objective("grow", k))
    card = score_content(content, MID)  # the default registry: discovered, not injected
    result = card.krs["2026-Q4:support/grow/signups"].score
    assert result.scorer == "puzzle" and result.scorer_version == "1.0.0"
    assert result.value == pytest.approx(score) and result.raw == pytest.approx(raw)
    assert result.inputs["zone"] == zone
    assert result.explanation.startswith(f"{value} in the {zone} zone of 0 | 30 | 100 | 130 = ")
    item = next(i for i in to_json(card)["items"] if i["ref"] == "2026-Q4:support/grow/signups")
    assert item["scorer"] == "puzzle"


def test_falling_key_result(puzzle_installed):
    # baseline 24h, target 12h: commit 20.4h, stretch 8.4h; 18h is in the commit zone
    k = kr("first-response", baseline=24, target=12, scorer="puzzle",
           check_ins=[("2026-11-01", 18)])
    result = score_content(make_content(objective("o", k)), MID).krs[
        "2026-Q4:support/o/first-response"].score
    assert result.value == pytest.approx(0.3 + 0.4 * (0.5 - 0.3) / 0.7)


def test_zones_from_extension_fields(puzzle_installed):
    from puzzle_scorer import PuzzleScorer

    period = Period("2026-Q4", span("2026-Q4"))
    k = KeyResult("k", "K", KRKind.NUMERIC, Ref("u", "o", "k", "2026-Q4"), baseline=0,
                  target=100, check_ins=[CheckIn(date(2026, 11, 1), 80)])
    data = key_result_input(k, period, make_content(), MID)
    custom = ScoreInput(k, data.as_of, period, data.values, data.baseline, data.baseline_source,
                        extensions={"x-puzzle-commit": 60, "x-puzzle-stretch": 200})
    result = PuzzleScorer().score(custom)
    assert result.value == pytest.approx(0.3 + 0.4 * 20 / 40)  # commit zone 60..100
    wrong = ScoreInput(k, data.as_of, period, data.values, 0, "key result",
                       extensions={"x-puzzle-commit": 120})
    assert PuzzleScorer().score(wrong).no_data


def test_check_accepts_the_plugin_name(puzzle_installed, tmp_path: Path):
    k = kr("k", baseline=0, target=100, scorer="puzzle", check_ins=[("2026-11-01", 65)])
    assert check_scoring(make_content(objective("o", k)), ScoringSettings(), MID, tmp_path) == []


def test_check_lists_the_plugin_among_known_names(puzzle_installed, tmp_path: Path):
    k = kr("k", baseline=0, target=100, scorer="puzle")
    found = check_scoring(make_content(objective("o", k)), ScoringSettings(), MID, tmp_path)
    assert [x.code for x in found] == ["OKR219"]
    assert found[0].message.endswith("binary, linear, milestones, puzzle, ratio, threshold")


def test_plugin_as_site_default(puzzle_installed):
    k = kr("k", baseline=0, target=100, check_ins=[("2026-11-01", 65)])
    settings = ScoringSettings(default_scorers={"numeric": "puzzle"})
    card = score_content(make_content(objective("o", k)), MID, settings)
    assert card.krs["2026-Q4:support/o/k"].score.value == pytest.approx(0.5)


def test_broken_plugin_breaks_only_its_key_results():
    registry = ScorerRegistry(plugins=[
        EntryPoint("broken", "no_such_module_here:Scorer", ENTRY_POINT_GROUP)])
    assert "broken" in registry.names()
    with pytest.raises(ScorerLoadError, match="failed to load"):
        registry.get("broken")
    bad = kr("bad", baseline=0, target=10, scorer="broken", check_ins=[("2026-11-01", 5)])
    good = kr("good", baseline=0, target=10, check_ins=[("2026-11-01", 5)])
    card = score_content(make_content(objective("o", bad, good)), MID, registry=registry)
    assert card.krs["2026-Q4:support/o/bad"].score.no_data
    assert "failed to load" in card.krs["2026-Q4:support/o/bad"].score.explanation
    assert card.krs["2026-Q4:support/o/good"].score.value == pytest.approx(0.5)


def test_plugin_cannot_take_a_builtin_name(puzzle_installed):
    registry = ScorerRegistry(plugins=[
        EntryPoint("linear", "puzzle_scorer:PuzzleScorer", ENTRY_POINT_GROUP)])
    assert registry.get("linear").name == "linear"


def test_entry_point_name_must_match_scorer_name(puzzle_installed):
    registry = ScorerRegistry(plugins=[
        EntryPoint("zones", "puzzle_scorer:PuzzleScorer", ENTRY_POINT_GROUP)])
    with pytest.raises(ScorerLoadError, match="named 'puzzle'"):
        registry.get("zones")


def test_the_scorer_api_is_one_documented_module() -> None:
    import okrsite.scorer as api

    guide = (Path(__file__).parents[2] / "content" / "guide" / "scoring.md").read_text()
    section = guide.split("## Your own scorer", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Za-z_]+)`(?:, `([A-Za-z_]+)`)*", section, re.M))
    names = {n for pair in documented for n in pair if n}
    names |= set(re.findall(r"`(KPI|Period|KRKind|fmt_score)`", section))
    assert set(api.__all__) <= names, set(api.__all__) - names
    for name in api.__all__:
        assert getattr(api, name) is not None
    # The worked example imports only the public API.
    plugin = (FIXTURE / "puzzle_scorer" / "__init__.py").read_text()
    assert re.findall(r"^from (okrsite\S*) import", plugin, re.M) == ["okrsite.scorer"]
