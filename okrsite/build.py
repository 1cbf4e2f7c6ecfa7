"""Build the model from schema-valid documents.

The caller passes only documents that passed the schema and the per-document
rules; what cannot be built (an unknown period id, say) was reported there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from okrsite.loader import Document
from okrsite.model import (
    KPI,
    Amendment,
    CheckIn,
    ConfidenceEntry,
    Content,
    FinalItem,
    FinalRecord,
    Initiative,
    KeyResult,
    KRKind,
    Measurement,
    Milestone,
    Objective,
    Org,
    Period,
    PeriodState,
    Person,
    Ref,
    Source,
    Thresholds,
    Unit,
    UnitPeriod,
)
from okrsite.periods import PeriodSpan, span
from okrsite.periods import sort_key as period_sort_key
from okrsite.piececache import Built
from okrsite.yamlparse import pointer


def kr_kind(kr: dict[str, Any]) -> KRKind | None:
    """The shape a key result has, or None when it has none or several (rules say which)."""
    shapes = kr_shapes(kr)
    return shapes[0] if len(shapes) == 1 else None


def kr_shapes(kr: dict[str, Any]) -> list[KRKind]:
    shapes = []
    if "milestones" in kr:
        shapes.append(KRKind.MILESTONES)
    if "done" in kr:
        shapes.append(KRKind.BINARY)
    if "direction" in kr and "target" in kr:
        shapes.append(KRKind.THRESHOLD)
    elif "target" in kr and ("baseline" in kr or "kpi" in kr):
        shapes.append(KRKind.NUMERIC)
    return shapes


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _opt_date(text: str | None) -> date | None:
    return _date(text) if text else None


class _Builder:
    def __init__(self, fiscal_year_start: int) -> None:
        self.fy = fiscal_year_start

    def source(self, doc: Document, path: tuple[str | int, ...] = ()) -> Source:
        return self.at(doc, pointer(path))

    def at(self, doc: Document, ptr: str) -> Source:
        """The Source of a JSON pointer; callers in loops pass one built with an f-string
        (the pointer of every check-in of every key result adds up)."""
        line, col = doc.pos(ptr)
        return Source(doc.relpath, line, col)

    def org(self, doc: Document) -> Org:
        units: dict[str, Unit] = {}
        for i, u in enumerate(doc.data["units"]):
            units.setdefault(u["id"], Unit(
                id=u["id"], name=u["name"], parent=u.get("parent"), lead=u.get("lead"),
                reviewers=list(u.get("reviewers", [])), description=u.get("description"),
                source=self.source(doc, ("units", i))))
        return Org(doc.data["name"], units, self.source(doc))

    def period(self, period_id: str, doc: Document | None) -> Period:
        base = span(period_id, self.fy)
        if doc is None:
            return Period(period_id, base)
        d = doc.data
        if "start" in d and "end" in d:
            base = PeriodSpan(period_id, base.kind, _date(d["start"]), _date(d["end"]))
        amendments = [Amendment(_date(a["date"]), a["by"], a["reason"],
                                self.source(doc, ("amendments", i)))
                      for i, a in enumerate(d.get("amendments", []))]
        state = PeriodState(d["state"]) if "state" in d else None
        return Period(period_id, base, d.get("name"), state, _opt_date(d.get("closed_on")),
                      amendments, self.source(doc), d.get("closed_by"),
                      self.final(doc, d["final"]) if "final" in d else None,
                      self.source(doc, ("closed_on",)) if "closed_on" in d else None)

    def final(self, doc: Document, f: dict[str, Any]) -> FinalRecord:
        def items(rows: list[dict[str, Any]]) -> list[FinalItem]:
            return [FinalItem(str(r["ref"]), r.get("title", ""), r.get("score"),
                              r.get("status"), r.get("inputs", "")) for r in rows]

        at_close = f.get("at_close") or {}
        return FinalRecord(_date(f["as_of"]), f["digest"],
                           {str(k): str(v) for k, v in f.get("scorers", {}).items()},
                           {str(k): str(v) for k, v in f.get("units", {}).items()},
                           items(f.get("items", [])), items(at_close.get("items", [])),
                           at_close.get("digest"), self.source(doc, ("final",)),
                           {str(k): None if v is None else str(v)
                            for k, v in f["parents"].items()} if "parents" in f else None,
                           _opt_date(f.get("closed_on")))

    def unit_period(self, doc: Document) -> UnitPeriod:
        d = doc.data
        unit, period = d["unit"], str(d["period"])  # `period: 2026` is read as a number
        objectives = [self.objective(doc, i, o, unit, period)
                      for i, o in enumerate(d.get("objectives", []))]
        return UnitPeriod(unit, period, objectives, self.source(doc, ("unit",)),
                          d.get("retrospective"))

    def objective(self, doc: Document, i: int, o: dict[str, Any], unit: str,
                  period: str) -> Objective:
        ref = Ref(unit, o["id"], None, period)
        krs = [self.key_result(doc, i, j, kr, ref)
               for j, kr in enumerate(o.get("key_results", []))]
        aligns = Ref.parse(o["aligns_to"]).in_period(period) if "aligns_to" in o else None
        carried = Ref.parse(o["carried_from"]) if "carried_from" in o else None
        return Objective(
            id=o["id"], title=o["title"], unit=unit, period=period, ref=ref, key_results=krs,
            description=o.get("description"), owner=o.get("owner"),
            type=o.get("type", "aspirational"), aligns_to=aligns,
            visibility=o.get("visibility", "public"), grade=o.get("grade"),
            retrospective=o.get("retrospective"), carried_from=carried,
            source=self.source(doc, ("objectives", i)), weight=o.get("weight", 1),
            score_from=o.get("score_from", "key_results"))

    def key_result(self, doc: Document, i: int, j: int, kr: dict[str, Any],
                   objective: Ref) -> KeyResult:
        at = f"/objectives/{i}/key_results/{j}"
        check_ins = sorted(
            (CheckIn(_date(c["date"]), c.get("value"), c.get("confidence"), c.get("note"),
                     self.at(doc, f"{at}/check_ins/{k}"), c.get("by"))
             for k, c in enumerate(kr.get("check_ins", []))),
            key=lambda c: c.date)
        milestones = [Milestone(m["title"], bool(m.get("done", False)), m.get("weight", 1),
                                _opt_date(m.get("done_on")))
                      for m in kr.get("milestones", [])]
        return KeyResult(
            id=kr["id"], title=kr["title"], kind=kr_kind(kr) or KRKind.NUMERIC,
            ref=Ref(objective.unit, objective.objective, kr["id"], objective.period),
            description=kr.get("description"), unit=kr.get("unit"),
            baseline=kr.get("baseline"), target=kr.get("target"),
            direction=kr.get("direction"), kpi=kr.get("kpi"), check_ins=check_ins,
            milestones=milestones, done=kr.get("done"), done_on=_opt_date(kr.get("done_on")),
            weight=kr.get("weight", 1),
            scorer=kr.get("scorer"), reason=kr.get("reason"),
            stale_after_days=kr.get("stale_after_days"),
            cadence=kr.get("cadence"),
            extensions={k: v for k, v in kr.items() if k.startswith("x-")},
            owner=kr.get("owner"), source=self.at(doc, at),
            confidence=sorted((ConfidenceEntry(_date(c["date"]), c["value"], c.get("note"),
                                               self.at(doc, f"{at}/confidence/{k}"))
                               for k, c in enumerate(kr.get("confidence", []))),
                              key=lambda c: c.date),
            grade=kr.get("grade"),
            initiatives=[Initiative(n["title"], n.get("url"), n.get("status"))
                         for n in kr.get("initiatives", [])])

    def people(self, doc: Document) -> dict[str, Person]:
        people: dict[str, Person] = {}
        for i, p in enumerate(doc.data["people"]):
            people.setdefault(p["id"], Person(p["id"], p["name"], p.get("unit"),
                                              p.get("email"), p.get("handle"),
                                              self.source(doc, ("people", i))))
        return people

    def kpi(self, doc: Document) -> KPI:
        d = doc.data
        th = d.get("thresholds")
        measurements = sorted((Measurement(_date(m["date"]), m["value"], m.get("note"),
                                           self.at(doc, f"/measurements/{k}"))
                               for k, m in enumerate(d.get("measurements", []))),
                              key=lambda m: m.date)
        return KPI(
            id=d["id"], name=d["name"], description=d.get("description"), owner=d.get("owner"),
            unit=d.get("unit"), direction=d.get("direction", "higher_is_better"),
            cadence=d.get("cadence", "monthly"), target=d.get("target"),
            thresholds=Thresholds(th["green"], th["red"]) if th else None,
            visibility=d.get("visibility", "public"), measurements=measurements,
            source=self.source(doc))


def build(documents: Iterable[Document | Built], content_root: Path | None = None,
          fiscal_year_start: int = 1, reuse: dict[tuple[str, str], Any] | None = None
          ) -> Content:
    """Link valid documents into a Content. Without an org.yaml, the org is empty.

    `reuse`: the OKR files' and KPIs' model pieces of an earlier build, by (relpath,
    sha256); a piece is a function of those alone, and the model is never changed in
    place, so an unchanged document's is taken as it is. Left holding this build's.
    A `Built` (okrsite.piececache) is such a piece given in its document's place."""
    b = _Builder(fiscal_year_start)
    built: dict[tuple[str, str], Any] = {}

    def piece(doc: Document, make: Any) -> Any:
        key = (doc.relpath, doc.sha256)
        found = reuse.get(key) if reuse is not None else None
        built[key] = found = found if found is not None else make(doc)
        return found

    org = Org("", {})
    period_docs: dict[str, Document] = {}
    okrs: dict[tuple[str, str], UnitPeriod] = {}
    kpis: dict[str, KPI] = {}
    people: dict[str, Person] = {}
    for doc in documents:
        if isinstance(doc, Built):
            built[(doc.relpath, doc.sha256)] = doc.piece
            if isinstance(doc.piece, UnitPeriod):
                okrs[(doc.piece.period, doc.piece.unit)] = doc.piece
            else:
                kpis[doc.piece.id] = doc.piece
            continue
        kind = doc.data["kind"]
        if kind == "org":
            org = b.org(doc)
        elif kind == "people":
            people = b.people(doc)
        elif kind == "period":
            period_docs[str(doc.data["id"])] = doc
        elif kind == "okrs":
            up = piece(doc, b.unit_period)
            okrs[(up.period, up.unit)] = up
        elif kind == "kpi":
            k = piece(doc, b.kpi)
            kpis[k.id] = k
    if reuse is not None:
        reuse.clear()
        reuse.update(built)
    period_ids = set(period_docs) | {p for p, _ in okrs}
    ordered = sorted(period_ids, key=lambda p: period_sort_key(p, fiscal_year_start))
    periods = {p: b.period(p, period_docs.get(p)) for p in ordered}
    okrs = ordered_okrs(okrs, org, fiscal_year_start)
    return Content(org, periods, okrs, dict(sorted(kpis.items())), fiscal_year_start,
                   root=str(content_root) if content_root else "", people=people)


def ordered_okrs(okrs: dict[tuple[str, str], UnitPeriod], org: Org, fiscal_year_start: int
                 ) -> dict[tuple[str, str], UnitPeriod]:
    """The model's order of unit-periods: periods in time, units in org order."""
    return dict(sorted(okrs.items(), key=lambda kv: (
        period_sort_key(kv[0][0], fiscal_year_start), _unit_order(org, kv[0][1]))))


def _unit_order(org: Org, unit: str) -> tuple[int, str]:
    order = list(org.units)
    return (order.index(unit), unit) if unit in org.units else (len(order), unit)
