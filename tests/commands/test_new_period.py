"""`okrsite new-period`: scaffold the next period, carrying unfinished objectives."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from helpers.checkkit import check
from helpers.gitkit import GitRepo, base_files

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
    r.edit("periods/2026-Q3/support.yaml", "        baseline: 24\n        target: 12\n",
           "        baseline: 24\n        target: 12\n        reason: Hiring froze in July.\n")
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
    # A reason explains a move in Q3; it never stands for one in Q4.
    assert all("reason" not in kr for kr in first["key_results"])
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


# -- issue 13, item 11: what "unfinished" means ------------------------------------------------


def carried_ids(repo: GitRepo, unit: str) -> list[str]:
    path = repo.content / f"periods/2026-Q4/{unit}.yaml"
    return [o["id"] for o in yaml.safe_load(path.read_text())["objectives"]]


def test_new_period_judges_unfinished_as_the_source_period_ended_closing_check_ins_included(repo):
    # a closing check-in on 10-10 (inside the 14-day window) finishes company/customers:
    # nps (45 - 36) / 9 = 1.0, churn 1.9 <= 2 every day = 1.0
    repo.edit("periods/2026-Q3/company.yaml", "          - {date: 2026-07-31, value: 38}\n",
              "          - {date: 2026-07-31, value: 38}\n"
              "          - {date: 2026-10-10, value: 45}\n")
    result = new_period(Settings(repo.content), "2026-Q4")
    assert "2026-Q3:company/customers" not in result.carried


def test_new_period_does_not_carry_an_achieved_aspirational_objective(repo):
    # company/customers is aspirational: nps (42 - 36) / 9 = 0.67, churn 1.0, mean 0.83 >= 0.7
    repo.edit("periods/2026-Q3/company.yaml", "          - {date: 2026-07-31, value: 38}\n",
              "          - {date: 2026-07-31, value: 38}\n"
              "          - {date: 2026-09-30, value: 42}\n")
    result = new_period(Settings(repo.content), "2026-Q4")
    assert "2026-Q3:company/customers" not in result.carried


def test_new_period_leaves_done_key_results_and_milestones_behind_and_resets_baselines(repo):
    repo.edit("periods/2026-Q3/support.yaml", "      - id: signed\n",
              "      - id: programs\n        title: Launch two programs\n        milestones:\n"
              "          - {title: Mentoring, done: true}\n"
              "          - {title: Conference budget, done: false}\n"
              "      - id: signed\n")
    new_period(Settings(repo.content), "2026-Q4")
    support = load(repo, "periods/2026-Q4/support.yaml")
    faster, secret = support["objectives"]
    # csat (91 >= 90 every day) is done; first-response ended at 20: its new baseline
    assert [k["id"] for k in faster["key_results"]] == ["first-response"]
    assert faster["key_results"][0]["baseline"] == 20
    programs = secret["key_results"][0]
    assert programs["milestones"] == [{"title": "Conference budget", "done": False}]


def test_new_period_drops_an_alignment_with_a_comment_and_its_output_passes_check_strict(repo):
    repo.edit("periods/2026-Q3/company.yaml", "          - {date: 2026-07-31, value: 38}\n",
              "          - {date: 2026-07-31, value: 38}\n"
              "          - {date: 2026-09-30, value: 45}\n")  # company/customers finished
    repo.edit("periods/2026-Q3/support.yaml", "          - {date: 2026-07-31, value: 91}\n",
              "          - {date: 2026-07-31, value: 89}\n")  # csat not done: two KRs stay
    new_period(Settings(repo.content), "2026-Q4")
    text = (repo.content / "periods/2026-Q4/support.yaml").read_text()
    assert ("  # aligns_to company/customers was dropped: it is not in 2026-Q4 (the 2026-Q3 "
            "objective was finished or is not carried). Align to a 2026-Q4 objective.\n"
            "  - id: answer-faster\n") in text
    found = [x for x in check(repo.content, date(2026, 9, 30)) if "2026-Q4" in x.file]
    assert found == []  # no error and no warning: --strict passes


def test_new_period_run_twice_says_nothing_was_written(repo, capsys):
    assert main(["new-period", "2026-Q4", str(repo.content)]) == 0
    capsys.readouterr()
    assert main(["new-period", "2026-Q4", str(repo.content)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "nothing written: every file of 2026-Q4 already exists"
