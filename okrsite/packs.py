"""Pack files in cache_dir, shared by the parse cache (okrsite.loader) and the piece
cache (okrsite.piececache): a line of JSON index, {key: [offset, length, ...]}, then the
entries back to back. A reader seeks to the entries it needs; a pack that cannot be read
or whose index is damaged is passed over, never trusted, and an entry the index places
outside its pack is left out."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO


def entries(folder: Path) -> Iterator[tuple[str, Path, int, int, list[Any]]]:
    """Every entry of the packs in `folder`, packs in name order: its key, its pack, its
    start and size in the file, and what else the index says of it."""
    for pack in sorted(folder.glob("*.pack")):
        try:
            with pack.open("rb") as f:
                head = f.readline()
                end = os.fstat(f.fileno()).st_size
            table = json.loads(head)
            found = [(key, pack, len(head) + at, size, rest)
                     for key, (at, size, *rest) in table.items()
                     if type(at) is int and type(size) is int
                     and at >= 0 and size >= 0 and len(head) + at + size <= end]
        except (OSError, ValueError, TypeError, AttributeError):
            continue
        yield from found


def read_at(pack: Path, start: int, size: int) -> bytes | None:
    """An entry's bytes; None when its pack is gone (merged away by another run)."""
    try:
        with pack.open("rb") as f:
            f.seek(start)
            return f.read(size)
    except (OSError, ValueError):
        return None


def write(folder: Path, name: str, table: dict[str, list[Any]],
          body: Callable[[BinaryIO], object], replaces: Iterable[Path] = ()) -> None:
    """Write a pack into `folder` whole or not at all: its index line, then `body`
    writes the entries in the index's layout. Named by `name`, a digest of what it
    holds in order, so a pack of the same name is the same bytes and an index read
    earlier never points into another layout. Then the packs it `replaces` (merged
    into it) go. An OSError is the caller's: a read-only cache dir only costs speed."""
    pack = folder / f"{name[:32]}.pack"
    tmp = pack.with_suffix(f".{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(json.dumps(table, separators=(",", ":")).encode() + b"\n")
            body(f)
        tmp.replace(pack)
    finally:
        tmp.unlink(missing_ok=True)
    for old in replaces:
        if old != pack:
            old.unlink(missing_ok=True)
