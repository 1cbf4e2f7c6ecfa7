"""Reading a content directory's history from git: one `git log` pass, one blob reader.

- One `git log --raw -M -z -- <content>` call lists every commit that touched the
  content, with the blob shas of both sides of every file change (renames
  followed by `-M`), instead of a `git log --follow` per file (500x slower).
- Old file versions are read by blob sha through one long-lived
  `git cat-file --batch` process, parsed at most once per blob sha (the sha is the
  cache key, in memory and in the ParseCache directory when one is given) and
  dropped from memory as soon as no later commit needs them.
- The semantic changes of each commit depend only on that commit, so they are
  cached by commit sha: a new commit costs the diff of its own files.
- The log itself is kept in the cache dir with the head it was read at: at the same
  head no `git log` runs; when the cached head is an ancestor of HEAD (new commits
  on top: a CI run with a kept cache) only `git log <cached>..HEAD` is read; a
  rewritten history (force-push, rebase: the cached head is not an ancestor) and a
  shallow clone are read in full. Either way the log is the one a full read gives.

Nothing here raises for a missing git or a directory outside a repository: the
history then says it is not available and why. Git failures on a repository
that exists (an unknown revision) raise `GitError`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from okrsite.digest import code_version
from okrsite.errors import OkrsiteError
from okrsite.history.diff import diff_documents, unreadable
from okrsite.history.restrict import Mark, document_marks, entries_of
from okrsite.history.types import (
    FILE_RENAMED,
    Backdated,
    Change,
    Commit,
    History,
)
from okrsite.loader import ParseCache, expected_kind
from okrsite.output import drop_other_versions, read_sealed, write_sealed
from okrsite.yamlparse import Parsed, YamlError, parse

HISTORY_VERSION = "3"  # bump when the cached changes' shape or meaning changes
NULL_SHA = "0" * 40
_HEX = frozenset("0123456789abcdef")
GIT_TIMEOUT_S = 300
# Each commit: a marker token, then one NUL-terminated token per field. git prints no NUL
# inside a field (names and subjects are C strings to it), so no text can shift a field;
# other separators (\x1f) are legal in author names and subjects.
_HEADER = b"\x1e"
_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cI", "%s")
_FORMAT = "%x1e%x00" + "%x00".join(_FIELDS)
# Settings a user's config could set that would change what `git log` prints.
_CONFIG = ("-c", "log.follow=false", "-c", "log.showRoot=true", "-c", "log.showSignature=false",
           "-c", "core.quotePath=false", "-c", "i18n.logOutputEncoding=UTF-8",
           "-c", "diff.renameLimit=10000")


class GitError(OkrsiteError, RuntimeError):
    """git failed on a repository that exists (unknown revision, broken object)."""


@dataclass(frozen=True)
class Repo:
    root: Path  # the work tree's top level
    content_rel: str  # the content directory relative to it, posix; "" for the top level

    def to_content(self, repo_path: str) -> str | None:
        """A repository path as a content-relative one; None when outside the content."""
        if not self.content_rel:
            return repo_path
        prefix = self.content_rel + "/"
        return repo_path[len(prefix):] if repo_path.startswith(prefix) else None

    @property
    def pathspec(self) -> str:
        return self.content_rel or "."


@dataclass(frozen=True)
class RawChange:
    status: str  # A M D R T (the letter; R carries a score we drop)
    old_blob: str | None
    new_blob: str | None
    old_path: str | None  # content-relative
    path: str  # content-relative: the newer path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)  # the content directory decides which repository
    return env


def run_git(cwd: Path, *args: str, check: bool = True) -> bytes:
    try:
        done = subprocess.run(["git", *_CONFIG, *args], cwd=cwd, capture_output=True,
                              env=_env(), timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def find_repo(content_dir: Path) -> tuple[Repo | None, str]:
    """The repository holding a content directory, or None and the reason."""
    if shutil.which("git") is None:
        return None, "git is not installed"
    content_dir = content_dir.resolve()
    if not content_dir.is_dir():
        return None, f"{content_dir} is not a directory"
    try:
        out = run_git(content_dir, "rev-parse", "--show-toplevel", check=False)
    except GitError as exc:
        return None, str(exc)
    top = out.decode("utf-8", "surrogateescape").strip()
    if not top:
        return None, "the content directory is not in a git repository"
    root = Path(top).resolve()
    rel = content_dir.relative_to(root).as_posix()
    return Repo(root, "" if rel == "." else rel), ""


def check_rev(repo: Repo, rev: str) -> str:
    """The full commit sha of a revision. Raises GitError when it is not one."""
    if not rev or rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    out = run_git(repo.root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}",
                  check=False).decode().strip()
    if not out:
        raise GitError(f"unknown revision {rev!r} (in a shallow clone, fetch it first: "
                       "`git fetch --depth=1 origin <branch>`)")
    return out


def head_of(content_dir: Path) -> str | None:
    """The commit sha checked out for a content directory; None without one."""
    repo, _ = find_repo(content_dir)
    if repo is None:
        return None
    try:
        return check_rev(repo, "HEAD")
    except GitError:
        return None


def is_shallow(repo: Repo) -> bool:
    out = run_git(repo.root, "rev-parse", "--is-shallow-repository", check=False)
    return out.strip() == b"true"


def blob_sha(raw: bytes) -> str:
    """The git blob sha of some bytes (what `git hash-object` prints), without git."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


# -- the log ----------------------------------------------------------------------------------


Log = list[tuple[Commit, list[RawChange]]]
_LOG_ARGS = ("--no-abbrev", "-M", "-z", "--no-color")


def read_log(repo: Repo, rev: str = "HEAD") -> Log:
    """Every commit reachable from `rev` that touched the content, newest first."""
    sha = check_rev(repo, rev)
    out = run_git(repo.root, "log", f"--format={_FORMAT}", "--raw", *_LOG_ARGS, sha, "--",
                  repo.pathspec)
    return parse_log(out, repo)


def is_ancestor(repo: Repo, old: str, new: str) -> bool:
    """Whether commit `old` is reachable from `new` (False when `old` is gone)."""
    try:
        done = subprocess.run(["git", *_CONFIG, "merge-base", "--is-ancestor", old, new],
                              cwd=repo.root, capture_output=True, env=_env(),
                              timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def read_log_since(repo: Repo, head: str, cached: tuple[str, Log] | None,
                   stats: LogStats | None = None) -> Log:
    """The log up to `head` (a full sha), reading only the commits newer than a cached
    log's head when that head is an ancestor; the same list a full `read_log` gives."""
    log = None
    how = "full"
    if cached is not None and cached[0] == head:
        log, how = cached[1], "cached"
    elif cached is not None and is_ancestor(repo, cached[0], head):
        since, old = cached
        out = run_git(repo.root, "log", f"--format={_FORMAT}", "--raw", *_LOG_ARGS,
                      f"{since}..{head}", "--", repo.pathspec)
        new = parse_log(out, repo)
        merges = run_git(repo.root, "rev-list", "--min-parents=2", "--count",
                         f"{since}..{head}").strip()
        if merges == b"0":
            # A straight line of commits on top of the cached head: git lists them,
            # then exactly what it listed for that head.
            log, how = new + old, "incremental"
        else:
            # Merges: git's order interleaves both sides by date, and may simplify
            # away a side. Take its order (a cheap listing) and each commit's changes
            # from what is known; a commit never seen means a full read after all.
            listed = run_git(repo.root, "log", "--format=%H", *_LOG_ARGS, head, "--",
                             repo.pathspec).decode("ascii", "replace")
            order = [sha.strip() for sha in listed.split("\0") if sha.strip()]
            known = {c.sha: (c, raws) for c, raws in (*new, *old)}
            if all(sha in known for sha in order):
                log, how = [known[sha] for sha in order], "incremental"
        if log is not None and stats is not None:
            stats.log_read_commits = len(new)
    if log is None:
        log = read_log(repo, head)
        if stats is not None:
            stats.log_read_commits = len(log)
    if stats is not None:
        stats.log = how
    return log


def git_path(raw: bytes) -> str:
    """A path as git gives it (bytes): UTF-8, any other byte as `\\xNN`. Such a path
    names no content file (ids are ASCII) but is shown in the history, and a lone
    surrogate could not be written into a page."""
    return raw.decode("utf-8", "backslashreplace")


def parse_log(out: bytes, repo: Repo) -> Log:
    tokens = out.split(b"\0")
    commits: list[tuple[Commit, list[RawChange]]] = []
    i, n, width = 0, len(tokens), len(_FIELDS)
    while i < n:
        token = tokens[i].lstrip(b"\n")
        i += 1
        if token == _HEADER:
            fields = [t.decode("utf-8", "replace") for t in tokens[i:i + width]]
            i += width
            if len(fields) < width:
                raise GitError("git log ended in the middle of a commit")
            commits.append((Commit(fields[0], fields[1].split(), *fields[2:]), []))
        elif token.startswith(b":") and commits:
            meta = token[1:].decode("ascii", "replace").split(" ")
            status = meta[4][:1] if len(meta) > 4 else "M"
            paths = [git_path(tokens[i])]
            i += 1
            if status in ("R", "C"):
                paths.append(git_path(tokens[i]))
                i += 1
            new = repo.to_content(paths[-1])
            old = repo.to_content(paths[0])
            if new is None:
                continue
            if status == "C":
                status, old = "A", None
            old_blob = meta[2] if len(meta) > 2 and meta[2] != NULL_SHA else None
            new_blob = meta[3] if len(meta) > 3 and meta[3] != NULL_SHA else None
            commits[-1][1].append(RawChange(status, old_blob, new_blob,
                                            old if status == "R" else None, new))
    return commits


# -- blobs ----------------------------------------------------------------------------------


class BlobReader:
    """One `git cat-file --batch` process for the whole run; `read(sha)` -> bytes."""

    def __init__(self, repo_root: Path) -> None:
        self.repo_root = repo_root
        self._proc: subprocess.Popen[bytes] | None = None
        self.reads = 0

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._proc = subprocess.Popen(
                ["git", *_CONFIG, "cat-file", "--batch"], cwd=self.repo_root, env=_env(),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._proc

    def read(self, sha: str) -> bytes | None:
        """The blob's bytes, or None when the object is missing (a shallow or partial clone)."""
        proc = self._start()
        stdin, stdout = proc.stdin, proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(sha.encode("ascii") + b"\n")
            stdin.flush()
            header = stdout.readline().split()
        except (OSError, ValueError) as exc:
            raise GitError(f"git cat-file stopped: {exc}") from exc
        if len(header) < 3 or header[1] != b"blob":
            if len(header) == 3 and header[1] != b"missing":  # a tree or commit: skip it
                _read_exact(stdout, int(header[2]) + 1)
            return None
        data = _read_exact(stdout, int(header[2]) + 1)[:-1]
        self.reads += 1
        return data

    def close(self) -> None:
        if self._proc is not None:
            proc, self._proc = self._proc, None
            try:
                if proc.stdin:
                    proc.stdin.close()
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            finally:
                if proc.stdout:
                    proc.stdout.close()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            raise GitError("git cat-file ended early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


_UNREADABLE = object()


class BlobStore:
    """Parsed blobs by git blob sha: in memory, then the ParseCache (disk when it has a
    directory), then `git cat-file`. `parsed` counts actual parses (tests read it)."""

    def __init__(self, reader: BlobReader, cache: ParseCache | None = None) -> None:
        self.reader = reader
        self.cache = cache if cache is not None else ParseCache()
        self.failed: set[str] = set()
        self.parsed = 0

    def data(self, sha: str) -> Any:
        """The parsed data, or `_UNREADABLE` (not YAML, not a mapping, or missing)."""
        if sha in self.failed:
            return _UNREADABLE
        hit = self.cache.get(sha)
        if hit is not None:
            return hit.data
        raw = self.reader.read(sha)
        if raw is None:
            self.failed.add(sha)
            return _UNREADABLE
        try:
            parsed = parse(raw)
        except YamlError:
            self.failed.add(sha)
            return _UNREADABLE
        self.keep(sha, parsed)
        return parsed.data

    def keep(self, sha: str, parsed: Parsed) -> None:
        """Store a fresh parse: on disk with its positions, in memory without them (the
        diff needs none, and they are half of a parse's memory)."""
        self.parsed += 1
        self.cache.put(sha, parsed)
        self.cache.memory[sha] = Parsed(parsed.data, {})

    def forget(self, sha: str) -> None:
        """Drop a parse from memory (it stays on disk): no later commit needs it."""
        self.cache.memory.pop(sha, None)

    def release(self, sha: str) -> None:
        """Done with a blob for now: with a disk cache, memory need not hold it (a later
        commit reads it back, 10x faster than parsing); without one it must stay."""
        if self.cache.directory is not None:
            self.cache.memory.pop(sha, None)


def readable(value: Any) -> bool:
    return value is not _UNREADABLE


PARALLEL_MIN = 256  # blobs to parse before worker processes pay for their start
_CHUNK = 16


def _parse_many(raws: list[bytes | None]) -> list[tuple[Any, dict[str, Any]] | None]:
    """In a worker process: parse blobs; None for one that is missing or not YAML."""
    out: list[tuple[Any, dict[str, Any]] | None] = []
    for raw in raws:
        try:
            parsed = parse(raw) if raw is not None else None
        except YamlError:
            parsed = None
        out.append(None if parsed is None else (parsed.data, parsed.positions))
    return out


def _workers(requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    env = os.environ.get("OKRSITE_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    return min(os.cpu_count() or 1, 8)


class Prefetcher:
    """Parses blobs in worker processes ahead of the commit being diffed, in the order
    they will be needed, keeping a bounded number in flight (memory stays flat)."""

    def __init__(self, store: BlobStore, order: list[str], workers: int) -> None:
        import multiprocessing
        from collections import deque
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        # forkserver: safe when the caller has threads (mkdocs serve), cheap to start.
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                          else "spawn")
        self.store = store
        self.pool = ProcessPoolExecutor(workers, mp_context=ctx)
        self.chunks = iter([order[i:i + _CHUNK] for i in range(0, len(order), _CHUNK)])
        self.pending: Any = deque()
        self.ready: set[str] = set()
        self.planned = set(order)
        for _ in range(workers * 3):
            self._submit()

    def _submit(self) -> bool:
        chunk = next(self.chunks, None)
        if chunk is None:
            return False
        raws = [self.store.reader.read(sha) for sha in chunk]
        self.pending.append((chunk, self.pool.submit(_parse_many, raws)))
        return True

    def need(self, shas: Iterable[str | None]) -> None:
        """Block until these blobs are parsed (those not in the plan are left alone)."""
        for sha in shas:
            while sha in self.planned and sha not in self.ready and self.pending:
                chunk, future = self.pending.popleft()
                try:
                    results = future.result()
                except Exception:  # a worker died (killed, out of memory): go on serially
                    self.planned.clear()
                    self.pending.clear()
                    return
                for blob, result in zip(chunk, results, strict=True):
                    self.ready.add(blob)
                    if result is None:
                        self.store.failed.add(blob)
                    else:
                        self.store.keep(blob, Parsed(result[0], result[1]))
                self._submit()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _in_cache(cache: ParseCache, sha: str) -> bool:
    if sha in cache.memory:
        return True
    file = cache._file(sha)  # no public "has" in ParseCache yet
    return file is not None and file.exists()


# -- changes per commit -----------------------------------------------------------------------


def _relevant(raw: RawChange) -> bool:
    """A change to an okrsite document (other files in the content are site pages)."""
    return expected_kind(raw.path) is not None or (
        raw.old_path is not None and expected_kind(raw.old_path) is not None)


def commit_changes(raws: Sequence[RawChange], store: BlobStore,
                   uses: Counter[str] | None = None,
                   marks: set[Mark] | None = None) -> list[Change]:
    """The semantic changes of one commit's file changes. `uses` counts how often each
    blob is still needed; a blob whose count reaches 0 is dropped from memory. `marks`
    collects what both versions of each file restrict (history.restrict)."""
    out: list[Change] = []
    for raw in raws:
        if not _relevant(raw):
            continue
        old = store.data(raw.old_blob) if raw.old_blob and raw.status != "A" else None
        new = store.data(raw.new_blob) if raw.new_blob and raw.status != "D" else None
        if marks is not None:  # every version: an item restricted once stays withheld
            for rel, data in ((raw.old_path or raw.path, old), (raw.path, new)):
                if readable(data):
                    marks |= document_marks(rel, data)
        for sha in (raw.old_blob, raw.new_blob):
            if uses is not None and sha:
                uses[sha] -= 1
                if uses[sha] <= 0:
                    store.forget(sha)
                else:
                    store.release(sha)
        path = raw.path
        if not readable(old) or not readable(new):
            if raw.old_path and raw.old_path != path:
                out.append(Change(FILE_RENAMED, path, old=raw.old_path, new=path))
            out.append(unreadable(path))
            continue
        out += diff_documents(path, old, new, raw.old_path)
    return out


def _cache_file(cache_dir: Path | None, repo: Repo, suffix: str = ".bin") -> Path | None:
    if cache_dir is None:
        return None
    # The content's folder inside the repository, not its path: a clone elsewhere (a CI
    # runner's workspace) takes it. Commits are named by their sha, and the log is
    # checked against the kept head (another repository's is read in full).
    key = hashlib.sha256(f"{repo.content_rel}".encode()).hexdigest()[:24]
    folder = cache_dir / f"history-{HISTORY_VERSION}-{code_version()}"
    drop_other_versions(folder, "history-")  # what other code cached is never read
    return folder / f"{key}{suffix}"


def _load_log(file: Path | None) -> tuple[str, Log] | None:
    """The cached log and the head it was read at; None when missing or damaged."""
    data = _load_cached(file)
    try:
        head = data["head"]
        log = [(Commit(c[0], list(c[1]), *c[2:7]),
                [RawChange(*r) for r in raws]) for c, raws in data["log"]]
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    ok = isinstance(head, str) and len(head) == 40 and all(ch in _HEX for ch in head)
    return (head, log) if ok else None


def _store_log(file: Path | None, head: str, log: Log) -> None:
    _store_cached(file, {"head": head, "log": [
        ([c.sha, c.parents, c.author, c.email, c.authored, c.committed, c.subject],
         [[r.status, r.old_blob, r.new_blob, r.old_path, r.path] for r in raws])
        for c, raws in log]})


def _load_cached(file: Path | None) -> dict[str, Any]:
    """A cache file's data; {} when missing or damaged (then recomputed). Marshalled
    plain data behind its sha256 (json was most of a warm history read)."""
    data = read_sealed(file)
    return data if isinstance(data, dict) else {}


def _store_cached(file: Path | None, data: dict[str, Any]) -> None:
    if file is not None:
        write_sealed(file, data)


@dataclass
class LogStats:
    commits: int = 0
    parsed: int = 0  # blobs parsed in this run
    cached_commits: int = 0  # commits whose changes came from the cache
    log: str = ""  # how the log was read: "full", "incremental" or "cached"
    log_read_commits: int = 0  # commits `git log` listed in this run


def compute_changes(repo: Repo, log: list[tuple[Commit, list[RawChange]]],
                    cache_dir: Path | None = None, stats: LogStats | None = None,
                    workers: int | None = None,
                    marks: set[Mark] | None = None) -> dict[str, list[Change]]:
    """Changes by commit sha for every commit in the log (cached by commit sha, with
    the marks of the versions each commit touched, added to `marks`)."""
    file = _cache_file(cache_dir, repo)
    cached = _load_cached(file)
    result: dict[str, list[Change]] = {}
    commit_marks: dict[str, set[Mark]] = {}
    todo = []
    for commit, raws in log:
        entry = cached.get(commit.sha)
        if isinstance(entry, dict):
            try:
                result[commit.sha] = [Change.from_json(c) for c in entry["changes"]]
                commit_marks[commit.sha] = {tuple(m) for m in entry["marks"]}
                continue
            except (TypeError, KeyError):
                pass  # an entry of another shape: recompute it
        todo.append((commit, raws))
    if todo:
        uses: Counter[str] = Counter(
            sha for _, raws in todo for r in raws for sha in (r.old_blob, r.new_blob) if sha)
        parse_cache = ParseCache(cache_dir) if cache_dir is not None else ParseCache()
        with BlobReader(repo.root) as reader:
            store = BlobStore(reader, parse_cache)
            order = list(dict.fromkeys(
                sha for _, raws in reversed(todo) for r in raws if _relevant(r)
                for sha in (r.old_blob, r.new_blob)
                if sha and not _in_cache(parse_cache, sha)))
            n = _workers(workers)
            ahead = None
            if n > 1 and len(order) >= PARALLEL_MIN:
                try:
                    ahead = Prefetcher(store, order, n)
                except (OSError, ImportError, NotImplementedError, ValueError):
                    ahead = None  # no worker processes here: parse in this one
            try:
                for commit, raws in reversed(todo):  # oldest first: blobs freed as we go
                    if ahead is not None:
                        ahead.need(sha for r in raws for sha in (r.old_blob, r.new_blob))
                    found: set[Mark] = set()
                    result[commit.sha] = commit_changes(raws, store, uses, found)
                    commit_marks[commit.sha] = found
            finally:
                if ahead is not None:
                    ahead.close()
        if stats is not None:
            stats.parsed = store.parsed
        for commit, _ in todo:
            cached[commit.sha] = {"changes": [c.to_json() for c in result[commit.sha]],
                                  "marks": sorted(commit_marks[commit.sha])}
        _store_cached(file, cached)
    if marks is not None:
        for found in commit_marks.values():
            marks |= found
    if stats is not None:
        stats.commits = len(log)
        stats.cached_commits = len(log) - len(todo)
    return result


def read_history(content_dir: Path, rev: str = "HEAD", cache_dir: Path | None = None,
                 include_restricted: bool = False, enabled: bool = True,
                 stats: LogStats | None = None, workers: int | None = None) -> History:
    """The history of a content directory up to `rev`. Never raises for a missing git,
    a directory outside a repository or a repository without commits."""
    if not enabled:
        return History.unavailable("history is turned off in the settings")
    repo, why = find_repo(content_dir)
    if repo is None:
        return History.unavailable(why)
    try:
        head = check_rev(repo, rev)
    except GitError:
        return History.unavailable("the repository has no commits yet" if rev == "HEAD"
                                   else f"unknown revision {rev!r}")
    shallow = is_shallow(repo)
    if shallow or cache_dir is None:  # a deepened clone changes its oldest commits
        log = read_log(repo, head)
        if stats is not None:
            stats.log, stats.log_read_commits = "full", len(log)
    else:
        file = _cache_file(cache_dir, repo, ".log.bin")
        cached = _load_log(file)
        log = read_log_since(repo, head, cached, stats)
        if cached is None or cached[0] != head:
            _store_log(file, head, log)
    marks: set[Mark] = set()
    changes = compute_changes(repo, log, cache_dir, stats, workers, marks)
    history = assemble(log, changes, head, shallow, include_restricted, marks)
    history.dated_before = date_order(repo, head, {commit.sha for commit, _ in log})
    return history


def date_order(repo: Repo, rev: str, shas: set[str]) -> dict[str, Backdated]:
    """The commits of `shas` dated earlier than an ancestor. One `git log` of every
    commit's parents and dates, oldest first (`--topo-order`: parents before
    children), not only the content's: the ancestor dated later may be any commit.

    A commit counts as dated before its parent when both its time and its day are
    earlier: a minute of clock skew on the same day is not worth a flag, and a day
    read in another timezone alone is not a real inversion."""
    out = run_git(repo.root, "log", "--topo-order", "--reverse", "--format=%H %ct %cs %P",
                  rev)
    latest: dict[str, str] = {}  # sha -> latest day among it and its ancestors
    seen: dict[str, tuple[int, str]] = {}  # sha -> (time, day)
    found: dict[str, Backdated] = {}
    for line in out.decode("ascii", "replace").splitlines():
        sha, stamp, day, *parents = line.split()
        parents = [p for p in parents if p in seen]  # a shallow clone's are missing
        time = int(stamp)
        before = max((latest[p] for p in parents), default=day)
        latest[sha] = max(day, before)
        seen[sha] = (time, day)
        if sha in shas and before > day:
            later_parent = any(seen[p][0] > time and seen[p][1] > day for p in parents)
            found[sha] = Backdated(date.fromisoformat(before), later_parent)
    return found


def assemble(log: list[tuple[Commit, list[RawChange]]], changes: dict[str, list[Change]],
             head: str | None, shallow: bool, include_restricted: bool,
             marks: Iterable[Mark] = ()) -> History:
    """The History (newest first) from the log and each commit's changes; `marks`: what
    any version restricted (history.restrict decides what is withheld)."""
    renames: dict[str, str] = {}
    for _commit, raws in log:  # newest first: a later rename decides the path now
        for raw in raws:
            if raw.status == "R" and raw.old_path and raw.old_path != raw.path:
                renames[raw.old_path] = renames.get(raw.path, raw.path)
    oldest = log[-1][0].date if log else None
    history = History(True, "", [], shallow, oldest, head, include_restricted, renames,
                      set(marks), [(commit, changes.get(commit.sha, [])) for commit, _ in log])
    history.entries = entries_of(history)
    return history


# -- one revision's documents ----------------------------------------------------------------


def tree_files(repo: Repo, rev: str) -> dict[str, str]:
    """Content-relative path -> blob sha of every okrsite document at a revision."""
    return tree_at(repo, check_rev(repo, rev))


def tree_at(repo: Repo, sha: str) -> dict[str, str]:
    """`tree_files` of a commit sha already checked (one git call, not two)."""
    out = run_git(repo.root, "ls-tree", "-r", "-z", "--full-tree", sha, "--", repo.pathspec)
    files: dict[str, str] = {}
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != b"blob":
            continue
        rel = repo.to_content(git_path(path))
        if rel is not None and expected_kind(rel) is not None and rel.endswith(
                (".yaml", ".yml")):
            files[rel] = parts[2].decode()
    return files


def read_blobs(repo: Repo, shas: Iterable[str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with BlobReader(repo.root) as reader:
        for sha in shas:
            if sha not in out:
                raw = reader.read(sha)
                if raw is not None:
                    out[sha] = raw
    return out
