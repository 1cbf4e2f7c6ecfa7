"""Honest time (issue 12, section 5): a period's state follows its dates, `done_on`
dates milestones and binary key results, the as-of from git never goes back in time,
and two entries on one date are an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers.checkkit import ROOT, Repo, assert_one, codes, valid_repo

from okrsite.asof import resolve_as_of

Q1 = "periods/2026-Q1"
SALES = f"{Q1}/sales.yaml"
COMPANY = f"{Q1}/company.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


def score_json(root: Path, *args: str) -> dict[str, dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "okrsite.cli", "score", str(root),
                           "--format", "json", "--no-cache", *args],
                          capture_output=True, text=True, cwd=root.parent, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return {i["ref"]: i for i in json.loads(done.stdout)["items"]}


def test_a_closed_period_as_of_a_day_inside_it_is_in_progress(repo):
    # 2026-Q1 is `state: closed`, closed on 2026-04-05: on 2026-02-20 it was running.
    during = score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-02-20")
    assert during["2026-Q1:company/q1-grow/deals"]["status"] == "on_track"
    assert during["2026-Q1:sales/win"]["status"] == "on_track"
    assert not {i["status"] for i in during.values()} & {"achieved", "missed"}
    after = score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-06-30")
    assert after["2026-Q1:company/q1-grow/deals"]["status"] == "missed"


def test_an_active_period_is_planned_before_it_starts(repo):
    repo.write({f"{Q1}/period.yaml": {"version": 1, "kind": "period", "id": "2026-Q1",
                                      "state": "active"}})
    before = score_json(repo.root, "--period", "2026-Q1", "--as-of", "2025-12-15")
    assert {i["status"] for i in before.values() if i["level"] != "kpi"} == {"planned"}


def test_closed_periods_are_scored_as_of_their_close(repo):
    repo.doc(f"{Q1}/period.yaml")["amendments"] = []
    repo.save(f"{Q1}/period.yaml")
    # A check-in dated after the close (inside the closing days) is not used...
    repo.doc(COMPANY)["objectives"][0]["key_results"][0]["check_ins"].append(
        {"date": "2026-04-08", "value": 9})
    repo.save(COMPANY)
    items = score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-06-30")
    assert items["2026-Q1:company/q1-grow/deals"]["score"] == 0.4
    assert "as of 2026-04-05" in items["2026-Q1:company/q1-grow/deals"]["explanation"]
    # ...until an amendment dated after it re-scores the period as of that day.
    assert score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-04-09")[
        "2026-Q1:company/q1-grow/deals"]["score"] == 0.4
    period = repo.doc(f"{Q1}/period.yaml")
    period["amendments"].append({"date": "2026-04-12", "by": "Ada Lovelace",
                                 "reason": "Late Q1 deal count."})
    repo.save(f"{Q1}/period.yaml")
    assert score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-06-30")[
        "2026-Q1:company/q1-grow/deals"]["score"] == 0.9


def test_done_on_dates_a_binary_key_result_and_a_milestone(repo):
    kr = repo.doc(COMPANY)["objectives"][0]["key_results"][1]
    kr["done_on"] = "2026-03-10"
    repo.save(COMPANY)
    steps = repo.doc(SALES)["objectives"][0]["key_results"][1]["milestones"]
    steps[0]["done_on"] = "2026-02-01"
    repo.save(SALES)
    assert repo.check() == []
    early = score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-01-20")
    assert early["2026-Q1:company/q1-grow/hire"]["score"] == 0
    assert early["2026-Q1:sales/win/playbook"]["score"] == 0
    mid = score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-02-20")
    assert mid["2026-Q1:company/q1-grow/hire"]["score"] == 0
    assert mid["2026-Q1:sales/win/playbook"]["score"] == 0.3333
    late = score_json(repo.root, "--period", "2026-Q1", "--as-of", "2026-03-10")
    assert late["2026-Q1:company/q1-grow/hire"]["score"] == 1


def test_done_on_outside_the_period_is_an_error(repo):
    kr = repo.doc(COMPANY)["objectives"][0]["key_results"][1]
    kr["done_on"] = "2026-05-01"
    repo.save(COMPANY)
    d = assert_one(repo, repo.check(), "OKR215", COMPANY, repo.line(COMPANY, "- id: hire"))
    assert "done on 2026-05-01" in d.message


def test_done_on_must_be_a_date(repo):
    repo.doc(COMPANY)["objectives"][0]["key_results"][1]["done_on"] = "2026-02-30"
    repo.save(COMPANY)
    assert codes(repo.check()) == ["OKR220"]


def test_two_check_ins_on_one_date_are_an_error(repo):
    check_ins = repo.doc(SALES)["objectives"][0]["key_results"][0]["check_ins"]
    check_ins.append({"date": "2026-01-31", "value": 20})
    repo.save(SALES)
    d = assert_one(repo, repo.check(), "OKR222", SALES,
                   *repo.pos(SALES, "date: '2026-01-31'", 2))
    assert "two check-ins dated 2026-01-31" in d.message and "win-rate" in d.message


def test_two_measurements_on_one_date_are_an_error(repo):
    repo.doc("kpis/nps.yaml")["measurements"].insert(0, {"date": "2026-01-31", "value": 45})
    repo.save("kpis/nps.yaml")
    d = assert_one(repo, repo.check(), "OKR222", "kpis/nps.yaml",
                   *repo.pos("kpis/nps.yaml", "date: '2026-01-31'", 2))
    assert "two measurements dated 2026-01-31" in d.message


def git(cwd: Path, *args: str, when: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_a_backdated_head_does_not_move_the_as_of_back(tmp_path: Path):
    content = tmp_path / "content"
    valid_repo(content)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "November", when="2026-11-20T09:00:00+00:00")
    (content / "notes.md").write_text("later\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "backdated", when="2026-10-04T09:00:00+00:00")
    assert resolve_as_of(None, content, {}).date == date(2026, 11, 20)
