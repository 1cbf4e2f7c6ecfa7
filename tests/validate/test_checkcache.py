"""Check results reused across builds (okrsite.checkcache) never differ from a cold check.

A serve session keeps one ParseCache, and with it the documents' problems and the
closed periods' clean final checks; a CI run keeps them in cache_dir. After every edit
of a sequence, the warm diagnostics must be the cold ones, and the warm build must have
re-checked only what the edit touched (else the cache would not be tested at all).
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers.checkkit import Repo

import okrsite.pipeline as pipeline
from okrsite.checkcache import session
from okrsite.cli import main
from okrsite.diagnostics import Diagnostic
from okrsite.digest import code_version
from okrsite.loader import ParseCache
from okrsite.settings import Settings

AS_OF = date(2026, 11, 15)
ORG = {"version": 1, "kind": "org", "name": "Acme", "units": [
    {"id": "company", "name": "Acme", "lead": "Ada Lovelace"},
    {"id": "support", "name": "Support", "parent": "company", "lead": "Pat Helper"}]}
NPS = {"version": 1, "kind": "kpi", "id": "nps", "name": "NPS", "owner": "support",
       "measurements": [{"date": "2026-05-31", "value": 40}, {"date": "2026-08-31", "value": 45}]}
Q3_COMPANY = {"version": 1, "kind": "okrs", "unit": "company", "period": "2026-Q3",
              "objectives": [{"id": "grow", "title": "Grow", "owner": "Ada Lovelace",
                              "key_results": [
                                  {"id": "nps", "title": "NPS to 50", "kpi": "nps", "target": 50},
                                  {"id": "deals", "title": "Deals", "baseline": 0, "target": 10,
                                   "check_ins": [{"date": "2026-09-20", "value": 7}]}]}]}
Q3_SUPPORT = {"version": 1, "kind": "okrs", "unit": "support", "period": "2026-Q3",
              "objectives": [{"id": "fast", "title": "Answer fast", "owner": "Pat Helper",
                              "aligns_to": "company/grow", "key_results": [
                                  {"id": "response", "title": "Response", "baseline": 24,
                                   "target": 12,
                                   "check_ins": [{"date": "2026-09-30", "value": 18}]},
                                  {"id": "csat", "title": "CSAT", "target": 90,
                                   "direction": "at_least",
                                   "check_ins": [{"date": "2026-08-31", "value": 91}]}]}]}
Q4_COMPANY = {"version": 1, "kind": "okrs", "unit": "company", "period": "2026-Q4",
              "objectives": [{"id": "more", "title": "More", "owner": "Ada Lovelace",
                              "key_results": [
                                  {"id": "deals", "title": "Deals", "baseline": 0, "target": 5,
                                   "check_ins": [{"date": "2026-10-20", "value": 1,
                                                  "note": "First one"}]},
                                  {"id": "nps", "title": "NPS", "kpi": "nps", "target": 55}]}]}
Q4_SUPPORT = {"version": 1, "kind": "okrs", "unit": "support", "period": "2026-Q4",
              "objectives": [{"id": "calm", "title": "Calm", "owner": "Pat Helper",
                              "aligns_to": "company/more", "key_results": [
                                  {"id": "queue", "title": "Queue", "baseline": 50,
                                   "target": 10},
                                  {"id": "docs", "title": "Docs", "done": False}]}]}
FILES = {"org.yaml": ORG, "kpis/nps.yaml": NPS, "periods/2026-Q3/company.yaml": Q3_COMPANY,
         "periods/2026-Q3/support.yaml": Q3_SUPPORT, "periods/2026-Q4/company.yaml": Q4_COMPANY,
         "periods/2026-Q4/support.yaml": Q4_SUPPORT}
Q3 = "periods/2026-Q3/period.yaml"


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Content whose 2026-Q3 was closed with `okrsite close` (copy it before editing)."""
    root = tmp_path_factory.mktemp("closed") / "content"
    Repo(root, copy.deepcopy(FILES))
    assert main(["close", "2026-Q3", str(root), "--on", "2026-10-06", "--by", "Ada"]) == 0
    return root


@pytest.fixture
def repo(closed: Path, tmp_path: Path) -> Repo:
    shutil.copytree(closed, tmp_path / "content")
    r = Repo(tmp_path / "content")
    r.docs = copy.deepcopy(FILES)
    return r


def cold_build(root: Path) -> pipeline.Build:
    return pipeline.run(Settings(root, AS_OF, history=False), ParseCache(None))


def cold(root: Path) -> list[Diagnostic]:
    """The diagnostics of a check with nothing cached: what every warm one must equal."""
    return list(cold_build(root).diagnostics)


class Session:
    """Builds as `mkdocs serve` runs them: one ParseCache kept across them."""

    def __init__(self, root: Path, cache_dir: Path | None = None) -> None:
        self.settings = Settings(root, AS_OF, history=False, cache_dir=cache_dir)
        self.parse_cache = ParseCache(cache_dir)

    def check(self) -> tuple[list[Diagnostic], int]:
        """The diagnostics, and how many documents this build checked again."""
        checks = session(self.parse_cache, self.settings.cache_dir)
        before = checks.checked
        self.build = pipeline.run(self.settings, self.parse_cache)
        found = list(self.build.diagnostics)
        return found, checks.checked - before


def forget_results(cache_dir: Path) -> None:
    """Drop the whole content's results (Build.diagnostics keeps them by the content's
    digest): they would answer a state seen before without a document being looked at,
    and these tests are of the documents' and the closed periods' entries."""
    shutil.rmtree(cache_dir / "check", ignore_errors=True)


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return sorted(f"{Path(d.file).name}:{d.code}" for d in diagnostics)


def _edit_note(repo: Repo) -> None:
    repo.doc("periods/2026-Q4/company.yaml")["objectives"][0]["key_results"][0][
        "check_ins"][0]["note"] = "Edited note"
    repo.save("periods/2026-Q4/company.yaml")


def _wrong_unit(repo: Repo) -> None:
    # `unit:` names another unit than the file: the hint offers only units of the org.
    repo.doc("periods/2026-Q4/support.yaml")["unit"] = "company"
    repo.save("periods/2026-Q4/support.yaml")


def _rename_unit(repo: Repo) -> None:
    repo.doc("org.yaml")["units"][1]["id"] = "helpdesk"
    repo.save("org.yaml")


def _restore_org(repo: Repo) -> None:
    repo.docs["org.yaml"] = copy.deepcopy(ORG)
    repo.save("org.yaml")


def _person_owns_kpi(repo: Repo) -> None:
    repo.doc("kpis/nps.yaml")["owner"] = "Pat Helper"  # the hint names the unit Pat leads
    repo.save("kpis/nps.yaml")


def _new_lead(repo: Repo) -> None:
    repo.doc("org.yaml")["units"][1]["lead"] = "Kim Keeper"
    repo.save("org.yaml")


def _remove_unit(repo: Repo) -> None:
    del repo.doc("org.yaml")["units"][1]
    repo.save("org.yaml")


def _kpi_inside_q3(repo: Repo) -> None:
    repo.docs["kpis/nps.yaml"] = copy.deepcopy(NPS)
    repo.doc("kpis/nps.yaml")["measurements"].append({"date": "2026-09-30", "value": 48})
    repo.save("kpis/nps.yaml")


def _restore_kpi(repo: Repo) -> None:
    repo.docs["kpis/nps.yaml"] = copy.deepcopy(NPS)
    repo.save("kpis/nps.yaml")


def _delete_q3_file(repo: Repo) -> None:
    repo.write({"periods/2026-Q3/support.yaml": None})


def _restore_q3_file(repo: Repo) -> None:
    repo.write({"periods/2026-Q3/support.yaml": copy.deepcopy(Q3_SUPPORT)})


def _restrict(repo: Repo) -> None:
    repo.doc("periods/2026-Q4/company.yaml")["objectives"][0]["visibility"] = "restricted"
    repo.save("periods/2026-Q4/company.yaml")


def _fix_unit(repo: Repo) -> None:
    repo.doc("periods/2026-Q4/support.yaml")["unit"] = "support"
    repo.save("periods/2026-Q4/support.yaml")


# Each edit, the codes it must make appear (or disappear), and how many documents a
# warm build checks again: the edited one, or all seven when the org's units changed.
EDITS = [
    (_edit_note, [], 1),
    (_wrong_unit, ["+support.yaml:OKR008"], 1),
    (_rename_unit, ["+support.yaml:OKR203", "+nps.yaml:OKR203"], 7),
    (_restore_org, ["-support.yaml:OKR203", "-nps.yaml:OKR203"], 7),
    (_person_owns_kpi, ["+nps.yaml:OKR203"], 1),
    (_new_lead, [], 7),
    (_remove_unit, ["+support.yaml:OKR203"], 7),
    (_restore_org, [], 7),
    (_restore_kpi, ["-nps.yaml:OKR203"], 1),
    (_kpi_inside_q3, ["+company.yaml:OKR401"], 1),
    (_restore_kpi, ["-company.yaml:OKR401"], 1),
    (_delete_q3_file, ["+period.yaml:OKR401"], 0),
    # Kept on disk since no build had a new entry to write; gone from a session's memory.
    (_restore_q3_file, ["-period.yaml:OKR401"], (1, 0)),
    (_restrict, [], 1),
    (_fix_unit, ["-support.yaml:OKR008"], 1),
]


@pytest.mark.parametrize("on_disk", [False, True], ids=["serve-session", "cache-dir"])
def test_every_edit_gives_the_cold_diagnostics(repo: Repo, tmp_path: Path, on_disk: bool):
    cache_dir = tmp_path / "cache" if on_disk else None
    warm = Session(repo.root, cache_dir)
    first, _ = warm.check()
    assert first == cold(repo.root) and not any(d.is_error for d in first)
    before = first
    for edit, change, rechecked in EDITS:
        edit(repo)
        if cache_dir is not None:  # a new CI run: nothing in memory, the cache dir kept
            warm = Session(repo.root, cache_dir)
            forget_results(cache_dir)
        found, checked = warm.check()
        assert found == cold(repo.root), edit.__name__
        # The model, built from the pieces of unchanged documents (memory or cache_dir).
        assert warm.build.content == cold_build(repo.root).content, edit.__name__
        was, now = codes(before), codes(found)
        for c in change:
            assert (c[1:] in now and c[1:] not in was) if c[0] == "+" else \
                (c[1:] in was and c[1:] not in now), (edit.__name__, c, now)
        if isinstance(rechecked, tuple):
            rechecked = rechecked[on_disk]
        assert checked == rechecked, edit.__name__
        before = found
    assert not any(d.is_error for d in before)


def test_the_hint_follows_the_orgs_units(repo: Repo):
    """The OKR008 hint of an unchanged file changes with org.yaml (its key holds the units)."""
    warm = Session(repo.root)
    _wrong_unit(repo)
    hint = next(d.hint for d in warm.check()[0] if d.code == "OKR008")
    assert hint == "Write `unit: support`, or rename the file to periods/2026-Q4/company.yaml."
    _rename_unit(repo)
    hint = next(d.hint for d in warm.check()[0] if d.code == "OKR008")
    assert hint == "Rename the file to periods/2026-Q4/company.yaml."


def test_a_moved_content_dir_names_its_own_files(repo: Repo, tmp_path: Path):
    """A checkout at another path (a CI runner's workspace) re-checks nothing, and its
    diagnostics name its own files."""
    cache_dir = tmp_path / "cache"
    _wrong_unit(repo)
    here, _ = Session(repo.root, cache_dir).check()
    forget_results(cache_dir)
    moved = tmp_path / "moved"
    shutil.copytree(repo.root, moved)
    found, checked = Session(moved, cache_dir).check()
    assert found == cold(moved) and checked == 0
    assert "support.yaml:OKR008" in codes(found) and len(found) == len(here)
    assert all(Path(d.file).is_relative_to(moved) for d in found)


def test_a_damaged_cache_file_or_entry_is_ignored(repo: Repo, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    _wrong_unit(repo)
    expected = cold(repo.root)
    Session(repo.root, cache_dir).check()
    file = cache_dir / f"checks-{code_version()}.json"
    data = json.loads(file.read_text())
    damaged = next(k for k, v in data["documents"].items() if v)  # the OKR008 entry
    data["documents"][damaged][0]["line"] = "1"
    file.write_text(json.dumps(data))
    forget_results(cache_dir)
    found, checked = Session(repo.root, cache_dir).check()
    assert found == expected and checked == 1
    file.write_text(file.read_text()[:-40])
    forget_results(cache_dir)
    found, checked = Session(repo.root, cache_dir).check()
    assert found == expected and checked == 7


def test_a_closed_period_is_scored_again_only_when_its_inputs_change(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    compared: list[str] = []
    check_final = pipeline.check_final

    def counted(content: Any, period_id: str, *args: Any) -> Any:
        compared.append(period_id)
        return check_final(content, period_id, *args)

    monkeypatch.setattr(pipeline, "check_final", counted)
    warm = Session(repo.root, tmp_path / "cache")
    assert not warm.check()[0] and compared == ["2026-Q3"]
    _edit_note(repo)  # the active quarter only
    assert not warm.check()[0] and compared == ["2026-Q3"]
    forget_results(tmp_path / "cache")
    assert not Session(repo.root, tmp_path / "cache").check()[0]  # from disk
    assert compared == ["2026-Q3"]
    for _ in range(2):  # a tamper is reported on every build, cached clean check or not
        repo.doc("periods/2026-Q3/company.yaml")["objectives"][0]["key_results"][1][
            "target"] = 8
        repo.save("periods/2026-Q3/company.yaml")
        forget_results(tmp_path / "cache")
        found = warm.check()[0]
        assert [d.code for d in found] == ["OKR401", "OKR401"]  # the KR and its objective
        assert "key result company/grow/deals scored 0.70 (achieved) at close, 0.88 " \
            "(achieved) now" in found[1].message
    assert compared == ["2026-Q3"] * 3
    verified = pipeline.run(warm.settings, warm.parse_cache).finals["2026-Q3"]
    assert not verified.ok and verified.now.digest != verified.recorded.digest


# The whole content's check result (Build.diagnostics, kept in cache_dir/check by the
# content's digest) is found by a checkout at another path, as a CI runner makes one,
# and names that checkout's files; one whose text names the content's directory is not.


def check(project: Path) -> list[Diagnostic]:
    """A CI run's check: a new process, the project's cache_dir kept."""
    settings = Settings(project / "content", AS_OF, history=False,
                        cache_dir=project / ".cache", base=project)
    return list(pipeline.run(settings, ParseCache(settings.cache_dir)).diagnostics)


def scorings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the scoring rules' runs (each a miss of the result)."""
    runs: list[int] = []
    run = pipeline.scoring_diagnostics

    def counted(*args: object, **kwargs: object) -> object:
        runs.append(1)
        return run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "scoring_diagnostics", counted)
    return runs


def test_a_checkout_at_another_path_takes_the_result_naming_its_files(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _wrong_unit(repo)  # a warning, OKR008, on one file
    here = tmp_path / "runner-1" / "okrs"
    shutil.copytree(repo.root, here / "content")
    runs = scorings(monkeypatch)
    first = check(here)
    assert "OKR008" in [d.code for d in first] and len(runs) == 1
    there = tmp_path / "workspace" / "job-7" / "okrs"
    shutil.copytree(here, there)
    found = check(there)
    assert len(runs) == 1  # taken from cache_dir
    assert found == cold(there / "content")
    assert all(Path(d.file).is_relative_to(there) for d in found)


def test_a_result_naming_the_content_dir_is_not_taken_elsewhere(
        repo: Repo, tmp_path: Path) -> None:
    (repo.root / "org.yaml").unlink()  # OKR010 says "no org.yaml in <content_dir>"
    here = tmp_path / "runner-1" / "okrs"
    shutil.copytree(repo.root, here / "content")
    assert "OKR010" in [d.code for d in check(here)]
    there = tmp_path / "workspace" / "job-7" / "okrs"
    shutil.copytree(here, there)
    found = check(there)
    assert found == cold(there / "content")
    assert not any(str(here) in d.file + d.message + d.hint for d in found)
