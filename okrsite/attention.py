"""What needs attention this week, derived once per build from its view and scorecard:
every key result of an active period whose check-in is due (no value yet although one
is due) or stale (its latest value too old), and the committed objectives off track.

The check-ins page lists the key results by owner and by unit; the home page and the
period pages show the off-track committed objectives and the stale key results at the
top. Built from the build's view, so a public build's list holds no restricted item.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from okrsite.model import Content, KeyResult, Objective, PeriodState
from okrsite.scoring.rollup import KRResult, ObjectiveResult, Scorecard

Reason = Literal["stale", "due"]


@dataclass(frozen=True)
class DueKR:
    """One key result whose check-in is due or stale."""

    objective: Objective
    kr: KeyResult
    result: KRResult
    reason: Reason
    owner: str | None  # as written: the KR's `owner:`, else its objective's
    person: str | None  # the person id of people.yaml the owner names, if any
    age_days: int | None = None  # days from the last value to as of (None: no value)

    @property
    def period(self) -> str:
        return self.objective.period

    @property
    def unit(self) -> str:
        return self.objective.unit

    @property
    def last_update(self) -> date | None:
        """The latest value on or before as of (a check-in's or the KPI's); a check-in
        with only a note does not count: it does not keep a key result fresh."""
        return self.result.last_value


@dataclass(frozen=True)
class OffTrack:
    objective: Objective
    result: ObjectiveResult


@dataclass(frozen=True)
class Attention:
    periods: tuple[str, ...]  # the active periods, chronological
    key_results: tuple[DueKR, ...]  # periods chronologically, units in org order, file order
    off_track: tuple[OffTrack, ...]  # committed objectives off track, same order
    owners: tuple[OwnerGroup, ...] = ()  # the key results grouped by owner (`by_owner`)

    def __bool__(self) -> bool:
        return bool(self.key_results or self.off_track)

    def stale(self, period: str | None = None) -> list[DueKR]:
        return [d for d in self.key_results
                if d.reason == "stale" and period in (None, d.period)]

    def due(self, period: str | None = None) -> list[DueKR]:
        return [d for d in self.key_results
                if d.reason == "due" and period in (None, d.period)]

    def objectives_off_track(self, period: str | None = None) -> list[OffTrack]:
        return [o for o in self.off_track if period in (None, o.objective.period)]

    def by_unit(self) -> list[tuple[str, list[DueKR]]]:
        """(unit id, its key results), units in org order."""
        groups: dict[str, list[DueKR]] = {}
        for d in self.key_results:
            groups.setdefault(d.unit, []).append(d)
        return list(groups.items())


@dataclass(frozen=True)
class OwnerGroup:
    """The key results one owner has to check in: a person of people.yaml (`person` is
    their id), an owner written as free text, or nobody (`owner` None)."""

    owner: str | None
    person: str | None
    key_results: tuple[DueKR, ...]


def by_owner(found: Attention, people_order: list[str]) -> list[OwnerGroup]:
    """People in people.yaml order, then free-text owners alphabetically, then the key
    results without an owner."""
    groups: dict[tuple[int, str], list[DueKR]] = {}
    rank = {pid: i for i, pid in enumerate(people_order)}
    for d in found.key_results:
        if d.person is not None:
            key = (0, f"{rank.get(d.person, len(rank)):09d}")
        elif d.owner:
            key = (1, d.owner.strip().casefold())
        else:
            key = (2, "")
        groups.setdefault(key, []).append(d)
    return [OwnerGroup(items[0].owner if key[0] < 2 else None, items[0].person, tuple(items))
            for key, items in sorted(groups.items())]


def needs_attention(content: Content, card: Scorecard) -> Attention:
    """The attention list of `content` (a build's view) scored by `card`."""
    active = tuple(p for p in card.periods
                   if card.period_states.get(p) is PeriodState.ACTIVE)
    units = content.ordered_units()
    rank = {u: i for i, u in enumerate(units)}
    due: list[DueKR] = []
    off: list[OffTrack] = []
    for period in active:
        ups = sorted((up for (p, _), up in content.okrs.items() if p == period),
                     key=lambda up: rank.get(up.unit, len(rank)))
        for up in ups:
            for objective in up.objectives:
                res = card.objectives.get(str(objective.ref))
                if res is not None and objective.committed and res.status == "off_track":
                    off.append(OffTrack(objective, res))
                for kr in objective.key_results:
                    kr_res = card.krs.get(str(kr.ref))
                    if kr_res is None or not (kr_res.stale or kr_res.due):
                        continue
                    owner = kr.owner or objective.owner
                    person = content.person(owner)
                    last = kr_res.last_value
                    due.append(DueKR(objective, kr, kr_res, "stale" if kr_res.stale else "due",
                                     owner, person.id if person is not None else None,
                                     (card.as_of - last).days if last else None))
    found = Attention(active, tuple(due), tuple(off))
    return replace(found, owners=tuple(by_owner(found, list(content.people))))
