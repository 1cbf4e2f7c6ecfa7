"""`okrsite diff` and `okrsite check --base`: the PR tooling's commands, end to end."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import yaml
from helpers.gitkit import GitRepo, base_files, needs_git

from okrsite.cli import main

pytestmark = needs_git
AS_OF = "2026-08-15"  # Q2 closed (period.yaml), Q3 active


@pytest.fixture
def repo(tmp_path, monkeypatch) -> GitRepo:
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    r = GitRepo(tmp_path / "repo")
    base_files(r)
    r.commit("Initial OKRs", "2026-06-01")
    return r


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def check(capsys, repo: GitRepo, *extra: str) -> tuple[int, str]:
    return run(capsys, "check", str(repo.content), "--as-of", AS_OF, "--base", "HEAD", *extra)


# -- check --base ------------------------------------------------------------------------------


def test_clean_change_passes(capsys, repo):
    repo.edit("periods/2026-Q3/support.yaml",
              "          - {date: 2026-07-15, value: 20, confidence: 0.7}\n",
              "          - {date: 2026-07-15, value: 20, confidence: 0.7}\n"
              "          - {date: 2026-08-14, value: 16}\n")
    assert check(capsys, repo) == (0, "No problems found.\n")


def test_closed_period_edit_without_amendment_fails(capsys, repo):
    repo.edit("periods/2026-Q2/company.yaml", "Customers love us", "Customers adore us")
    code, out = check(capsys, repo)
    assert code == 1
    assert ("company.yaml:6:5: error OKR401: periods/2026-Q2/company.yaml changes closed "
            "period 2026-Q2 (company/customers renamed: “Customers love us” -> “Customers "
            "adore us”) but periods/2026-Q2/period.yaml gets no new amendment") in out


def test_closed_period_edit_with_amendment_passes(capsys, repo):
    repo.edit("periods/2026-Q2/support.yaml", "{date: 2026-06-30, value: 25}",
              "{date: 2026-06-30, value: 24}")
    code, out = check(capsys, repo)
    assert code == 1 and "OKR401" in out and "OKR403" in out
    repo.edit("periods/2026-Q2/period.yaml", "closed_on: 2026-07-05\n",
              "closed_on: 2026-07-05\namendments:\n  - date: 2026-08-11\n    by: Dave Diaz\n"
              "    reason: The June figure was 24h.\n")
    assert check(capsys, repo) == (0, "No problems found.\n")


def test_kpi_measurement_inside_a_closed_period_needs_an_amendment(capsys, repo):
    repo.edit("kpis/frt.yaml", "{date: 2026-06-30, value: 20}", "{date: 2026-06-30, value: 21}")
    code, out = check(capsys, repo)
    assert code == 1
    assert "frt.yaml" in out and "changes closed period 2026-Q2" in out and "OKR403" in out


def test_eased_goalpost_in_an_active_period_warns_unless_explained(capsys, repo):
    repo.edit("periods/2026-Q3/support.yaml", "        target: 12\n", "        target: 15\n")
    code, out = check(capsys, repo)
    assert code == 0
    assert ("support.yaml:16:9: warning OKR402: 2026-Q3 support/answer-faster/first-response "
            "target 12 -> 15 (eased) after 2026-Q3 started (2026-07-01) without `reason:`"
            ) in out
    assert check(capsys, repo, "--strict")[0] == 1
    code, out = check(capsys, repo, "--format", "github")
    assert out.startswith("::warning file=") and "OKR402" in out
    repo.edit("periods/2026-Q3/support.yaml", "        target: 15\n",
              "        target: 15\n        reason: The new tooling slipped to Q4.\n")
    assert check(capsys, repo, "--strict") == (0, "No problems found.\n")


def test_a_reused_reason_does_not_explain_a_second_move(capsys, repo):
    repo.edit("periods/2026-Q3/support.yaml", "        target: 12\n",
              "        target: 15\n        reason: The new tooling slipped to Q4.\n")
    repo.commit("First move", "2026-08-05")
    repo.edit("periods/2026-Q3/support.yaml", "        target: 15\n", "        target: 18\n")
    code, out = check(capsys, repo)
    assert code == 0
    assert ("warning OKR402: 2026-Q3 support/answer-faster/first-response target 15 -> 18 "
            "(eased) after 2026-Q3 started (2026-07-01) under the `reason:` it already had"
            ) in out
    repo.edit("periods/2026-Q3/support.yaml", "slipped to Q4.", "slipped again, vendor late.")
    code, out = check(capsys, repo, "--strict")
    assert (code, out) == (0, "No problems found.\n"), out


def test_a_carried_reason_does_not_explain_a_move(capsys, repo):
    repo.edit("periods/2026-Q2/support.yaml", "        target: 24\n",
              "        target: 24\n        reason: Old reason.\n")
    repo.edit("periods/2026-Q2/period.yaml", "closed_on: 2026-07-05\n",
              "closed_on: 2026-07-05\namendments:\n  - date: 2026-08-01\n    by: Dave Diaz\n"
              "    reason: Reason recorded late.\n")
    q3 = (repo.content / "periods/2026-Q3/support.yaml").read_text()
    repo.write("periods/2026-Q3/support.yaml", q3.replace(
        "  - id: answer-faster\n", "  - id: answer-faster\n"
        "    carried_from: 2026-Q2:support/answer-faster-q2\n", 1).replace(
        "      - id: first-response\n", "      - id: first-response\n"
        "        reason: Old reason.\n", 1).replace("        target: 12\n", "        target: 15\n"))
    assert check(capsys, repo)[0] == 0
    _, out = check(capsys, repo)
    assert "under the `reason:` of the key result it was carried from" in out, out


def test_editing_closed_on_or_the_final_record_is_a_change_to_the_closed_period(capsys, repo):
    repo.edit("periods/2026-Q2/period.yaml", "closed_on: 2026-07-05\n",
              "closed_on: 2026-07-09\n")
    code, out = check(capsys, repo)
    assert code == 1 and "OKR401" in out and "closed_on" in out


def test_a_removed_key_result_is_a_goalpost_change(capsys, repo):
    text = (repo.content / "periods/2026-Q3/support.yaml").read_text()
    start = text.index("      - id: first-response\n")
    end = text.index("      - id:", start + 10)
    repo.write("periods/2026-Q3/support.yaml", text[:start] + text[end:])
    code, out = run(capsys, "diff", "HEAD", "--content-dir", str(repo.content), "--as-of",
                    AS_OF, "--format", "text")
    assert code == 0
    line = next(x for x in out.splitlines() if "first-response" in x)
    assert "removed" in line and "goalpost" in line, out


def test_rewritten_past_check_in_fails(capsys, repo):
    repo.edit("periods/2026-Q3/support.yaml", "{date: 2026-07-15, value: 20, confidence: 0.7}",
              "{date: 2026-07-15, value: 18, confidence: 0.7}")
    code, out = check(capsys, repo)
    assert code == 1
    assert ("error OKR403: 2026-Q3 support/answer-faster/first-response check-in 2026-07-15 "
            "value 20 -> 18: a past entry was rewritten") in out
    repo.edit("periods/2026-Q3/support.yaml", "          - {date: 2026-07-15, value: 18, "
              "confidence: 0.7}\n", "")
    code, out = check(capsys, repo)
    assert code == 1 and "check-in 2026-07-15 removed (was 20)" in out


def test_planning_period_changes_are_free(capsys, repo):
    repo.write("periods/2026-Q4/period.yaml", "version: 1\nkind: period\nid: 2026-Q4\n"
               "state: planning\n")
    repo.write("periods/2026-Q4/sales.yaml", "version: 1\nkind: okrs\nunit: sales\n"
               "period: 2026-Q4\nobjectives:\n  - id: grow\n    title: Grow\n    owner: Sam\n"
               "    key_results:\n      - {id: a, title: A, baseline: 1, target: 2}\n"
               "      - {id: b, title: B, baseline: 1, target: 2}\n")
    repo.commit("Plan Q4", "2026-08-01")
    repo.edit("periods/2026-Q4/sales.yaml", "baseline: 1, target: 2}\n      - {id: b",
              "baseline: 1, target: 1.5}\n      - {id: b")
    code, out = check(capsys, repo)
    assert code == 0 and "OKR402" not in out


def test_unknown_base_is_a_usage_error(capsys, repo):
    code, out = run(capsys, "check", str(repo.content), "--as-of", AS_OF, "--base", "nope")
    assert code == 2 and "unknown revision 'nope'" in out
    code, out = run(capsys, "check", str(repo.content), "--as-of", AS_OF,
                    "--base=--output=/tmp/x")
    assert code == 2 and "not a revision" in out


# -- diff -----------------------------------------------------------------------------------------


def _pr(repo: GitRepo) -> None:
    repo.edit("periods/2026-Q3/support.yaml", "        target: 12\n", "        target: 15\n")
    repo.edit("periods/2026-Q3/support.yaml",
              "          - {date: 2026-07-15, value: 20, confidence: 0.7}\n",
              "          - {date: 2026-07-15, value: 20, confidence: 0.7}\n"
              "          - {date: 2026-08-14, value: 16}\n")
    repo.edit("periods/2026-Q3/support.yaml", "Keep the bid at or below 40M",
              "Keep the bid at or below 55M")
    repo.edit("kpis/frt.yaml", "  - {date: 2026-07-31, value: 18}\n",
              "  - {date: 2026-07-31, value: 18}\n  - {date: 2026-08-14, value: 16}\n")


def test_diff_markdown_grouped_with_score_impact(capsys, repo):
    _pr(repo)
    code, out = run(capsys, "diff", "HEAD", "--content-dir", str(repo.content), "--as-of",
                    AS_OF)
    assert code == 0
    text = html.unescape(out)
    assert text.startswith("## OKR changes: HEAD → working tree\n\n3 changes, 1 goalpost "
                           "(1 eased); 1 change to restricted items not shown. Scores as "
                           "of 2026-08-15.\n")
    assert text.index("### 2026-Q3 · support") < text.index("### KPIs")
    assert ("| support/answer-faster “Answer customers faster” | 0.67 | 0.94 ▲ |") in text
    assert ("- answer-faster/first-response target 12 -> 15 (eased) — **goalpost moved, "
            "eased**") in text
    assert "- answer-faster/first-response check-in 2026-08-14 added: 16" in text
    assert "- KPI frt measurement 2026-08-14 added: 16" in text
    assert "Initech" not in text and "55M" not in text and "secret" not in text
    assert "<" not in out.replace("<!--", "")


def test_diff_json_and_between_two_revisions(capsys, repo):
    _pr(repo)
    repo.commit("PR", "2026-08-14")
    code, out = run(capsys, "diff", "HEAD~1", "HEAD", "--content-dir", str(repo.content),
                    "--as-of", AS_OF, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["head"]["rev"] == "HEAD" and len(data["head"]["sha"]) == 40
    assert data["withheld"] == 1
    assert [c["kind"] for c in data["changes"]] == [
        "measurement_added", "kr_changed", "check_in_added"]
    target = data["changes"][1]
    assert (target["field"], target["old"], target["new"], target["eased"]) == (
        "target", 12, 15, True)
    assert data["scores"] == [{"ref": "2026-Q3:support/answer-faster", "before": 0.6667,
                               "after": 0.9444}]
    code, out = run(capsys, "diff", "HEAD~1", "HEAD", "--content-dir", str(repo.content),
                    "--as-of", AS_OF, "--include-restricted", "--format", "json")
    assert any("55M" in json.dumps(c) for c in json.loads(out)["changes"])


def test_diff_without_changes(capsys, repo):
    code, out = run(capsys, "diff", "HEAD", "--content-dir", str(repo.content), "--as-of",
                    AS_OF)
    assert code == 0 and "No changes to OKRs or KPIs." in out


# -- the shipped PR tooling ------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
ALLOWED_ACTIONS = {"actions/checkout", "actions/setup-python", "actions/upload-pages-artifact",
                   "actions/deploy-pages", "actions/upload-artifact",  # the full diff
                   "actions/cache", "actions/cache/restore"}  # okrsite's cache_dir


def test_workflow_uses_only_the_allowed_actions_and_our_commands():
    flow = yaml.safe_load((REPO / ".github/workflows/okrs.yml").read_text())
    steps = [s for job in flow["jobs"].values() for s in job.get("steps", [])]
    used = {s["uses"].split("@")[0] for s in steps if "uses" in s}
    assert used == ALLOWED_ACTIONS
    runs = "\n".join(s.get("run", "") for s in steps)
    assert 'okrsite check --strict --base "$BASE" --format github' in runs
    assert 'okrsite diff "$BASE"' in runs and "gh pr comment" in runs
    assert "mkdocs build" in runs
    assert "${{" not in runs  # untrusted values reach scripts only through env
    assert flow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True


def test_pre_commit_hook():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook == {**hook, "id": "okrsite-check", "entry": "okrsite check",
                    "language": "python", "files": r"\.ya?ml$", "pass_filenames": False}


def test_closing_a_period_after_its_end_needs_no_amendment(capsys, repo):
    # 2026-Q3 has no period.yaml; as of 2026-10-10 it is closed by its dates
    repo.write("periods/2026-Q3/period.yaml", "version: 1\nkind: period\nid: 2026-Q3\n"
               "state: closed\nclosed_on: 2026-10-05\n")
    code, out = run(capsys, "check", str(repo.content), "--as-of", "2026-10-10", "--base",
                    "HEAD")
    assert code == 0 and "OKR401" not in out


def test_diff_as_text_shows_the_text_itself(capsys, repo, monkeypatch):
    # In a terminal nothing renders Markdown: `HEAD&#126;1` and `-&gt;` would be noise.
    _pr(repo)
    repo.commit("PR", "2026-08-14")
    argv = ["diff", "HEAD~1", "HEAD", "--content-dir", str(repo.content), "--as-of", AS_OF]
    code, out = run(capsys, *argv, "--format", "text")
    assert code == 0
    assert out.startswith("## OKR changes: HEAD~1 → HEAD\n\n3 changes, 1 goalpost (1 eased); "
                          "1 change to restricted items not shown. Scores as of 2026-08-15.\n")
    assert ("- answer-faster/first-response target 12 -> 15 (eased) — goalpost moved, "
            "eased\n") in out
    assert "&" not in out and "**" not in out
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert run(capsys, *argv) == (0, out)  # the default in a terminal
    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    code, markdown = run(capsys, *argv)
    assert "HEAD&#126;1" in markdown and "**goalpost moved, eased**" in markdown
