"""The score memo's entries on disk in cache_dir, so that a CI build with its cache_dir
kept scores only what changed since the last build (okrsite.scoring.memo keeps them in
memory, for one build or one serve session).

An entry is found by a sha256 of its whole memo key (module okrsite.scoring.memo: the
objective as modelled, its KPIs, its period, the day and state it is scored for, the
scoring settings and the scorers' origins) and of okrsite's code
(`digest.code_version()`), so an entry is only ever served for the inputs it was
computed from. The file is per code and per context (settings and scorers), so sites
with other settings sharing one cache_dir keep their own.

The values are plain data (tuples, lists, strings, numbers; dates as ordinals) written
with `marshal`, which is several times faster to read than pickled dataclasses and
never runs code; they are rebuilt into the result classes by the field plan below. An
entry whose value holds anything else (a plugin scorer's inputs may) stays in memory
only. The file is zlib-compressed behind a header and the sha256 of what follows, so a
damaged or truncated file is ignored as a whole (everything is scored again), never an
error; an entry that does not decode is scored again.

An entry no build used in the last KEPT_BUILDS writes is dropped, so the file holds
about one build's entries (plus what a `check`, which scores less, did not use).
"""

from __future__ import annotations

import hashlib
import marshal
import zlib
from collections.abc import Callable, Hashable
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from okrsite.digest import code_version, digest_of
from okrsite.output import drop_other_versions, keep_newest, write_cache
from okrsite.scoring.base import Score
from okrsite.scoring.rollup import KRResult, ObjectiveResult, UnitResult

FORMAT = 1
PREFIX = "scores-"
MAGIC = b"okrsite-scores\0"
KEPT_BUILDS = 4  # writes an unused entry survives
KEPT_FILES = 8  # files per code version (one per settings and scorers)

# How each field of a stored class is written: as it is (marshal keeps str, int,
# float, bool, None, lists and dicts exactly), or converted. Built from the classes'
# annotations; a field of any other type leaves its class unstorable (a test checks
# every class is storable, so a new field type is noticed, never stored wrongly).
_PLAIN = {"str", "float", "bool", "int", "float | None", "str | None", "Status",
          "Band | None", "ConfidenceFlag | None", "ObjectiveType", "list[str]",
          "dict[str, int]", "dict[str, object]"}
_DATE = "date | None"
_DATED = "list[tuple[date, float]]"


def _plan(cls: type) -> tuple[str, ...] | None:
    out = []
    for f in fields(cls):
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
        if kind in _PLAIN:
            out.append("plain")
        elif kind in (_DATE, _DATED, "Score"):
            out.append(kind)
        else:
            return None
    return tuple(out)


PLANS = {cls: _plan(cls) for cls in (Score, KRResult, ObjectiveResult, UnitResult)}


class Unstorable(Exception):
    """A value or key that has no plain form: kept in memory only."""


def _encoder(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """A function writing `cls` as its plain tuple, field by field (see _decoder)."""
    plan = PLANS[cls]
    if plan is None:
        return None
    parts = []
    for how, f in zip(plan, fields(cls), strict=True):
        if how == "plain":
            parts.append(f"o.{f.name}")
        elif how == _DATE:
            parts.append(f"(None if o.{f.name} is None else day(o.{f.name}))")
        elif how == _DATED:
            parts.append(f"[(day(d), v) for d, v in o.{f.name}]")
        else:
            parts.append(f"score(o.{f.name})")
    names = {"cls": cls, "day": _day, "score": _ENCODERS.get(Score), "Unstorable": Unstorable}
    code = ("def write(o):\n    if type(o) is not cls: raise Unstorable(cls.__name__)\n"
            f"    return ({', '.join(parts)},)\n")
    exec(code, names)  # the code is made from the plan and the field names only
    return names["write"]  # type: ignore[no-any-return]


def _encode(cls: type, obj: object) -> tuple[Any, ...]:
    write = _ENCODERS[cls]
    if write is None:
        raise Unstorable(cls.__name__)
    return write(obj)


def _day(value: object) -> int:
    if type(value) is not date:
        raise Unstorable("not a date")
    return value.toordinal()


def _decoder(cls: type) -> Callable[[tuple[Any, ...]], Any] | None:
    """A function rebuilding `cls` from its plain tuple, written out field by field (as
    dataclasses writes __init__): a loop over the plan costs three times as much, and a
    CI build rebuilds every closed objective's results."""
    plan = PLANS[cls]
    if plan is None:
        return None
    args = []
    for i, how in enumerate(plan):
        if how == "plain":
            args.append(f"t[{i}]")
        elif how == _DATE:
            args.append(f"(None if t[{i}] is None else day(t[{i}]))")
        elif how == _DATED:
            args.append(f"[(day(d), v) for d, v in t[{i}]]")
        else:
            args.append(f"score(t[{i}])")
    names = {"cls": cls, "day": date.fromordinal, "score": _DECODERS.get(Score)}
    # The length is checked: a tuple of another shape is damage, not a result.
    code = (f"def rebuild(t):\n    if len(t) != {len(plan)}: raise ValueError('shape')\n"
            f"    return cls({', '.join(args)})\n")
    exec(code, names)  # the code is made from the plan's fixed strings only
    return names["rebuild"]  # type: ignore[no-any-return]


_ENCODERS: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}
_DECODERS: dict[type, Callable[[tuple[Any, ...]], Any] | None] = {}
for _cls in (Score, KRResult, ObjectiveResult, UnitResult):  # Score first: the others use it
    _ENCODERS[_cls] = _encoder(_cls)
    _DECODERS[_cls] = _decoder(_cls)


def _decode(cls: type, data: tuple[Any, ...]) -> Any:
    rebuild = _DECODERS[cls]
    if rebuild is None:
        raise Unstorable(cls.__name__)
    return rebuild(data)


def encode(kind: str, value: Any) -> Any:
    """A memo value as plain data, by its kind (the key's first part)."""
    if kind == "objective":
        krs, result = value
        return ([_encode(KRResult, k) for k in krs], _encode(ObjectiveResult, result))
    if kind == "unit":
        return _encode(UnitResult, value)
    if kind == "shape":  # a key result's problems: (code, message, hint) tuples
        return value
    raise Unstorable(kind)


def decode(kind: str, data: Any) -> Any:
    if kind == "objective":
        krs, result = data
        kr = _DECODERS[KRResult]
        if kr is None:
            raise Unstorable("KRResult")
        return list(map(kr, krs)), _decode(ObjectiveResult, result)
    if kind == "unit":
        return _decode(UnitResult, data)
    if kind == "shape":
        return tuple(tuple(p) for p in data)
    raise Unstorable(kind)


class ScoreStore:
    """One file of memo entries (module docstring), read on first use and written by
    `save` when a build computed something new."""

    def __init__(self, directory: Path, context: str) -> None:
        self.folder = directory / f"{PREFIX}{FORMAT}-{code_version()}"
        self.file = self.folder / f"{digest_of(context)[:32]}.bin"
        self._salt = f"{FORMAT}\0{code_version()}\0".encode()
        # digest -> [build, kind, marshalled data]: bytes, a fraction of the memory that
        # the data's tuples would take (a 5,000-page site has ~50,000 entries)
        self._entries: dict[bytes, list[Any]] | None = None
        self._build = 0  # this build's number: the file's last, plus one
        self._dirty = False
        self._digests: dict[Hashable, bytes] = {}  # long parts, hashed once
        # The key `get` looked up last, with its digest: a miss is scored and `put`
        # with the same key object at once, which was hashed a second time.
        self._last: tuple[Hashable, bytes | None] = (None, None)
        self.read = 0  # entries served from disk (tests)

    def next_build(self) -> None:
        """A new build of the same session (serve). Its entries do not age here: what
        it reuses from memory is not looked up, so would seem unused; the next process
        ages them."""
        self._digests, self._last = {}, (None, None)

    def _load(self) -> dict[bytes, list[Any]]:
        if self._entries is None:
            self._entries = {}
            built, found = _read(self.file)
            if not self._build:  # not when read again after `save(release=True)`
                self._build = built + 1
            self._entries = found
        return self._entries

    def key_digest(self, key: Hashable) -> bytes | None:
        last, digest = self._last
        if key is last and last is not None:  # a key's parts are immutable (`_part`)
            return digest
        try:
            digest = hashlib.sha256(self._salt + self._part(key)).digest()
        except Unstorable:
            digest = None
        self._last = (key, digest)
        return digest

    def _part(self, part: Any) -> bytes:
        # Each part tagged and hashed on its own, so no two keys share a digest's input;
        # a period's key is long (a closed one holds its final record) and shared by all
        # of its objectives: hashed once.
        found = self._digests.get(part)
        if found is not None:
            return found
        kind = type(part)
        if kind is str:
            data = b"s" + part.encode("utf-8", "surrogatepass")
        elif kind is bytes:
            data = b"b" + part
        elif part is None:
            data = b"n"
        elif kind is tuple:
            data = b"t" + b"".join(map(self._part, part))
        else:
            raise Unstorable(kind.__name__)
        digest = hashlib.sha256(data).digest()
        if kind is tuple or len(data) > 64:
            self._digests[part] = digest
        return digest

    def get(self, key: Hashable, kind: str) -> Any:
        """The stored value of `key`, None when there is none."""
        digest = self.key_digest(key)
        if digest is None:
            return None
        entries = self._load()
        entry = entries.get(digest)
        if entry is None or entry[1] != kind:
            return None
        try:
            value = decode(kind, marshal.loads(entry[2]))
        except Exception:  # damaged: scored again (and rewritten)
            del entries[digest]
            return None
        entry[0] = self._build
        self.read += 1
        return value

    def put(self, key: Hashable, kind: str, value: Any) -> None:
        digest = self.key_digest(key)
        if digest is None:
            return
        try:
            # Anything marshal cannot write (ValueError) stays in memory only.
            data = marshal.dumps(encode(kind, value))
        except (Unstorable, ValueError, TypeError):
            return
        self._load()[digest] = [self._build, kind, data]
        self._dirty = True

    def save(self, release: bool = False) -> None:
        """Write the entries if this build computed any (never an error). `release`:
        let go of them too (read again if needed), when the build's scoring is done."""
        if self._entries is None:
            return
        if not self._dirty:
            if release:
                self._entries, self._digests = None, {}
            return
        self._dirty = False
        oldest = self._build - KEPT_BUILDS
        kept = {d: tuple(e) for d, e in self._entries.items() if e[0] > oldest}
        payload = zlib.compress(marshal.dumps((FORMAT, self._build, kept)), 1)
        write_cache(self.file, MAGIC + hashlib.sha256(payload).digest() + payload)
        drop_other_versions(self.folder, PREFIX)
        keep_newest(self.folder, KEPT_FILES, ".bin")
        if release:
            self._entries, self._digests, self._last = None, {}, (None, None)


def _read(file: Path) -> tuple[int, dict[bytes, list[Any]]]:
    """The file's build number and entries; (0, {}) when it is missing or damaged."""
    try:
        raw = file.read_bytes()
    except OSError:
        return 0, {}
    head = len(MAGIC) + 32
    if raw[:len(MAGIC)] != MAGIC or hashlib.sha256(raw[head:]).digest() != raw[len(MAGIC):head]:
        return 0, {}
    try:
        version, built, entries = marshal.loads(zlib.decompress(raw[head:]))
        if version != FORMAT or type(built) is not int or type(entries) is not dict:
            return 0, {}
        out = {}
        for digest, entry in entries.items():
            stamp, kind, data = entry
            if type(stamp) is not int or type(kind) is not str or type(data) is not bytes:
                return 0, {}
            out[digest] = [stamp, kind, data]
        return built, out
    except Exception:  # damaged in a way the checksum did not catch: start afresh
        return 0, {}


def store_for(cache_dir: Path | None, context: str,
              kept: object = None) -> ScoreStore | None:
    """The store of a build with these settings: `kept` (a serve session's last build's)
    when it is the same file, a new one otherwise; None without a cache_dir."""
    if cache_dir is None:
        return None
    store = ScoreStore(cache_dir, context)
    if isinstance(kept, ScoreStore) and kept.file == store.file:
        return kept
    return store
