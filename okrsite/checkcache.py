"""Check results reused while their inputs are unchanged: a serve edit re-checks one file.

Two kinds of entry, each keyed by a sha256 of everything its result depends on:

* A document's own problems (`validate`, `document_rules`, `kpi_owner`: what
  `doccheck.problems` returns), keyed by the okrsite version, the document's
  relpath (the place decides the kind and the OKR008 checks), its expected kind, the
  sha256 of its bytes, and, for every
  document but the org, the org's units as the rules read them (id, parent and lead
  of each unit, in order, or "no org"): an OKR file's `unit:` suggestion and a KPI's
  owner hint name only units that exist. Not by its absolute file: a checkout at
  another path (a CI runner's workspace) finds the entry. The problems name the file
  as "" there, and a hit names this build's file; problems that name any other file,
  or the content's folder in their text, are not kept.
* A closed period's clean final check (`final.check_final` with no difference and an
  intact digest), keyed by the okrsite version, the fiscal year start, the scoring
  settings, the scorer registry's names and the versions and classes of the scorers
  the record names, org.yaml's bytes, the relpath and bytes of every file in the folders
  of the period and of every period inside it (a roll-up reads those), and each KPI
  their key results name, with its file's bytes (or "missing"). A check with problems
  is never kept: it is computed, and reported, on every build.

The model pieces of unchanged OKR files and KPIs (okrsite.build's `reuse`, by relpath
and sha256) are kept in memory too, and with a cache_dir on disk (okrsite.piececache),
with each file's parse notes: a document whose problems and piece are both kept is
neither decoded from the parse cache nor built again.

Entries live in memory for one session (`session(parse_cache)`: the ParseCache that
`mkdocs serve` keeps across its builds) and, with a cache_dir, on disk in
cache_dir/checks-<version>.json, so a CI run that keeps cache_dir re-checks only the
files that changed. A damaged or unreadable file is ignored (everything is checked
again); a write failure only costs speed.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from okrsite.diagnostics import CODES, Diagnostic
from okrsite.digest import code_version, digest_of
from okrsite.loader import Document, ParseCache, Snapshot
from okrsite.model import Content, Unit
from okrsite.output import drop_other_versions, write_cache
from okrsite.piececache import Built, Note, PieceCache
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.rollup import ordered_periods

_FIELDS = ("file", "line", "col", "code", "message", "hint")


def units_digest(units: Mapping[str, Unit] | None) -> str:
    """What the document rules read of the org: each unit's id, parent and lead, in
    order (suggestions and examples are taken in that order)."""
    if units is None:
        return "no org"
    return digest_of(*((u.id, u.parent, u.lead) for u in units.values()))


def document_key(doc: Document, units: str) -> str:
    """The key of a document's problems; `units` is `units_digest` of the org's units
    (not used for the org itself, which is checked before any unit is known)."""
    return entry_key(doc.relpath, doc.expected_kind, doc.sha256, units)


def entry_key(relpath: str, kind: str, sha256: str, units: str) -> str:
    """`document_key` from a snapshot's entry, before the document is parsed."""
    return digest_of("doc", code_version(), relpath, kind, sha256,
                     units if kind != "org" else "")


def final_key(*parts: object) -> str:
    return digest_of("final", code_version(), *parts)


class CheckCache:
    """Check results by key: in memory, and in cache_dir when given one (see the module)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.documents: dict[str, tuple[Diagnostic, ...]] = {}
        self.finals: set[str] = set()
        # The model pieces of the last build (okrsite.build's `reuse`), and on disk.
        self.pieces: dict[tuple[str, str], Any] = {}
        self.stored = PieceCache(directory)
        self.notes: dict[tuple[str, str], list[Note]] = {}  # the pieces' parse notes
        self.checked = 0  # documents actually checked: tests and benchmarks read it
        self._read = False
        self._dirty = False
        self._used_documents: set[str] = set()
        self._used_finals: set[str] = set()

    def _file(self) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"checks-{code_version()}.json"

    def _load(self) -> None:
        """Read the disk entries once; a damaged file or entry is passed over."""
        if self._read:
            return
        self._read = True
        file = self._file()
        if file is None:
            return
        try:
            data = json.loads(file.read_bytes())
        except (OSError, ValueError):
            return
        if not isinstance(data, dict):
            return
        documents, finals = data.get("documents"), data.get("finals")
        if isinstance(documents, dict):
            for key, rows in documents.items():
                found = _decode(rows)
                if found is not None:
                    self.documents.setdefault(key, found)
        if isinstance(finals, list):
            self.finals.update(k for k in finals if isinstance(k, str))

    def document(self, key: str, file: Path) -> tuple[Diagnostic, ...] | None:
        """The problems of the document in `file` (the entry's "" names it)."""
        self._load()
        found = self.documents.get(key)
        if found is None:
            return None
        self._used_documents.add(key)
        return tuple(replace(d, file=str(file)) if d.file == "" else d for d in found)

    def put_document(self, key: str, problems: Iterable[Diagnostic], file: Path,
                     content_dir: Path) -> None:
        kept = tuple(replace(d, file="") if d.file == str(file) else d for d in problems)
        self.checked += 1
        # Naming another file, or the content's folder in the text: bound to this path.
        if any(d.file or str(content_dir) in d.message + d.hint for d in kept):
            return
        self.documents[key] = kept
        self._used_documents.add(key)
        self._dirty = True

    def final_ok(self, key: str) -> bool:
        self._load()
        if key in self.finals:
            self._used_finals.add(key)
            return True
        return False

    def put_final_ok(self, key: str) -> None:
        self.finals.add(key)
        self._used_finals.add(key)
        self._dirty = True

    def built(self, relpath: str, sha256: str) -> Built | None:
        """A document's piece, with its parse notes: the last build's, else from disk."""
        key = (relpath, sha256)
        if key in self.pieces and key in self.notes:
            return Built(relpath, sha256, self.pieces[key], self.notes[key])
        return self.stored.get(relpath, sha256)

    def forget_pieces(self) -> None:
        """Let go of the model pieces and their notes held in memory (those on disk
        stay): held, they keep the whole model alive for as long as the session."""
        self.pieces, self.notes = {}, {}

    def store_pieces(self, notes: Mapping[tuple[str, str], list[Note]],
                     built: Iterable[Built]) -> None:
        """Keep the parse notes of the build just made (`pieces`), and on disk the
        pieces not there yet, with them; drop, in time, the ones it did not use.
        `notes`: of the documents parsed; `built`: those taken as pieces."""
        every = {**notes, **{(b.relpath, b.sha256): b.notes for b in built}}
        self.notes = {key: every[key] for key in self.pieces if key in every}
        self.stored.store(((rel, sha, piece, notes[(rel, sha)])
                           for (rel, sha), piece in self.pieces.items()
                           if (rel, sha) in notes and not self.stored.has(rel, sha)),
                          keep=self.pieces)

    def flush(self, kind: str) -> None:
        """Write the entries of `kind` ("documents" or "finals") this session used since
        its last flush, when any is new: the file holds what the content needs now and
        does not grow with every edit (nor, in a long session, memory)."""
        if kind == "documents":
            used, self._used_documents = self._used_documents, set()
            self.documents = {k: v for k, v in self.documents.items() if k in used}
        else:
            used, self._used_finals = self._used_finals, set()
            self.finals = {k for k in self.finals if k in used}
        file = self._file()
        if not self._dirty or file is None:
            return
        self._dirty = False
        data = {"documents": {k: [asdict(d) for d in v] for k, v in self.documents.items()},
                "finals": sorted(self.finals)}
        write_cache(file, json.dumps(data, separators=(",", ":")).encode())
        drop_other_versions(file, "checks-")


def _decode(rows: Any) -> tuple[Diagnostic, ...] | None:
    if not isinstance(rows, list):
        return None
    out = []
    for row in rows:
        if not (isinstance(row, dict) and set(row) == set(_FIELDS)
                and all(type(row[f]) is str for f in ("file", "code", "message", "hint"))
                and type(row["line"]) is int and type(row["col"]) is int
                and row["code"] in CODES):
            return None
        out.append(Diagnostic(**row))
    return tuple(out)


_sessions: weakref.WeakKeyDictionary[ParseCache, CheckCache] = weakref.WeakKeyDictionary()


def session(parse_cache: ParseCache | None, directory: Path | None) -> CheckCache:
    """The check cache that lives as long as `parse_cache` (one `mkdocs serve` session,
    or one CLI run); a fresh one without a parse cache (a build from a trial snapshot)."""
    if parse_cache is None:
        return CheckCache(directory)
    found = _sessions.get(parse_cache)
    if found is None or found.directory != directory:
        found = _sessions[parse_cache] = CheckCache(directory)
    return found


def forget_loaded(parse_cache: ParseCache, snap: Snapshot | None = None) -> None:
    """A one-off build's content is loaded: let go of what only its load reads, the
    parse cache's entries, the model pieces of the session's check cache (on disk
    both stay) and the snapshot's bytes. A build held them to its end: at 5,000 files
    the pieces alone kept the whole model alive while MkDocs wrote the pages. A serve
    session keeps them, so that an edit re-parses and rebuilds one file."""
    parse_cache.forget()
    if snap is not None:
        snap.forget_bytes()
    found = _sessions.get(parse_cache)
    if found is not None:
        found.forget_pieces()


def final_inputs(entries: Iterable[tuple[Any, str, str, bytes, str]], content: Content,
                 period_id: str, scoring: ScoringSettings, registry: ScorerRegistry) -> str:
    """The key of a closed period's final check (see the module): `entries` are the
    snapshot's (file, relpath, kind, raw, sha256)."""
    sha = {rel: digest for _, rel, _, _, digest in entries}
    wanted = content.period(period_id)
    inside = [p for p in ordered_periods(content) if wanted.contains(content.period(p))]
    files = []
    for p in sorted(inside):
        folder = f"periods/{p}/"
        files += [(p, rel, digest) for rel, digest in sorted(sha.items())
                  if rel.startswith(folder)]
    kpis = sorted({kr.kpi for (p, _), up in content.okrs.items() if p in inside
                   for o in up.objectives for kr in o.key_results if kr.kpi})
    used = []
    for kpi in kpis:
        found = content.kpis.get(kpi)
        used.append((kpi, sha.get(found.source.path) if found and found.source else None))
    recorded = wanted.final
    scorers = []
    for name in sorted(recorded.scorers if recorded is not None else ()):
        try:
            scorer = registry.get(name)
            scorers.append((name, scorer.version, type(scorer).__module__,
                            type(scorer).__qualname__))
        except Exception:  # an unknown or broken scorer: the check says so, uncached
            scorers.append((name, "unavailable"))
    org = next((digest for rel, digest in sha.items() if rel in ("org.yaml", "org.yml")),
               None)
    # origins, not names: an upgraded scorer package is not a clean check of the old one
    return final_key(period_id, content.fiscal_year_start, repr(scoring), registry.origins(),
                     scorers, org, files, used)
