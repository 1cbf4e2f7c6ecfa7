"""Semantic rules beyond the schema.

Two layers: `document_rules` look at one schema-valid document and can point at
the exact field; `content_rules` look across documents on the built model. The
best-practice advice from OKR practice is reported as warnings.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from okrsite.build import kr_shapes
from okrsite.diagnostics import Diagnostic, diag
from okrsite.limits import MAX_DATE_YEAR, MIN_DATE_YEAR, markdown_problem
from okrsite.loader import Document
from okrsite.model import ID_PATTERN, Content, Objective, PeriodState, Ref, Source, Unit
from okrsite.periods import CLOSING_GRACE, MAX_YEAR, MIN_YEAR, is_period_id
from okrsite.schema import label
from okrsite.yamlparse import pointer

MAX_OBJECTIVES = 5
MIN_KRS, MAX_KRS = 2, 5
_DATE_KEYS = {"date", "start", "end", "closed_on", "done_on"}
_MARKDOWN_KEYS = {"description", "retrospective", "note"}  # rendered with SafeMarkdown


# ---------------------------------------------------------------- one document

def document_rules(doc: Document, units: Mapping[str, Unit] | None = None
                   ) -> list[Diagnostic]:
    """`units` are the org's, when org.yaml is valid: suggestions name only units that exist."""
    out: list[Diagnostic] = []
    _dates(doc, doc.data, (), out)
    if out:
        return out  # the model cannot be built on a date that does not exist
    kind = doc.data["kind"]
    if kind == "org":
        out += _org(doc)
    elif kind == "period":
        out += _period(doc)
    elif kind == "okrs":
        out += _okrs(doc, units)
    elif kind == "kpi":
        out += _kpi(doc)
    elif kind == "people":
        out += _people(doc)
    return out


def _people(doc: Document) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[str] = set()
    for i, p in enumerate(doc.data["people"]):
        if p["id"] in seen:
            out.append(diag(doc.file, _at(doc, "people", i, "id"), "OKR223",
                            f"person id `{p['id']}` is defined more than once"))
        seen.add(p["id"])
    return out


_GOOD_DATES: set[str] = set()  # date texts found to be dates within the years taken


def _dates(doc: Document, node: Any, path: tuple[str | int, ...], out: list[Diagnostic]) -> None:
    # It visits every value of every document: appending, not generating, and a path
    # built only for collections, keep it a small part of a check.
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)):  # a date field holds a string
                if not key.startswith("x-"):  # extension fields are the company's
                    _dates(doc, value, (*path, key), out)
            elif key in _DATE_KEYS and isinstance(value, str):
                if value in _GOOD_DATES:
                    continue  # dates recur across documents (check-in days, period ends)
                try:
                    day = date.fromisoformat(value)
                except ValueError:
                    out.append(diag(doc.file, doc.pos(pointer((*path, key))), "OKR220",
                                    f"{label(doc.data, [*path, key])}: {value!r} is not a date"))
                else:
                    if not MIN_DATE_YEAR <= day.year <= MAX_DATE_YEAR:
                        out.append(_far_date(doc, (*path, key), value))
                    elif len(_GOOD_DATES) < 100_000:  # bounded: ~270 years of days
                        _GOOD_DATES.add(value)
            elif key in _MARKDOWN_KEYS and isinstance(value, str):
                problem = markdown_problem(value)
                if problem:
                    out.append(diag(doc.file, doc.pos(pointer((*path, key))), "OKR105",
                                    f"{label(doc.data, [*path, key])}: {problem}"))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, (dict, list)):
                _dates(doc, item, (*path, i), out)


def _far_date(doc: Document, path: tuple[str | int, ...], value: str) -> Diagnostic:
    return diag(doc.file, doc.pos(pointer(path)), "OKR220",
                f"{label(doc.data, list(path))}: {value} is outside the years "
                f"{MIN_DATE_YEAR} to {MAX_DATE_YEAR}",
                f"Check the year: okrsite takes dates from {MIN_DATE_YEAR}-01-01 to "
                f"{MAX_DATE_YEAR}-12-31.")


def _at(doc: Document, *path: str | int) -> tuple[int, int]:
    return doc.pos(pointer(path))


def _place(doc: Document, field: str, expected: str,
           known: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    actual = doc.data.get(field)
    if str(actual) == expected:
        return []
    return [diag(doc.file, _at(doc, field), "OKR008",
                 f"`{field}: {actual}` but the file is {doc.relpath}",
                 _place_hint(doc, field, str(actual), expected, known))]


def _place_hint(doc: Document, field: str, actual: str, expected: str,
                known: Mapping[str, Any] | None) -> str:
    """Fix the field or move the file, suggesting only valid ids (and, where the org is
    known, units that exist): a file name like `Sales.yaml` is no id to copy."""
    parts = doc.relpath.split("/")
    folder, name = "/".join(parts[:-1]), parts[-1]
    suffix = name[name.rfind("."):]
    is_period = field == "period" or doc.data.get("kind") == "period"
    valid = is_period_id if is_period else ID_PATTERN.match

    def usable(value: str) -> bool:
        return bool(valid(value)) and (known is None or value in known)

    def moved(value: str) -> str:
        if is_period:
            return f"periods/{value}/{name}"
        return f"{folder}/{value}{suffix}"

    options = []
    if usable(expected):
        options.append(f"write `{field}: {expected}`")
    if usable(actual):
        options.append(f"{'move' if is_period else 'rename'} the file to {moved(actual)}")
    if not options and not is_period:
        slug = slugify(expected)
        if usable(slug):
            options.append(f"write `{field}: {slug}` and rename the file to {moved(slug)}")
        else:
            close = difflib.get_close_matches(slug, list(known or ()), n=1)
            return ((f"Did you mean `{close[0]}`? " if close else "")
                    + f"Name the file after the id in `{field}:`, an id of lower-case "
                    "letters, digits and hyphens.")
    if not options:
        return "Name the folder after the period id in `period:`."
    text = ", or ".join(options)
    return text[0].upper() + text[1:] + "."


def slugify(text: str) -> str:
    """The id a name most likely meant: `Customer Success` -> `customer-success`."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:64].strip("-")


def _period_dir(doc: Document) -> tuple[str, list[Diagnostic]]:
    period = doc.relpath.split("/")[1]
    if is_period_id(period):
        return period, []
    return period, [diag(doc.file, (1, 1), "OKR008",
                         f"the folder periods/{period}/ is not a period id",
                         "Name period folders YYYY, YYYY-H1/H2 or YYYY-Q1..Q4 "
                         f"(years {MIN_YEAR} to {MAX_YEAR}).")]


def _org(doc: Document) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    units = doc.data["units"]
    ids = Counter(u["id"] for u in units)
    seen: set[str] = set()
    for i, u in enumerate(units):
        if ids[u["id"]] > 1 and u["id"] in seen:
            out.append(diag(doc.file, _at(doc, "units", i, "id"), "OKR201",
                            f"unit id `{u['id']}` is defined more than once"))
        seen.add(u["id"])
    roots = [i for i, u in enumerate(units) if not u.get("parent")]
    if len(roots) != 1:
        names = ", ".join(f"`{units[i]['id']}`" for i in roots) or "none"
        at = _at(doc, "units", roots[1]) if len(roots) > 1 else _at(doc, "units")
        out.append(diag(doc.file, at, "OKR202",
                        f"the org needs exactly one unit without `parent`; found {names}"))
    parents = {u["id"]: u.get("parent") for u in units}
    for i, u in enumerate(units):
        parent = u.get("parent")
        if parent and parent not in parents:
            out.append(diag(doc.file, _at(doc, "units", i, "parent"), "OKR203",
                            f"unit `{u['id']}` has parent `{parent}`, which is not a unit",
                            _suggest(parent, parents)))
    first: dict[str, int] = {}
    for i, u in enumerate(units):
        first.setdefault(u["id"], i)

    def parent_of(unit: str) -> str | None:
        parent = parents.get(unit)
        return parent if parent and parent in parents else None

    for chain in _cycles(list(first), parent_of):
        out.append(diag(doc.file, _at(doc, "units", first[chain[0]], "parent"), "OKR204",
                        "the parents form a cycle: " + " -> ".join([*chain, chain[0]])))
    return out


def _cycles(order: list[str], step: Any) -> list[list[str]]:
    """The cycles of a graph in which each node leads to at most one other (`step` gives
    it, or None). Each cycle once, from its member first in `order`, in that order. Each
    node is walked once, so a chain thousands of nodes long costs its length."""
    rank = {key: i for i, key in enumerate(order)}
    done: set[str] = set()
    found: list[list[str]] = []
    for start in order:
        path: dict[str, int] = {}  # node -> its place on this walk
        node: str | None = start
        while node is not None and node not in done and node not in path:
            path[node] = len(path)
            node = step(node)
        if node is not None and node in path:
            members = list(path)[path[node]:]
            at = members.index(min(members, key=lambda m: rank.get(m, len(rank))))
            found.append(members[at:] + members[:at])
        done.update(path)
    return sorted(found, key=lambda c: rank.get(c[0], len(rank)))


def _suggest(value: str, known: Any) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f"Did you mean `{close[0]}`?" if close else "Use the id of a unit defined in org.yaml."


def _period(doc: Document) -> list[Diagnostic]:
    d = doc.data
    period, out = _period_dir(doc)
    out += _place(doc, "id", period)
    if ("start" in d) != ("end" in d):
        missing = "end" if "start" in d else "start"
        out.append(diag(doc.file, _at(doc, "start" if "start" in d else "end"), "OKR217",
                        f"`{missing}` is missing: give both `start` and `end`, or neither"))
    elif "start" in d and d["start"] >= d["end"]:
        out.append(diag(doc.file, _at(doc, "end"), "OKR217",
                        f"end {d['end']} is not after start {d['start']}"))
    if d.get("state") == "closed" and "closed_on" not in d:
        out.append(diag(doc.file, _at(doc, "state"), "OKR218",
                        "a closed period needs `closed_on:`, the day it was closed"))
    closed_on = d.get("closed_on")
    if d.get("amendments") and not closed_on:
        out.append(diag(doc.file, _at(doc, "amendments"), "OKR218",
                        "amendments need the period's `closed_on:` date"))
    for i, a in enumerate(d.get("amendments", [])):
        if closed_on and a["date"] < closed_on:
            out.append(diag(doc.file, _at(doc, "amendments", i, "date"), "OKR218",
                            f"amendment dated {a['date']}, before the period closed on "
                            f"{closed_on}"))
    return out


def _kpi(doc: Document) -> list[Diagnostic]:
    d = doc.data
    out = _place(doc, "id", doc.relpath.split("/")[-1].rsplit(".", 1)[0])
    out += _same_date(doc, d.get("measurements", []), ("measurements",), "measurements",
                      lambda: f"KPI `{d.get('id')}`")
    th = d.get("thresholds")
    if th:
        higher = d.get("direction", "higher_is_better") == "higher_is_better"
        if (th["green"] < th["red"]) if higher else (th["green"] > th["red"]):
            want = ">=" if higher else "<="
            out.append(diag(doc.file, _at(doc, "thresholds"), "OKR216",
                            f"`{d.get('direction', 'higher_is_better')}` needs green {want} red, "
                            f"but green is {th['green']} and red is {th['red']}"))
    return out


def kpi_owner(doc: Document, units: Mapping[str, Unit] | None) -> list[Diagnostic]:
    """OKR203 for a KPI `owner` that is no unit id at all (a person's name, say): a unit
    of org.yaml owns a KPI. Checked on its own, so that this mistake neither reads as a
    malformed id (OKR104) nor keeps the KPI out of the model for everyone using it."""
    owner = doc.data.get("owner")
    if not isinstance(owner, str) or ID_PATTERN.match(owner):
        return []
    kpi = doc.relpath.split("/")[-1].rsplit(".", 1)[0]
    units = units or {}
    led = [u.id for u in units.values() if u.lead and u.lead.strip().casefold()
           == owner.strip().casefold()]
    slug = slugify(owner)
    close = difflib.get_close_matches(slug, list(units), n=1)
    if len(led) == 1:
        hint = f"Did you mean `{led[0]}`? {owner.strip()} leads it."
    elif slug in units or close:
        hint = f"Did you mean `{slug if slug in units else close[0]}`?"
    else:
        example = next((u.id for u in units.values() if u.parent),  # not the company
                       next(iter(units), "customer-success"))
        hint = (f"Write the id of the unit responsible for the KPI, e.g. `{example}`; the "
                "person belongs in that unit's `lead:`.")
    return [diag(doc.file, _at(doc, "owner"), "OKR203",
                 f"KPI `{kpi}` is owned by `{owner}`, which is not a unit id: a KPI is owned "
                 "by a unit of org.yaml, not by a person", hint)]


def _okrs(doc: Document, units: Mapping[str, Unit] | None = None) -> list[Diagnostic]:
    d = doc.data
    period, out = _period_dir(doc)
    out += _place(doc, "period", period)
    out += _place(doc, "unit", doc.relpath.split("/")[-1].rsplit(".", 1)[0], units)
    objectives = d.get("objectives", [])
    if len(objectives) > MAX_OBJECTIVES:
        out.append(diag(doc.file, _at(doc, "objectives", MAX_OBJECTIVES), "OKR301",
                        f"{len(objectives)} objectives for {d['unit']} in {d['period']}"))
    seen: set[str] = set()
    for i, o in enumerate(objectives):
        where = _where(d, ("objectives", i))
        if o["id"] in seen:
            out.append(diag(doc.file, _at(doc, "objectives", i, "id"), "OKR205",
                            f"objective id `{o['id']}` is used twice in this file"))
        seen.add(o["id"])
        if not o.get("owner"):
            out.append(diag(doc.file, _at(doc, "objectives", i), "OKR304",
                            f"{where()} has no owner"))
        krs = o.get("key_results", [])
        if len(krs) < MIN_KRS and o.get("score_from") != "aligned":  # a roll-up needs none
            out.append(diag(doc.file, _at(doc, "objectives", i, "key_results"), "OKR302",
                            f"{where()} has {len(krs)} key result{'' if len(krs) == 1 else 's'}; "
                            "2 to 5 measure it well"))
        elif len(krs) > MAX_KRS:
            out.append(diag(doc.file, _at(doc, "objectives", i, "key_results", MAX_KRS),
                            "OKR303", f"{where()} has {len(krs)} key results"))
        kr_ids: set[str] = set()
        for j, kr in enumerate(krs):
            at = ("objectives", i, "key_results", j)
            if kr["id"] in kr_ids:
                out.append(diag(doc.file, _at(doc, *at, "id"), "OKR206",
                                f"key result id `{kr['id']}` is used twice in {where()}"))
            kr_ids.add(kr["id"])
            out += _kr_shape(doc, kr, at)
            out += _same_date(doc, kr.get("check_ins", []), (*at, "check_ins"), "check-ins",
                              _where(d, at))
            out += _same_date(doc, kr.get("confidence", []), (*at, "confidence"),
                              "confidence entries", _where(d, at))
    return out


def _where(data: Any, path: tuple[str | int, ...]) -> Callable[[], str]:
    """`label` of a place, made only when a diagnostic names it: nearly every check
    passes, and the labels of every objective and key result added up."""
    return lambda: label(data, list(path))


def _same_date(doc: Document, items: list[dict[str, Any]], at: tuple[str | int, ...],
               noun: str, where: Callable[[], str]) -> list[Diagnostic]:
    """OKR222: two entries on one date. Which one counts would depend on their order
    in the file, and a second entry could silently replace a value already reported."""
    first: dict[str, int] = {}
    out = []
    for k, item in enumerate(items):
        day = str(item.get("date"))
        if day in first:
            out.append(diag(doc.file, _at(doc, *at, k, "date"), "OKR222",
                            f"{where()} has two {noun} dated {day} (entries {first[day] + 1} "
                            f"and {k + 1})"))
        else:
            first[day] = k
    return out


def _kr_shape(doc: Document, kr: dict[str, Any], at: tuple[str | int, ...]) -> list[Diagnostic]:
    where = _where(doc.data, at)
    shapes = kr_shapes(kr)
    out = []
    if not shapes:
        if "target" in kr:
            msg = f"{where()} has a target but no baseline, direction or kpi"
            hint = ("Add `baseline:` (a value to move from), `direction: at_least|at_most` "
                    "(a level to keep), or `kpi:` (values from a KPI).")
        else:
            msg = f"{where()} has no measure"
            hint = None
        out.append(diag(doc.file, _at(doc, *at), "OKR212", msg, hint))
    elif len(shapes) > 1:
        names = " and ".join(s.value for s in shapes)
        out.append(diag(doc.file, _at(doc, *at), "OKR212",
                        f"{where()} is both {names}; a key result has exactly one shape"))
    if ("baseline" in kr and "target" in kr and "direction" not in kr
            and kr["baseline"] == kr["target"]):
        out.append(diag(doc.file, _at(doc, *at, "target"), "OKR213",
                        f"{where()}: baseline and target are both {kr['target']}, so there is "
                        "no progress to measure"))
    if "kpi" in kr and "check_ins" in kr:
        out.append(diag(doc.file, _at(doc, *at, "check_ins"), "OKR214",
                        f"{where()} takes values from KPI `{kr['kpi']}` and also has check-ins"))
    return out


# ------------------------------------------------------------ across documents

@dataclass
class Unbuilt:
    """Documents left out of the model, by what they define. A reference to one is not
    reported: it would be a false error in a file nobody touched. It is counted instead,
    and the document's own first error says how many references wait for it."""

    org: str | None = None  # an org.yaml that could not be read
    okrs: dict[tuple[str, str], str] = field(default_factory=dict)  # (period, unit) -> file
    kpis: dict[str, str] = field(default_factory=dict)  # KPI id -> file
    periods: dict[str, str] = field(default_factory=dict)  # period id -> period.yaml
    waiting: Counter[str] = field(default_factory=Counter)  # file -> references not checked

    def add(self, relpath: str, kind: str, data: dict[str, Any] | None = None) -> None:
        """By its place, and by what it says (they may disagree: that is the error)."""
        data = data or {}
        parts = relpath.split("/")
        stem = parts[-1].rsplit(".", 1)[0]
        if kind == "org":
            self.org = relpath
        elif kind == "kpi":
            for kpi in (stem, data.get("id")):
                if isinstance(kpi, str):
                    self.kpis.setdefault(kpi, relpath)
        elif kind == "period":
            for period in (parts[1], data.get("id")):
                if isinstance(period, (str, int)) and not isinstance(period, bool):
                    self.periods.setdefault(str(period), relpath)
        elif kind == "okrs":
            for key in ((parts[1], stem), (data.get("period"), data.get("unit"))):
                if isinstance(key[0], (str, int)) and isinstance(key[1], str):
                    self.okrs.setdefault((str(key[0]), key[1]), relpath)

    def note(self, diags: list[Diagnostic], root: Path) -> list[Diagnostic]:
        """Each waiting document's first error, with the count of references not checked."""
        first: dict[str, int] = {}
        for i, d in enumerate(diags):
            if d.is_error:
                rel = Path(d.file).relative_to(root).as_posix() \
                    if Path(d.file).is_relative_to(root) else d.file
                if rel in self.waiting and (rel not in first or
                                            (d.line, d.col) < (diags[first[rel]].line,
                                                               diags[first[rel]].col)):
                    first[rel] = i
        out = list(diags)
        for rel, i in first.items():
            n = self.waiting[rel]
            d = out[i]
            note = (f"{n} reference{'' if n == 1 else 's'} to this file from other files "
                    f"{'is' if n == 1 else 'are'} checked once the file is valid.")
            out[i] = replace(d, hint=f"{d.hint} {note}".strip())
        return out


def content_rules(content: Content, unbuilt: Unbuilt | None = None) -> list[Diagnostic]:
    """Rules across documents. References into `unbuilt` documents are counted there,
    not reported (see Unbuilt)."""
    unbuilt = unbuilt if unbuilt is not None else Unbuilt()
    root = Path(content.root)
    out: list[Diagnostic] = []

    def at(src: Source | None, code: str, message: str, hint: str | None = None) -> None:
        src = src or Source("org.yaml")
        out.append(diag(root / src.path, (src.line, src.col), code, message, hint))

    org = content.org
    root_unit = next((u.id for u in org.units.values() if u.parent is None), None)
    for (period_id, unit), up in content.okrs.items():
        if org.units and unit not in org.units:
            at(up.source, "OKR203", f"unit `{unit}` is not defined in org.yaml",
               _suggest(unit, org.units))
        elif unbuilt.org:
            unbuilt.waiting[unbuilt.org] += 1
        period = content.periods[period_id]
        for obj in up.objectives:
            _alignment(content, obj, unbuilt, at)
            if obj.carried_from is not None:
                _carried_from(content, obj, obj.carried_from, unbuilt, at)
            # Alignment is settled while planning: a scaffold may not have it yet.
            if obj.aligns_to is None and root_unit and unit != root_unit \
                    and period.declared_state is not PeriodState.PLANNING:
                at(obj.source, "OKR305", f"objective `{obj.id}` of {unit} in {period_id} "
                   "aligns to nothing above it")
            for kr in obj.key_results:
                if kr.kpi and kr.kpi not in content.kpis:
                    if kr.kpi in unbuilt.kpis:
                        unbuilt.waiting[unbuilt.kpis[kr.kpi]] += 1
                    else:
                        at(kr.source, "OKR207", f"key result `{kr.id}` uses KPI `{kr.kpi}`, "
                           "which is not defined under kpis/", _suggest_kpi(kr.kpi, content))
                last = period.end + CLOSING_GRACE
                for c in kr.check_ins:
                    if not period.start <= c.date <= last:
                        at(c.source, "OKR215", f"check-in dated {c.date} is outside "
                           f"{period_id} ({period.start} to {period.end}, closing check-ins "
                           f"until {last})")
                for e in kr.confidence:
                    if not period.start <= e.date <= last:
                        at(e.source, "OKR215", f"confidence dated {e.date} is outside "
                           f"{period_id} ({period.start} to {period.end}, closing entries "
                           f"until {last})")
                done_on = [kr.done_on, *(m.done_on for m in kr.milestones)]
                for day in sorted({d for d in done_on if d is not None}):
                    if not period.start <= day <= last:
                        at(kr.source, "OKR215", f"key result `{kr.id}` is done on {day}, "
                           f"outside {period_id} ({period.start} to {period.end}, closing "
                           f"until {last})", "Give `done_on:` the day inside the period "
                           "(up to 14 days after its end) when it was done.")
    for kpi in content.kpis.values():
        if not kpi.owner or not ID_PATTERN.match(kpi.owner):
            continue  # no owner, or no unit id at all: kpi_owner said so at the field
        if kpi.owner in content.people:
            continue  # a person of people.yaml owns it
        if org.units and kpi.owner not in org.units:
            person = " or a person of people.yaml" if content.people else ""
            at(kpi.source, "OKR203", f"KPI `{kpi.id}` is owned by `{kpi.owner}`, which is "
               f"not a unit{person}", _suggest(kpi.owner, org.units))
        elif not org.units and unbuilt.org:
            unbuilt.waiting[unbuilt.org] += 1
    out += _alignment_cycles(content)
    out += _people_named(content, at)
    return out


def _people_named(content: Content, at: Any) -> list[Diagnostic]:
    """With a people.yaml, every owner, lead and check-in `by:` names one of its people
    (OKR307, a warning: free text stays valid). A person's unit is a unit (OKR203)."""
    if not content.people:
        return []
    org = content.org
    for person in content.people.values():
        if person.unit and org.units and person.unit not in org.units:
            at(person.source, "OKR203", f"person `{person.id}` is in unit `{person.unit}`, "
               "which is not defined in org.yaml", _suggest(person.unit, org.units))

    def named(src: Source | None, field: str, name: str | None, what: str) -> None:
        if name and content.person(name) is None:
            at(src, "OKR307", f"{what} has `{field}: {name}`, who is not in people.yaml",
               _suggest_person(name, content))

    for unit in org.units.values():
        named(unit.source, "lead", unit.lead, f"unit `{unit.id}`")
    for obj in content.objectives():
        named(obj.source, "owner", obj.owner, f"objective `{obj.ref}`")
        for kr in obj.key_results:
            named(kr.source, "owner", kr.owner, f"key result `{kr.ref}`")
            for c in kr.check_ins:
                named(c.source, "by", c.by, f"the check-in of `{kr.ref}` dated {c.date}")
    return []


def _suggest_person(name: str, content: Content) -> str | None:
    """The person most likely meant, by id or by name."""
    by_name = {p.name: p for p in content.people.values()}
    close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6) or \
        difflib.get_close_matches(slugify(name), list(content.people), n=1, cutoff=0.6)
    if close:
        person = by_name.get(close[0]) or content.people[close[0]]
        return (f"Did you mean `{person.name}` (id `{person.id}`)? Name a person of "
                "people.yaml by id or exact name, or add the person there.")
    return None  # the code's fix


def _suggest_kpi(kpi: str, content: Content) -> str:
    close = difflib.get_close_matches(kpi, list(content.kpis), n=1)
    return f"Did you mean `{close[0]}`?" if close else "Use the id of a KPI under kpis/."


def _reference(content: Content, obj: Objective, ref: Ref, field: str,
               unbuilt: Unbuilt, at: Any) -> bool:
    """Report a reference that does not resolve; True when it does."""
    period_id = ref.period or obj.period
    if (period_id, ref.unit) in unbuilt.okrs:
        unbuilt.waiting[unbuilt.okrs[(period_id, ref.unit)]] += 1
        return False
    if period_id not in content.periods:
        if period_id in unbuilt.periods:
            unbuilt.waiting[unbuilt.periods[period_id]] += 1
            return False
        at(obj.source, "OKR208", f"`{field}: {ref}` names period {period_id}, which has "
           "no OKRs and no period.yaml")
        return False
    target = content.objective(ref.in_period(period_id))
    if target is None:
        at(obj.source, "OKR209", f"`{field}: {ref}`: {ref.unit} has no objective "
           f"`{ref.objective}` in {period_id}", _suggest_ref(content, ref, period_id))
        return False
    if ref.key_result and not any(k.id == ref.key_result for k in target.key_results):
        at(obj.source, "OKR209", f"`{field}: {ref}`: objective `{ref.objective}` has no key "
           f"result `{ref.key_result}`", _suggest_ref(content, ref, period_id))
        return False
    return True


def _suggest_ref(content: Content, ref: Ref, period_id: str) -> str | None:
    """`Did you mean ...?` with the closest existing objective (or key result), as in
    the message (with its period); None: the code's fix."""
    if ref.key_result:
        target = content.objective(ref.in_period(period_id))
        known = [k.id for k in target.key_results] if target else []
        close = difflib.get_close_matches(ref.key_result, known, n=1)
        meant = Ref(ref.unit, ref.objective, close[0], ref.period) if close else None
    else:
        up = content.okrs.get((period_id, ref.unit))
        known = [o.id for o in up.objectives] if up else []
        close = difflib.get_close_matches(ref.objective, known, n=1)
        meant = Ref(ref.unit, close[0], None, ref.period) if close else None
    return f"Did you mean `{meant}`?" if meant else None


def _carried_from(content: Content, obj: Objective, ref: Ref, unbuilt: Unbuilt,
                  at: Any) -> None:
    if not _reference(content, obj, ref, "carried_from", unbuilt, at):
        return
    theirs, mine = content.periods[ref.period or obj.period], content.periods[obj.period]
    if theirs.start >= mine.start:
        at(obj.source, "OKR221", f"`carried_from: {ref}`: {theirs.id} is not before {mine.id}")


def _alignment(content: Content, obj: Objective, unbuilt: Unbuilt, at: Any) -> None:
    ref = obj.aligns_to
    if ref is None or not _reference(content, obj, ref, "aligns_to", unbuilt, at):
        return
    mine, theirs = content.periods[obj.period], content.periods[ref.period or obj.period]
    if not theirs.contains(mine):
        at(obj.source, "OKR210", f"`aligns_to: {ref}`: {theirs.id} does not contain "
           f"{mine.id}")


def _alignment_cycles(content: Content) -> list[Diagnostic]:
    root = Path(content.root)
    objectives = {str(o.ref): o for o in content.objectives()}

    def aligned_to(key: str) -> str | None:
        node = objectives[key].aligns_to
        target = content.objective(node.objective_ref) if node is not None else None
        return str(target.ref) if target is not None else None

    out = []
    for chain in _cycles(list(objectives), aligned_to):
        src = objectives[chain[0]].source or Source("")
        out.append(diag(root / src.path, (src.line, src.col), "OKR211",
                        "alignment forms a cycle: " + " -> ".join([*chain, chain[0]])))
    return out
