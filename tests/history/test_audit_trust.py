"""What the audit page says about the history it is made from (issue 12): a commit
dated before its parent is flagged and still counts as after the close; commits after
the close without an amendment are flagged apart from amended ones; and a shallow
clone says that attribution is unknown, on the audit page and in `check --base`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers.checkkit import run_cli
from helpers.gitkit import GitRepo, needs_git, story
from helpers.pagetext import page_text

from okrsite.pipeline import run
from okrsite.render.history import history_pages
from okrsite.settings import Settings

pytestmark = needs_git
Q2 = "periods/2026-Q2/support.yaml"


def audit_text(content: Path, period: str = "2026-Q2") -> str:
    build = run(Settings(content, None))
    pages, _ = history_pages(build)
    page = next(p for p in pages if p.path == f"audit/{period}.md")
    return page_text(page.html)


def line_of(text: str, needle: str) -> str:
    """The one line of `text` with `needle`."""
    found = [line for line in text.splitlines() if needle in line]
    assert len(found) == 1, f"{needle!r} on {len(found)} lines of:\n{text}"
    return found[0]


def commit_line(text: str, sha: str) -> str:
    """The line of a commit in the list of changes."""
    found = [line for line in text.splitlines() if line.startswith("- ") and (
        f" · {sha[:10]} · " in line or line.endswith(f" · {sha[:10]}"))]
    assert len(found) == 1, f"commit {sha[:10]} on {len(found)} lines of:\n{text}"
    return found[0]


def test_a_commit_dated_before_its_parent_is_flagged_and_counts_after_the_close(
        tmp_path: Path):
    repo, shas = story(tmp_path / "repo")
    repo.edit(Q2, "{date: 2026-06-30, value: 24}", "{date: 2026-06-30, value: 23}")
    # Dated 2026-07-01, before Q2's close (07-05), on top of the 2026-08-11 commit.
    back = repo.commit("Quietly improve the Q2 figure", "2026-07-01")
    text = audit_text(repo.content)
    assert commit_line(text, back) == (
        f"- 2026-07-01 · Ana Gomez · Quietly improve the Q2 figure · {back[:10]} · after "
        "close, no amendment · dated before its parent (2026-08-11): date not trustworthy")
    assert "\nDates not trustworthy | 1 commit dated before a commit it follows\n" in text
    # The commits it follows are not flagged, and the site's as-of does not go back.
    assert "trustworthy" not in commit_line(text, shas["amend"])
    assert run(Settings(repo.content, None)).require_as_of().date.isoformat() == "2026-08-11"


def test_a_commit_after_a_backdated_one_is_flagged_before_an_earlier_commit(tmp_path: Path):
    repo, _ = story(tmp_path / "repo")
    repo.edit(Q2, "{date: 2026-06-30, value: 24}", "{date: 2026-06-30, value: 23}")
    repo.commit("Backdated", "2026-07-01")
    repo.edit(Q2, "{date: 2026-06-30, value: 23}", "{date: 2026-06-30, value: 22}")
    second = repo.commit("After the backdated one", "2026-07-02")  # later than its parent
    assert commit_line(audit_text(repo.content), second).endswith(
        "after close, no amendment · dated before an earlier commit (2026-08-11): date "
        "not trustworthy")


def test_commits_after_the_close_without_an_amendment_are_flagged_apart(tmp_path: Path):
    repo, shas = story(tmp_path / "repo")
    repo.edit(Q2, "title: Clear the backlog", "title: Clear the whole backlog")
    late = repo.commit("Retitle a Q2 key result", "2026-08-12")
    text = audit_text(repo.content)
    assert "\nCommits after the close | 3 commits: 1 without an amendment, 2 amended\n" in text
    assert commit_line(text, late).endswith(" · after close, no amendment")
    assert commit_line(text, shas["closed-edit"]).endswith(
        " · after close, amended (2026-08-11, Dave Diaz)")
    assert commit_line(text, shas["amend"]).endswith(
        " · after close: adds the amendment of 2026-08-11 by Dave Diaz")


def shallow_clone(full: GitRepo, into: Path, depth: int) -> Path:
    subprocess.run(["git", "clone", "-q", "--depth", str(depth), f"file://{full.root}",
                    str(into)], check=True, capture_output=True)
    return into / "content"


def test_a_shallow_clone_says_attribution_is_unknown_on_the_audit_page(tmp_path: Path):
    full, shas = story(tmp_path / "full")
    content = shallow_clone(full, tmp_path / "clone", 3)  # from the 2026-08-06 commit
    text = audit_text(content)
    assert ("\nAttribution | unknown before 2026-08-06: this is a shallow clone; who made the "
            "earlier changes, and when, is not in it (build from a full clone: fetch-depth: "
            "0)\n") in text
    # The oldest commit of the clone holds what was there already: it is not a change
    # after the close made by its author.
    assert f" · {shas['evil'][:10]} ·" not in text
    assert line_of(text, "Attribution unknown before 2026-08-06:").startswith(
        f"Attribution unknown before 2026-08-06: this is a shallow clone, and its history "
        f"starts at commit {shas['evil'][:10]}.")
    assert "Mallory" not in text
    assert "\nCommits after the close | 2 commits: 0 without an amendment, 2 amended\n" in text
    # Full history: the page lists the commits back to the first, and says nothing of
    # attribution.
    whole = audit_text(full.content)
    assert "Attribution" not in whole
    assert commit_line(whole, shas["initial"]).startswith("- 2026-06-01 · Ana Gomez · ")


def test_check_base_in_a_shallow_clone_says_attribution_is_unknown(tmp_path: Path):
    full, _ = story(tmp_path / "full")
    content = shallow_clone(full, tmp_path / "clone", 1)
    args = ("check", str(content), "--base", "HEAD", "--as-of", "2026-08-20")
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "No problems found.\n"
    assert done.stderr == (
        "okrsite: note: this is a shallow clone: attribution unknown. --base compares HEAD "
        "with the working tree; which commits made the changes, and who, is not in this "
        "clone (fetch the whole history: fetch-depth: 0).\n")
    whole = run_cli("check", str(full.content), "--base", "HEAD", "--as-of", "2026-08-20",
                    cwd=tmp_path)
    assert (whole.returncode, whole.stderr) == (0, "")


@pytest.mark.parametrize("depth", [1, 3])
def test_a_shallow_clone_never_attributes_an_amendment_to_its_oldest_commit(
        tmp_path: Path, depth: int):
    full, shas = story(tmp_path / "full")
    text = audit_text(shallow_clone(full, tmp_path / "clone", depth))
    made = line_of(text, "The June first-response figure was 24h, not 25h. |")
    expected = ("attribution unknown: shallow clone" if depth == 1
                else f"{shas['amend'][:10]} 2026-08-11 Dave Diaz")
    assert made.endswith(f"| {expected}")
