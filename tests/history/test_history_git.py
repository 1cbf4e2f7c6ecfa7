"""The history engine on real repositories: one log pass, blobs parsed once, renames,
restricted items, no git, shallow clones; and the history pages' text."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from helpers.gitkit import EVIL_SUBJECT, GitRepo, base_files, needs_git, story
from helpers.pagetext import page_text

from okrsite.history import git as hgit
from okrsite.history import read_history
from okrsite.history.git import LogStats
from okrsite.render.history import (
    changes_page,
    esc,
    unit_period_history,
)

pytestmark = needs_git


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, dict[str, str]]:
    return story(tmp_path_factory.mktemp("story") / "repo")


def text(body: str) -> str:
    return page_text(body)


def test_entries_newest_first_with_authors_dates_and_subjects(told):
    repo, shas = told
    h = read_history(repo.content)
    assert h.available and not h.shallow and h.head == shas["amend"]
    subjects = [e.subject for e in h.entries]
    assert subjects[:3] == ["Record the Q2 amendment", "Fix the Q2 first-response figure",
                            EVIL_SUBJECT]
    ease = next(e for e in h.entries if e.commit.sha == shas["ease"])
    assert (ease.commit.author, ease.commit.date.isoformat()) == ("Carol Chen", "2026-08-03")
    (change,) = ease.changes
    assert (change.kind, change.field, change.old, change.new, change.eased) == (
        "kr_changed", "target", 12, 15, True)
    assert h.oldest.isoformat() == "2026-06-01"


def test_one_log_call_one_blob_process_and_each_blob_parsed_once(told, monkeypatch, tmp_path):
    repo, _ = told
    calls: list[tuple[str, ...]] = []
    real_run = hgit.run_git

    def counting(cwd, *args, check=True):
        calls.append(args)
        return real_run(cwd, *args, check=check)

    starts: list[int] = []
    real_start = hgit.BlobReader._start

    def counting_start(self):
        if self._proc is None:
            starts.append(1)
        return real_start(self)

    monkeypatch.setattr(hgit, "run_git", counting)
    monkeypatch.setattr(hgit.BlobReader, "_start", counting_start)
    stats = LogStats()
    read_history(repo.content, cache_dir=tmp_path / "cache", stats=stats)
    # One log of the content's commits with their files, and one of every commit's
    # dates and parents only (okrsite.history.git.date_order): never a log per file.
    logs = [a for a in calls if a[0] == "log"]
    assert len(logs) == 2 and sum("--raw" in a for a in logs) == 1
    assert len(starts) == 1
    blobs = repo.git("log", "--format=", "--raw", "--no-abbrev", "--", "content").split("\n")
    distinct = {sha for line in blobs if line.startswith(":")
                for sha in line.split()[2:4] if set(sha) != {"0"}}
    assert stats.parsed == len(distinct)
    # Warm: the per-commit changes come from the cache, no blob is read or parsed.
    starts.clear()
    warm = LogStats()
    again = read_history(repo.content, cache_dir=tmp_path / "cache", stats=warm)
    assert warm.parsed == 0 and warm.cached_commits == warm.commits == 8
    assert not starts
    assert [e.commit.sha for e in again.entries] == [
        e.commit.sha for e in read_history(repo.content).entries]


def test_the_parse_cache_serves_a_new_commit_from_known_blobs(told, tmp_path):
    src, _ = told
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(src.root), str(clone)], check=True)
    cache = tmp_path / "cache"
    read_history(clone / "content", cache_dir=cache)
    repo = GitRepo.__new__(GitRepo)
    repo.root, repo.content = clone, clone / "content"
    repo.edit("periods/2026-Q3/company.yaml", "value: 38}", "value: 39}")
    repo.commit("NPS correction", "2026-08-12")
    stats = LogStats()
    h = read_history(clone / "content", cache_dir=cache, stats=stats)
    assert stats.parsed == 1  # only the new blob; its old version is in the parse cache
    assert stats.cached_commits == 8
    assert h.entries[0].changes[0].kind == "check_in_edited"


def _clone(src: GitRepo, where) -> GitRepo:
    subprocess.run(["git", "clone", "-q", str(src.root), str(where)], check=True)
    repo = GitRepo.__new__(GitRepo)
    repo.root, repo.content = where, where / "content"
    return repo


def _shown(h) -> list[object]:
    """Everything a history shows and withholds, commit by commit."""
    return [h.head, h.renames, h.marks, h.oldest,
            [(e.commit, e.changes, e.hidden, e.subject) for e in h.entries]]


def test_only_commits_newer_than_the_cached_head_are_read(told, tmp_path, monkeypatch):
    """A CI build with a kept cache dir: the log is read from the cached head on, and
    the history is the one a full read gives."""
    repo = _clone(told[0], tmp_path / "clone")
    cache = tmp_path / "cache"
    read_history(repo.content, cache_dir=cache)
    repo.edit("periods/2026-Q3/company.yaml", "value: 38}", "value: 39}")
    repo.commit("NPS correction", "2026-08-12")
    repo.edit("periods/2026-Q3/support.yaml", "        target: 15\n", "        target: 14\n")
    repo.commit("Tighten first response", "2026-08-13")
    calls: list[tuple[str, ...]] = []
    real_run = hgit.run_git

    def counting(cwd, *args, check=True):
        calls.append(args)
        return real_run(cwd, *args, check=check)

    monkeypatch.setattr(hgit, "run_git", counting)
    stats = LogStats()
    h = read_history(repo.content, cache_dir=cache, stats=stats)
    assert (stats.log, stats.log_read_commits, stats.cached_commits) == ("incremental", 2, 8)
    ranges = [a for a in calls if a[0] == "log" and "--raw" in a]  # the content's log
    assert len(ranges) == 1 and any(".." in a for a in ranges[0])
    monkeypatch.undo()
    assert _shown(h) == _shown(read_history(repo.content))
    # At the same head again: no `git log` at all.
    monkeypatch.setattr(hgit, "run_git", counting)
    calls.clear()
    again = LogStats()
    assert _shown(read_history(repo.content, cache_dir=cache, stats=again)) == _shown(h)
    assert again.log == "cached" and not [a for a in calls if a[0] == "log" and "--raw" in a]


def test_a_clone_at_another_path_takes_the_kept_history(told, tmp_path):
    """A CI runner that checks out somewhere else each run: the kept log and
    changes are keyed by the content's folder inside the repository, not its path."""
    first = _clone(told[0], tmp_path / "runner-1" / "clone")
    cache = tmp_path / "cache"
    read_history(first.content, cache_dir=cache)
    other = _clone(told[0], tmp_path / "workspace-2" / "clone")
    stats = LogStats()
    h = read_history(other.content, cache_dir=cache, stats=stats)
    assert stats.log == "cached" and stats.cached_commits > 0
    assert _shown(h) == _shown(read_history(other.content))


def test_a_rewritten_history_is_read_in_full(told, tmp_path):
    """Force-push, rebase: the cached head is no ancestor of HEAD any more; its commits
    must not linger."""
    repo = _clone(told[0], tmp_path / "clone")
    cache = tmp_path / "cache"
    before = read_history(repo.content, cache_dir=cache)
    repo.git("reset", "-q", "--hard", "HEAD~2")
    repo.edit("periods/2026-Q3/company.yaml", "value: 38}", "value: 37}")
    repo.commit("Another NPS figure", "2026-08-12")
    stats = LogStats()
    h = read_history(repo.content, cache_dir=cache, stats=stats)
    assert stats.log == "full"
    assert _shown(h) == _shown(read_history(repo.content))
    gone = {e.commit.sha for e in before.entries[:2]}
    assert not gone & {e.commit.sha for e in h.entries}


def test_merges_on_top_of_the_cached_head_give_the_full_log(told, tmp_path):
    """A merged branch's commits interleave with older ones by date in git's order:
    the incremental read keeps git's order."""
    repo = _clone(told[0], tmp_path / "clone")
    cache = tmp_path / "cache"
    read_history(repo.content, cache_dir=cache)
    repo.git("checkout", "-q", "-b", "side", "HEAD~3")
    repo.edit("periods/2026-Q3/company.yaml", "Customers love us", "Customers adore us")
    repo.commit("Side: reword", "2026-08-07")
    repo.git("checkout", "-q", "main")
    repo.edit("periods/2026-Q3/company.yaml", "value: 38}", "value: 39}")
    repo.commit("Main: NPS", "2026-08-12")
    repo.git("-c", "user.name=M", "-c", "user.email=m@example.com", "merge", "-q",
             "--no-ff", "-X", "theirs", "-m", "Merge side", "side")
    stats = LogStats()
    h = read_history(repo.content, cache_dir=cache, stats=stats)
    full = read_history(repo.content)
    assert _shown(h) == _shown(full)
    assert stats.log == "incremental"
    subjects = [e.commit.subject for e in full.entries]
    # Interleaved by date with the commits before the cached head, not listed first.
    assert subjects.index("Fix the Q2 first-response figure") < subjects.index(
        "Side: reword") < subjects.index(EVIL_SUBJECT)


def test_renames_are_followed(told):
    repo, _shas = told
    h = read_history(repo.content)
    assert h.renames == {"periods/2026-Q3/sales.yaml": "periods/2026-Q3/revenue.yaml"}
    md = text(unit_period_history(h, "2026-Q3", "revenue"))
    assert "file renamed: periods/2026-Q3/sales.yaml -> periods/2026-Q3/revenue.yaml" in md
    assert "objective grow added: “Grow new business”" in md  # made before the rename
    assert md.index("Rename sales to revenue") < md.index("grow added")


def test_restricted_items_never_leak(told):
    repo, shas = told
    h = read_history(repo.content)
    page = text(changes_page(h).html)
    for secret in ("Initech", "secret-project", "pipeline-secret", "55M", "raise the bid"):
        assert secret not in page
    assert shas["secret"][:10] not in page  # a commit only about restricted items is left out
    first = next(e for e in h.entries if e.commit.sha == shas["initial"])
    assert first.subject is None and first.withheld == 2
    assert "subject not shown" in page and "2 changes to restricted items not shown" in page
    # The unit log counts only its own withheld changes.
    support = text(unit_period_history(h, "2026-Q3", "support"))
    assert "1 change to restricted items not shown" in support
    assert "Initech" not in support
    inside = read_history(repo.content, include_restricted=True)
    page = text(changes_page(inside).html)
    assert "Initech: raise the bid to 55M" in page
    assert "bid renamed: “Keep the bid at or below 40M” -> “Keep the bid at or below 55M”" \
        in page


def test_git_and_yaml_strings_are_escaped(told):
    repo, _ = told
    h = read_history(repo.content)
    raw = changes_page(h).html
    assert "<script" not in raw and "<img" not in raw
    assert "](javascript" not in raw and "*pwned*" not in raw and ":smile:" not in raw
    assert "Customers *really*" not in raw
    assert EVIL_SUBJECT in text(raw)  # shown, as text
    assert esc("a|b\n<c> :x: @y") == "a&#124;b &lt;c&gt; &#58;x&#58; &#64;y"


def test_pages_text(told):
    repo, shas = told
    h = read_history(repo.content)
    page = changes_page(h)
    assert (page.path, page.title, page.in_nav) == ("changes.md", "Recent changes", True)
    md = text(page.html)
    assert (f"- 2026-08-03 · Carol Chen · Ease the first-response target · "
            f"{shas['ease'][:10]}") in md
    assert ("  - 2026-Q3 support/answer-faster/first-response target 12 -> 15 (eased) — "
            "goalpost moved, eased") in md
    assert "<strong>goalpost moved, eased</strong>" in page.html
    assert ("2026-Q2 support/answer-faster-q2/first-response check-in 2026-06-30 value "
            "25 -> 24 — past entry rewritten") in md
    assert "<strong>past entry rewritten</strong>" in page.html
    assert "History back to the first commit (2026-06-01)." in md
    section = unit_period_history(h, "2026-Q3", "support")
    assert section.startswith('<h2 id="change-log">Change log</h2>\n')
    assert "first-response target 12 -> 15 (eased)" in text(section)
    assert "2026-Q2" not in section  # another period of the same unit


def test_without_git_history_says_why(tmp_path, monkeypatch):
    plain = tmp_path / "content"
    plain.mkdir()
    h = read_history(plain)
    assert not h.available and "not in a git repository" in h.reason
    assert "History is not available" in text(changes_page(h).html)
    assert "not in a git repository" in text(unit_period_history(h, "2026-Q3", "x"))
    monkeypatch.setattr(hgit.shutil, "which", lambda name: None)
    h = read_history(plain)
    assert (h.available, h.reason) == (False, "git is not installed")
    assert read_history(plain, enabled=False).reason == "history is turned off in the settings"


def test_repository_without_commits(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    h = read_history(repo.content)
    assert not h.available and "no commits" in h.reason


def test_shallow_clone_says_how_far_back_it_sees(told, tmp_path):
    src, _shas = told
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "3", f"file://{src.root}", str(clone)],
                   check=True)
    h = read_history(clone / "content")
    assert h.shallow and len(h.entries) == 3
    assert h.entries[-1].boundary
    assert h.oldest.isoformat() == "2026-08-06"
    assert "shallow clone: history is shown back to 2026-08-06 only" in h.horizon
    md = text(changes_page(h).html)
    assert "history starts here (shallow clone)" in md
    assert "fetch-depth: 0" in md


def test_unreadable_versions_are_reported_not_fatal(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    repo.commit("Initial", "2026-06-01")
    repo.write("periods/2026-Q3/sales.yaml", "objectives: [unclosed\n")
    repo.commit("Broken", "2026-07-02")
    h = read_history(repo.content)
    assert h.entries[0].changes[0].kind == "file_unreadable"
    assert "not readable YAML at this version" in text(changes_page(h).html)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_blob_sha_matches_git(tmp_path):
    raw = b"version: 1\nkind: org\n"
    (tmp_path / "f").write_bytes(raw)
    out = subprocess.run(["git", "hash-object", str(tmp_path / "f")], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert hgit.blob_sha(raw) == out


def test_parallel_parsing_gives_the_same_history(told, monkeypatch, tmp_path):
    repo, _ = told
    monkeypatch.setattr(hgit, "PARALLEL_MIN", 1)
    serial = read_history(repo.content, workers=1)
    stats = LogStats()
    parallel = read_history(repo.content, cache_dir=tmp_path / "c", workers=2, stats=stats)
    assert stats.parsed > 0
    assert [(e.commit.sha, e.changes, e.hidden) for e in parallel.entries] == [
        (e.commit.sha, e.changes, e.hidden) for e in serial.entries]


def test_control_characters_in_authors_and_odd_bytes_in_subjects(tmp_path):
    """git accepts an author name with the log's old field separator (\\x1f) and other
    controls, and a subject that is not UTF-8: the log still parses field by field."""
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    repo.commit("Initial", "2026-06-01")
    repo.edit("periods/2026-Q3/support.yaml", "target: 12", "target: 15")
    author = "Eve\x1f2026-01-01T00:00:00+00:00\x1fx\x1e\x01\x07 Tab\there"
    email = "e\x1fve@example.com"
    subject = "Ease\x1f the \xff\xfe target\x1e \x1b[31m red \x7f".encode("latin-1")
    (tmp_path / "msg").write_bytes(subject + b"\n\nbody\x1fline\n")
    stamp = "2026-08-03T10:00:00+00:00"
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-gpg-sign", "-F", str(tmp_path / "msg"),
             env={"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
                  "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_NAME": "C",
                  "GIT_COMMITTER_EMAIL": "c@example.com", "GIT_COMMITTER_DATE": stamp})
    h = read_history(repo.content)
    newest = h.entries[0]
    assert (newest.commit.author, newest.commit.email) == (author, email)
    assert newest.commit.date.isoformat() == "2026-08-03"
    assert newest.commit.subject.startswith("Ease\x1f the ")
    assert newest.commit.subject.endswith("target\x1e \x1b[31m red \x7f")
    (change,) = newest.changes
    assert (change.kind, change.field, change.old, change.new) == ("kr_changed", "target",
                                                                   12, 15)
    md = text(changes_page(h).html)
    assert "2026-08-03 · Eve2026-01-01T00:00:00+00:00x Tab here · Ease the " in md
    assert "\x1f" not in md and "\x1b" not in md



def test_a_damaged_history_cache_is_read_again_from_git(told, tmp_path):
    """The log and the per-commit changes kept in cache_dir, cut short or with a byte
    changed: both are read from git again, and the history is the one without a cache."""
    repo, _ = told
    cache = tmp_path / "cache"
    clean = read_history(repo.content)
    read_history(repo.content, cache_dir=cache)
    kept = sorted(p for p in cache.rglob("*.bin") if p.parent.name.startswith("history-"))
    assert [p.name.endswith(".log.bin") for p in kept] == [False, True]
    for damage in (lambda raw: raw[: len(raw) // 2],
                   lambda raw: raw[:200] + bytes([raw[200] ^ 1]) + raw[201:]):
        for file in kept:
            file.write_bytes(damage(file.read_bytes()))
        stats = LogStats()
        again = read_history(repo.content, cache_dir=cache, stats=stats)
        assert (stats.log, stats.cached_commits) == ("full", 0)
        assert [(e.commit.sha, e.changes) for e in again.entries] == [
            (e.commit.sha, e.changes) for e in clean.entries]
        warm = LogStats()
        read_history(repo.content, cache_dir=cache, stats=warm)  # stored whole again
        assert (warm.log, warm.cached_commits) == ("cached", warm.commits)


def test_a_file_name_that_is_not_utf8_is_shown_with_its_bytes_escaped(tmp_path):
    """git keeps file names as bytes: one committed from a Latin-1 system (`caf\\xe9`)
    is shown as `caf\\xe9`, and the changes page can be written (it could not)."""
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    repo.commit("Start", "2026-06-01")
    latin1 = repo.content / os.fsdecode(b"periods/2026-Q3/caf\xe9.yaml")
    latin1.write_text((repo.content / "periods/2026-Q3/sales.yaml").read_text())
    repo.commit("Add a file by mistake", "2026-07-01")
    latin1.unlink()
    repo.commit("Remove it", "2026-07-02")
    page = changes_page(read_history(repo.content)).html
    page.encode("utf-8")  # no lone surrogate in what is written
    assert "caf\\xe9.yaml" in text(page)
