"""Every document parsed and checked on its own, on every core: the load's first half.

A document's parse and its own problems (the schema, the per-document rules, a KPI's
owner) depend on its bytes and, for every document but the org, on the org's units:
on nothing another document's check computes. So the org is read and checked first,
here, and the other documents are spread over forked worker processes (when
okrsite.forking.workers_for allows it for the number to do). A worker sends
back, per document, its parse (data, positions, notes) or its YAML error, the parse
cache's entry bytes when that cache is on disk, and the document's problems; the
parent takes them in file order, so the diagnostics, the model and both caches are
the same as when it does all the work itself (tests/load/test_load_parallel.py).

Forked, so the workers inherit the snapshot's bytes, the documents the caches already
hold and the org's units, and send back only results. Those pickle cheaply next to
the parse: at 1,000 files (13 MB of YAML) 0.1 s to pickle and 0.2 s to read back,
against 2.5 s of parsing; the JSON of the parse cache, made in the workers, is sent
as bytes. A document in the parse cache but not in the check cache is checked in a
worker too, from the parse it inherited.

With a check cache, an OKR file or KPI whose problems are kept there, and let it be
built, and whose model piece is kept (from the last build of a serve session, or in
cache_dir: okrsite.piececache) is taken as that piece: neither decoded from the parse
cache nor checked nor built (a CI run that keeps cache_dir decodes only what changed).
It is then in `Checked.built` (and in `good`), not in `documents`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from okrsite.build import build as build_model
from okrsite.checkcache import CheckCache, entry_key, units_digest
from okrsite.diagnostics import Diagnostic, diag
from okrsite.forking import pool as forked_pool
from okrsite.forking import result_of, workers_for
from okrsite.gcpolicy import paused as paused_gc
from okrsite.loader import Document, ParseCache, Snapshot, encode
from okrsite.model import Unit
from okrsite.piececache import Built, Note
from okrsite.rules import Unbuilt, document_rules, kpi_owner
from okrsite.schema import validate
from okrsite.yamlparse import Parsed, Position, YamlError, parse

CHUNKS_PER_WORKER = 4  # a busy core's worker takes fewer chunks, so both finish together

# Problems after which a document is left out of the model; the rest (a missing
# owner, a shape error in one KR) still let the document be built and linked.
UNBUILDABLE = {"OKR007", "OKR008", "OKR101", "OKR102", "OKR103", "OKR104", "OKR220",
               "OKR201", "OKR202", "OKR204", "OKR217"}

_Failure = tuple[str, str, Position, str | None]  # a YAML error: code, message, place, hint
# A freshly parsed document (or why it cannot be), its cache entry's bytes, its problems.
_Outcome = tuple[Parsed | _Failure | None, bytes | None, list[Diagnostic] | None]


def problems(doc: Document, units: dict[str, Unit] | None) -> list[Diagnostic]:
    """A document's own problems; `units`: the org's, or None when there is no org."""
    found = validate(doc)
    if doc.expected_kind == "kpi":
        owner = kpi_owner(doc, units)
        if owner:  # said better than the schema's "not an id" at the same place
            at = (owner[0].line, owner[0].col)
            found = [p for p in found if (p.line, p.col) != at] + owner
            if all(p.code == "OKR203" for p in found):
                return found + document_rules(doc, units)
    return found or document_rules(doc, units)


@dataclass
class Checked:
    documents: list[Document]  # every document that parsed, in file order
    good: list[Document | Built]  # those the model is built from, in file order
    diagnostics: list[Diagnostic]  # the snapshot's, the parse's, then each document's
    unbuilt: Unbuilt = field(default_factory=Unbuilt)
    built: list[Built] = field(default_factory=list)  # taken from the piece cache
    # The parse notes of `documents`, by (relpath, sha256): kept with their pieces.
    notes: dict[tuple[str, str], list[Note]] = field(default_factory=dict)


@dataclass
class _Job:
    """What the workers inherit: the work, and what it reads."""

    entries: list[tuple[Path, str, str, bytes, str]]
    parsed: list[Parsed | None]  # from the parse cache; None: to parse
    check: list[bool]  # whether to check (not in the check cache)
    units: dict[str, Unit] | None = None
    encode: bool = False


_JOB: _Job | None = None  # set only while workers run; they inherit it at fork


def _outcome(job: _Job, i: int) -> _Outcome:
    file, rel, kind, raw, sha = job.entries[i]
    parsed = job.parsed[i]
    fresh: Parsed | _Failure | None = None
    encoded = None
    if parsed is None:
        try:
            parsed = fresh = parse(raw)
        except YamlError as err:
            return (err.code, err.message, err.pos, err.hint), None, None
        encoded = encode(parsed) if job.encode else None
    found = None
    if job.check[i]:
        found = problems(Document(file, rel, kind, sha, parsed.data, parsed.positions),
                         job.units)
    return fresh, encoded, found


def _run(indices: list[int]) -> list[_Outcome]:
    assert _JOB is not None  # set before the fork
    return [_outcome(_JOB, i) for i in indices]


def _outcomes(job: _Job, todo: list[int]) -> dict[int, _Outcome]:
    """`_outcome` of every index in `todo`: in forked workers when allowed, else here."""
    global _JOB
    n = workers_for(len(todo))
    if n < 2:
        return {i: _outcome(job, i) for i in todo}
    size = -(-len(todo) // (n * CHUNKS_PER_WORKER))
    chunks = [todo[at:at + size] for at in range(0, len(todo), size)]
    _JOB = job
    try:
        # Leaving the block terminates the pool: no worker outlives the load.
        with forked_pool(n) as pool:
            done = result_of(pool, pool.map_async(_run, chunks, chunksize=1),
                             "parsing and checking the content")
    finally:
        _JOB = None
    return dict(zip(todo, chain.from_iterable(done), strict=True))


def load(snap: Snapshot, cache: ParseCache | None = None
         ) -> tuple[list[Document], list[Diagnostic]]:
    """Every document parsed, unchecked (`prdiff` reads revisions' data): the documents
    that parse, in file order, and the snapshot's and the parse's diagnostics. The
    same loop as a build's load, workers included."""
    with paused_gc():  # thousands of documents stay alive: see okrsite.gcpolicy
        checked = check_documents(snap, cache, check=False)
    return checked.documents, checked.diagnostics


def check_documents(snap: Snapshot, cache: ParseCache | None = None,
                    checks: CheckCache | None = None, check: bool = True) -> Checked:
    """Parse every document (a file that fails yields a diagnostic, not a Document) and,
    unless `check` is false, check each on its own, reusing what `cache` and `checks`
    hold."""
    cache = cache if cache is not None else ParseCache()
    checks = checks if check else None
    entries = snap.entries
    parsed: list[Parsed | None] = [None] * len(entries)  # filled as each is looked up
    job = _Job(entries, parsed, [check] * len(entries), encode=cache.on_disk)
    outcomes: dict[int, _Outcome] = {}
    found: dict[int, tuple[Diagnostic, ...]] = {}  # from the check cache
    keys: dict[int, str] = {}
    built: dict[int, Built] = {}  # from the piece cache

    def look_up(i: int, units_key: str) -> None:
        if checks is not None:
            file, rel, kind, _, sha = entries[i]
            keys[i] = entry_key(rel, kind, sha, units_key)
            hit = checks.document(keys[i], file)
            if hit is not None:
                found[i] = hit
                job.check[i] = False

    # The org first: the other documents' rules suggest only units that exist.
    org = next((i for i, entry in enumerate(entries) if entry[2] == "org"), None)
    if org is not None:
        parsed[org] = cache.get(entries[org][4])
        look_up(org, units_digest(None))
        outcomes[org] = _outcome(job, org)
        fresh, _, mine = outcomes[org]
        org_parse = fresh if isinstance(fresh, Parsed) else parsed[org]
        mine = list(found[org]) if org in found else mine
        if org_parse is not None and mine is not None and not _unbuildable(mine):
            file, rel, kind, _, sha = entries[org]
            job.units = build_model([Document(file, rel, kind, sha, org_parse.data,
                                              org_parse.positions)]).org.units
    units_key = units_digest(job.units)
    first: dict[str, int] = {}  # sha -> the entry that parses it
    if org is not None and parsed[org] is None:
        first[entries[org][4]] = org
    again: list[int] = []  # the same bytes as an earlier entry: done here, after it
    todo: list[int] = []
    for i, (_, rel, kind, _, sha) in enumerate(entries):
        if i == org:
            continue
        look_up(i, units_key)
        if (checks is not None and i in found and kind in ("okrs", "kpi")
                and not _unbuildable(list(found[i]))):
            piece = checks.built(rel, sha)
            if piece is not None:
                built[i] = piece
                continue
        parsed[i] = cache.get(sha)
        if parsed[i] is None and first.setdefault(sha, i) != i:
            again.append(i)
        elif parsed[i] is None or job.check[i]:
            todo.append(i)
    outcomes.update(_outcomes(job, todo))
    for i in again:  # rare: two files with the same bytes
        fresh = outcomes.get(first[entries[i][4]], (None, None, None))[0]
        if isinstance(fresh, Parsed):
            job.parsed[i] = fresh
            outcomes[i] = (None, None, _outcome(job, i)[2])
        else:
            outcomes[i] = (fresh, None, None)
    return _assemble(snap, cache, checks, job, outcomes, found, keys, built)


def _assemble(snap: Snapshot, cache: ParseCache, checks: CheckCache | None, job: _Job,
              outcomes: dict[int, _Outcome], found: dict[int, tuple[Diagnostic, ...]],
              keys: dict[int, str], built: dict[int, Built]) -> Checked:
    """The results in the order one process makes them: the parse's diagnostics in file
    order, then each document's problems, the org's first."""
    diagnostics = list(snap.diagnostics)
    documents: list[tuple[int, Document]] = []
    notes: dict[tuple[str, str], list[Note]] = {}
    for i, (file, rel, kind, _, sha) in enumerate(snap.entries):
        if i in built:
            diagnostics.extend(diag(file, pos, code, message, hint)
                               for pos, code, message, hint in built[i].notes)
            continue
        fresh, encoded, _ = outcomes.get(i, (None, None, None))
        if isinstance(fresh, tuple):
            code, message, pos, hint = fresh
            diagnostics.append(diag(file, pos, code, message, hint))
            continue
        parsed = job.parsed[i]
        if isinstance(fresh, Parsed):
            cache.parsed += 1
            cache.add(sha, fresh, encoded)
            parsed = fresh
        assert parsed is not None
        diagnostics.extend(diag(file, pos, code, message, hint)
                           for pos, code, message, hint in parsed.notes)
        documents.append((i, Document(file, rel, kind, sha, parsed.data, parsed.positions)))
        notes[(rel, sha)] = parsed.notes
    cache.flush(keep=(sha for *_, sha in snap.entries))
    good: list[Document | Built] = []
    unbuilt = Unbuilt()
    items: list[tuple[int, Document | Built]] = sorted([*documents, *built.items()],
                                                       key=lambda d: d[0])
    for i, doc in sorted(items, key=lambda d: snap.entries[d[0]][2] != "org"):
        if isinstance(doc, Built):  # kept only when its cached problems let it be built
            diagnostics += found[i]
            good.append(doc)
            continue
        if i in found:
            mine = list(found[i])
        else:
            mine = outcomes.get(i, (None, None, None))[2] or []  # none: not checked
            if checks is not None:
                root = doc.file.parents[doc.relpath.count("/")]  # the content's folder
                checks.put_document(keys[i], mine, doc.file, root)
        diagnostics += mine
        if _unbuildable(mine):
            unbuilt.add(doc.relpath, doc.expected_kind, doc.data)
            continue
        good.append(doc)
    if checks is not None:
        checks.flush("documents")
    return Checked([doc for _, doc in documents], good, diagnostics, unbuilt,
                   list(built.values()), notes)


def _unbuildable(found: list[Diagnostic]) -> bool:
    return any(p.is_error and p.code in UNBUILDABLE for p in found)
