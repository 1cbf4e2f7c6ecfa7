"""The model turned back into document data, for diff tests that build two versions of
a Content in memory instead of writing two sets of YAML files."""

from __future__ import annotations

from typing import Any

from okrsite.history.diff import diff_document_sets
from okrsite.history.types import Change
from okrsite.model import Content

Data = dict[str, Any]


def content_documents(content: Content) -> dict[str, Data]:
    """Each document of a Content as the data its YAML would parse to, by relpath."""
    docs: dict[str, Data] = {}
    if content.org.units:
        docs["org.yaml"] = {"version": 1, "kind": "org", "name": content.org.name, "units": [
            _prune({"id": u.id, "name": u.name, "parent": u.parent, "lead": u.lead,
                    "reviewers": list(u.reviewers) or None, "description": u.description})
            for u in content.org.units.values()]}
    for p in content.periods.values():
        if p.source is None:
            continue
        docs[p.source.path] = _prune({
            "version": 1, "kind": "period", "id": p.id, "name": p.name,
            "state": p.declared_state.value if p.declared_state else None,
            "closed_on": _iso(p.closed_on),
            "amendments": [{"date": a.date.isoformat(), "by": a.by, "reason": a.reason}
                           for a in p.amendments] or None})
    for (period, unit), up in content.okrs.items():
        docs[up.source.path or f"periods/{period}/{unit}.yaml"] = {
            "version": 1, "kind": "okrs", "unit": unit, "period": period,
            "objectives": [_objective_data(o) for o in up.objectives]}
    for kpi in content.kpis.values():
        path = kpi.source.path if kpi.source else f"kpis/{kpi.id}.yaml"
        docs[path] = _prune({
            "version": 1, "kind": "kpi", "id": kpi.id, "name": kpi.name,
            "description": kpi.description, "owner": kpi.owner, "unit": kpi.unit,
            "direction": kpi.direction, "cadence": kpi.cadence, "target": kpi.target,
            "thresholds": ({"green": kpi.thresholds.green, "red": kpi.thresholds.red}
                           if kpi.thresholds else None),
            "visibility": kpi.visibility,
            "measurements": [_prune({"date": m.date.isoformat(), "value": m.value,
                                     "note": m.note}) for m in kpi.measurements]})
    return docs


def _objective_data(o: Any) -> Data:
    return _prune({
        "id": o.id, "title": o.title, "description": o.description, "owner": o.owner,
        "type": o.type, "aligns_to": _short_ref(o.aligns_to, o.period),
        "visibility": o.visibility, "grade": o.grade, "retrospective": o.retrospective,
        "carried_from": str(o.carried_from) if o.carried_from else None,
        "key_results": [_prune({
            "id": k.id, "title": k.title, "description": k.description, "kpi": k.kpi,
            "unit": k.unit, "baseline": k.baseline, "target": k.target,
            "direction": k.direction, "done": k.done, "weight": k.weight,
            "scorer": k.scorer, "reason": k.reason, "stale_after_days": k.stale_after_days,
            "cadence": k.cadence,
            "milestones": [{"title": m.title, "done": m.done, "weight": m.weight}
                           for m in k.milestones] or None,
            "check_ins": [_prune({"date": c.date.isoformat(), "value": c.value,
                                  "confidence": c.confidence, "note": c.note})
                          for c in k.check_ins] or None})
            for k in o.key_results]})


def _short_ref(ref: Any, period: str) -> str | None:
    """A reference as written: without its period when that is the objective's own."""
    if ref is None:
        return None
    if ref.period and ref.period != period:
        return str(ref)
    return f"{ref.unit}/{ref.objective}" + (f"/{ref.key_result}" if ref.key_result else "")


def _iso(d: Any) -> str | None:
    return d.isoformat() if d is not None else None


def _prune(d: Data) -> Data:
    return {k: v for k, v in d.items() if v is not None}


def diff_content(old: Content, new: Content) -> list[Change]:
    """Every change between two versions of the model (restricted items included:
    filter with `types.visible`)."""
    return diff_document_sets(dict(content_documents(old)), dict(content_documents(new)))
