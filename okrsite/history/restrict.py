"""Which changes a public reader may not see: every change to an item that is restricted
now or was restricted in any version, and every change whose values name one.

Restriction is not judged per pair of versions. An objective that was public for
months and is restricted now takes its whole history with it (its old title is as
secret as its new one), and so does one restricted once and public again (what was
written while it was restricted may still be in its older values). A public field
naming a restricted item (`aligns_to: acme/heron-deal`, a key result's
`kpi: burnrate-secret`) is withheld too: the id is part of the secret.

The items come from `Marks`: what each version of each document restricted, read from
parsed document data (history: every version a commit touched; `okrsite diff`: both
sides and the working tree) or from the model (the content a build shows now).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from okrsite.history.types import FILE_RENAMED, Change, History, HistoryEntry
from okrsite.loader import expected_kind

if TYPE_CHECKING:
    from okrsite.model import Content

Mark = tuple[str, ...]
# ("o", period, unit, objective, path)  an objective restricted in a version at `path`
# ("k", kpi, path)                       a KPI restricted in a version at `path`
# ("u", period, unit, objective, kr, kpi) a key result taking its values from a KPI
_REFERENCE_FIELDS = ("aligns_to", "carried_from")


def document_marks(path: str, data: Any) -> set[Mark]:
    """The marks of one version of a document (content-relative `path`, parsed data)."""
    if not isinstance(data, dict):
        return set()
    kind = expected_kind(path)
    if kind == "kpi":
        if data.get("visibility") != "restricted":
            return set()
        kid = data.get("id")
        return {("k", str(kid) if kid is not None else _stem(path), path)}
    if kind != "okrs":
        return set()
    parts = path.split("/")
    period = _str(data.get("period")) or (parts[1] if len(parts) == 3 else "")
    unit = _str(data.get("unit")) or (_stem(path) if len(parts) == 3 else "")
    out: set[Mark] = set()
    objectives = data.get("objectives")
    for o in objectives if isinstance(objectives, list) else []:
        if not isinstance(o, dict) or "id" not in o:
            continue
        oid = str(o["id"])
        if o.get("visibility") == "restricted":
            out.add(("o", period, unit, oid, path))
        krs = o.get("key_results")
        for kr in krs if isinstance(krs, list) else []:
            if isinstance(kr, dict) and "id" in kr and isinstance(kr.get("kpi"), str):
                out.add(("u", period, unit, oid, str(kr["id"]), kr["kpi"]))
    return out


def content_marks(content: Content) -> set[Mark]:
    """The marks of the model: what the content restricts now."""
    out: set[Mark] = set()
    for up in content.okrs.values():
        path = up.source.path or f"periods/{up.period}/{up.unit}.yaml"
        for o in up.objectives:
            if o.restricted:
                out.add(("o", o.period, o.unit, o.id, path))
            for kr in o.key_results:
                if kr.kpi:
                    out.add(("u", o.period, o.unit, o.id, kr.id, kr.kpi))
    for kpi in content.kpis.values():
        if kpi.restricted:
            out.add(("k", kpi.id, kpi.source.path if kpi.source else f"kpis/{kpi.id}.yaml"))
    return out


@dataclass
class Restricted:
    """Every item a public reader may not see, and the test of a change against them."""

    objectives: set[tuple[str, str, str]] = field(default_factory=set)  # period, unit, id
    objective_files: set[tuple[str, str]] = field(default_factory=set)  # path, id
    kpis: set[str] = field(default_factory=set)
    kpi_files: set[str] = field(default_factory=set)
    krs: set[tuple[str, str, str, str]] = field(default_factory=set)  # of a restricted KPI

    @classmethod
    def of(cls, marks: Iterable[Mark], renames: dict[str, str] | None = None) -> Restricted:
        """From marks; `renames` (old path -> path now) files each under its path now
        too, so a change recorded before a rename still finds its item."""
        renames = renames or {}
        r = cls()
        uses: list[Mark] = []
        for m in marks:
            if m[0] == "o":
                r.objectives.add((m[1], m[2], m[3]))
                r.objective_files |= {(m[4], m[3]), (renames.get(m[4], m[4]), m[3])}
            elif m[0] == "k":
                r.kpis.add(m[1])
                r.kpi_files |= {m[2], renames.get(m[2], m[2])}
            elif m[0] == "u":
                uses.append(m)
        r.krs = {(m[1], m[2], m[3], m[4]) for m in uses if m[5] in r.kpis}
        return r

    def __bool__(self) -> bool:
        return bool(self.objectives or self.kpis)

    def hides(self, c: Change, now: str | None = None) -> bool:
        """Whether `c` touches or names a restricted item; `now` is its file's path now."""
        if c.restricted:
            return True
        paths = {c.path, now or c.path}
        if c.kind == FILE_RENAMED and c.old is not None:
            paths.add(str(c.old))
        if c.kpi is not None and c.kpi in self.kpis:
            return True
        if paths & self.kpi_files:
            return True
        if c.objective is not None:
            if (c.period, c.unit, c.objective) in self.objectives:
                return True
            if any((p, c.objective) in self.objective_files for p in paths):
                return True
            if c.key_result is not None and (
                    c.period, c.unit, c.objective, c.key_result) in self.krs:
                return True
            if c.kr_kpi is not None and c.kr_kpi in self.kpis:
                return True
        return self.names(c)

    def names(self, c: Change) -> bool:
        """A public field whose old or new value is a restricted item's id."""
        if c.field == "kpi":
            return any(isinstance(v, str) and v in self.kpis for v in (c.old, c.new))
        if c.field in _REFERENCE_FIELDS:
            return any(self._names_objective(v, c.period) for v in (c.old, c.new))
        return False

    def _names_objective(self, value: Any, period: str | None) -> bool:
        if not isinstance(value, str):
            return False
        ref_period, _, rest = value.rpartition(":")
        parts = rest.split("/")
        if len(parts) in (2, 3):
            target = (ref_period or period or "", parts[0], parts[1])
            if target in self.objectives:
                return True
            if len(parts) == 3 and (*target, parts[2]) in self.krs:
                return True
        # Not a reference we can read: withheld when it spells a restricted one anyway.
        return any(f"{u}/{o}" in value for _, u, o in self.objectives)


def split_hidden(changes: list[Change], restricted: Restricted, include_restricted: bool,
                 now: Any = None) -> tuple[list[Change], list[Change]]:
    """(shown, hidden). `now(path)` gives a file's path now (default: unchanged)."""
    if include_restricted:
        return list(changes), []
    shown, hidden = [], []
    for c in changes:
        (hidden if restricted.hides(c, now(c.path) if now else None) else shown).append(c)
    return shown, hidden


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def entries_of(history: History) -> list[HistoryEntry]:
    """The entries a history shows, from its commits and marks: a commit that changed
    only withheld items is left out; one that changed both shows the rest, and not its
    subject (the author's own words may name what was withheld)."""
    restricted = Restricted.of(history.marks, history.renames)
    entries: list[HistoryEntry] = []
    for commit, changes in history.commits:
        shown, hidden = split_hidden(changes, restricted, history.include_restricted,
                                     history.current_path)
        if shown:
            boundary = history.shallow and not commit.parents
            entries.append(HistoryEntry(commit, shown, hidden, boundary, bool(hidden)))
    return entries


def withhold(history: History, marks: Iterable[Mark]) -> History:
    """The history without what `marks` restrict as well (a build passes what its
    content restricts now: the working tree may restrict what no commit has yet)."""
    more = set(marks)
    if history.include_restricted or not history.available or more <= history.marks:
        return history
    out = replace(history, marks=history.marks | more)
    out.entries = entries_of(out)
    return out
