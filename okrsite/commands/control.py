"""Change control: `okrsite check --base REV` compares the content with a revision.

- OKR401 (error): a change touches a closed period (its OKR files, its period.yaml,
  or KPI measurements dated inside it) without adding, in the same change, an
  entry to that period's `amendments:`.
- OKR402 (warning): a goalpost (target, baseline, direction, weight, shape or scorer
  of a key result) moved in a period that has started and is not closed, and the
  key result has no `reason:`.
- OKR403 (error): a check-in or KPI measurement dated on or before "as of" was
  edited (value, confidence or date) or removed. History only grows. A rewrite
  inside a closed period that gets an amendment in the same change is a
  correction and allowed; note-only edits are allowed.

"Closed" is judged on the base revision's period.yaml (or, without one, from the
period's dates as of "as of"), so reopening a period in the same change does not
escape the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from okrsite.diagnostics import Diagnostic, diag
from okrsite.history import types as t
from okrsite.history.diff import diff_document_sets
from okrsite.history.git import (
    BlobReader,
    BlobStore,
    GitError,
    Repo,
    find_repo,
    readable,
    tree_files,
)
from okrsite.history.text import describe
from okrsite.history.types import Change, records_state, resolve_eased
from okrsite.loader import ParseCache, snapshot
from okrsite.periods import is_period_id, span
from okrsite.yamlparse import Parsed, YamlError, parse


@dataclass
class Side:
    """One version of the content: parsed data by relpath (None: unreadable)."""

    data: dict[str, Any]
    positions: dict[str, dict[str, tuple[int, int]]]


def base_side(repo: Repo, rev: str, cache: ParseCache | None = None) -> Side:
    files = tree_files(repo, rev)
    data: dict[str, Any] = {}
    with BlobReader(repo.root) as reader:
        store = BlobStore(reader, cache)
        for rel, sha in files.items():
            value = store.data(sha)
            data[rel] = value if readable(value) and isinstance(value, dict) else None
    return Side(data, {})


def worktree_side(content_dir: Path, cache: ParseCache | None = None) -> Side:
    cache = cache if cache is not None else ParseCache()
    snap = snapshot(content_dir)
    data: dict[str, Any] = {}
    positions: dict[str, dict[str, tuple[int, int]]] = {}
    for _, rel, _, raw, sha in snap.entries:
        parsed: Parsed | None = cache.get(sha)
        if parsed is None:
            try:
                parsed = parse(raw)
            except YamlError:
                data[rel] = None
                continue
            cache.put(sha, parsed)
        data[rel] = parsed.data if isinstance(parsed.data, dict) else None
        positions[rel] = parsed.positions
    return Side(data, positions)


@dataclass(frozen=True)
class PeriodFacts:
    id: str
    start: date
    end: date
    closed: bool  # on the base side, as of "as of"
    started: bool
    planning: bool


def _facts(period: str, base: Side, head: Side, as_of: date, fy: int) -> PeriodFacts | None:
    if not is_period_id(period):
        return None
    s = span(period, fy)
    start, end = s.start, s.end
    doc = base.data.get(f"periods/{period}/period.yaml") or head.data.get(
        f"periods/{period}/period.yaml") or {}
    try:
        if doc.get("start") and doc.get("end"):
            start, end = date.fromisoformat(str(doc["start"])), date.fromisoformat(
                str(doc["end"]))
    except ValueError:
        pass
    base_doc = base.data.get(f"periods/{period}/period.yaml") or {}
    declared = base_doc.get("state") if isinstance(base_doc, dict) else None
    if declared in ("planning", "active", "closed"):
        closed = declared == "closed"
        planning = declared == "planning"
    else:
        closed, planning = as_of > end, as_of < start
    return PeriodFacts(period, start, end, closed, start <= as_of and not planning, planning)


def change_control(repo_dir: Path, content_dir: Path, base_rev: str, as_of: date,
                   fiscal_year_start: int = 1, cache_dir: Path | None = None
                   ) -> list[Diagnostic]:
    """OKR401/402/403 for the working tree's content compared with `base_rev`.
    Raises GitError when there is no repository or the revision is unknown."""
    content_dir = content_dir.resolve()
    repo, why = find_repo(content_dir)
    if repo is None:
        raise GitError(why)
    if repo.root != Path(repo_dir).resolve():
        raise GitError(f"{content_dir} is not in the repository at {repo_dir}")
    cache = ParseCache(cache_dir)
    base = base_side(repo, base_rev, cache)
    head = worktree_side(content_dir, cache)
    return control_diagnostics(base, head, content_dir, as_of, fiscal_year_start)


def control_diagnostics(base: Side, head: Side, content_dir: Path, as_of: date,
                        fy: int = 1) -> list[Diagnostic]:
    changes = diff_document_sets(base.data, head.data)
    resolve_eased(changes, _kpi_directions(head))
    facts: dict[str, PeriodFacts | None] = {}

    def period(pid: str | None) -> PeriodFacts | None:
        if pid is None:
            return None
        if pid not in facts:
            facts[pid] = _facts(pid, base, head, as_of, fy)
        return facts[pid]

    amended = {c.period for c in changes if c.kind == t.AMENDMENT_ADDED}
    out: list[Diagnostic] = []
    touched: dict[tuple[str, str], list[Change]] = {}  # (period, path) -> changes
    for c in changes:
        for pid in _periods_of(c, head, base, period):
            p = period(pid)
            if p is not None and p.closed and pid not in amended and not records_state(c):
                touched.setdefault((pid, c.path), []).append(c)
    for (pid, path), items in touched.items():
        shown = "; ".join(describe(c, "period") for c in items[:3])
        more = f" and {len(items) - 3} more" if len(items) > 3 else ""
        out.append(diag(content_dir / path, _pos(head, path, items[0].pointer), "OKR401",
                        f"{path} changes closed period {pid} ({shown}{more}) but "
                        f"periods/{pid}/period.yaml gets no new amendment"))
    for c in changes:
        if c.rewrites_history and c.date and _before(c.date, as_of):
            pids = _periods_of(c, head, base, period)
            if any((p := period(pid)) is not None and p.closed and pid in amended
                   for pid in pids):
                continue  # a correction of a closed period, recorded as an amendment
            out.append(diag(content_dir / c.path, _pos(head, c.path, c.pointer), "OKR403",
                            f"{describe(c, 'site')}: a past entry was rewritten"))
        if c.goalpost and c.kind == t.KR_CHANGED:
            p = period(c.period)
            if p is None or not p.started or p.closed:
                continue
            reason = _kr(head, c).get("reason")
            if reason and reason != _kr(base, c).get("reason") and \
                    reason != _carried_reason(head, c):
                continue
            why = ("without `reason:`" if not reason else
                   "under the `reason:` it already had" if reason == _kr(base, c).get("reason")
                   else "under the `reason:` of the key result it was carried from")
            out.append(diag(content_dir / c.path, _pos(head, c.path, c.pointer), "OKR402",
                            f"{describe(c, 'site')} after {c.period} started "
                            f"({p.start.isoformat()}) {why}",
                            "Give `reason:` the reason for this move (each move needs its "
                            "own)."))
    return sorted(set(out))


def _before(day: str, as_of: date) -> bool:
    try:
        return date.fromisoformat(day) <= as_of
    except ValueError:
        return True  # a malformed old date: treat the entry as past


def _periods_of(c: Change, head: Side, base: Side, period: Any) -> list[str]:
    """The periods a change touches: its file's, or for a KPI measurement the closed
    periods its date falls in (with the closing days)."""
    if c.period:
        return [c.period]
    if c.kpi and c.date and c.kind.startswith("measurement"):
        try:
            day = date.fromisoformat(c.date)
        except ValueError:
            return []
        ids = {rel.split("/")[1] for rel in (*head.data, *base.data)
               if rel.startswith("periods/") and rel.count("/") == 2}
        found = []
        for pid in sorted(ids):
            p = period(pid)
            if p is not None and p.start <= day <= p.end:
                found.append(pid)
        return found
    return []


def _kr(side: Side, c: Change) -> dict[str, Any]:
    doc = side.data.get(c.path) or {}
    for o in doc.get("objectives") or []:
        if isinstance(o, dict) and str(o.get("id")) == c.objective:
            for k in o.get("key_results") or []:
                if isinstance(k, dict) and str(k.get("id")) == c.key_result:
                    return k
    return {}


def _carried_reason(side: Side, c: Change) -> Any:
    """The `reason:` of the key result that the changed one's objective was carried from."""
    doc = side.data.get(c.path) or {}
    for o in doc.get("objectives") or []:
        if isinstance(o, dict) and str(o.get("id")) == c.objective:
            ref = str(o.get("carried_from") or "")
            period, _, rest = ref.rpartition(":")
            parts = rest.split("/")
            if not period or len(parts) != 2:
                return None
            source = Change(c.kind, f"periods/{period}/{parts[0]}.yaml",
                            objective=parts[1], key_result=c.key_result)
            for rel in (source.path, source.path[:-5] + ".yml"):
                found = _kr(side, replace(source, path=rel)).get("reason")
                if found:
                    return found
    return None


def _kpi_directions(side: Side) -> dict[str, str]:
    out = {}
    for rel, doc in side.data.items():
        if rel.startswith("kpis/") and isinstance(doc, dict) and "id" in doc:
            out[str(doc["id"])] = str(doc.get("direction", "higher_is_better"))
    return out


def _pos(side: Side, path: str, pointer: str) -> tuple[int, int]:
    positions = side.positions.get(path)
    if not positions:
        return (1, 1)
    while pointer:
        if pointer in positions:
            return tuple(positions[pointer])  # type: ignore[return-value]
        pointer = pointer.rsplit("/", 1)[0]
    return tuple(positions.get("", (1, 1)))  # type: ignore[return-value]
