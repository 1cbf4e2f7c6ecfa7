"""Scores kept by everything they depend on, so a build scores each thing once and a
`mkdocs serve` session scores again only what an edit changed.

What is keyed by what (in memory every key is compared exactly, never by a hash
alone, so two different inputs cannot share an entry; the objective part is pickled
values, which unpickle to what they were made from; on disk by a sha256 of the whole
key, okrsite.scoring.store):

- an objective's own result (its `ObjectiveResult` before any roll-up, and its key
  results' `KRResult`s) by: the okrsite version, the scoring settings, the registry's
  scorers (`ScorerRegistry.origins`: each name with its class and version, or its
  entry point and package version), the period as modelled (`repr`: its dates, state,
  closing and amendments), the day it is scored for (`Period.scoring_date`) and its
  state on the as-of date, the objective as
  modelled (`objective_key`: every field a score reads, its key results' with their
  check-ins, milestones, confidences and grades; all of a key result's fields when a
  plugin scorer scores it, since a plugin may read any), and each KPI its key results
  read (`repr`: its measurements, cadence, direction; "missing" when it is not in the
  scored content, e.g. withheld from a public view).
- an objective's scoring-check problems (OKR213, OKR230, OKR231 of its key results,
  without their place in the file, added when reported) by the same keys, with the
  as-of date for the scoring day (the checks judge what is known as of the date).
- a unit's result by the same context and period part (so a unit without objectives is
  keyed by its settings, period and day too) and the full keys of exactly the objectives
  the scored content gives it, in order. A public view withholds restricted objectives,
  so its unit key differs from the full content's and a restricted objective's score
  cannot reach a public unit score. A unit with a `score_from: aligned` objective (whose
  score rolls up objectives of other units) is not kept: it is computed each time from
  the rolled-up objectives, as are the roll-ups, the cascade scores and the KPIs'
  health, which are cheap once the key results are scored.

The memo is per build (`run` makes one), or per serve session (the MkDocs plugin keeps
one and `run` calls `next_build`): an entry not used by the last build is dropped.
With a cache_dir, `run` gives it a disk (okrsite.scoring.store): an entry not in
memory is looked up there, and what is computed is written there by `save`, so a CI
build with its cache_dir kept scores only what changed.
Results are shared between scorecards, so nothing may change them after scoring; the
one field set later (a unit's cascade score) is set on a copy.
"""

from __future__ import annotations

import io
import pickle
from collections import Counter
from collections.abc import Callable, Hashable
from operator import attrgetter
from typing import Any, Protocol, TypeVar

from okrsite import __version__
from okrsite.model import CheckIn, ConfidenceEntry, KeyResult, Milestone, Objective
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.builtin import BUILTIN_SCORERS
from okrsite.scoring.registry import ScorerRegistry, scorer_name

T = TypeVar("T")

# What a score or a scoring check reads of each model class (KEYED), and what it never
# reads (UNSCORED): the key leaves the latter out, so that building a key costs far less
# than scoring. A test keeps the two complete: a new model field must be placed in one.
KEYED: dict[type, tuple[str, ...]] = {
    Objective: ("id", "unit", "period", "ref", "type", "visibility", "grade", "weight",
                "score_from", "key_results"),
    KeyResult: ("id", "kind", "ref", "unit", "baseline", "target", "direction", "kpi",
                "check_ins", "milestones", "done", "done_on", "weight", "scorer", "reason",
                "stale_after_days", "cadence", "extensions", "confidence", "grade"),
    CheckIn: ("date", "value", "confidence"),
    ConfidenceEntry: ("date", "value"),
    Milestone: ("title", "done", "weight", "done_on"),
}
UNSCORED: dict[type, frozenset[str]] = {
    Objective: frozenset({"title", "description", "owner", "aligns_to", "retrospective",
                          "carried_from", "source"}),
    KeyResult: frozenset({"title", "description", "owner", "source", "initiatives"}),
    CheckIn: frozenset({"note", "source", "by"}),
    ConfidenceEntry: frozenset({"note", "source"}),
    Milestone: frozenset(),
}
_LISTS = {"key_results", "check_ins", "milestones", "confidence", "extensions"}
_REF = ("ref.unit", "ref.objective", "ref.key_result", "ref.period")


def _getter(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    # attrgetter builds the tuple in C: the key of 16 key results costs microseconds.
    return attrgetter(*(part for name in KEYED[cls] if name not in _LISTS
                        for part in (_REF if name == "ref" else (name,))))


_KR = _getter(KeyResult)
_OBJECTIVE = _getter(Objective)
_CHECK_IN = attrgetter(*KEYED[CheckIn])
_CONFIDENCE = attrgetter(*KEYED[ConfidenceEntry])
_MILESTONE = attrgetter(*KEYED[Milestone])


def kr_key(kr: KeyResult, settings: ScoringSettings) -> tuple[Any, ...]:
    """What a key result's score and its scoring checks read of it (`packed_kr_key`:
    as a key)."""
    if scorer_name(kr, settings) not in BUILTIN_SCORERS:
        return ("plugin", repr(kr))  # a plugin scorer may read any field
    return (_KR(kr), tuple(map(_CHECK_IN, kr.check_ins)),
            tuple(map(_MILESTONE, kr.milestones)), tuple(map(_CONFIDENCE, kr.confidence)),
            repr(kr.extensions) if kr.extensions else None)


def objective_key(objective: Objective, settings: ScoringSettings) -> bytes:
    """What an objective's own score reads of it (see UNSCORED for what it does not)."""
    return _packed((_OBJECTIVE(objective),
                    tuple(kr_key(k, settings) for k in objective.key_results)))


def _packed(values: tuple[Any, ...]) -> bytes:
    # Pickled: unpickling gives the values back, so two keys are equal only when their
    # values are; bytes are written faster than a repr, hashed once, and kept without
    # burdening the garbage collector as thousands of kept tuples would. Without the
    # pickler's memo (`fast`), so that equal values give equal bytes however their
    # strings are shared (a model built from the parse cache shares them otherwise
    # than a fresh parse): the key is found again in another process
    # (okrsite.scoring.store). The values are flat tuples: no cycle to guard against.
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(values)
    return out.getvalue()


def context_key(settings: ScoringSettings, registry: ScorerRegistry) -> str:
    """What every score depends on beyond the content: okrsite, settings, scorers."""
    return repr((__version__, repr(settings), registry.origins()))


_MISSING = object()


class Disk(Protocol):
    """Where entries outlive the process (okrsite.scoring.store.ScoreStore)."""

    def get(self, key: Hashable, kind: str) -> Any: ...  # the value, None when missing
    def put(self, key: Hashable, kind: str, value: Any) -> None: ...
    def save(self, release: bool = False) -> None: ...
    def next_build(self) -> None: ...


class ScoreMemo:
    """Results by their keys (module docstring). `next_build` starts a build: entries
    the previous build did not use are dropped, so a session's memory stays at about
    one build's results."""

    def __init__(self, disk: Disk | None = None) -> None:
        self.disk = disk
        self.kept = False  # used for more than one build (`next_build`: serve)
        self._now: dict[Hashable, Any] = {}
        self._before: dict[Hashable, Any] = {}
        self._keys: dict[int, tuple[Objective, ScoringSettings, bytes]] = {}
        self._keys_before: dict[int, tuple[Objective, ScoringSettings, bytes]] = {}
        self.computed: Counter[str] = Counter()  # entries computed, by kind (key[0])
        self._shown: dict[int, tuple[object, str]] = {}  # id -> the object, its repr

    def use_disk(self, disk: Disk | None) -> None:
        """Look entries up in `disk` (None: memory only) from now on."""
        self.disk = disk

    def save(self, release: bool = False) -> None:
        """Write what was computed to the disk, if there is one (never an error).
        `release`: the build's scoring is done; unless the memo is kept for the next
        build (serve), the disk lets go of its entries."""
        if self.disk is not None:
            self.disk.save(release and not self.kept)

    def next_build(self) -> None:
        self.kept = True
        if self.disk is not None:
            self.disk.next_build()
        self._before = self._now
        self._now = {}
        self._keys_before, self._keys = self._keys, {}
        self._shown = {}

    def objective_key(self, objective: Objective, settings: ScoringSettings) -> bytes:
        """`objective_key`, made once per objective object (the checks and the scorecard
        score the same objects, and a serve rebuild the last build's objects of every
        unchanged file: okrsite.build reuses them). The model is never changed in
        place, so an object's key stays what it was; the entry holds the object, so its
        id is not another's."""
        found = self._keys.get(id(objective))
        if found is None:
            found = self._keys_before.pop(id(objective), None)
        if found is not None and found[0] is objective and (
                found[1] is settings or found[1] == settings):
            self._keys[id(objective)] = found
            return found[2]
        key = objective_key(objective, settings)
        self._keys[id(objective)] = (objective, settings, key)  # kept: ids stay unique
        return key

    def shown(self, value: object) -> str:
        """`repr(value)`, made once per object in a build: a closed period's holds its
        final record (thousands of items), and the checks, the finals and the scorecard
        key by the same Period objects. The model is never changed in place; the entry
        holds the object, so its id is not another's."""
        found = self._shown.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        text = repr(value)
        self._shown[id(value)] = (value, text)
        return text

    def know(self, objective: Objective, settings: ScoringSettings, key: bytes) -> None:
        """`objective_key(objective, settings)` is `key`, made by an earlier build of
        the same file (okrsite.scoring.keystore)."""
        self._keys[id(objective)] = (objective, settings, key)

    def known(self, objective: Objective, settings: ScoringSettings) -> bytes | None:
        """The key made (or given) in this build for this very object, else None."""
        found = self._keys.get(id(objective))
        if found is not None and found[0] is objective and (
                found[1] is settings or found[1] == settings):
            return found[2]
        return None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The entry for `key`, computed by `compute()` when missing."""
        value = self._now.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = self._before.pop(key, _MISSING)
        if value is not _MISSING:
            self._now[key] = value
            return value
        kind = key[0] if isinstance(key, tuple) else ""
        if self.disk is not None:
            value = self.disk.get(key, kind)
            if value is not None:  # no entry is None
                self._now[key] = value
                return value
        value = self._now[key] = compute()
        self.computed[kind] += 1
        if self.disk is not None:
            self.disk.put(key, kind, value)
        return value

    def __len__(self) -> int:
        return len(self._now)
