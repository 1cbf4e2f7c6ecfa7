"""The "as of" date every score and status is computed for. Never the wall clock.

In order: an explicit date; SOURCE_DATE_EPOCH (as a UTC date, the reproducible-builds
convention); the date of the latest git commit touching the content directory; the
latest dated entry in the content. The same commit therefore always builds the same site.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from okrsite.digest import code_version
from okrsite.errors import OkrsiteError
from okrsite.limits import FIRST_AS_OF, LAST_AS_OF
from okrsite.model import Content, Source
from okrsite.output import KEPT_STATES, keep_newest, write_cache

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
GIT_TIMEOUT_S = 30

ContentSource = Content | Callable[[], Content | None] | None
Latest = tuple[date, Source | None] | None  # the latest dated entry and where it is


class AsOfError(OkrsiteError, ValueError):
    """No usable date: a malformed input, or nothing at all to take one from."""


class AsOfRangeError(AsOfError):
    """A date that a site cannot be built as of (see `okrsite.limits`): unlike having no
    date yet, it is a mistake to fix before anything, `check` included, goes on."""


@dataclass(frozen=True)
class AsOf:
    date: date
    source: str  # "explicit" | "SOURCE_DATE_EPOCH" | "git" | "content"

    def __str__(self) -> str:
        return f"{self.date.isoformat()} ({self.source})"


def parse_date(text: str) -> date:
    """A strict YYYY-MM-DD date (fromisoformat alone also takes 20261115 and week dates)."""
    text = text.strip()
    if not ISO_DATE.match(text):
        raise AsOfError(f"not a date: {text!r} (write YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AsOfError(f"not a calendar date: {text!r}") from exc


def from_epoch(value: str) -> date:
    try:
        seconds = int(value.strip())
    except ValueError as exc:
        raise AsOfError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {value!r}"
                        ) from exc
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).date()
    except (OverflowError, OSError, ValueError) as exc:
        raise AsOfRangeError(f"SOURCE_DATE_EPOCH out of range: {value!r}") from exc


def git_date(content_dir: Path, cache_dir: Path | None = None) -> date | None:
    """The latest committer date among the commits touching the directory; None without
    git, outside a repository, or when no commit touches it yet.

    The latest of them all, not the newest commit's: a commit backdated on top of later
    history (a wrong clock, `GIT_COMMITTER_DATE`) must not roll the site back in time.
    One `git log` of dates only, but it walks the whole history: with `cache_dir` the
    answer is kept by the commit checked out (see _history_key)."""
    key = _history_key(content_dir) if cache_dir is not None else None
    file = cache_dir / "git-date" / f"{key}.json" if cache_dir is not None and key else None
    if file is not None:
        try:
            return date.fromisoformat(json.loads(file.read_text()))
        except (OSError, ValueError, TypeError):
            pass  # not there yet, or damaged: ask git
    try:
        done = subprocess.run(
            ["git", "log", "--format=%cs", "--", "."], cwd=content_dir,
            capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):  # no git, no such directory, hung
        return None
    if done.returncode != 0:
        return None
    dates = [line for line in done.stdout.split() if ISO_DATE.match(line)]
    found = date.fromisoformat(max(dates)) if dates else None
    if file is not None and found is not None:
        write_cache(file, json.dumps(found.isoformat()).encode())
        keep_newest(file.parent, KEPT_STATES)
    return found


def _history_key(content_dir: Path) -> str | None:
    """A digest naming the history `git log` walks from the directory: the commit checked
    out (its history cannot change under its sha) and the directory inside the
    repository (not its absolute path: a clone elsewhere, as a CI runner makes, is the
    same history). None, so that git
    is asked every time, when the history can change under one sha: a shallow clone
    (fetching deepens it), grafts, replace refs."""
    if any(os.environ.get(v) for v in ("GIT_REPLACE_REF_BASE", "GIT_GRAFT_FILE")):
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--is-shallow-repository", "--git-path", "info/grafts",
             "--show-prefix", "--verify", "-q", "HEAD"], cwd=content_dir,
            capture_output=True, text=True,
            timeout=GIT_TIMEOUT_S, check=False)
        lines = done.stdout.split("\n")
        if done.returncode != 0 or len(lines) < 4 or lines[0] != "false" or (
                content_dir / lines[1]).exists():
            return None
        replaced = subprocess.run(
            ["git", "for-each-ref", "--count=1", "refs/replace/"], cwd=content_dir,
            capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if replaced.returncode != 0 or replaced.stdout.strip() or not ISO_SHA.match(lines[3]):
        return None
    key = f"{code_version()}\0{lines[2]}\0{lines[3]}"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def content_dates(content: Content) -> Iterator[date]:
    """Every date content records: check-ins, measurements, closings, amendments."""
    return (day for day, _ in _dated(content))


def _dated(content: Content) -> Iterator[tuple[date, Source | None]]:
    """Every date content records, with where it is written (as near as the model knows)."""
    for up in content.okrs.values():
        for objective in up.objectives:
            for kr in objective.key_results:
                yield from ((c.date, c.source) for c in kr.check_ins)
    for kpi in content.kpis.values():
        yield from ((m.date, m.source or kpi.source) for m in kpi.measurements)
    for period in content.periods.values():
        if period.closed_on is not None:
            yield period.closed_on, period.source
        yield from ((a.date, a.source or period.source) for a in period.amendments)


def latest_content_date(content: Content) -> date | None:
    return max(content_dates(content), default=None)


def latest_entry(content: Content) -> Latest:
    return max(_dated(content), key=lambda entry: entry[0], default=None)


_PASS_A_DATE = "pass --as-of YYYY-MM-DD (`as_of:` in mkdocs.yml) inside that range"


def _in_range(as_of: AsOf, where: str, fix: str = _PASS_A_DATE) -> AsOf:
    """The as-of date if a site can be built as of it; `where` says where it came from."""
    if FIRST_AS_OF <= as_of.date <= LAST_AS_OF:
        return as_of
    raise AsOfRangeError(
        f"{where} is {as_of.date.isoformat()}, outside the dates a site can be built as of "
        f"({FIRST_AS_OF.isoformat()} to {LAST_AS_OF.isoformat()}: the sitemap's time stamp "
        f"counts 32-bit seconds from 1970); {fix}")


def _epoch(environ: Mapping[str, str]) -> AsOf | None:
    """SOURCE_DATE_EPOCH as a date, checked whenever it is set: site generators read
    it too (MkDocs dates the sitemap by it), even when an explicit date wins here."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    return _in_range(AsOf(from_epoch(epoch), "SOURCE_DATE_EPOCH"),
                     f"SOURCE_DATE_EPOCH={epoch}",
                     "set SOURCE_DATE_EPOCH to seconds inside that range, or unset it")


def resolve_as_of(explicit: date | str | None, content_dir: Path,
                  environ: Mapping[str, str], content: ContentSource = None,
                  latest: Callable[[], Latest] | None = None,
                  cache_dir: Path | None = None) -> AsOf:
    """The as-of date and where it came from. `content` may be a callable so the
    content is only loaded when nothing earlier gives a date; `latest`, when given,
    is asked instead (a build answers it from its cache without loading anything);
    `cache_dir` keeps the git date by the commit checked out (git_date)."""
    epoch = _epoch(environ)
    if isinstance(explicit, datetime):  # a datetime is a date too; keep only the day
        explicit = explicit.date()
    if isinstance(explicit, date):
        return _in_range(AsOf(explicit, "explicit"), "the as-of date given",
                         "give a date inside that range")
    if isinstance(explicit, str) and explicit.strip():
        return _in_range(AsOf(parse_date(explicit), "explicit"), "the as-of date given",
                         "give a date inside that range")
    if epoch is not None:
        return epoch
    committed = git_date(content_dir, cache_dir)
    if committed is not None:
        return _in_range(AsOf(committed, "git"),
                         "the date of the latest commit touching the content")
    if latest is not None:
        found = latest()
    else:
        loaded = content() if callable(content) else content
        found = latest_entry(loaded) if loaded is not None else None
    if found is not None:
        day, source = found
        where = f" ({source.path}:{source.line})" if source is not None else ""
        return _in_range(AsOf(day, "content"),
                         f"the latest dated entry in the content{where}")
    raise AsOfError("no date to score as of: pass --as-of YYYY-MM-DD or set "
                    "SOURCE_DATE_EPOCH (the content has no commit and no dated entry)")
