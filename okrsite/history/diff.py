"""The semantic diff: what changed between two versions of a document, as `Change`s.

It works on parsed document data (what `yamlparse.parse` returns), so it can diff
any old version, even one that no longer passes the schema: every access is
defensive and a value of the wrong type is compared as it is.

Identity: objectives and key results by id (a changed title is a rename), check-ins
and KPI measurements by date (and their order within one date), amendments by
their whole entry, units by id. A renamed file is diffed against its old version.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from okrsite.build import kr_kind
from okrsite.history.types import (
    AMENDMENT_ADDED,
    AMENDMENT_CHANGED,
    CHECK_IN_ADDED,
    CHECK_IN_EDITED,
    CHECK_IN_REMOVED,
    FILE_ADDED,
    FILE_REMOVED,
    FILE_RENAMED,
    FILE_UNREADABLE,
    KPI_ADDED,
    KPI_CHANGED,
    KPI_REMOVED,
    KR_ADDED,
    KR_CHANGED,
    KR_REMOVED,
    KR_RENAMED,
    MEASUREMENT_ADDED,
    MEASUREMENT_EDITED,
    MEASUREMENT_REMOVED,
    OBJECTIVE_ADDED,
    OBJECTIVE_CHANGED,
    OBJECTIVE_REMOVED,
    OBJECTIVE_RENAMED,
    PERIOD_CHANGED,
    UNIT_ADDED,
    UNIT_CHANGED,
    UNIT_REMOVED,
    VISIBILITY_CHANGED,
    Change,
)
from okrsite.loader import expected_kind
from okrsite.yamlparse import pointer

Data = dict[str, Any]

_OBJECTIVE_FIELDS = ("type", "aligns_to", "owner", "grade", "carried_from", "description",
                     "retrospective")
_KR_FIELDS = ("target", "baseline", "direction", "weight", "kind", "scorer", "unit", "kpi",
              "done", "reason", "description", "stale_after_days", "cadence")
_KPI_FIELDS = ("name", "owner", "unit", "direction", "cadence", "target", "thresholds",
               "description")
_PERIOD_FIELDS = ("state", "closed_on", "closed_by", "start", "end", "name")
_UNIT_FIELDS = ("name", "parent", "lead", "reviewers", "description")
_DEFAULTS = {"type": "aspirational", "visibility": "public", "weight": 1}


def diff_documents(path: str, old: Data | None, new: Data | None,
                   old_path: str | None = None) -> list[Change]:
    """Changes from `old` to `new` (either may be None: added or removed) of the
    document at content-relative `path` (its newer path; `old_path` if renamed)."""
    old_path = old_path or path
    changes: list[Change] = []
    kind = expected_kind(path) or expected_kind(old_path)
    if old_path != path:
        changes.append(Change(FILE_RENAMED, path, old=old_path, new=path,
                              restricted=_kpi_restricted(old, new) if kind == "kpi" else False))
    if kind is None or (old is None and new is None):
        return changes
    if (old is not None and not isinstance(old, dict)) or (
            new is not None and not isinstance(new, dict)):
        return [*changes, Change(FILE_UNREADABLE, path)]
    if kind == "okrs":
        changes += _okrs(path, old_path, old, new)
    elif kind == "kpi":
        changes += _kpi(path, old_path, old, new)
    elif kind == "period":
        changes += _period(path, old_path, old, new)
    elif kind == "org":
        changes += _org(path, old, new)
    return changes


def unreadable(path: str) -> Change:
    """The change reported when a version of a file is not readable YAML."""
    return Change(FILE_UNREADABLE, path)


# -- okrs ---------------------------------------------------------------------------------


def _place(path: str) -> tuple[str | None, str | None]:
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "periods":
        return parts[1], parts[2].rsplit(".", 1)[0]
    return None, None


def _okrs(path: str, old_path: str, old: Data | None, new: Data | None) -> list[Change]:
    doc = new if new is not None else old
    assert doc is not None
    p_period, p_unit = _place(path)
    period = _text(doc.get("period")) or p_period
    unit = _text(doc.get("unit")) or p_unit
    out: list[Change] = []
    if old is None:
        out.append(Change(FILE_ADDED, path, period=period, unit=unit))
    elif new is None:
        out.append(Change(FILE_REMOVED, path, period=period, unit=unit))
    olds = _by_id(old.get("objectives") if old else None)
    news = _by_id(new.get("objectives") if new else None)
    for oid in _union(olds, news):
        o_i, o = olds.get(oid, (None, None))
        n_i, n = news.get(oid, (None, None))
        at = pointer(("objectives", n_i if n is not None else o_i))
        restricted = _restricted(o) or _restricted(n)
        base = {"period": period, "unit": unit, "objective": oid, "restricted": restricted}
        if o is None:
            out.append(Change(OBJECTIVE_ADDED, path, title=_text(n.get("title")),
                              new=len(_list(n.get("key_results"))), pointer=at, **base))
            continue
        if n is None:
            out.append(Change(OBJECTIVE_REMOVED, path, title=_text(o.get("title")),
                              pointer=at, goalpost=True, **base))
            continue
        title = _text(n.get("title"))
        if o.get("title") != n.get("title"):
            out.append(Change(OBJECTIVE_RENAMED, path, old=o.get("title"), new=n.get("title"),
                              title=title, pointer=at, **base))
        if _get(o, "visibility") != _get(n, "visibility"):
            out.append(Change(VISIBILITY_CHANGED, path, field="visibility",
                              old=_get(o, "visibility"), new=_get(n, "visibility"),
                              title=title, pointer=at, **base))
        for name in _OBJECTIVE_FIELDS:
            if _get(o, name) != _get(n, name):
                out.append(Change(OBJECTIVE_CHANGED, path, field=name, old=_get(o, name),
                                  new=_get(n, name), title=title,
                                  pointer=pointer(("objectives", n_i, name)), **base))
        out += _key_results(path, n_i, o, n, base)
    return out


def _key_results(path: str, n_i: int, o: Data, n: Data, base: dict[str, Any]
                 ) -> Iterator[Change]:
    olds, news = _by_id(o.get("key_results")), _by_id(n.get("key_results"))
    for kid in _union(olds, news):
        k_oi, ko = olds.get(kid, (None, None))
        k_ni, kn = news.get(kid, (None, None))
        at = ("objectives", n_i, "key_results", k_ni) if kn is not None else \
            ("objectives", n_i, "key_results", k_oi)
        kb = {**base, "key_result": kid}
        via = (kn or ko).get("kpi")
        if isinstance(via, str) and not isinstance((kn or ko).get("baseline"), (int, float)):
            kb["kr_kpi"] = via
        if ko is None:
            yield Change(KR_ADDED, path, title=_text(kn.get("title")), pointer=pointer(at),
                         **kb)
            continue
        if kn is None:
            # Dropping a key result is the easiest way to move a goalpost.
            yield Change(KR_REMOVED, path, title=_text(ko.get("title")), pointer=pointer(at),
                         goalpost=True, **kb)
            continue
        title = _text(kn.get("title"))
        if ko.get("title") != kn.get("title"):
            yield Change(KR_RENAMED, path, old=ko.get("title"), new=kn.get("title"),
                         title=title, pointer=pointer(at), **kb)
        for name in _KR_FIELDS:
            a, b = _kr_field(ko, name), _kr_field(kn, name)
            if a != b:
                goal = name in ("target", "baseline", "direction", "weight", "kind", "scorer")
                yield Change(KR_CHANGED, path, field=name, old=a, new=b, title=title,
                             goalpost=goal, eased=_eased(ko, kn, name) if goal else None,
                             pointer=pointer((*at, name)), **kb)
        yield from _milestones(path, ko, kn, title, pointer((*at, "milestones")), kb)
        yield from _dated(path, ko.get("check_ins"), kn.get("check_ins"), (*at, "check_ins"),
                          (CHECK_IN_ADDED, CHECK_IN_EDITED, CHECK_IN_REMOVED),
                          ("value", "confidence", "note"), title, kb)


def _kr_field(kr: Data, name: str) -> Any:
    if name == "kind":
        kind = kr_kind(kr)
        return kind.value if kind else None
    return _get(kr, name)


def _milestones(path: str, ko: Data, kn: Data, title: str | None, at: str,
                kb: dict[str, Any]) -> Iterator[Change]:
    def plan(kr: Data) -> list[tuple[Any, Any]]:
        return [(m.get("title"), m.get("weight", 1)) for m in _list(kr.get("milestones"))
                if isinstance(m, dict)]

    def done(kr: Data) -> list[Any]:
        return [m.get("title") for m in _list(kr.get("milestones"))
                if isinstance(m, dict) and m.get("done")]

    if plan(ko) != plan(kn):
        yield Change(KR_CHANGED, path, field="milestones", old=[t for t, _ in plan(ko)],
                     new=[t for t, _ in plan(kn)], title=title, goalpost=True,
                     eased=_milestones_eased(ko, kn), pointer=at, **kb)
    if done(ko) != done(kn):
        yield Change(KR_CHANGED, path, field="milestones done", old=done(ko), new=done(kn),
                     title=title, pointer=at, **kb)


def _milestones_eased(ko: Data, kn: Data) -> bool | None:
    """Eased when the share already done grows by editing the plan (not by doing)."""
    def share(kr: Data) -> float | None:
        items = [m for m in _list(kr.get("milestones")) if isinstance(m, dict)]
        total = sum(_num(m.get("weight", 1)) or 0 for m in items)
        if not total:
            return None
        return sum(_num(m.get("weight", 1)) or 0 for m in items if m.get("done")) / total
    a, b = share(ko), share(kn)
    return None if a is None or b is None or a == b else b > a


def _eased(old: Data, new: Data, name: str) -> bool | None:
    """Whether a goalpost change makes the key result easier to reach; None when that
    depends on more than the two versions say (weights, scorers, direction flips)."""
    a, b = _num(old.get(name)), _num(new.get(name))
    if name not in ("target", "baseline") or a is None or b is None or a == b:
        return None
    direction = old.get("direction")
    if direction in ("at_least", "at_most"):
        if name != "target":
            return None
        return b < a if direction == "at_least" else b > a
    base, target = _num(old.get("baseline")), _num(old.get("target"))
    if base is None or target is None or base == target:
        return None
    rising = target > base
    if name == "target":  # a target moved toward the baseline
        return b < a if rising else b > a
    return b < a if rising else b > a  # a baseline moved away from the target


# -- dated entries: check-ins and measurements ----------------------------------------------


def _dated(path: str, old: Any, new: Any, at: tuple[str | int, ...],
           kinds: tuple[str, str, str], fields: tuple[str, ...], title: str | None,
           base: dict[str, Any]) -> Iterator[Change]:
    added, edited, removed = kinds
    olds, news = _by_date(old), _by_date(new)
    for key in _union(olds, news):
        o_i, o = olds.get(key, (None, None))
        n_i, n = news.get(key, (None, None))
        day = key[0]
        if o is None:
            yield Change(added, path, date=day, new=n.get("value"), title=title,
                         pointer=pointer((*at, n_i)), **base)
        elif n is None:
            yield Change(removed, path, date=day, old=o.get("value"), title=title,
                         pointer=pointer((*at, o_i)), **base)
        else:
            for name in fields:
                if o.get(name) != n.get(name):
                    yield Change(edited, path, date=day, field=name, old=o.get(name),
                                 new=n.get(name), title=title,
                                 pointer=pointer((*at, n_i, name)), **base)


def _by_date(items: Any) -> dict[tuple[str, int], tuple[int, Data]]:
    out: dict[tuple[str, int], tuple[int, Data]] = {}
    seen: dict[str, int] = {}
    for i, item in enumerate(_list(items)):
        if not isinstance(item, dict):
            continue
        day = str(item.get("date"))
        n = seen.get(day, 0)
        seen[day] = n + 1
        out[(day, n)] = (i, item)
    return dict(sorted(out.items()))


# -- kpi, period, org -----------------------------------------------------------------------


def _kpi_restricted(*docs: Data | None) -> bool:
    return any(isinstance(d, dict) and _restricted(d) for d in docs)


def _kpi(path: str, old_path: str, old: Data | None, new: Data | None) -> list[Change]:
    doc = new if new is not None else old
    assert doc is not None
    kid = _text(doc.get("id")) or path.split("/")[-1].rsplit(".", 1)[0]
    base = {"kpi": kid, "restricted": _kpi_restricted(old, new)}
    name = _text(doc.get("name"))
    if old is None:
        return [Change(KPI_ADDED, path, title=name, new=len(_list(new.get("measurements"))),
                       **base)]
    if new is None:
        return [Change(KPI_REMOVED, path, title=name, **base)]
    out: list[Change] = []
    if _get(old, "visibility") != _get(new, "visibility"):
        out.append(Change(VISIBILITY_CHANGED, path, field="visibility",
                          old=_get(old, "visibility"), new=_get(new, "visibility"), title=name,
                          pointer=pointer(("visibility",)), **base))
    for f in _KPI_FIELDS:
        if _get(old, f) != _get(new, f):
            out.append(Change(KPI_CHANGED, path, field=f, old=_get(old, f), new=_get(new, f),
                              title=name, pointer=pointer((f,)), **base))
    out += _dated(path, old.get("measurements"), new.get("measurements"), ("measurements",),
                  (MEASUREMENT_ADDED, MEASUREMENT_EDITED, MEASUREMENT_REMOVED),
                  ("value", "note"), name, base)
    return out


def _period(path: str, old_path: str, old: Data | None, new: Data | None) -> list[Change]:
    period = _place(path)[0] or _place(old_path)[0]
    old, new = old or {}, new or {}
    out: list[Change] = []
    for f in _PERIOD_FIELDS:
        if _get(old, f) != _get(new, f):
            out.append(Change(PERIOD_CHANGED, path, period=period, field=f, old=_get(old, f),
                              new=_get(new, f), pointer=pointer((f,))))
    if _digest_of(old) != _digest_of(new):  # the final record, named by its digest
        out.append(Change(PERIOD_CHANGED, path, period=period, field="final",
                          old=_digest_of(old), new=_digest_of(new), pointer=pointer(("final",))))
    before = [_amendment(a) for a in _list(old.get("amendments"))]
    after = [_amendment(a) for a in _list(new.get("amendments"))]
    pending = list(before)
    for i, a in enumerate(after):
        if a in pending:
            pending.remove(a)
        else:
            out.append(Change(AMENDMENT_ADDED, path, period=period, date=a[0], new=a[2],
                              title=a[1], pointer=pointer(("amendments", i))))
    for a in pending:
        out.append(Change(AMENDMENT_CHANGED, path, period=period, date=a[0], old=a[2],
                          title=a[1], pointer=pointer(("amendments",))))
    return out


def _digest_of(doc: Data) -> Any:
    final = doc.get("final")
    return final.get("digest") if isinstance(final, dict) else None


def _amendment(a: Any) -> tuple[str, str, str]:
    a = a if isinstance(a, dict) else {}
    return (str(a.get("date")), _text(a.get("by")) or "", _text(a.get("reason")) or "")


def _org(path: str, old: Data | None, new: Data | None) -> list[Change]:
    old, new = old or {}, new or {}
    out: list[Change] = []
    if old.get("name") != new.get("name") and old and new:
        out.append(Change(UNIT_CHANGED, path, field="organisation name", old=old.get("name"),
                          new=new.get("name"), pointer=pointer(("name",))))
    olds, news = _by_id(old.get("units")), _by_id(new.get("units"))
    for uid in _union(olds, news):
        o_i, o = olds.get(uid, (None, None))
        n_i, n = news.get(uid, (None, None))
        at = pointer(("units", n_i if n is not None else o_i))
        if o is None:
            out.append(Change(UNIT_ADDED, path, unit=uid, title=_text(n.get("name")),
                              pointer=at))
        elif n is None:
            out.append(Change(UNIT_REMOVED, path, unit=uid, title=_text(o.get("name")),
                              pointer=at))
        else:
            for f in _UNIT_FIELDS:
                if o.get(f) != n.get(f):
                    out.append(Change(UNIT_CHANGED, path, unit=uid, field=f, old=o.get(f),
                                      new=n.get(f), title=_text(n.get("name")), pointer=at))
    return out


# -- helpers ----------------------------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _get(d: Data | None, name: str) -> Any:
    if not isinstance(d, dict):
        return None
    value = d.get(name)
    return _DEFAULTS.get(name) if value is None else value


def _restricted(d: Data | None) -> bool:
    return isinstance(d, dict) and d.get("visibility") == "restricted"


def _by_id(items: Any) -> dict[str, tuple[int, Data]]:
    out: dict[str, tuple[int, Data]] = {}
    for i, item in enumerate(_list(items)):
        if isinstance(item, dict) and "id" in item:
            out.setdefault(str(item["id"]), (i, item))
    return out


def _union(olds: dict[Any, Any], news: dict[Any, Any]) -> list[Any]:
    """Keys in the newer order, then the removed ones in their old order."""
    return [*news, *(k for k in olds if k not in news)]


def diff_document_sets(old: dict[str, Data | None], new: dict[str, Data | None],
                       renames: dict[str, str] | None = None) -> list[Change]:
    """Changes between two sets of documents by relpath (a value None: unreadable).
    `renames` maps an old path to its new one."""
    renames = renames or {}
    moved_from = {v: k for k, v in renames.items()}
    out: list[Change] = []
    for path in sorted(set(old) | set(new)):
        if path in renames and path not in new:
            continue  # reported under its new path
        before_path = moved_from.get(path, path)
        if path in new and before_path not in old:
            before_path = path
        in_old, in_new = before_path in old, path in new
        a, b = old.get(before_path), new.get(path)
        if (in_old and a is None) or (in_new and b is None):
            out.append(unreadable(path))
            continue
        if a == b and before_path == path:
            continue
        out += diff_documents(path, a if in_old else None, b if in_new else None, before_path)
    return out
