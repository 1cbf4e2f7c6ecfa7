"""Find the YAML documents of a content directory and parse them, cached by content hash.

The layout decides what kind a file must be:

    org.yaml                          kind: org
    people.yaml                       kind: people (optional)
    kpis/<kpi-id>.yaml                kind: kpi
    periods/<period>/period.yaml      kind: period
    periods/<period>/<unit>.yaml      kind: okrs

Everything else in the content directory is an ordinary site page or asset.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, ValuesView
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from okrsite import packs
from okrsite.diagnostics import CODES, Diagnostic, diag
from okrsite.digest import code_version
from okrsite.output import drop_other_versions, write_cache
from okrsite.yamlparse import PARSER_VERSION, Parsed, Position, place

YAML_SUFFIXES = (".yaml", ".yml")
MAX_BYTES = 4 * 1024 * 1024  # an OKR file is ~8 KB; a bigger one is a mistake or an attack
MAX_PACKS = 8  # parse cache packs before a run that adds one merges them


@dataclass
class Document:
    """One parsed YAML file. `relpath` is posix and relative to the content dir."""

    file: Path
    relpath: str
    expected_kind: str
    sha256: str
    data: dict[str, Any]
    positions: dict[str, Position]

    def pos(self, pointer: str) -> Position:
        """Where a JSON pointer's value is, falling back to its nearest ancestor."""
        while pointer:
            if pointer in self.positions:
                return self.positions[pointer]
            pointer = pointer.rsplit("/", 1)[0]
        return self.positions.get("", (1, 1))


def expected_kind(relpath: str) -> str | None:
    """The kind a file's place implies, or None when it is not an okrsite document."""
    parts = relpath.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    if parts == ["org.yaml"] or parts == ["org.yml"]:
        return "org"
    if parts == ["people.yaml"] or parts == ["people.yml"]:
        return "people"
    if len(parts) == 2 and parts[0] == "kpis":
        return "kpi"
    if len(parts) == 3 and parts[0] == "periods":
        return "period" if stem == "period" else "okrs"
    return None


def discover(content_dir: Path) -> tuple[list[tuple[Path, str, str]], list[Diagnostic]]:
    """(file, relpath, kind) of every document, sorted by path, plus layout warnings."""
    found: list[tuple[Path, str, str]] = []
    notes: list[Diagnostic] = []
    first: dict[str, str] = {}  # relpath without suffix -> the relpath kept
    walked = sorted((file.relative_to(content_dir).as_posix(), file)
                    for file in _walk(content_dir))
    for rel, file in walked:
        kind = expected_kind(rel)
        if kind is not None:
            stem = rel.rsplit(".", 1)[0]
            if stem in first:
                notes.append(diag(file, (1, 1), "OKR011", f"{rel} and {first[stem]} are the "
                                  "same document; only the first is read"))
                continue
            first[stem] = rel
            found.append((file, rel, kind))
        elif rel.split("/")[0] in ("kpis", "periods"):
            notes.append(diag(file, (1, 1), "OKR009", f"{rel} is not in the content layout "
                              "and is ignored"))
    return found, notes


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name


_Where = tuple[Path, int, int]  # a pack, and the start and size of an entry in it


class ParseCache:
    """Parsed documents by sha256 of their bytes: in memory, and on disk when given a dir.

    A serve session keeps one instance, so an edit re-parses one file; a CLI run
    reads the disk cache, so an unchanged repository is not parsed again.

    On disk, `put` writes one file per entry at once (history stores blobs one at a
    time and reads them back later), while `add` holds entries until `flush` writes
    them as one pack: creating two thousand small files took longer than encoding
    what is in them. A pack is a line of JSON index, {sha: [offset, length]}, then
    the entries; a reader seeks to the ones it needs.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.memory: dict[str, Parsed] = {}
        self.parsed = 0  # files actually parsed: tests and benchmarks read it
        self._pending: dict[str, Parsed] = {}
        self._encoded: dict[str, bytes] = {}  # pending entries already in their disk form
        self._packed: dict[str, list[_Where]] | None = None  # read when first needed
        self._read: dict[str, _Where] = {}  # entries read back from packs, and from where

    @property
    def on_disk(self) -> bool:
        """Whether entries are written to disk (then `add` may be given their bytes)."""
        return self.directory is not None

    def _dir(self) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"parse-{PARSER_VERSION}-{code_version()}"

    def _file(self, sha: str) -> Path | None:
        base = self._dir()
        return None if base is None else base / sha[:2] / f"{sha}.json"

    def get(self, sha: str) -> Parsed | None:
        if sha in self.memory:
            return self.memory[sha]
        for where in self._index().get(sha, ()):
            parsed = _decode(_read_at(where))
            if parsed is not None:
                self._read[sha] = where
                self.memory[sha] = parsed
                return parsed
        file = self._file(sha)
        try:
            parsed = _decode(file.read_bytes()) if file is not None else None
        except OSError:
            parsed = None
        if parsed is not None:
            self.memory[sha] = parsed
        return parsed

    def put(self, sha: str, parsed: Parsed) -> None:
        """Keep an entry, on disk at once."""
        self.memory[sha] = parsed
        file = self._file(sha)
        if file is None:
            return
        write_cache(file, encode(parsed))

    def forget(self) -> None:
        """Let go of the entries held in memory (those on disk stay). A one-off build
        needs none once its content is loaded: at 5,000 files they were most of its
        memory. A serve session keeps them, so that an edit re-parses one file."""
        self.memory.clear()
        self._read.clear()

    def add(self, sha: str, parsed: Parsed, encoded: bytes | None = None) -> None:
        """Keep an entry; on disk with the others at the next `flush`. `encoded`:
        `encode(parsed)`, when a worker process made it already."""
        self.memory[sha] = parsed
        self._pending[sha] = parsed
        if encoded is not None:
            self._encoded[sha] = encoded

    def flush(self, keep: Iterable[str] = ()) -> None:
        """Write the entries added since the last flush as one pack. Past MAX_PACKS packs,
        merge them into this one, keeping only the entries named in `keep` (the ones the
        content needs now): the cache does not grow with every edit ever checked."""
        pending, self._pending = self._pending, {}
        encoded, self._encoded = self._encoded, {}
        base = self._dir()
        if base is None or not pending:
            return
        folder = base / "packs"
        entries = [(sha, encoded.get(sha) or encode(parsed)) for sha, parsed in pending.items()]
        merged = sorted({where[0] for found in self._index().values() for where in found})
        if len(merged) >= MAX_PACKS:
            for sha in dict.fromkeys(keep):
                if sha in pending:
                    continue
                where = self._read.get(sha) or next(iter(self._index().get(sha, ())), None)
                if where is not None:
                    entries.append((sha, _read_at(where)))  # as stored: no need to encode
                elif sha in self.memory:
                    entries.append((sha, encode(self.memory[sha])))
        else:
            merged = []
        name = hashlib.sha256()
        for sha, raw in entries:
            name.update(sha.encode() + b"\0" + raw)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            table, start = {}, 0
            for sha, raw in entries:
                table[sha] = [start, len(raw)]
                start += len(raw)
            packs.write(folder, name.hexdigest(), table,
                        lambda f: f.writelines(raw for _, raw in entries), merged)
            drop_other_versions(base, "parse-")
        except OSError:
            pass  # a read-only cache dir only costs speed
        self._packed, self._read = None, {}  # read the packs afresh when next needed

    def _index(self) -> dict[str, list[_Where]]:
        """Where each sha is stored in the packs; an entry may be in more than one."""
        if self._packed is None:
            self._packed = {}
            base = self._dir()
            for sha, pack, start, size, _ in packs.entries(base / "packs") if base else ():
                self._packed.setdefault(sha, []).append((pack, start, size))
        return self._packed


def _read_at(where: _Where) -> bytes:
    return packs.read_at(*where) or b""  # merged away by another run meanwhile: parse again


def encode(parsed: Parsed) -> bytes:
    """A parse cache entry's bytes on disk."""
    # Positions as two flat lists: 15% quicker to write and 30% quicker to read back
    # than a mapping of [line, col] pairs. ASCII, so a lone surrogate from a `"\ud800"`
    # escape in the YAML still encodes.
    entry = {"data": parsed.data, "pointers": list(parsed.positions),
             "places": list(chain.from_iterable(parsed.positions.values()))}
    if parsed.notes:
        entry["notes"] = [[line, col, code, message, hint]
                          for (line, col), code, message, hint in parsed.notes]
    return json.dumps(entry, separators=(",", ":")).encode()


def _decode(raw: bytes) -> Parsed | None:
    """An entry read back, or None when it is damaged: it is then parsed again, never
    trusted."""
    try:
        entry = json.loads(raw)
        data, pointers, places = entry["data"], entry["pointers"], entry["places"]
        notes = entry.get("notes", [])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not (isinstance(data, dict) and isinstance(pointers, list) and isinstance(places, list)
            and len(places) == 2 * len(pointers) and set(map(type, places)) <= {int}
            and set(map(type, pointers)) <= {str} and isinstance(notes, list)
            and all(_is_note(n) for n in notes)):
        return None
    return Parsed(data, _Positions(pointers, places),  # type: ignore[arg-type]
                  [((line, col), code, message, hint) for line, col, code, message, hint
                   in notes])


class _Positions(Mapping[str, Position]):
    """A parse cache entry's positions, made into a dict only when many are looked
    up: a build takes an unchanged OKR file from the piece cache, but decodes the
    period files (whose final records hold thousands of values) and then reads one
    or two of their positions; making the dict of each was most of their decoding.
    A few look-ups scan the pointers instead (in C). Pickled as the dict."""

    SCANS = 8  # look-ups before the dict is made

    def __init__(self, pointers: list[str], places: list[int]) -> None:
        self._pointers, self._places = pointers, places
        self._map: dict[str, Position] | None = None
        self._scans = 0

    def _made(self) -> dict[str, Position]:
        if self._map is None:
            pairs = iter(self._places)
            self._map = {ptr: place(line, col) for ptr, line, col
                         in zip(self._pointers, pairs, pairs, strict=True)}
            self._pointers, self._places = [], []
        return self._map

    def _find(self, key: object) -> int:
        """Where `key` is among the pointers (the last, as the dict keeps the last
        of equal keys), -1 if not; -2: look in the dict."""
        if self._map is not None or self._scans >= self.SCANS:
            return -2
        self._scans += 1
        pointers = self._pointers
        if key not in pointers:
            return -1
        return len(pointers) - 1 - pointers[::-1].index(key)

    def __getitem__(self, key: str) -> Position:
        at = self._find(key)
        if at == -2:
            return self._made()[key]
        if at == -1:
            raise KeyError(key)
        return place(self._places[2 * at], self._places[2 * at + 1])

    def __contains__(self, key: object) -> bool:
        at = self._find(key)
        return key in self._made() if at == -2 else at >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def values(self) -> ValuesView[Position]:
        return self._made().values()

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (self._made(),)


def _is_note(note: Any) -> bool:
    return (isinstance(note, list) and len(note) == 5 and type(note[0]) is int
            and type(note[1]) is int and all(type(t) is str for t in note[2:])
            and note[2] in CODES)


@dataclass
class Snapshot:
    """The bytes of every document, read once: what a check or build is a function of."""

    entries: list[tuple[Path, str, str, bytes, str]]  # file, relpath, kind, raw, sha256
    diagnostics: list[Diagnostic]

    def forget_bytes(self) -> None:
        """Let go of the documents' bytes, keeping their files, relpaths, kinds and
        digests (what a build reads of it once its content is loaded): a one-off build
        held 65 MB of them to its end at 5,000 files."""
        self.entries = [(file, rel, kind, b"", sha) for file, rel, kind, _, sha in self.entries]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for _, rel, _, _, sha in self.entries:
            h.update(f"{rel}\0{sha}\n".encode())
        return h.hexdigest()


def snapshot(content_dir: Path) -> Snapshot:
    files, diagnostics = discover(content_dir)
    entries = []
    for file, rel, kind in files:
        try:
            raw = _read(file)
        except OSError as exc:
            diagnostics.append(diag(file, (1, 1), "OKR001", f"cannot read the file: {exc}"))
            continue
        if len(raw) > MAX_BYTES:
            diagnostics.append(diag(file, (1, 1), "OKR004", f"{rel} is larger than "
                                    f"{MAX_BYTES // 1024 // 1024} MB", "Split the file."))
            continue
        entries.append((file, rel, kind, raw, hashlib.sha256(raw).hexdigest()))
    return Snapshot(entries, diagnostics)


def _read(file: Path) -> bytes:
    """At most MAX_BYTES + 1 bytes of a regular file: never block on a FIFO or read
    /dev/zero forever through a symlink."""
    if not file.is_file():
        raise OSError(f"{file.name} is not a regular file")
    with file.open("rb") as f:
        # Ask for the size the file has: read(MAX_BYTES + 1) allocates 4 MB every time,
        # which made reading two thousand files three times slower (and the warm check).
        size = min(os.fstat(f.fileno()).st_size, MAX_BYTES)
        raw = f.read(size + 1)
        if len(raw) > size:  # it grew, or its size was not known (procfs): read on
            raw += f.read(MAX_BYTES + 1 - len(raw))
        return raw


def in_layout(relpath: str) -> bool:
    """org.yaml, kpis/* and periods/**: the documents, and the stray YAML the loader
    ignores there (OKR009), which may hold restricted data all the same."""
    return expected_kind(relpath) is not None or relpath.split("/")[0] in ("kpis", "periods")
