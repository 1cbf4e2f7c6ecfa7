"""The as-of date: explicit, SOURCE_DATE_EPOCH, git, content; never the wall clock."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from helpers.gitkit import ORG, GitRepo, needs_git
from helpers.scoringkit import at, kr, make_content, nps, objective

from okrsite import asof
from okrsite.asof import AsOf, AsOfError, git_date, latest_content_date, resolve_as_of
from okrsite.model import Amendment, Period, PeriodState
from okrsite.periods import span

EPOCH_2026_11_15 = 1794700800  # 2026-11-15T00:00:00Z


@pytest.fixture
def no_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content dir git cannot see a repository from (even if tmp is inside one)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    content = tmp_path / "content"
    content.mkdir()
    return content


def git(cwd: Path, *args: str, when: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def sample_content():
    k = kr("a", baseline=0, target=10, check_ins=[("2026-10-15", 3), ("2026-11-02", 5)])
    content = make_content(objective("o", k), kpis=[nps(("2026-10-31", 40))])
    return content


# -- explicit -----------------------------------------------------------------------------


def test_explicit_date_wins(no_repo: Path):
    env = {"SOURCE_DATE_EPOCH": str(EPOCH_2026_11_15)}
    assert resolve_as_of(date(2026, 1, 2), no_repo, env) == AsOf(date(2026, 1, 2), "explicit")
    assert resolve_as_of("2026-01-02", no_repo, env) == AsOf(date(2026, 1, 2), "explicit")
    assert resolve_as_of(datetime(2026, 1, 2, 23, 59), no_repo, env).date == date(2026, 1, 2)


@pytest.mark.parametrize("text", ["20260102", "2026-1-2", "2026-02-30", "tomorrow",
                                  "2026-W01-1"])
def test_explicit_must_be_a_calendar_date(no_repo: Path, text: str):
    with pytest.raises(AsOfError):
        resolve_as_of(text, no_repo, {})


def test_explicit_is_not_parsed_lazily(no_repo: Path):
    def boom():
        raise AssertionError("content loaded although a date was given")

    assert resolve_as_of("2026-03-04", no_repo, {}, boom).source == "explicit"


# -- SOURCE_DATE_EPOCH --------------------------------------------------------------------


@pytest.mark.parametrize(("epoch", "day"), [
    (EPOCH_2026_11_15, date(2026, 11, 15)),
    (EPOCH_2026_11_15 + 86399, date(2026, 11, 15)),  # 23:59:59 UTC: still that day
    (EPOCH_2026_11_15 - 1, date(2026, 11, 14)),
    (0, date(1970, 1, 1)),
])
def test_source_date_epoch_is_a_utc_date(no_repo: Path, epoch: int, day: date,
                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: the local zone must not matter
    result = resolve_as_of(None, no_repo, {"SOURCE_DATE_EPOCH": str(epoch)})
    assert result == AsOf(day, "SOURCE_DATE_EPOCH")


def test_source_date_epoch_beats_git_and_content(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "content").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "content" / "org.yaml").write_text("x\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "c", when="2026-10-07T12:00:00+00:00")
    result = resolve_as_of(None, repo / "content", {"SOURCE_DATE_EPOCH": "1794700800"},
                           sample_content())
    assert result.source == "SOURCE_DATE_EPOCH"


@pytest.mark.parametrize("bad", ["yesterday", "1.5", "1e9"])
def test_malformed_source_date_epoch_is_an_error(no_repo: Path, bad: str):
    with pytest.raises(AsOfError, match="SOURCE_DATE_EPOCH"):
        resolve_as_of(None, no_repo, {"SOURCE_DATE_EPOCH": bad})


def test_empty_source_date_epoch_is_unset(no_repo: Path):
    assert resolve_as_of(None, no_repo, {"SOURCE_DATE_EPOCH": ""},
                         sample_content()).source == "content"


# -- git ----------------------------------------------------------------------------------


def test_latest_commit_touching_the_content_dir(tmp_path: Path):
    repo = tmp_path / "repo"
    content = repo / "content"
    content.mkdir(parents=True)
    git(repo, "init", "-q")
    (content / "org.yaml").write_text("one\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first", when="2026-10-01T09:00:00+00:00")
    (content / "org.yaml").write_text("two\n")
    git(repo, "commit", "-q", "-am", "second", when="2026-10-07T09:00:00+00:00")
    (repo / "README.md").write_text("elsewhere\n")  # a later commit outside content/
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "docs", when="2026-12-24T09:00:00+00:00")
    result = resolve_as_of(None, content, {}, sample_content())
    assert result == AsOf(date(2026, 10, 7), "git")


def test_repository_without_commits_falls_through(tmp_path: Path):
    git(tmp_path, "init", "-q")
    assert resolve_as_of(None, tmp_path, {}, sample_content()).source == "content"


def test_not_a_repository_falls_through(no_repo: Path):
    assert resolve_as_of(None, no_repo, {}, sample_content()).source == "content"


def test_no_git_installed_falls_through(no_repo: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert resolve_as_of(None, no_repo, {}, sample_content()).source == "content"


def test_missing_content_dir_falls_through(tmp_path: Path):
    result = resolve_as_of(None, tmp_path / "nope", {}, sample_content())
    assert result.source == "content"


# -- content ------------------------------------------------------------------------------


def test_latest_dated_entry_in_the_content(no_repo: Path):
    assert resolve_as_of(None, no_repo, {}, sample_content()) == AsOf(date(2026, 11, 2),
                                                                    "content")


def test_content_dates_include_measurements_closings_and_amendments():
    content = sample_content()
    assert latest_content_date(content) == date(2026, 11, 2)
    content.kpis["nps"].measurements.append(nps(("2026-11-30", 41)).measurements[0])
    assert latest_content_date(content) == date(2026, 11, 30)
    q3 = Period("2026-Q3", span("2026-Q3"), declared_state=PeriodState.CLOSED,
                closed_on=date(2026, 12, 5))
    content.periods["2026-Q3"] = q3
    assert latest_content_date(content) == date(2026, 12, 5)
    q3.amendments.append(Amendment(date(2027, 1, 9), "Morgan", "Restated churn."))
    assert latest_content_date(content) == date(2027, 1, 9)


def test_content_may_be_given_lazily(no_repo: Path):
    calls = []

    def load():
        calls.append(1)
        return make_content(objective("o", at(0.5, on=date(2026, 11, 20))))

    assert resolve_as_of(None, no_repo, {}, load) == AsOf(date(2026, 11, 20), "content")
    assert calls == [1]


def test_nothing_to_go_by_is_an_error(no_repo: Path):
    with pytest.raises(AsOfError, match="--as-of"):
        resolve_as_of(None, no_repo, {}, make_content())
    with pytest.raises(AsOfError):
        resolve_as_of(None, no_repo, {})


# -- never the wall clock -----------------------------------------------------------------

WALL_CLOCK = re.compile(r"\b(date\.today|datetime\.(now|utcnow|today)|time\.time|"
                        r"time\.localtime|time\.gmtime)\s*\(")


def test_scoring_and_as_of_never_read_the_clock():
    root = Path(asof.__file__).parent
    files = [root / "asof.py", *sorted((root / "scoring").glob("*.py"))]
    offenders = [f"{f.name}: {m.group(0)}" for f in files
                 for m in WALL_CLOCK.finditer(f.read_text())]
    assert offenders == []


@needs_git
def test_the_git_date_kept_in_the_cache_dir_follows_each_new_commit(tmp_path):
    """Kept by the commit checked out: a new commit (a later date, or a backdated one on
    top) gives its own answer; a shallow clone, whose history a fetch can deepen under
    the same sha, is never kept."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("org.yaml", ORG)
    repo.commit("one", "2026-03-01")
    cache = tmp_path / "cache"
    assert git_date(repo.content, cache) == date(2026, 3, 1)
    assert len(list((cache / "git-date").iterdir())) == 1
    assert git_date(repo.content, cache) == date(2026, 3, 1)
    repo.write("kpis/a.yaml", "version: 1\n")
    repo.commit("two", "2026-04-02")
    assert git_date(repo.content, cache) == date(2026, 4, 2)
    repo.write("kpis/b.yaml", "version: 1\n")
    repo.commit("backdated", "2026-01-05")
    assert git_date(repo.content, cache) == date(2026, 4, 2)
    assert len(list((cache / "git-date").iterdir())) == 3
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    assert git_date(clone / "content", cache) == date(2026, 1, 5)  # only the last commit
    assert len(list((cache / "git-date").iterdir())) == 3


@needs_git
def test_a_clone_at_another_path_takes_the_kept_git_date(tmp_path):
    """A CI runner's clone in its own workspace, cache_dir restored: the same commit
    and folder, so the same entry, not a new one."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("org.yaml", ORG)
    repo.commit("one", "2026-03-01")
    cache = tmp_path / "cache"
    assert git_date(repo.content, cache) == date(2026, 3, 1)
    clone = tmp_path / "builds" / "job-7"
    repo.git("clone", "-q", f"file://{repo.root}", str(clone))
    assert git_date(clone / "content", cache) == date(2026, 3, 1)
    assert len(list((cache / "git-date").iterdir())) == 1
    assert git_date(clone, cache) == date(2026, 3, 1)  # the whole repository: its own
    assert len(list((cache / "git-date").iterdir())) == 2
