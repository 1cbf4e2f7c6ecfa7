"""The model pieces of unchanged OKR files and KPIs, kept on disk in cache_dir.

A CI run that keeps cache_dir had every document's parse in the parse cache, but
decoding those parses (JSON) and building the model from them again took most of
its load: ~3.5 s at 1,000 files. A piece (okrsite.build: the UnitPeriod of an OKR
file, the KPI of a KPI file) is a function of the file's relpath and bytes alone,
and of the okrsite code that built it. So it is kept here, with the file's parse
notes (warnings the parse made, reported on every build), keyed by relpath and
sha256 of the bytes, under a folder named by `digest.code_version()`: other code
never reads it. A document is taken from here only when its check result is in the
check cache too (okrsite.doccheck), so neither its parse nor its checks are needed.

On disk: packs like the parse cache's (a line of JSON index, then the entries; a
run that adds pieces writes one pack; past MAX_PACKS they are merged, keeping what
the content needs now). An entry is a pickle of plain model objects, written only
by okrsite; it is read back only when its sha256 (in the index) matches, and only
through an unpickler that knows the model's classes and `datetime.date` and nothing
else, and only as their constructors make them: a cache_dir someone tampered with can
never run code, but can hold model objects of wrong values (an entry is checked for
what it is, not field by field). Like the checkout it builds, cache_dir must be
written only by trusted runs: a CI cache is restored only from the protected
branch. A damaged entry or pack is passed over: the document is parsed and built
again.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any

from okrsite import model, packs
from okrsite.diagnostics import CODES
from okrsite.digest import code_version
from okrsite.output import drop_other_versions
from okrsite.yamlparse import Position

MAX_PACKS = 8

Note = tuple[Position, str, str, str | None]  # a parse note: place, code, message, hint

# What an entry may hold: the model's classes (as okrsite.build makes them) and dates.
_ALLOWED = {("datetime", "date"): date} | {
    ("okrsite.model", name): getattr(model, name)
    for name in ("UnitPeriod", "Objective", "KeyResult", "CheckIn", "ConfidenceEntry",
                 "Milestone", "Initiative", "KPI", "Measurement", "Thresholds", "Source",
                 "Ref", "KRKind")}


@dataclass(frozen=True)
class Built:
    """A document's model piece taken from the cache instead of its parse."""

    relpath: str
    sha256: str
    piece: model.UnitPeriod | model.KPI
    notes: list[Note]


# A model object is pickled as its class and its fields' values, and so read back by
# its own __init__: pickle's default (its __dict__) would give every object of the
# live model a dict of its own (14 MB more at 1,000 files, for the rest of the build).
def _getter(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    names = [f.name for f in fields(cls) if f.init]
    if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
        return lambda obj: (getattr(obj, names[0]),)
    return attrgetter(*names)


_ARGS = {cls: _getter(cls) for cls in _ALLOWED.values() if is_dataclass(cls)}


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        get = _ARGS.get(type(obj))
        return NotImplemented if get is None else (type(obj), get(obj))


def _dumps(entry: Any) -> bytes:
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(entry)
    return out.getvalue()


# What a pickle may call: each allowed class through a partial that calls it, so that
# an entry gets objects only as their constructors make them; never the class itself
# (a crafted NEWOBJ opcode, `cls.__new__` without `__init__`, needs one, and a partial
# is no type). A fresh partial for each look-up: a crafted BUILD on a shared one
# (`partial.__setstate__`) would change how every later entry decodes. The partial
# calls the class in C: a CI build makes ~300,000 model objects here.
class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        cls = _ALLOWED.get((module, name))
        if cls is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not a model class")
        return functools.partial(cls)


_Where = tuple[Path, int, int, str]  # pack, start, size, sha256 of the entry


class PieceCache:
    """Pieces by (relpath, sha256) in cache_dir (see the module); nothing without one."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._index: dict[str, _Where] | None = None

    def _dir(self) -> Path | None:
        return None if self.directory is None else self.directory / f"pieces-{code_version()}"

    def get(self, relpath: str, sha256: str) -> Built | None:
        where = self._packed().get(_key(relpath, sha256))
        if where is None:
            return None
        raw = _read(where)
        if raw is None or hashlib.sha256(raw).hexdigest() != where[3]:
            return None  # damaged: built again
        try:
            entry = _Unpickler(io.BytesIO(raw)).load()
        except Exception:  # any damage the checksum did not catch: built again
            return None
        return _checked(entry, relpath, sha256)

    def has(self, relpath: str, sha256: str) -> bool:
        return _key(relpath, sha256) in self._packed()

    def store(self, new: Iterable[tuple[str, str, Any, list[Note]]],
              keep: Iterable[tuple[str, str]]) -> None:
        """Write the pieces `new` (relpath, sha256, piece, notes) as one pack; past
        MAX_PACKS packs, merge them into it, keeping only the pieces named in `keep`.
        Each piece is written as it is pickled: a cold build holds no copy of them all."""
        base = self._dir()
        if base is None:
            return
        folder = base / "packs"
        packed = self._packed()
        old = sorted({where[0] for where in packed.values()})
        table: dict[str, list[Any]] = {}
        name = hashlib.sha256()
        tmp = folder / f".{os.getpid()}.body.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as body:
                def put(key: str, raw: bytes) -> None:
                    table[key] = [body.tell(), len(raw), hashlib.sha256(raw).hexdigest()]
                    name.update(key.encode("utf-8", "surrogatepass") + b"\0" + raw)
                    body.write(raw)

                for relpath, sha256, piece, notes in new:
                    put(_key(relpath, sha256), _dumps((relpath, sha256, piece, notes)))
                if not table:
                    return
                if len(old) >= MAX_PACKS:
                    for key in dict.fromkeys(_key(*k) for k in keep):
                        if key not in table and key in packed:
                            raw = _read(packed[key])
                            if raw is not None:
                                put(key, raw)  # as stored: checked again when read
                else:
                    old = []
            with tmp.open("rb") as body:
                packs.write(folder, name.hexdigest(), table,
                            lambda f: shutil.copyfileobj(body, f), old)
            drop_other_versions(base, "pieces-")
        except OSError:
            pass  # a read-only cache dir only costs speed
        finally:
            tmp.unlink(missing_ok=True)
        self._index = None

    def _packed(self) -> dict[str, _Where]:
        if self._index is None:
            self._index = {}
            base = self._dir()
            for key, pack, start, size, rest in packs.entries(base / "packs") if base else ():
                if len(rest) == 1 and type(rest[0]) is str:  # the entry's sha256
                    self._index.setdefault(key, (pack, start, size, rest[0]))
        return self._index


def _key(relpath: str, sha256: str) -> str:
    return f"{sha256}:{relpath}"


def _read(where: _Where) -> bytes | None:
    return packs.read_at(*where[:3])


def _checked(entry: Any, relpath: str, sha256: str) -> Built | None:
    """The entry as a Built when it is what `add` wrote for this document, else None."""
    if not (isinstance(entry, tuple) and len(entry) == 4 and entry[0] == relpath
            and entry[1] == sha256 and isinstance(entry[3], list)):
        return None
    piece, notes = entry[2], entry[3]
    if not (isinstance(piece, (model.UnitPeriod, model.KPI))
            and isinstance(piece.source, model.Source) and piece.source.path == relpath):
        return None
    for note in notes:
        if not (isinstance(note, tuple) and len(note) == 4 and isinstance(note[0], tuple)
                and len(note[0]) == 2 and all(type(n) is int for n in note[0])
                and note[1] in CODES and type(note[2]) is str
                and (note[3] is None or type(note[3]) is str)):
            return None
    return Built(relpath, sha256, piece, notes)
