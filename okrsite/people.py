"""Who owns what: each person of `people.yaml` with the objectives, key results and
KPIs they own and the units they lead, derived once per build from what it shows.

An `owner:`, `lead:` or `by:` names a person by id or by exact name (`Content.person`).
A key result without an `owner:` is its objective owner's. A KPI is a person's when
its `owner:` is their id or a unit they lead. Built from the build's view, so a public
build's index holds no restricted item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from okrsite.model import KPI, Content, KeyResult, Objective, Person, Unit


@dataclass
class Owned:
    person: Person
    objectives: list[Objective] = field(default_factory=list)  # periods in content order
    key_results: list[tuple[Objective, KeyResult]] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    leads: list[Unit] = field(default_factory=list)


@dataclass(frozen=True)
class PeopleIndex:
    people: dict[str, Owned]  # person id -> what they own, in people.yaml order

    def __bool__(self) -> bool:
        return bool(self.people)


def people_index(content: Content) -> PeopleIndex:
    owned = {pid: Owned(p) for pid, p in content.people.items()}
    if not owned:
        return PeopleIndex({})

    def of(name: str | None) -> Owned | None:
        person = content.person(name)
        return owned[person.id] if person is not None else None

    for unit in content.org.units.values():
        lead = of(unit.lead)
        if lead is not None:
            lead.leads.append(unit)
    for objective in content.objectives():
        owner = of(objective.owner)
        if owner is not None:
            owner.objectives.append(objective)
        for kr in objective.key_results:
            kr_owner = of(kr.owner) if kr.owner else owner
            if kr_owner is not None:
                kr_owner.key_results.append((objective, kr))
    for kpi in content.kpis.values():
        direct = content.people.get(kpi.owner or "")
        if direct is not None:
            owned[direct.id].kpis.append(kpi)
            continue
        unit = content.org.units.get(kpi.owner or "")
        lead = of(unit.lead) if unit is not None else None
        if lead is not None:
            lead.kpis.append(kpi)
    return PeopleIndex(owned)
