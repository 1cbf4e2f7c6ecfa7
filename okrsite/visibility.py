"""What a public build may show: the content without restricted items.

`public_view(content)` returns a new Content (the input is not changed) without

- restricted objectives (with their key results),
- restricted KPIs, and the key results of shown objectives that take their values
  from a restricted KPI,

and with references into what was withheld cut: an `aligns_to` naming a withheld
objective is removed (the objective is remembered in `Withheld.hidden_alignments`, so
the cascade still counts it as aligned without naming its parent), one naming a
withheld key result points to that key result's objective instead, and a
`carried_from` naming a withheld objective is removed.

Scores of a public build must be computed on the view, not on the full content, or a
unit's score would still reflect its restricted objectives:

    view, withheld = public_view(content)
    scorecard = score_content(view, as_of, settings.scoring)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

from okrsite.model import Content, Objective, Ref, UnitPeriod


@dataclass(frozen=True)
class WithheldCount:
    """Items withheld in one place: restricted objectives, and key results of shown
    objectives that use a restricted KPI."""

    objectives: int = 0
    key_results: int = 0

    def __add__(self, other: WithheldCount) -> WithheldCount:
        return WithheldCount(self.objectives + other.objectives,
                             self.key_results + other.key_results)

    def __bool__(self) -> bool:
        return bool(self.objectives or self.key_results)


@dataclass
class Withheld:
    """What a public build leaves out, per (period, unit) and in total."""

    by_unit_period: dict[tuple[str, str], WithheldCount] = field(default_factory=dict)
    kpis: int = 0  # restricted KPIs
    # refs (str) of shown objectives whose `aligns_to` named a withheld objective
    hidden_alignments: set[str] = field(default_factory=set)

    @property
    def total(self) -> WithheldCount:
        return sum(self.by_unit_period.values(), WithheldCount())

    def period(self, period: str) -> WithheldCount:
        return sum((c for (p, _), c in self.by_unit_period.items() if p == period),
                   WithheldCount())

    def unit(self, unit: str) -> WithheldCount:
        return sum((c for (_, u), c in self.by_unit_period.items() if u == unit),
                   WithheldCount())

    def unit_period(self, period: str, unit: str) -> WithheldCount:
        return self.by_unit_period.get((period, unit), WithheldCount())

    def __bool__(self) -> bool:
        return bool(self.kpis or self.total)


class PublicView(NamedTuple):
    content: Content
    withheld: Withheld


def public_view(content: Content) -> PublicView:
    """The content a public build shows, and what it withheld (see the module doc)."""
    restricted_kpis = {k for k, kpi in content.kpis.items() if kpi.restricted}
    withheld_objectives: set[Ref] = set()
    withheld_krs: dict[Ref, Ref] = {}  # withheld KR ref -> its (shown) objective's ref
    for up in content.okrs.values():
        for obj in up.objectives:
            if obj.restricted:
                withheld_objectives.add(obj.ref)
                continue
            for kr in obj.key_results:
                if kr.kpi in restricted_kpis:
                    withheld_krs[kr.ref] = obj.ref

    withheld = Withheld(kpis=len(restricted_kpis))
    okrs: dict[tuple[str, str], UnitPeriod] = {}
    for key, up in content.okrs.items():
        shown: list[Objective] = []
        hidden_objectives = hidden_krs = 0
        changed = False
        for obj in up.objectives:
            if obj.restricted:
                hidden_objectives += 1
                changed = True
                continue
            krs = [kr for kr in obj.key_results if kr.kpi not in restricted_kpis]
            hidden_krs += len(obj.key_results) - len(krs)
            aligns_to, carried_from = obj.aligns_to, obj.carried_from
            if aligns_to is not None:
                target = aligns_to.in_period(obj.period)
                if target.objective_ref in withheld_objectives:
                    aligns_to = None
                    withheld.hidden_alignments.add(str(obj.ref))
                elif target in withheld_krs:
                    aligns_to = withheld_krs[target]
            if carried_from is not None and \
                    carried_from.in_period(obj.period) in withheld_objectives:
                carried_from = None
            if (len(krs), aligns_to, carried_from) != (len(obj.key_results), obj.aligns_to,
                                                       obj.carried_from):
                obj = replace(obj, key_results=krs, aligns_to=aligns_to,
                              carried_from=carried_from)
                changed = True
            shown.append(obj)
        if hidden_objectives or hidden_krs:
            withheld.by_unit_period[key] = WithheldCount(hidden_objectives, hidden_krs)
        if changed:
            up = replace(up, objectives=shown)
        okrs[key] = up

    kpis = {k: kpi for k, kpi in content.kpis.items() if k not in restricted_kpis}
    view = replace(content, okrs=okrs, kpis=kpis)
    return PublicView(view, withheld)
