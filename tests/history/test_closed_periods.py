"""Closed periods are frozen and provable (issue 12): `okrsite close` writes a final
record, `okrsite check` (no --base, no git) and `okrsite verify` fail on every change
that alters it, and `okrsite amend` records such a change."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.checkkit import ROOT, Repo

ORG = {"version": 1, "kind": "org", "name": "Acme", "units": [
    {"id": "company", "name": "Acme", "lead": "Ada Lovelace"},
    {"id": "support", "name": "Support", "parent": "company", "lead": "Pat Helper"}]}
NPS = {"version": 1, "kind": "kpi", "id": "nps", "name": "NPS", "owner": "support",
       "measurements": [{"date": "2026-05-31", "value": 40}, {"date": "2026-07-31", "value": 43},
                        {"date": "2026-08-31", "value": 45}]}
COMPANY = {"version": 1, "kind": "okrs", "unit": "company", "period": "2026-Q3", "objectives": [
    {"id": "grow", "title": "Grow", "owner": "Ada Lovelace", "type": "committed",
     "retrospective": "Deals came late.",
     "key_results": [
         {"id": "nps", "title": "NPS to 50", "kpi": "nps", "target": 50},
         {"id": "deals", "title": "Close 10 deals", "baseline": 0, "target": 10,
          "reason": "Board asked for 10.",
          "check_ins": [{"date": "2026-08-15", "value": 4}, {"date": "2026-09-20", "value": 7}]},
         {"id": "launch", "title": "Launch", "done": True, "done_on": "2026-09-01"}]}]}
SUPPORT = {"version": 1, "kind": "okrs", "unit": "support", "period": "2026-Q3", "objectives": [
    {"id": "fast", "title": "Answer fast", "owner": "Pat Helper", "aligns_to": "company/grow",
     "key_results": [
         {"id": "response", "title": "Response 24h to 12h", "baseline": 24, "target": 12,
          "check_ins": [{"date": "2026-09-30", "value": 18}]},
         {"id": "docs", "title": "Docs", "milestones": [{"title": "A", "done": True},
                                                         {"title": "B"}]},
         {"id": "csat", "title": "CSAT at 90", "target": 90, "direction": "at_least",
          "check_ins": [{"date": "2026-08-31", "value": 91}]}]}]}
Q4 = {"version": 1, "kind": "okrs", "unit": "company", "period": "2026-Q4", "objectives": [
    {"id": "more", "title": "More", "owner": "Ada Lovelace", "key_results": [
        {"id": "deals", "title": "Deals", "baseline": 0, "target": 5,
         "check_ins": [{"date": "2026-10-20", "value": 1}]},
        {"id": "nps", "title": "NPS", "kpi": "nps", "target": 55}]}]}
FILES = {"org.yaml": ORG, "kpis/nps.yaml": NPS, "periods/2026-Q3/company.yaml": COMPANY,
         "periods/2026-Q3/support.yaml": SUPPORT, "periods/2026-Q4/company.yaml": Q4}
Q3 = "periods/2026-Q3/period.yaml"


def okrsite(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "okrsite.cli", *args], capture_output=True,
                          text=True, cwd=root, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "OKRSITE_NO_CACHE": "1",
                               "GIT_CEILING_DIRECTORIES": str(root.parent)})


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose Q3 was closed with `okrsite close` (kept pristine: copy it)."""
    root = tmp_path_factory.mktemp("closed")
    Repo(root / "content", copy.deepcopy(FILES))
    ok(okrsite(root, "close", "2026-Q3", "content", "--on", "2026-10-06", "--by", "Ada"))
    return root


@pytest.fixture
def repo(closed: Path, tmp_path: Path) -> Repo:
    import shutil

    shutil.copytree(closed / "content", tmp_path / "content")
    r = Repo(tmp_path / "content")
    r.docs = copy.deepcopy(FILES)
    return r


def check(repo: Repo) -> subprocess.CompletedProcess[str]:
    return okrsite(repo.root.parent, "check", "content", "--as-of", "2026-11-15")


def verify(repo: Repo) -> subprocess.CompletedProcess[str]:
    return okrsite(repo.root.parent, "verify", "--content-dir", "content")


def amend(repo: Repo, reason: str) -> subprocess.CompletedProcess[str]:
    return okrsite(repo.root.parent, "amend", "2026-Q3", "content", "--by", "Ada",
                   "--reason", reason, "--on", "2026-10-20")


def test_close_writes_the_final_record(closed: Path):
    text = (closed / "content" / Q3).read_text()
    assert "state: closed\nclosed_on: 2026-10-06\nclosed_by: Ada\nfinal:" in text
    # NPS: baseline 40 (May, the last value before Q3), 45 in August: 5 of 10 points.
    assert "- {ref: company/grow/nps, title: NPS to 50, score: 0.5, status: missed" in text
    assert "- {ref: company/grow/deals, title: Close 10 deals, score: 0.7, status: missed" in text
    assert "- {ref: company/grow/launch, title: Launch, score: 1.0, status: achieved" in text
    out = ok(verify(Repo(closed / "content")))
    assert out.startswith("2026-Q3: ok, as of 2026-10-06, digest ")
    assert ok(okrsite(closed, "check", "content", "--as-of", "2026-11-15")) == \
        "No problems found.\n"


def _tamper_kpi_inside(repo: Repo) -> str:
    repo.doc("kpis/nps.yaml")["measurements"].append({"date": "2026-09-30", "value": 48})
    repo.save("kpis/nps.yaml")
    return "key result company/grow/nps scored 0.50 (missed) at close, 0.80 (missed) now"


def _tamper_kpi_before(repo: Repo) -> str:
    repo.doc("kpis/nps.yaml")["measurements"].insert(1, {"date": "2026-06-30", "value": 42})
    repo.save("kpis/nps.yaml")
    return "key result company/grow/nps scored 0.50 (missed) at close, 0.38 (missed) now"


def _move_closed_on(repo: Repo) -> None:
    """period.yaml's closed_on (not the record's, indented under final:)."""
    text = repo.text(Q3)
    assert "\nclosed_on: 2026-10-06\n" in text
    repo.write({Q3: text.replace("\nclosed_on: 2026-10-06\n", "\nclosed_on: 2026-10-09\n")})


def _tamper_closed_on(repo: Repo) -> str:
    _move_closed_on(repo)
    return "closed_on was 2026-10-06 when the record was written, 2026-10-09 now"


def _tamper_deleted_kr(repo: Repo) -> str:
    del repo.doc("periods/2026-Q3/support.yaml")["objectives"][0]["key_results"][1]
    repo.save("periods/2026-Q3/support.yaml")
    return "key result support/fast/docs ('Docs') was removed; at close it scored 0.50 (missed)"


def _tamper_goalpost(repo: Repo) -> str:
    # Moved again under the reason it already had.
    repo.doc("periods/2026-Q3/company.yaml")["objectives"][0]["key_results"][1]["target"] = 8
    repo.save("periods/2026-Q3/company.yaml")
    return "key result company/grow/deals scored 0.70 (missed) at close, 0.88 (missed) now"


TAMPERS = {"kpi-inside": _tamper_kpi_inside, "kpi-baseline": _tamper_kpi_before,
           "closed-on": _tamper_closed_on, "deleted-kr": _tamper_deleted_kr,
           "goalpost": _tamper_goalpost}


@pytest.mark.parametrize("case", list(TAMPERS))
def test_each_tamper_fails_check_and_verify_until_amended(repo: Repo, case: str):
    said = TAMPERS[case](repo)
    done = check(repo)
    assert done.returncode == 1, done.stdout
    assert "OKR401" in done.stdout and said in done.stdout
    done = verify(repo)
    assert done.returncode == 1 and "2026-Q3: DIFFERS from its final record" in done.stdout
    assert said in done.stdout
    ok(amend(repo, f"Correction ({case})."))
    assert ok(check(repo)) == "No problems found.\n"
    assert "2026-Q3: ok" in ok(verify(repo))


def test_a_second_check_in_on_a_date_fails_check_and_verify(repo: Repo):
    kr = repo.doc("periods/2026-Q3/company.yaml")["objectives"][0]["key_results"][1]
    kr["check_ins"].append({"date": "2026-09-20", "value": 9})
    repo.save("periods/2026-Q3/company.yaml")
    assert check(repo).returncode == 1 and "OKR222" in check(repo).stdout
    done = verify(repo)
    assert done.returncode == 1 and "OKR222" in done.stderr
    # Not something an amendment makes right: amend refuses and writes nothing.
    before = repo.text(Q3)
    done = amend(repo, "Two values.")
    assert done.returncode == 2 and "OKR222" in done.stderr and repo.text(Q3) == before


def test_amend_keeps_the_figures_at_close(repo: Repo):
    _tamper_kpi_inside(repo)
    ok(amend(repo, "September NPS arrived late."))
    text = repo.text(Q3)
    assert "- date: 2026-10-20\n  by: Ada\n  reason: September NPS arrived late.\n" in text
    assert "at_close:" in text
    assert "- {ref: company/grow/nps, title: NPS to 50, score: 0.5, status: missed}" in \
        text.split("at_close:")[1]
    # A second amendment cannot reuse the reason of the first.
    done = amend(repo, "September NPS arrived late.")
    assert done.returncode == 2 and repo.text(Q3) == text


def test_a_period_can_be_amended_twice(repo: Repo):
    """The first amendment writes the list as YAML does, dashes at the key's column;
    the second adds to it."""
    ok(amend(repo, "First correction."))
    ok(amend(repo, "Second correction."))
    text = repo.text(Q3)
    assert "amendments:\n- date: 2026-10-20\n  by: Ada\n  reason: First correction.\n" \
        "- date: 2026-10-20\n  by: Ada\n  reason: Second correction.\nfinal:" in text
    assert ok(check(repo)) == "No problems found.\n"


def test_a_hand_edited_record_is_an_error(repo: Repo):
    repo.write({Q3: repo.text(Q3).replace("score: 0.5, status: missed",
                                          "score: 0.8, status: missed", 1)})
    done = check(repo)
    assert done.returncode == 1 and "OKR404" in done.stdout


def test_close_refuses_without_writing(repo: Repo):
    before = repo.text(Q3)
    done = okrsite(repo.root.parent, "close", "2026-Q3", "content", "--on", "2026-10-07",
                   "--by", "Ada")
    assert done.returncode == 2 and "has its final record" in done.stderr
    assert repo.text(Q3) == before
    done = okrsite(repo.root.parent, "close", "2026-Q4", "content", "--on", "2026-12-01",
                   "--by", "Ada")
    assert done.returncode == 2 and "before its last day" in done.stderr
    assert not (repo.root / "periods/2026-Q4/period.yaml").exists()


def _digest(repo: Repo, as_of: str) -> tuple[str, str]:
    out = ok(verify(repo))
    export = repo.root.parent / "export"
    ok(okrsite(repo.root.parent, "export", "2026-Q3", "content", "--as-of", as_of,
               "--out", str(export)))
    manifest: dict[str, Any] = json.loads((export / "manifest.json").read_text())
    return out.split("digest ")[1].strip(), manifest["digest"]


def test_digest_is_the_same_after_unrelated_changes_and_for_any_later_as_of(repo: Repo):
    first = _digest(repo, "2026-11-01")
    assert _digest(repo, "2027-03-01") == first
    repo.doc("periods/2026-Q4/company.yaml")["objectives"][0]["key_results"][0][
        "check_ins"].append({"date": "2026-11-10", "value": 2})
    repo.save("periods/2026-Q4/company.yaml")
    repo.doc("org.yaml")["units"].append({"id": "sales", "name": "Sales", "parent": "company"})
    repo.save("org.yaml")
    # A measurement after Q3's close (even inside its closing days) is no input of it.
    repo.doc("kpis/nps.yaml")["measurements"] += [{"date": "2026-10-10", "value": 49},
                                                  {"date": "2026-11-30", "value": 50}]
    repo.save("kpis/nps.yaml")
    assert _digest(repo, "2026-12-15") == first


def test_check_ins_csv_holds_every_value_the_scores_used(repo: Repo):
    export = repo.root.parent / "export"
    ok(okrsite(repo.root.parent, "export", "2026-Q3", "content", "--as-of", "2026-11-15",
               "--out", str(export)))
    rows = (export / "check-ins.csv").read_text().splitlines()
    nps = [r for r in rows if ",nps," in r]
    assert nps == ["2026-Q3,company,grow,nps,2026-05-31,40,,,kpi:nps baseline",
                   "2026-Q3,company,grow,nps,2026-07-31,43,,,kpi:nps",
                   "2026-Q3,company,grow,nps,2026-08-31,45,,,kpi:nps"]


def test_audit_page_shows_figures_at_close_and_after_amendment(repo: Repo):
    from datetime import date

    from helpers.pagetext import page_text

    from okrsite.pipeline import run
    from okrsite.render.history import audit_page
    from okrsite.settings import Settings

    _tamper_kpi_inside(repo)
    ok(amend(repo, "September NPS arrived late."))
    build = run(Settings(repo.root, date(2026, 11, 15), history=False))
    lines = page_text(audit_page(build.audits["2026-Q3"]).html).splitlines()
    assert "Unit | Objective / key result | At close | After amendment | Now | Status" in lines
    # grow: (0.5 + 0.7 + 1) / 3 at close; NPS 0.8 after the amendment: (0.8 + 0.7 + 1) / 3
    assert "Acme company | Grow grow · committed | 73% | 83% | 83% | ✗ missed" in lines
    assert " | ↳ NPS to 50 nps | 50% | 80% | 80% | ✗ missed" in lines
    assert " | ↳ Close 10 deals deals | 70% | 70% | 70% | ✗ missed" in lines


def test_one_change_to_two_closed_periods_is_amended_one_period_at_a_time(repo: Repo):
    """A change that alters two closed periods (or an okrsite upgrade that changes a
    scorer, which alters them all) is amended period by period: the other period's
    pending OKR401 does not stop the first amendment."""
    ok(okrsite(repo.root.parent, "close", "2026-Q4", "content", "--on", "2027-01-05",
               "--by", "Ada"))
    # Inside Q3's window, and Q4's baseline: the last NPS value before Q4 starts.
    nps = copy.deepcopy(repo.docs["kpis/nps.yaml"])
    nps["measurements"].append({"date": "2026-09-15", "value": 47})
    repo.write({"kpis/nps.yaml": nps})
    assert check(repo).returncode == 1
    ok(amend(repo, "NPS survey of September counted late."))
    done = check(repo)
    assert done.returncode == 1 and "closed period 2026-Q4" in done.stdout
    assert "closed period 2026-Q3" not in done.stdout
    ok(okrsite(repo.root.parent, "amend", "2026-Q4", "content", "--by", "Ada", "--reason",
               "Q4's NPS baseline follows the late September survey.", "--on", "2027-01-10"))
    assert ok(check(repo)) == "No problems found.\n"


def test_a_closed_periods_pages_show_the_org_as_it_was_at_close(repo: Repo):
    """A unit renamed and moved after Q3 closed keeps its name and parent at close on
    Q3's pages (from the final record, without git); Q4, still open, shows it as it is
    now; and the rename and move need no amendment."""
    from datetime import date

    from helpers.pagetext import page_text

    from okrsite.pipeline import run
    from okrsite.render import render_outputs
    from okrsite.render.common import cascade_page, period_page, unit_period_page
    from okrsite.settings import Settings

    assert "parents: {company: null, support: company}" in repo.text(Q3)
    org = repo.doc("org.yaml")
    org["units"][1].update(name="Customer Care", parent="ops")
    org["units"].append({"id": "ops", "name": "Operations", "parent": "company"})
    q4 = repo.doc("periods/2026-Q4/company.yaml")
    repo.write({"periods/2026-Q4/support.yaml": {
        "version": 1, "kind": "okrs", "unit": "support", "period": "2026-Q4",
        "objectives": [{**copy.deepcopy(q4["objectives"][0]), "id": "care",
                        "title": "Care", "owner": "Pat Helper", "aligns_to": "company/more"}]}})
    repo.save("org.yaml")
    assert ok(check(repo)) == "No problems found.\n"
    pages, _ = render_outputs(run(Settings(repo.root, date(2026, 11, 15))))
    text = {p.path: page_text(p.html) for p in pages}
    q3 = text[period_page("2026-Q3")].splitlines()
    # The period's unit card: its name, then "part of PARENT · lead ..."
    card = q3.index("Support")
    assert q3[card + 1] == "part of Acme · lead Pat Helper", q3
    assert text[unit_period_page("2026-Q3", "support")].startswith("Support · 2026-Q3\n")
    assert "2026-Q3 › Acme › Support · Customer Care in every period" in \
        text[unit_period_page("2026-Q3", "support")]
    assert "2026-Q3 · Support: Answer fast" in text[cascade_page("2026-Q3")]
    assert any(line.startswith("Support support | Answer fast fast · ")
               for line in text["audit/2026-Q3.md"].splitlines())
    q4_lines = text[period_page("2026-Q4")].splitlines()
    card = q4_lines.index("Customer Care")
    assert q4_lines[card + 1] == "part of Operations · lead Pat Helper", q4_lines



def test_a_moved_closed_on_fails_check_and_verify_under_a_later_amendment(repo: Repo):
    """The record is as of the latest amendment, so moving closed_on leaves its as-of
    alone: the record keeps closed_on itself, and check names the closed_on line."""
    ok(amend(repo, "Reviewed after the close: nothing changed."))
    assert "  as_of: 2026-10-20\n  closed_on: 2026-10-06\n" in repo.text(Q3)
    _move_closed_on(repo)
    line = repo.line(Q3, "closed_on: 2026-10-09")
    said = "closed_on was 2026-10-06 when the record was written, 2026-10-09 now"
    done = check(repo)
    assert done.returncode == 1, done.stdout
    assert done.stdout.startswith(f"content/{Q3}:{line}:1: error OKR401: closed period "
                                  f"2026-Q3 no longer gives its final record: {said}\n")
    done = verify(repo)
    assert done.returncode == 1 and "2026-Q3: DIFFERS from its final record" in done.stdout
    assert f"    {said}\n" in done.stdout
    ok(okrsite(repo.root.parent, "amend", "2026-Q3", "content", "--by", "Ada", "--reason",
               "The review was on 9 October, not 6 October.", "--on", "2026-10-21"))
    assert "  as_of: 2026-10-21\n  closed_on: 2026-10-09\n" in repo.text(Q3)
    assert ok(check(repo)) == "No problems found.\n"
    assert ok(verify(repo)).startswith("2026-Q3: ok, as of 2026-10-21, digest ")


# Written by `okrsite close 2026-Q3 --on 2026-10-06 --by Ada` of okrsite before final
# records kept `parents:` and `closed_on:` (commit 2c61e87), for the content in FILES.
OLD_RECORD = """\
version: 1
kind: period
id: "2026-Q3"
state: closed
closed_on: 2026-10-06
closed_by: Ada
final:  # written by okrsite close and amend; do not edit
  as_of: 2026-10-06
  digest: 0a55ebcdd769fd8acf46e99a9993f1fea2a81af248dfe284c1f32df0980306cb
  scorers: {binary: '1', linear: '1', milestones: '1', threshold: '2'}
  units: {company: Acme, support: Support}
  items:
  - {ref: company/grow, title: Grow, score: 0.7333, status: missed, inputs: 8b6cbf6c8cb580a1}
  - {ref: company/grow/nps, title: NPS to 50, score: 0.5, status: missed, inputs: 8c3758dc293c7ec7}
  - {ref: company/grow/deals, title: Close 10 deals, score: 0.7, status: missed, inputs: 79a30310ce11a2f6}
  - {ref: company/grow/launch, title: Launch, score: 1.0, status: achieved, inputs: 5abdee87157a1f02}
  - {ref: support/fast, title: Answer fast, score: 0.6667, status: missed, inputs: 9cdb8960c3e5771d}
  - {ref: support/fast/response, title: Response 24h to 12h, score: 0.5, status: missed, inputs: be78157c5ba95d9a}
  - {ref: support/fast/docs, title: Docs, score: 0.5, status: missed, inputs: 6c6fb71ab5ba8d60}
  - {ref: support/fast/csat, title: CSAT at 90, score: 1.0, status: achieved, inputs: 0da993fc46caa29d}
"""  # noqa: E501


def test_an_older_record_verifies_and_an_amendment_pins_its_closed_on(repo: Repo):
    """A record without closed_on and parents still verifies; it cannot see a moved
    closed_on (its as-of does, when no amendment is later). Amending it adds both."""
    repo.write({Q3: OLD_RECORD})
    assert ok(check(repo)) == "No problems found.\n"
    assert ok(verify(repo)) == ("2026-Q3: ok, as of 2026-10-06, digest "
                                "0a55ebcdd769fd8acf46e99a9993f1fea2a81af248dfe284c1f32df0980306cb\n")
    ok(amend(repo, "okrsite now keeps closed_on and the org at close in the record."))
    text = repo.text(Q3)
    assert "  as_of: 2026-10-20\n  closed_on: 2026-10-06\n" in text
    assert "  units: {company: Acme, support: Support}\n" \
        "  parents: {company: null, support: company}\n" in text
    # No figure changed; the digest at close stays on record.
    assert text.endswith("  at_close:\n    digest: 0a55ebcdd769fd8acf46e99a9993f1fea2a81af248d"
                         "fe284c1f32df0980306cb\n    items: []\n")
    assert ok(verify(repo)).startswith("2026-Q3: ok, as of 2026-10-20, digest ")
    _move_closed_on(repo)
    done = check(repo)
    assert done.returncode == 1
    assert "closed_on was 2026-10-06 when the record was written, 2026-10-09 now" in done.stdout
