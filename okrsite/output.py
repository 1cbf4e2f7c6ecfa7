"""Writing a whole output directory so that readers only ever see a finished one.

A site is written into a staging directory beside its target and swapped in when it
is complete: a build that fails, or is killed halfway, leaves the last good output as
it was (`okrsite render --out` and the MkDocs plugin's `site_dir` both do this). The
swap is two renames, so the target is never half-written; a reader may, for an
instant, find no directory at all.

`okrsite render` also leaves a marker file in what it writes, so that it can tell its
own output (replaced freely) from a directory of someone else's files (refused).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MARKER = ".okrsite-output"  # in every directory `okrsite render` writes
MARKER_TEXT = ("Written by `okrsite render`. The next render replaces this directory "
               "as a whole.\n")


class OutputError(Exception):
    """An output path that cannot or must not be written; the message says why."""


def inside(path: Path, directory: Path) -> bool:
    """Whether `path` is `directory` or anywhere below it (both resolved)."""
    path, directory = path.resolve(), directory.resolve()
    return path == directory or path.is_relative_to(directory)


def check_out_dir(out: Path, content_dir: Path, option: str, *, replaced: bool,
                  force: bool = False) -> None:
    """Refuse an output directory inside the content, or one that is a file. One the
    output replaces as a whole must not hold the content either, nor (unless `force`)
    files that okrsite did not write."""
    if inside(out, content_dir) or (replaced and inside(content_dir, out)):
        raise OutputError(f"{option} {out} overlaps the content directory {content_dir}, "
                          "which only editing commands write to; choose a directory "
                          "outside it")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{option} {out} is a file, not a directory")
    if replaced and not force and out.is_dir() and not (out / MARKER).is_file():
        try:
            empty = not any(out.iterdir())
        except OSError as exc:
            raise OutputError(f"{option} {out} cannot be read: {exc.strerror}") from None
        if not empty:
            raise OutputError(
                f"{option} {out} is not empty and was not written by okrsite; "
                "its files would be deleted. Choose an empty or new directory, or pass "
                "--force to replace it")


def check_out_file(out: Path, content_dir: Path, option: str) -> None:
    """Refuse an output file inside the content (only editing commands write there)
    or one that is a directory."""
    if inside(out, content_dir):
        raise OutputError(f"{option} {out} is inside the content directory {content_dir}, "
                          "which only editing commands write to; choose a path outside it")
    if out.is_dir():
        raise OutputError(f"{option} {out} is a directory; name a file")


def staging_dir(target: Path) -> Path:
    """The staging directory of a target: hidden, beside it (so that the swap is a
    rename on one file system), and always the same one, so a build that was killed
    leaves at most one and the next build clears it."""
    target = target.resolve()
    return target.with_name(f".{target.name}.okrsite-partial")


def begin(target: Path) -> Path:
    """A fresh, empty staging directory for `target`. Raises OSError when the place
    beside the target is not writable."""
    staging = staging_dir(target)
    remove(staging)
    staging.mkdir(parents=True)
    return staging


def swap_in(staging: Path, target: Path, keep_hidden: bool = False) -> None:
    """Put the finished `staging` in place of `target`. With `keep_hidden`, dot-files
    and dot-directories of the old target move into the new one unless it has its own
    (MkDocs never deletes those from site_dir: a `.git` or `.nojekyll` stays)."""
    target = target.resolve()
    old = target.with_name(f".{target.name}.okrsite-old")
    remove(old)
    if target.exists():
        shutil.copymode(target, staging)  # the new directory has the old one's permissions
        if keep_hidden:
            for entry in target.iterdir():
                if entry.name.startswith(".") and not (staging / entry.name).exists():
                    entry.rename(staging / entry.name)
        try:
            target.rename(old)
        except OSError:  # a mount point or a busy directory: replace what is inside it
            _replace_contents(staging, target)
            return
    staging.rename(target)
    remove(old)


def _replace_contents(staging: Path, target: Path) -> None:
    for entry in target.iterdir():
        remove(entry)
    for entry in staging.iterdir():
        shutil.move(str(entry), str(target / entry.name))
    remove(staging)


def remove(path: Path) -> None:
    """Delete a file or directory tree if it exists (a symlink itself, not its target)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def write_atomically(file: Path, data: bytes) -> None:
    """A temporary file in the same folder, then a rename: a reader sees the old file
    or the new one, never half of one. An existing file keeps its permissions."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if file.exists():
            os.chmod(tmp, file.stat().st_mode & 0o7777)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_cache(file: Path, data: bytes) -> None:
    """A cache entry written whole or not at all (a temporary file, then a rename), and
    never an error: caching is an optimisation only, so a read-only or full cache dir
    costs speed. Not synced to disk: an entry lost in a crash is computed again, and a
    torn one is damaged, which every reader ignores."""
    tmp: str | None = None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, file)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_sealed(file: Path, data: Any) -> None:
    """Plain data (what marshal keeps) written to a cache file behind its sha256, which
    `read_sealed` checks before it decodes. Never an error: a value marshal cannot keep,
    or a write that fails, leaves no entry."""
    try:
        payload = marshal.dumps(data, 4)
    except ValueError:
        return
    write_cache(file, hashlib.sha256(payload).hexdigest().encode() + payload)


def read_sealed(file: Path | None) -> Any:
    """What `write_sealed` wrote to `file`; None when it is missing or damaged."""
    if file is None:
        return None
    try:
        raw = file.read_bytes()
    except OSError:
        return None
    check, payload = raw[:64], raw[64:]
    if hashlib.sha256(payload).hexdigest().encode() != check:
        return None  # cut short, overwritten: computed again
    try:
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None


# Entries kept per folder of per-state caches (the as-of, a clean check, the git date):
# the states of the last few dozen builds, pushes or branches.
KEPT_STATES = 64


def keep_newest(folder: Path, count: int, suffix: str = ".json") -> None:
    """Of a cache folder holding one small entry per content state (or per commit), keep
    the `count` written last: an entry for a state long gone is never read again, and
    a CI cache_dir kept for years would otherwise hold one for every commit. Never an
    error."""
    try:
        dated = sorted(((p.stat().st_mtime_ns, p.name, p) for p in folder.iterdir()
                        if p.suffix == suffix), reverse=True)
    except OSError:
        return
    for *_, old in dated[count:]:
        with contextlib.suppress(OSError):
            old.unlink()


def drop_other_versions(current: Path, prefix: str) -> None:
    """Remove what other okrsite code left beside `current` in a cache directory: the
    entries named `prefix...` but for another version or code (digest.code_version).
    A cache of each code that ever ran would otherwise grow with every upgrade or,
    in a checkout, every edit. Never an error."""
    parent = current.parent
    try:
        stale = [p for p in parent.iterdir()
                 if p.name.startswith(prefix) and p.name != current.name]
    except OSError:
        return
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def directory_page(path: str) -> str:
    """Where `okrsite render` writes a page when URLs are directories: `a/b.md`, served
    at `a/b/`, as `a/b/index.md`. Its links are relative to the address it is served
    at; in a folder of its own, they are relative to its source file too, which is
    what generators that rewrite links (Zensical) resolve them against."""
    if not path.endswith(".md") or path == "index.md" or path.endswith("/index.md"):
        return path
    return path[: -len(".md")] + "/index.md"
