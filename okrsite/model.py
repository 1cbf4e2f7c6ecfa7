"""The domain model: plain dataclasses, built only from validated documents.

Nothing here reads files, the clock or MkDocs. Scores and history are computed
by later stages into their own structures keyed by `ref` strings, so the model
stays a faithful picture of the content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Literal

from okrsite.periods import PeriodSpan, span

# The closed vocabularies of format v1, as the schemas spell them.
ObjectiveType = Literal["committed", "aspirational"]
Visibility = Literal["public", "restricted"]
KPIDirection = Literal["higher_is_better", "lower_is_better"]
ThresholdDirection = Literal["at_least", "at_most"]
Cadence = Literal["weekly", "monthly", "quarterly"]

ID_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$")


@dataclass(frozen=True)
class Source:
    """Where something was written: content-relative posix path, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1


class KRKind(str, Enum):
    NUMERIC = "numeric"  # baseline + target, rising or falling
    THRESHOLD = "threshold"  # target + direction: keep a level
    MILESTONES = "milestones"
    BINARY = "binary"


class PeriodState(str, Enum):
    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"


@dataclass(frozen=True)
class Ref:
    """`[period:]unit/objective[/key-result]`."""

    unit: str
    objective: str
    key_result: str | None = None
    period: str | None = None

    @classmethod
    def parse(cls, text: str) -> Ref:
        period, _, rest = text.rpartition(":")
        parts = rest.split("/")
        if len(parts) not in (2, 3) or not all(ID_PATTERN.match(p) for p in parts):
            raise ValueError(f"not a reference: {text!r}")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None, period or None)

    def in_period(self, period: str) -> Ref:
        """This reference with its period filled in (references default to their own)."""
        return self if self.period else Ref(self.unit, self.objective, self.key_result, period)

    def __str__(self) -> str:
        path = f"{self.unit}/{self.objective}" + (f"/{self.key_result}" if self.key_result else "")
        return f"{self.period}:{path}" if self.period else path

    @property
    def objective_ref(self) -> Ref:
        return Ref(self.unit, self.objective, None, self.period)


@dataclass
class Unit:
    id: str
    name: str
    parent: str | None
    lead: str | None = None
    reviewers: list[str] = field(default_factory=list)
    description: str | None = None
    source: Source = field(default_factory=lambda: Source("org.yaml"))


@dataclass
class Org:
    """The units. Not changed after it is built: `children` and `depth` are indexed once."""

    name: str
    units: dict[str, Unit]  # in file order
    source: Source = field(default_factory=lambda: Source("org.yaml"))
    _children: dict[str | None, list[Unit]] | None = field(
        default=None, init=False, repr=False, compare=False)
    _depths: dict[str, int] | None = field(default=None, init=False, repr=False,
                                           compare=False)

    @property
    def root(self) -> Unit:
        return next(u for u in self.units.values() if u.parent is None)

    def children(self, unit_id: str) -> list[Unit]:
        if self._children is None:  # one pass instead of a scan of every unit per call
            index: dict[str | None, list[Unit]] = {}
            for u in self.units.values():
                index.setdefault(u.parent, []).append(u)
            self._children = index
        return list(self._children.get(unit_id, ()))

    def ancestors(self, unit_id: str) -> list[Unit]:
        """Parent first, root last."""
        out: list[Unit] = []
        parent = self.units[unit_id].parent
        while parent is not None and parent in self.units and len(out) < len(self.units):
            out.append(self.units[parent])
            parent = self.units[parent].parent
        return out

    def depth(self, unit_id: str) -> int:
        """Levels above a unit (0 for the root). Indexed from the walk, so asking for every
        unit is linear, not quadratic, in a deep org."""
        if self._depths is None:
            depths: dict[str, int] = {}
            for unit in self.walk_roots():
                parent = unit.parent
                depths[unit.id] = depths[parent] + 1 if parent in depths else 0
            self._depths = depths
        found = self._depths.get(unit_id)
        return found if found is not None else len(self.ancestors(unit_id))

    def walk(self) -> list[Unit]:
        """Every unit, depth first from the root, children in file order (no recursion:
        an org may be deeper than Python's stack)."""
        return self._walk_from([self.root])

    def walk_roots(self) -> list[Unit]:
        """Like `walk`, from every unit without a parent (and none in a cycle)."""
        return self._walk_from([u for u in self.units.values() if u.parent is None])

    def _walk_from(self, roots: list[Unit]) -> list[Unit]:
        out: list[Unit] = []
        seen: set[str] = set()
        stack = list(reversed(roots))
        while stack:
            unit = stack.pop()
            if unit.id in seen:
                continue
            seen.add(unit.id)
            out.append(unit)
            stack.extend(reversed(self.children(unit.id)))
        return out


@dataclass
class Person:
    """One person of `people.yaml`: owners and leads name a person by id or by name."""

    id: str
    name: str
    unit: str | None = None
    email: str | None = None
    handle: str | None = None
    source: Source | None = None


@dataclass
class Amendment:
    date: date
    by: str
    reason: str
    source: Source | None = None


@dataclass(frozen=True)
class FinalItem:
    """One objective's or key result's figures in a final record. `ref` is
    `unit/objective[/key-result]`; `inputs` the short sha256 of what its score used."""

    ref: str
    title: str
    score: float | None  # None in `at_close` for an item added after the close
    status: str | None
    inputs: str = ""


@dataclass(frozen=True)
class FinalRecord:
    """A closed period's `final:` block, written by `okrsite close` and `okrsite amend`
    (see okrsite.final): the figures as of `as_of`, and the digest that pins them."""

    as_of: date
    digest: str
    scorers: dict[str, str]
    units: dict[str, str]  # unit id -> name, as at close
    items: list[FinalItem]
    at_close: list[FinalItem] = field(default_factory=list)  # before amendments changed them
    at_close_digest: str | None = None
    source: Source | None = None
    # unit id -> parent id (None: the root), as at close; None in records written
    # before the org at close was kept (their pages show the org's parents now)
    parents: dict[str, str | None] | None = None
    # the period's closed_on when the record was written; None in records written
    # before it was kept (their closed_on is pinned only through the record's as-of)
    closed_on: date | None = None


@dataclass
class Period:
    id: str
    span: PeriodSpan
    name: str | None = None
    declared_state: PeriodState | None = None  # from period.yaml, if any
    closed_on: date | None = None
    amendments: list[Amendment] = field(default_factory=list)
    source: Source | None = None  # period.yaml, if any
    closed_by: str | None = None
    final: FinalRecord | None = None
    closed_on_source: Source | None = None  # the `closed_on:` line, if any

    @property
    def kind(self) -> str:
        return self.span.kind

    @property
    def start(self) -> date:
        return self.span.start

    @property
    def end(self) -> date:
        return self.span.end

    @property
    def title(self) -> str:
        return self.name or self.id

    def state(self, as_of: date) -> PeriodState:
        """The state as of a given day (never today). The dates decide, so that an earlier
        as-of shows what the site showed then: planning before the start; closed from
        `closed_on` on (or, without a period.yaml state, after the end); active between.
        A declared `planning` holds until a later state is declared; a declared `active`
        is planning before the start; a `closed` without `closed_on` (an error) is closed."""
        declared = self.declared_state
        if declared is PeriodState.PLANNING:
            return PeriodState.PLANNING
        if declared is PeriodState.CLOSED and self.closed_on is None:
            return PeriodState.CLOSED
        if as_of < self.start:
            return PeriodState.PLANNING
        if declared is PeriodState.CLOSED:
            return PeriodState.CLOSED if as_of >= self.closed_on else PeriodState.ACTIVE
        if declared is PeriodState.ACTIVE or as_of <= self.end:
            return PeriodState.ACTIVE
        return PeriodState.CLOSED

    def scoring_date(self, as_of: date) -> date:
        """The day the period's scores are computed for: as of, but for a closed period
        never after the day it closed or its latest amendment (on or before as of). Its
        figures are those of the close, whatever the later as-of, and change only by an
        amendment (see okrsite.final); a value dated later is not used."""
        if self.closed_on is None or self.state(as_of) is not PeriodState.CLOSED:
            return as_of
        amended = [a.date for a in self.amendments if a.date <= as_of]
        return min(as_of, max([self.closed_on, *amended]))

    def contains(self, other: Period) -> bool:
        return self.span.contains(other.span)


@dataclass
class CheckIn:
    date: date
    value: float | None = None
    confidence: float | None = None
    note: str | None = None
    source: Source | None = None
    by: str | None = None  # who checked in: a person's id or name


@dataclass
class ConfidenceEntry:
    """The owner's confidence on one date, given apart from any value (a KR's
    `confidence:` list): the way a KR that follows a KPI carries confidence."""

    date: date
    value: float
    note: str | None = None
    source: Source | None = None


@dataclass
class Milestone:
    title: str
    done: bool = False
    weight: float = 1.0
    done_on: date | None = None  # when it was done: not done as of an earlier day


InitiativeStatus = Literal["planned", "doing", "done"]


@dataclass
class Initiative:
    """Work behind a key result (`initiatives:`): shown on its card, never scored."""

    title: str
    url: str | None = None  # shown as a link only when http(s)
    status: InitiativeStatus | None = None


@dataclass
class KeyResult:
    id: str
    title: str
    kind: KRKind
    ref: Ref  # with period
    description: str | None = None
    unit: str | None = None  # measurement unit, e.g. "h" or "%"
    baseline: float | None = None
    target: float | None = None
    direction: ThresholdDirection | None = None  # threshold KRs
    kpi: str | None = None
    check_ins: list[CheckIn] = field(default_factory=list)  # sorted by date
    milestones: list[Milestone] = field(default_factory=list)
    done: bool | None = None
    done_on: date | None = None  # binary KRs: when it was done (not done as of earlier)
    weight: float = 1.0
    scorer: str | None = None
    reason: str | None = None
    stale_after_days: int | None = None
    cadence: Cadence | None = None  # how often values come: sets when it goes stale
    extensions: dict[str, object] = field(default_factory=dict)  # the KR's `x-` fields
    owner: str | None = None  # when not the objective's owner
    source: Source | None = None
    confidence: list[ConfidenceEntry] = field(default_factory=list)  # sorted by date
    grade: float | None = None  # the owner's grade at close
    initiatives: list[Initiative] = field(default_factory=list)


ScoreFrom = Literal["key_results", "aligned"]


@dataclass
class Objective:
    id: str
    title: str
    unit: str
    period: str
    ref: Ref  # with period
    key_results: list[KeyResult]
    description: str | None = None
    owner: str | None = None
    type: ObjectiveType = "aspirational"
    aligns_to: Ref | None = None  # with period filled in
    visibility: Visibility = "public"
    grade: float | None = None
    retrospective: str | None = None
    carried_from: Ref | None = None
    source: Source | None = None
    weight: float = 1.0  # in its unit's mean and in a roll-up from aligned objectives
    score_from: ScoreFrom = "key_results"

    @property
    def committed(self) -> bool:
        return self.type == "committed"

    @property
    def restricted(self) -> bool:
        return self.visibility == "restricted"


@dataclass
class UnitPeriod:
    """One unit's OKRs for one period: one `periods/<period>/<unit>.yaml`."""

    unit: str
    period: str
    objectives: list[Objective]
    source: Source
    retrospective: str | None = None  # the unit's review of the period (Markdown)


@dataclass
class Measurement:
    date: date
    value: float
    note: str | None = None
    source: Source | None = None


@dataclass
class Thresholds:
    green: float
    red: float


@dataclass
class KPI:
    id: str
    name: str
    description: str | None = None
    owner: str | None = None  # unit id
    unit: str | None = None
    direction: KPIDirection = "higher_is_better"
    cadence: Cadence = "monthly"
    target: float | None = None
    thresholds: Thresholds | None = None
    visibility: Visibility = "public"
    measurements: list[Measurement] = field(default_factory=list)  # sorted by date
    source: Source | None = None

    @property
    def restricted(self) -> bool:
        return self.visibility == "restricted"

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


@dataclass
class Content:
    """Everything in a content directory, validated and linked."""

    org: Org
    periods: dict[str, Period]  # chronological
    okrs: dict[tuple[str, str], UnitPeriod]  # (period, unit) -> its OKRs
    kpis: dict[str, KPI]
    fiscal_year_start: int = 1
    root: str = ""  # the content directory, absolute; empty for content built in memory
    people: dict[str, Person] = field(default_factory=dict)  # people.yaml, in file order

    def person(self, name: str | None) -> Person | None:
        """The person an `owner:`, `lead:` or `by:` names, by id or by exact name."""
        if not name or not self.people:
            return None
        found = self.people.get(name)
        if found is not None:
            return found
        if self._by_name is None:
            self._by_name = {}
            for p in self.people.values():
                self._by_name.setdefault(p.name.strip(), p)
        return self._by_name.get(name.strip())

    _by_name: dict[str, Person] | None = field(default=None, init=False, repr=False,
                                               compare=False)

    def period(self, period_id: str) -> Period:
        """The period, or for an id with no `period.yaml` and no OKRs, one made from
        the id and the fiscal year."""
        found = self.periods.get(period_id)
        return found if found is not None else Period(period_id,
                                                      span(period_id, self.fiscal_year_start))

    def ordered_units(self) -> list[str]:
        """Unit ids in org order (depth first), then units with OKRs the org lacks."""
        try:
            units = [u.id for u in self.org.walk()]
        except StopIteration:  # no root unit: invalid content, keep file order
            units = list(self.org.units)
        return units + sorted({u for _, u in self.okrs} - set(units))

    def objectives(self, period: str | None = None) -> list[Objective]:
        return [o for (p, _), up in self.okrs.items() if period in (None, p)
                for o in up.objectives]

    def objective(self, ref: Ref) -> Objective | None:
        up = self.okrs.get((ref.period or "", ref.unit))
        if up is None:
            return None
        return next((o for o in up.objectives if o.id == ref.objective), None)

    def key_result(self, ref: Ref) -> KeyResult | None:
        obj = self.objective(ref)
        if obj is None or ref.key_result is None:
            return None
        return next((k for k in obj.key_results if k.id == ref.key_result), None)

    def aligned_to(self, ref: Ref) -> list[Objective]:
        """Objectives whose `aligns_to` names this objective (or one of its KRs)."""
        target = ref.objective_ref
        return [o for o in self.objectives()
                if o.aligns_to is not None and o.aligns_to.objective_ref == target]

    def units_in(self, period: str) -> list[str]:
        return [u for (p, u) in self.okrs if p == period]
