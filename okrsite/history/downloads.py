"""The audit downloads of a period (okrs.csv, check-ins.csv, okrs.json), kept in the
cache dir so that a build whose figures did not change writes them without encoding
them again (encoding them was most of what history added to a warm build).

The downloads are a pure function of the period's export rows and a few facts of the
period, so they are kept under the sha256 of exactly those (their repr: exact types,
exact floats, in order) with okrsite's code version: an entry is found only for equal
inputs, which give equal bytes, whatever the content, the settings or the view (a
public build's rows hold no restricted item, so neither can its entry). A damaged
entry is ignored and made again. One entry is kept per period and kind of build
(public or internal): the one the last build used.

A site build also keeps a period's four exports (the three downloads and its
manifest) whole under the digest of everything its audit page is made of
(`kept_exports`, okrsite.render.history): a warm build with the same content, commit,
settings and as-of neither exports the rows nor makes the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from okrsite.digest import code_version
from okrsite.output import drop_other_versions, read_sealed, write_sealed

NAMES = ("okrs.csv", "check-ins.csv", "okrs.json")
EXPORTS = (*NAMES, "manifest.json")
_FORMAT = "1"  # bump when an entry's layout changes


def _folder(cache_dir: Path) -> Path:
    folder = cache_dir / f"downloads-{_FORMAT}-{code_version()}"
    drop_other_versions(folder, "downloads-")  # what other code cached is never read
    return folder


def input_key(facts: tuple[Any, ...], objectives: list[dict[str, Any]]) -> str:
    """The digest of what the downloads are made of. Their `repr`: canonical for plain
    data, and types apart (1, 1.0 and True; "1" and 1). Not marshal: its bytes depend on
    how the objects happen to be shared (a load through the parse cache shares strings
    that a fresh parse does not), which made a warm build miss."""
    raw = repr((sys.version_info[:2], facts, objectives))
    return hashlib.sha256(raw.encode("utf-8", "backslashreplace")).hexdigest()


def cached_downloads(cache_dir: Path | None, slot: str, facts: tuple[Any, ...],
                     objectives: list[dict[str, Any]],
                     make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
    """`make()`, or what it gave for the same `facts` and `objectives` before. `slot`
    names the entry kept (a period and the kind of build)."""
    if cache_dir is None:
        return make()
    key = input_key(facts, objectives)
    folder = _folder(cache_dir)
    slot = hashlib.sha256(slot.encode()).hexdigest()[:16]  # any period id: a safe name
    file = folder / f"{slot}-{key}.bin"
    found = _read(file)
    if found is not None:
        return found
    made = make()
    _write(folder, slot, file, made)
    return made


def kept_exports(cache_dir: Path | None, slot: str, key: str,
                 make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
    """`make()` (the period's exports: EXPORTS, in order), or what it gave before under
    `key`, which must be the digest of everything they are made of (the caller's).
    `slot` names the entry kept, as for `cached_downloads`."""
    if cache_dir is None or not key:
        return make()
    folder = _folder(cache_dir)
    slot = hashlib.sha256(f"exports\0{slot}".encode()).hexdigest()[:16]
    file = folder / f"{slot}-{hashlib.sha256(key.encode()).hexdigest()}.bin"
    found = _read(file, EXPORTS)
    if found is not None:
        return found
    made = make()
    _write(folder, slot, file, made, EXPORTS)
    return made


def _read(file: Path, names: tuple[str, ...] = NAMES) -> dict[str, bytes] | None:
    data = read_sealed(file)  # None when missing or damaged: made again
    if (not isinstance(data, dict) or tuple(data) != names
            or not all(isinstance(v, bytes) for v in data.values())):
        return None
    return data


def _write(folder: Path, slot: str, file: Path, made: dict[str, bytes],
           names: tuple[str, ...] = NAMES) -> None:
    if tuple(made) != names:
        return
    with contextlib.suppress(OSError):
        for old in folder.glob(f"{slot}-*.bin"):  # the slot's last entry: replaced
            old.unlink(missing_ok=True)
    write_sealed(file, made)
