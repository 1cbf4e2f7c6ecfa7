"""`okrsite new-period`: scaffold the next period, carrying unfinished objectives."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from checkkit import check
from test_history_support import GitRepo, base_files

from okrsite.cli import main
from okrsite.commands.newperiod import NewPeriodError, new_period
from okrsite.settings import Settings


@pytest.fixture
def repo(tmp_path, monkeypatch) -> GitRepo:
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    r = GitRepo(tmp_path / "repo")
    base_files(r)
    # a finished objective (score 1 at the end of Q3) is not carried
    r.edit("periods/2026-Q3/sales.yaml", "          - {date: 2026-07-31, value: 13}\n",
           "          - {date: 2026-07-31, value: 13}\n          - {date: 2026-09-30, value: 20}\n")
    r.edit("periods/2026-Q3/sales.yaml", "        baseline: 0\n        target: 40\n",
           "        baseline: 0\n        target: 40\n        check_ins:\n"
           "          - {date: 2026-09-30, value: 41}\n")
    r.edit("periods/2026-Q3/support.yaml", "    type: committed\n",
           "    type: committed\n    grade: 0.5\n    retrospective: Slower than hoped.\n")
    return r


def load(repo: GitRepo, rel: str) -> dict:
    return yaml.safe_load((repo.content / rel).read_text())


def test_scaffold_carries_unfinished_objectives(repo):
    result = new_period(Settings(repo.content), "2026-Q4")
    assert result.source == "2026-Q3"
    assert result.carried == ["2026-Q3:company/customers", "2026-Q3:support/answer-faster",
                              "2026-Q3:support/secret-project"]
    assert sorted(p.name for p in result.written) == [
        "company.yaml", "period.yaml", "sales.yaml", "support.yaml"]
    support = load(repo, "periods/2026-Q4/support.yaml")
    assert (support["unit"], support["period"]) == ("support", "2026-Q4")
    first, secret = support["objectives"]
    assert first["carried_from"] == "2026-Q3:support/answer-faster"
    assert "grade" not in first and "retrospective" not in first
    assert all("check_ins" not in kr for kr in first["key_results"])
    assert first["key_results"][0]["target"] == 12
    assert first["aligns_to"] == "company/customers"  # carried too: still resolves
    assert secret["visibility"] == "restricted"
    assert load(repo, "periods/2026-Q4/sales.yaml")["objectives"] == []  # finished
    assert load(repo, "periods/2026-Q4/period.yaml") == {
        "version": 1, "kind": "period", "id": "2026-Q4", "state": "planning"}
    errors = [d for d in check(repo.content, date(2026, 9, 30)) if d.is_error]
    assert errors == []


def test_alignment_to_an_objective_that_is_not_carried_is_dropped(repo):
    repo.edit("periods/2026-Q3/company.yaml", "          - {date: 2026-07-31, value: 38}\n",
              "          - {date: 2026-07-31, value: 38}\n"
              "          - {date: 2026-09-30, value: 45}\n")
    result = new_period(Settings(repo.content), "2026-Q4")
    assert "2026-Q3:company/customers" not in result.carried
    support = load(repo, "periods/2026-Q4/support.yaml")
    assert "aligns_to" not in support["objectives"][0]
    assert [d for d in check(repo.content, date(2026, 9, 30)) if d.is_error] == []


def test_never_overwrites(repo, capsys):
    mine = "version: 1\nkind: okrs\nunit: support\nperiod: 2026-Q4\nobjectives: []\n"
    repo.write("periods/2026-Q4/support.yaml", mine)
    assert main(["new-period", "2026-Q4", str(repo.content)]) == 0
    out = capsys.readouterr().out
    assert "kept " in out and "support.yaml (exists; not overwritten)" in out
    assert (repo.content / "periods/2026-Q4/support.yaml").read_text() == mine
    before = (repo.content / "periods/2026-Q4/company.yaml").read_text()
    assert main(["new-period", "2026-Q4", str(repo.content)]) == 0
    assert (repo.content / "periods/2026-Q4/company.yaml").read_text() == before


def test_errors(repo, capsys):
    with pytest.raises(NewPeriodError, match="not a period id"):
        new_period(Settings(repo.content), "2026-Q9")
    with pytest.raises(NewPeriodError, match="no earlier quarter"):
        new_period(Settings(repo.content), "2025-Q1")
    assert main(["new-period", "2026-Q4", str(repo.content), "--from", "2024-Q1"]) == 2
    assert "no OKRs in '2024-Q1'" in capsys.readouterr().err
