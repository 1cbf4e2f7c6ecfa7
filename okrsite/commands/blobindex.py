"""What `okrsite diff` needs to know of every document version it does not load: a
summary per (path, git blob sha), kept in cache_dir.

A diff of a one-file change still has to know, for the whole tree on both sides and
the working tree, what each document restricts (a change naming a restricted item is
withheld) and how objectives align (a changed score rolls up into its parents, which
need their other children's scores). Reading that from the parse cache costs as much
as loading the tree; this summary is a few bytes per document. The key is the blob
sha, a digest of the bytes, with the path (the marks read the period and unit from it)
and the okrsite version (the summary is computed by this code), so an entry can never
be stale.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from okrsite.digest import code_version
from okrsite.history.restrict import Mark, document_marks
from okrsite.loader import expected_kind
from okrsite.model import Ref
from okrsite.output import drop_other_versions, write_cache
from okrsite.yamlparse import PARSER_VERSION

_FORMAT = 1
_SPARE = 1_000  # entries kept beyond twice what a run used, before pruning to those


@dataclass(frozen=True)
class Summary:
    """One version of one document, as far as a diff of other documents needs it."""

    readable: bool  # parsed to a mapping (else the diff reports it unreadable)
    marks: frozenset[Mark]
    key: tuple[str, str] | None  # an OKR file's (period, unit), as the model reads them
    # its objectives: (ref, the objective it aligns to or None, score_from: aligned)
    objectives: tuple[tuple[str, str | None, bool], ...] = ()
    kpi: str | None = None  # a KPI file's id


def summarize(rel: str, data: Any) -> Summary:
    """The summary of a document's parsed data (None: it did not parse)."""
    if not isinstance(data, dict):
        return Summary(False, frozenset(), None)
    marks = frozenset(document_marks(rel, data))
    kind = expected_kind(rel)
    if kind == "kpi":
        kid = data.get("id")
        return Summary(True, marks, None, (), str(kid) if kid is not None else None)
    if kind != "okrs" or not isinstance(data.get("unit"), str) or data.get("period") is None:
        return Summary(True, marks, None)
    unit, period = data["unit"], str(data["period"])  # as build.unit_period reads them
    objectives = []
    found = data.get("objectives")
    for o in found if isinstance(found, list) else []:
        if not isinstance(o, dict) or not isinstance(o.get("id"), str):
            continue
        parent = None
        if isinstance(o.get("aligns_to"), str):
            try:
                parent = str(Ref.parse(o["aligns_to"]).in_period(period).objective_ref)
            except ValueError:
                parent = None  # not a reference: the document is not in the model
        objectives.append((f"{period}:{unit}/{o['id']}", parent,
                           o.get("score_from") == "aligned"))
    return Summary(True, marks, (period, unit), tuple(objectives))


class BlobIndex:
    """Summaries by (path, blob sha): in memory, and in one JSON file in `directory`."""

    def __init__(self, directory: Path | None) -> None:
        self.file = (None if directory is None else
                     directory / f"diff-index-{_FORMAT}-{PARSER_VERSION}-{code_version()}.json")
        self.entries: dict[str, Summary] = {}
        self.added = 0
        if self.file is None:
            return
        try:
            stored = json.loads(self.file.read_bytes())
        except (OSError, ValueError):
            return  # missing or damaged: summarized again, never trusted
        if isinstance(stored, dict):
            for key, value in stored.items():
                summary = _decode(value)
                if isinstance(key, str) and summary is not None:
                    self.entries[key] = summary

    def get(self, rel: str, blob: str) -> Summary | None:
        return self.entries.get(f"{blob}:{rel}")

    def add(self, rel: str, blob: str, summary: Summary) -> None:
        self.entries[f"{blob}:{rel}"] = summary
        self.added += 1

    def save(self, used: Iterable[tuple[str, str]]) -> None:
        """Write the index if anything was added. Once it holds more than twice what this
        run used (and _SPARE), only those are kept: it does not grow with every push."""
        if self.file is None or not self.added:
            return
        entries = self.entries
        wanted = {f"{blob}:{rel}" for rel, blob in used}
        if len(entries) > 2 * len(wanted) + _SPARE:
            entries = {k: v for k, v in entries.items() if k in wanted}
        write_cache(self.file, json.dumps({k: _encode(v) for k, v in entries.items()},
                                          separators=(",", ":")).encode())
        drop_other_versions(self.file, "diff-index-")


def _encode(s: Summary) -> list[Any]:
    return [s.readable, sorted(list(m) for m in s.marks), list(s.key) if s.key else None,
            [list(o) for o in s.objectives], s.kpi]


def _decode(value: Any) -> Summary | None:
    try:
        readable, marks, key, objectives, kpi = value
        out = Summary(
            readable is True,
            frozenset(tuple(str(p) for p in m) for m in marks),
            (str(key[0]), str(key[1])) if key is not None else None,
            tuple((str(r), None if p is None else str(p), a is True)
                  for r, p, a in objectives),
            None if kpi is None else str(kpi))
    except (TypeError, ValueError, IndexError):
        return None
    if (key is not None and len(key) != 2) or any(
            _ARITY.get(m[0] if m else "") != len(m) for m in out.marks):
        return None
    return out


_ARITY = {"o": 5, "k": 3, "u": 6}  # the shapes of restrict.Mark
