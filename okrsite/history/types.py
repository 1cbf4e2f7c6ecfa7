"""What the history stage produces: commits, semantic changes, and the history of a repo.

Plain dataclasses, like the model. A `Change` is one fact about one item
("support/faster-support/first-response target 12 -> 15"); a `HistoryEntry`
is one commit with the changes it made that the reader may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

# Change kinds. Stable strings: `okrsite diff --format json` prints them.
FILE_ADDED, FILE_REMOVED, FILE_RENAMED, FILE_UNREADABLE = (
    "file_added", "file_removed", "file_renamed", "file_unreadable")
OBJECTIVE_ADDED, OBJECTIVE_REMOVED, OBJECTIVE_RENAMED, OBJECTIVE_CHANGED = (
    "objective_added", "objective_removed", "objective_renamed", "objective_changed")
KR_ADDED, KR_REMOVED, KR_RENAMED, KR_CHANGED = (
    "kr_added", "kr_removed", "kr_renamed", "kr_changed")
CHECK_IN_ADDED, CHECK_IN_EDITED, CHECK_IN_REMOVED = (
    "check_in_added", "check_in_edited", "check_in_removed")
KPI_ADDED, KPI_REMOVED, KPI_CHANGED = "kpi_added", "kpi_removed", "kpi_changed"
MEASUREMENT_ADDED, MEASUREMENT_EDITED, MEASUREMENT_REMOVED = (
    "measurement_added", "measurement_edited", "measurement_removed")
VISIBILITY_CHANGED = "visibility_changed"
PERIOD_CHANGED, AMENDMENT_ADDED, AMENDMENT_CHANGED = (
    "period_changed", "amendment_added", "amendment_changed")
UNIT_ADDED, UNIT_REMOVED, UNIT_CHANGED = "unit_added", "unit_removed", "unit_changed"

Key = tuple[str | None, ...]  # History._index
Among = list[tuple[int, Sequence[int], Sequence[int]]]  # entry, its changes, its hidden

# Fields of a key result that set how hard it is to reach: changing one after the
# period started "moves the goalpost".
GOALPOST_FIELDS = ("target", "baseline", "direction", "weight", "kind", "milestones", "scorer")


@dataclass
class Change:
    """One semantic change between two versions of one document.

    `old`/`new` are plain JSON values (numbers, strings, lists). Every string in a
    Change comes from the content and is untrusted: renderers escape it.
    """

    kind: str
    path: str  # content-relative path of the document at the newer version
    period: str | None = None
    unit: str | None = None
    objective: str | None = None
    key_result: str | None = None
    kpi: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None
    date: str | None = None  # of the check-in, measurement or amendment
    title: str | None = None  # of the item changed (newer version when it has one)
    goalpost: bool = False  # a field in GOALPOST_FIELDS of a key result changed
    eased: bool | None = None  # goalpost made easier to reach (None: cannot tell)
    restricted: bool = False  # touches a restricted objective or KPI (either version)
    pointer: str = ""  # JSON pointer into the newer document (older one if removed)
    kr_kpi: str | None = None  # the KPI a changed key result takes its values from

    @property
    def ref(self) -> str:
        """`period:unit/objective[/kr]`, `kpi:<id>`, `period:<id>`, or the path."""
        if self.objective:
            tail = f"/{self.key_result}" if self.key_result else ""
            return f"{self.period}:{self.unit}/{self.objective}{tail}"
        if self.kpi:
            return f"kpi:{self.kpi}"
        if self.unit and self.period:
            return f"{self.period}:{self.unit}"
        if self.period:
            return f"period:{self.period}"
        if self.unit:
            return f"unit:{self.unit}"
        return self.path

    @property
    def rewrites_history(self) -> bool:
        """An old check-in or measurement edited (value, confidence, date) or removed."""
        if self.kind in (CHECK_IN_REMOVED, MEASUREMENT_REMOVED):
            return True
        return self.kind in (CHECK_IN_EDITED, MEASUREMENT_EDITED) and self.field != "note"

    def to_json(self) -> dict[str, Any]:
        """The fields that differ from their defaults. A value equal to a default but
        of another type stays: `old: 0`, `old: false` and `eased: false` mean something."""
        out = {k: v for k, v in asdict(self).items()
               if not (v is None or (type(v) is type(_DEFAULTS[k]) and v == _DEFAULTS[k]))}
        out["kind"] = self.kind
        out["path"] = self.path
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(**data)


_DEFAULTS = {f.name: f.default for f in fields(Change)}


@dataclass
class Commit:
    sha: str
    parents: list[str]
    author: str
    email: str
    authored: str  # ISO 8601 with offset, as git prints it
    committed: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:10]

    @property
    def date(self) -> date:
        """The committer date: when the change landed (rebases and merges move it)."""
        return date.fromisoformat(self.committed[:10])


@dataclass(frozen=True)
class Backdated:
    """A commit whose committer date is earlier than an ancestor's: its date says
    nothing about when it was made. `not_before` is the latest date of its ancestors
    (the commit was made after it); `parent` is True when a parent itself is dated
    later (git's own order shows it), False when only an earlier ancestor is."""

    not_before: date
    parent: bool


@dataclass
class HistoryEntry:
    """One commit and the changes it made that this history shows.

    `hidden` holds the changes left out because they touch or name items that are
    restricted now or were in any version (never rendered; kept so that a section can
    say how many of *its* changes were withheld; see history.restrict).
    When the commit hid anything, its subject is not shown either: it may name them."""

    commit: Commit
    changes: list[Change]
    hidden: list[Change] = field(default_factory=list)
    boundary: bool = False  # the oldest commit of a shallow clone: its "adds" are a snapshot
    subject_withheld: bool = False

    @property
    def withheld(self) -> int:
        return len(self.hidden)

    @property
    def subject(self) -> str | None:
        return None if self.subject_withheld else self.commit.subject


@dataclass
class History:
    """The change history of a content directory, newest commit first.

    `available` is False without git, outside a repository or when asked not to read
    it; `reason` then says why and pages say so instead of showing an empty log.
    """

    available: bool
    reason: str = ""
    entries: list[HistoryEntry] = field(default_factory=list)
    shallow: bool = False
    oldest: date | None = None  # committer date of the oldest commit seen
    head: str | None = None
    include_restricted: bool = False
    renames: dict[str, str] = field(default_factory=dict)  # old path -> path at HEAD
    # What any version restricted (history.restrict.Mark), and every commit with all its
    # changes: `entries` are made from these, withholding what the marks name.
    marks: set[tuple[str, ...]] = field(default_factory=set)
    commits: list[tuple[Commit, list[Change]]] = field(default_factory=list, repr=False)
    # Commits dated earlier than what came before them (a wrong clock, a rebase, a
    # `GIT_COMMITTER_DATE`): sha -> the date they cannot be earlier than (okrsite.history.git
    # .date_order). Only commits that touched the content.
    dated_before: dict[str, Backdated] = field(default_factory=dict)

    @classmethod
    def unavailable(cls, reason: str) -> History:
        return cls(False, reason)

    @property
    def horizon(self) -> str:
        """How far back this history sees, in words (for page footers)."""
        if not self.available:
            return f"History is not available: {self.reason}"
        if not self.entries:
            return "No commit has touched the content yet."
        oldest = self.oldest.isoformat() if self.oldest else "?"
        if self.shallow:
            return (f"This is a shallow clone: history is shown back to {oldest} only "
                    "(fetch with `fetch-depth: 0` for all of it).")
        return f"History back to the first commit ({oldest})."

    def resolve(self, kpi_directions: dict[str, str]) -> None:
        """Decide `eased` for KPI-backed key results without a baseline, whose
        direction only their KPI knows (`{kpi id: higher_is_better|lower_is_better}`)."""
        for entry in self.entries:
            resolve_eased(entry.changes, kpi_directions)

    def made_on(self, commit: Commit) -> date:
        """The earliest date the commit can have been made: its own date, or for a
        backdated one the latest date of its ancestors."""
        found = self.dated_before.get(commit.sha)
        return found.not_before if found is not None else commit.date

    def current_path(self, path: str) -> str:
        return self.renames.get(path, path)

    def select(self, keep: Any, among: Among | None = None) -> list[HistoryEntry]:
        """Entries with only the changes `keep(change, path_now)` accepts; empty ones
        dropped. `among` (from `_among`): the only entries and changes that can be
        kept, so that a page asks about its own changes, not every change of every
        commit (which grows with pages x commits)."""
        out = []
        if among is None:
            among = [(i, range(len(e.changes)), range(len(e.hidden)))
                     for i, e in enumerate(self.entries)]
        for i, shown, withheld in among:
            entry = self.entries[i]
            kept = [c for c in (entry.changes[j] for j in shown)
                    if keep(c, self.current_path(c.path))]
            if kept:
                hidden = [c for c in (entry.hidden[j] for j in withheld)
                          if keep(c, self.current_path(c.path))]
                out.append(HistoryEntry(entry.commit, kept, hidden, entry.boundary,
                                        entry.subject_withheld))
        return out

    def _index(self) -> dict[Key, dict[int, tuple[list[int], list[int]]]]:
        """Where each key's changes are: key -> entry position -> (positions in its
        changes, in its hidden). Keys: `("p", period)` of a change or of its file's
        path now, `("u", period, unit)` of a change, `("f", path now less suffix)`.
        Made once per list of entries (a new list, a new index)."""
        cached = self.__dict__.get("_by_key")
        if cached is not None and cached[0] is self.entries and cached[1] == len(self.entries):
            return cached[2]
        index: dict[Key, dict[int, tuple[list[int], list[int]]]] = {}
        for i, entry in enumerate(self.entries):
            for side, changes in enumerate((entry.changes, entry.hidden)):
                for j, c in enumerate(changes):
                    now = self.current_path(c.path)
                    for key in {("p", c.period), ("p", _period_of(now)),
                                ("u", c.period, c.unit), ("f", now.rsplit(".", 1)[0])}:
                        index.setdefault(key, {}).setdefault(i, ([], []))[side].append(j)
        self.__dict__["_by_key"] = (self.entries, len(self.entries), index)
        return index

    def _among(self, *keys: Key) -> Among:
        """The entries and changes filed under any of `keys`, in their order."""
        index = self._index()
        found: dict[int, tuple[set[int], set[int]]] = {}
        for key in keys:
            for i, (shown, hidden) in index.get(key, {}).items():
                mine = found.setdefault(i, (set(), set()))
                mine[0].update(shown)
                mine[1].update(hidden)
        return [(i, sorted(found[i][0]), sorted(found[i][1])) for i in sorted(found)
                if found[i][0]]

    def for_period(self, period: str) -> list[HistoryEntry]:
        return self.select(lambda c, now: c.period == period or _period_of(now) == period,
                           self._among(("p", period)))

    def for_unit_period(self, period: str, unit: str) -> list[HistoryEntry]:
        target = f"periods/{period}/{unit}"

        def keep(c: Change, now: str) -> bool:
            if c.kpi or c.kind.startswith("period") or c.kind.startswith("amendment"):
                return False
            return (c.period, c.unit) == (period, unit) or now.rsplit(".", 1)[0] == target
        return self.select(keep, self._among(("u", period, unit), ("f", target)))

    def for_objective(self, period: str, unit: str, objective: str) -> list[HistoryEntry]:
        target = f"periods/{period}/{unit}"

        def keep(c: Change, now: str) -> bool:
            return c.objective == objective and (
                (c.period, c.unit) == (period, unit) or now.rsplit(".", 1)[0] == target)
        return self.select(keep, self._among(("u", period, unit), ("f", target)))


def records_state(c: Change) -> bool:
    """Changes that record a period's state rather than change its content: adding an
    amendment, closing it (state, closed_on, closed_by, the final record), naming it.
    Change control lets them through without an amendment; the audit page does not
    flag a commit made only of them."""
    if c.kind == AMENDMENT_ADDED:
        return True
    if c.kind == PERIOD_CHANGED:
        # Closing sets closed_on and writes the final record; editing them later
        # changes what the period's figures are.
        if c.field in ("closed_on", "closed_by", "final"):
            return c.old is None
        return c.field == "name" or (c.field == "state" and c.new == "closed")
    return False


def _period_of(path: str) -> str | None:
    parts = path.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "periods" else None


def visible(changes: list[Change], include_restricted: bool) -> tuple[list[Change], int]:
    """The changes a reader may see, and how many were withheld."""
    shown, hidden = split(changes, include_restricted)
    return shown, len(hidden)


def split(changes: list[Change], include_restricted: bool
          ) -> tuple[list[Change], list[Change]]:
    """(shown, hidden): restricted changes are hidden unless they are included."""
    if include_restricted:
        return list(changes), []
    return [c for c in changes if not c.restricted], [c for c in changes if c.restricted]


def resolve_eased(changes: list[Change], kpi_directions: dict[str, str]) -> None:
    """Fill in `eased` of target changes of KPI-backed key results (in place)."""
    for c in changes:
        if (c.goalpost and c.eased is None and c.field == "target" and c.kr_kpi
                and c.kr_kpi in kpi_directions and isinstance(c.old, (int, float))
                and isinstance(c.new, (int, float)) and c.old != c.new):
            rising = kpi_directions[c.kr_kpi] != "lower_is_better"
            c.eased = c.new < c.old if rising else c.new > c.old
