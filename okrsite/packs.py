"""Pack files in cache_dir, shared by the parse cache (okrsite.loader) and the piece
cache (okrsite.piececache): a line of JSON index, {key: [offset, length, ...]}, then the
entries back to back. A reader seeks to the entries it needs; a pack that cannot be read
or whose index is damaged is passed over, never trusted, and an entry the index places
outside its pack is left out."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


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
