"""Find the YAML documents of a content directory and parse them, cached by content hash.

The layout decides what kind a file must be:

    org.yaml                          kind: org
    kpis/<kpi-id>.yaml                kind: kpi
    periods/<period>/period.yaml      kind: period
    periods/<period>/<unit>.yaml      kind: okrs

Everything else in the content directory is an ordinary site page or asset.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from okrsite import __version__
from okrsite.diagnostics import Diagnostic, diag
from okrsite.yamlparse import PARSER_VERSION, Parsed, Position, YamlError, parse

YAML_SUFFIXES = (".yaml", ".yml")
MAX_BYTES = 4 * 1024 * 1024  # an OKR file is ~8 KB; a bigger one is a mistake or an attack


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


class ParseCache:
    """Parsed documents by sha256 of their bytes: in memory, and on disk when given a dir.

    A serve session keeps one instance, so an edit re-parses one file; a CLI run
    reads the disk cache, so an unchanged repository is not parsed again.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.memory: dict[str, Parsed] = {}
        self.parsed = 0  # files actually parsed: tests and benchmarks read it

    def _file(self, sha: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"parse-{PARSER_VERSION}-{__version__}" / sha[:2] / f"{sha}.json"

    def get(self, sha: str) -> Parsed | None:
        if sha in self.memory:
            return self.memory[sha]
        file = self._file(sha)
        if file is None or not file.exists():
            return None
        try:
            raw = json.loads(file.read_bytes())
            data, positions = raw["data"], raw["positions"]
            if not isinstance(data, dict) or not isinstance(positions, dict):
                return None
            parsed = Parsed(data, {k: (int(v[0]), int(v[1])) for k, v in positions.items()})
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None  # a damaged cache entry is re-parsed, never trusted
        self.memory[sha] = parsed
        return parsed

    def put(self, sha: str, parsed: Parsed) -> None:
        self.memory[sha] = parsed
        file = self._file(sha)
        if file is None:
            return
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"data": parsed.data, "positions": parsed.positions},
                                      separators=(",", ":"), ensure_ascii=False))
            tmp.replace(file)
        except OSError:
            pass  # a read-only cache dir only costs speed


@dataclass
class Snapshot:
    """The bytes of every document, read once: what a check or build is a function of."""

    entries: list[tuple[Path, str, str, bytes, str]]  # file, relpath, kind, raw, sha256
    diagnostics: list[Diagnostic]

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
        return f.read(MAX_BYTES + 1)


def load(snap: Snapshot, cache: ParseCache | None = None
         ) -> tuple[list[Document], list[Diagnostic]]:
    """Parse every document; a file that fails to parse yields a diagnostic, not a Document."""
    cache = cache if cache is not None else ParseCache()
    diagnostics = list(snap.diagnostics)
    documents: list[Document] = []
    for file, rel, kind, raw, sha in snap.entries:
        parsed = cache.get(sha)
        if parsed is None:
            try:
                parsed = parse(raw)
            except YamlError as err:
                diagnostics.append(diag(file, err.pos, err.code, err.message))
                continue
            cache.parsed += 1
            cache.put(sha, parsed)
        documents.append(Document(file, rel, kind, sha, parsed.data, parsed.positions))
    return documents, diagnostics
