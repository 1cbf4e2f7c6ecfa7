"""load -> validate -> model: the stages every command and the site share.

`load_content` returns the model with every diagnostic found on the way; it
never raises on bad content. `check` adds the rules that need scores, and
caches its whole result by the digest of the content, so re-checking an
unchanged repository reads the files and nothing else.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from okrsite import __version__
from okrsite.build import build
from okrsite.diagnostics import Diagnostic, diag, has_errors
from okrsite.loader import Document, ParseCache, Snapshot, load, paused_gc, snapshot
from okrsite.model import Content
from okrsite.rules import content_rules, document_rules
from okrsite.schema import validate


@dataclass
class Loaded:
    content: Content
    diagnostics: list[Diagnostic]
    snapshot: Snapshot
    documents: list[Document] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def load_content(content_dir: Path, cache: ParseCache | None = None,
                 fiscal_year_start: int = 1, snap: Snapshot | None = None) -> Loaded:
    content_dir = content_dir.resolve()
    snap = snap if snap is not None else snapshot(content_dir)
    with paused_gc():  # thousands of documents stay alive: see paused_gc
        return _load(content_dir, snap, cache, fiscal_year_start)


def _load(content_dir: Path, snap: Snapshot, cache: ParseCache | None,
          fiscal_year_start: int) -> Loaded:
    documents, diagnostics = load(snap, cache)
    good: list[Document] = []
    broken: set[tuple[str, str]] = set()
    for doc in documents:
        problems = validate(doc)
        if not problems:
            problems = document_rules(doc)
        diagnostics += problems
        if any(p.is_error and p.code in _UNBUILDABLE for p in problems):
            if doc.expected_kind == "okrs":
                parts = doc.relpath.split("/")
                broken.add((parts[1], parts[2].rsplit(".", 1)[0]))
            continue
        good.append(doc)
    parsed = {d.relpath for d in documents}
    for _, rel, kind, _, _ in snap.entries:
        if kind == "okrs" and rel not in parsed:
            parts = rel.split("/")
            broken.add((parts[1], parts[2].rsplit(".", 1)[0]))
    if not any(kind == "org" for _, _, kind, _, _ in snap.entries):
        diagnostics.append(diag(content_dir / "org.yaml", (1, 1), "OKR010",
                                f"no org.yaml in {content_dir}"))
    content = build(good, content_dir, fiscal_year_start)
    diagnostics += content_rules(content, broken)
    return Loaded(content, diagnostics, snap, documents)


# Problems after which a document is left out of the model; the rest (a missing
# owner, a shape error in one KR) still let the document be built and linked.
_UNBUILDABLE = {"OKR007", "OKR008", "OKR101", "OKR102", "OKR103", "OKR104", "OKR220",
                "OKR201", "OKR202", "OKR204", "OKR217"}


def check(content_dir: Path, as_of: date | None, cache_dir: Path | None = None,
          fiscal_year_start: int = 1, scoring: object | None = None) -> list[Diagnostic]:
    """Every diagnostic for a content dir, as of a date. Cached by content digest.

    Without an as-of date (a new repository: no commit, nothing dated) the rules
    that need scores are left out; every other problem is still reported."""
    from okrsite.scoring import ScoringSettings
    from okrsite.scoring.checks import check_scoring
    from okrsite.scoring.registry import ScorerRegistry

    settings = scoring if isinstance(scoring, ScoringSettings) else ScoringSettings()
    registry = ScorerRegistry.discover()
    content_dir = content_dir.resolve()
    if cache_dir is not None and cache_dir.resolve().is_relative_to(content_dir):
        cache_dir = None  # the cache never writes into the content it describes
    snap = snapshot(content_dir)
    # Installing a scorer plugin changes what OKR219 says, so the scorers are in the key.
    # Diagnostics name absolute files, so the directory is in the key as well as its digest.
    key = (f"{content_dir}-{snap.digest}-{as_of}-{fiscal_year_start}-{settings!r}-"
           f"{registry.names()}")
    result_file = _result_file(cache_dir, key)
    if result_file is not None and result_file.exists():
        try:
            return [Diagnostic(**d) for d in json.loads(result_file.read_text())["diagnostics"]]
        except (OSError, ValueError, TypeError):
            pass  # damaged: recompute
    with paused_gc():
        loaded = load_content(content_dir, ParseCache(cache_dir), fiscal_year_start, snap)
        diagnostics = loaded.diagnostics
        if loaded.ok and as_of is not None:
            diagnostics += check_scoring(loaded.content, settings, as_of, content_dir, registry)
    if result_file is not None:
        _store(result_file, diagnostics)
    return diagnostics


def _result_file(cache_dir: Path | None, key: str) -> Path | None:
    if cache_dir is None:
        return None
    import hashlib

    name = hashlib.sha256(f"{__version__}\0{key}".encode()).hexdigest()
    return cache_dir / "check" / f"{name}.json"


def _store(file: Path, diagnostics: list[Diagnostic]) -> None:
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"diagnostics": [asdict(d) for d in diagnostics]}))
        tmp.replace(file)
    except OSError:
        pass  # caching is an optimisation only
