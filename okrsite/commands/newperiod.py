"""`okrsite new-period ID [--from PERIOD]`: scaffold the next period from the current one.

For every unit with OKRs in the source period, write `periods/<ID>/<unit>.yaml`
with the objectives that were not finished, each marked `carried_from:
<source>:<unit>/<objective>`. "Finished" is judged as the source period ended: as of
its `closed_on`, else its last day plus the closing window (closing check-ins count),
never as of today: an objective is finished when it reached its expectation (1.0
committed, 0.7 aspirational). Inside a carried objective, key results that reached
their target and milestones that are done are left behind; a numeric key result's
baseline becomes its latest value; check-ins, grades and retrospectives are dropped.
An `aligns_to` is kept when its target still exists in the new period (it was carried
too, or it names a period that contains the new one) and otherwise dropped with a
comment saying so. A `period.yaml` in `planning` state is added. Existing files are
never overwritten: they are skipped and reported.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from okrsite.errors import OkrsiteError
from okrsite.model import Content, KRKind, Objective, Period, Ref
from okrsite.periods import CLOSING_GRACE, is_period_id, span
from okrsite.pipeline import load_content
from okrsite.scoring.rollup import Scorecard, score_content
from okrsite.settings import Settings


class NewPeriodError(OkrsiteError, ValueError):
    """The new period cannot be scaffolded (bad id, no source period, broken content)."""


@dataclass
class NewPeriod:
    period: str
    source: str
    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # already there: left alone
    carried: list[str] = field(default_factory=list)  # refs in the source period


def source_period(content: Content, new_id: str) -> str:
    """The latest period of the same kind (quarter, half, year) before the new one
    that has OKRs."""
    new = span(new_id, content.fiscal_year_start)
    candidates = []
    for pid in {p for p, _ in content.okrs}:
        s = span(pid, content.fiscal_year_start)
        if s.kind == new.kind and s.start < new.start:
            candidates.append((s.start, pid))
    if not candidates:
        raise NewPeriodError(f"no earlier {new.kind} with OKRs to start {new_id} from; "
                             "pass --from PERIOD")
    return max(candidates)[1]


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the format's examples write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(doc: dict[str, Any], comment: str = "") -> str:
    text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    return (comment + text) if comment else text


def new_period(settings: Settings, new_id: str, from_period: str | None = None
               ) -> NewPeriod:
    """Scaffold `new_id` in `settings.content_dir`; "unfinished" is scored with the
    site's scoring settings."""
    content_dir, fiscal_year_start = settings.content_dir, settings.fiscal_year_start
    if not is_period_id(new_id):
        raise NewPeriodError(f"not a period id: {new_id!r} (use YYYY, YYYY-H1 or YYYY-Q3)")
    loaded = load_content(content_dir, None, fiscal_year_start)
    errors = [d for d in loaded.diagnostics if d.is_error]
    if errors:
        first = errors[0]
        count = f"{len(errors)} error{'' if len(errors) == 1 else 's'}"
        raise NewPeriodError(f"the content has {count}; fix them first "
                             f"({first.shown_path()}:{first.line}: {first.message})")
    content = loaded.content
    source = from_period or source_period(content, new_id)
    if source == new_id:
        raise NewPeriodError("the new period and the source period are the same")
    if not any(p == source for p, _ in content.okrs):
        raise NewPeriodError(f"no OKRs in {source!r}")
    src = content.periods[source]
    card = score_content(content, judged_on(src), settings.scoring)
    new_span = span(new_id, fiscal_year_start)
    docs = {d.relpath: d.data for d in loaded.documents}
    unfinished: dict[str, list[dict[str, Any]]] = {}
    for (p, unit), up in content.okrs.items():
        if p != source:
            continue
        raw = docs.get(up.source.path, {})
        by_id = {str(o.get("id")): o for o in raw.get("objectives", []) if isinstance(o, dict)}
        unfinished[unit] = [_finished_left_behind(by_id[o.id], o, card)
                            for o in up.objectives if o.id in by_id and _unfinished(o, card)]
        unfinished[unit] = [o for o in unfinished[unit] if o["key_results"]]
    carried_refs = {(u, str(o["id"])) for u, objs in unfinished.items() for o in objs}
    result = NewPeriod(new_id, source)
    folder = Path(content_dir) / "periods" / new_id
    folder.mkdir(parents=True, exist_ok=True)
    header = (f"# Scaffolded by `okrsite new-period` from {source}: unfinished objectives "
              "carried forward.\n# Review titles, baselines and targets before the period "
              "starts.\n")
    for unit, objectives in unfinished.items():
        out_objectives = []
        dropped: dict[str, str] = {}  # objective id -> the alignment left behind
        for o in objectives:
            new = _carry(o, source, unit, new_id, new_span, carried_refs, content)
            if "aligns_to" in o and "aligns_to" not in new:
                dropped[str(o["id"])] = str(o["aligns_to"])
            out_objectives.append(new)
            result.carried.append(f"{source}:{unit}/{o['id']}")
        doc = {"version": 1, "kind": "okrs", "unit": unit, "period": new_id,
               "objectives": out_objectives}
        text = _note_dropped(dump(doc, header), dropped, source, new_id)
        _write(folder / f"{unit}.yaml", text, result)
    period_doc = {"version": 1, "kind": "period", "id": new_id, "state": "planning"}
    _write(folder / "period.yaml", dump(period_doc), result)
    return result


def judged_on(period: Period) -> date:
    """The day a period's outcome is read: its close, else its end plus the window in
    which closing check-ins may still be dated."""
    return period.closed_on or period.end + CLOSING_GRACE


def _unfinished(objective: Objective, card: Scorecard) -> bool:
    res = card.objectives[str(objective.ref)]
    return res.no_data or res.score + 1e-9 < res.end_expectation


def _finished_left_behind(raw: dict[str, Any], objective: Objective, card: Scorecard
                          ) -> dict[str, Any]:
    """The objective's document without its done key results and done milestones, and
    with each numeric key result's baseline moved to its latest value."""
    out = dict(raw)
    krs = []
    by_id = {k.id: k for k in objective.key_results}
    for kr in raw.get("key_results", []):
        model = by_id.get(str(kr.get("id"))) if isinstance(kr, dict) else None
        if model is None:
            continue
        res = card.krs[str(model.ref)]
        if not res.score.no_data and res.score.value >= 1:
            continue  # reached: nothing left to carry
        kr = dict(kr)
        if model.kind is KRKind.MILESTONES:
            kr["milestones"] = [m for m in kr.get("milestones", [])
                                if not (isinstance(m, dict) and m.get("done"))]
        current = res.score.inputs.get("current")
        if model.kind is KRKind.NUMERIC and isinstance(current, (int, float)) \
                and (model.kpi is None or "baseline" in kr):
            kr["baseline"] = _plain(current)  # start where the last period ended
        krs.append(kr)
    out["key_results"] = krs
    return out


def _plain(x: float) -> int | float:
    return int(x) if x == int(x) else x


def _note_dropped(text: str, dropped: dict[str, str], source: str, new_id: str) -> str:
    """A comment above each objective whose alignment was left behind."""
    for obj_id, ref in dropped.items():
        line = f"  - id: {obj_id}\n"
        note = (f"  # aligns_to {ref} was dropped: it is not in {new_id} (the {source} "
                f"objective was finished or is not carried). Align to a {new_id} objective.\n")
        text = text.replace(line, note + line, 1)
    return text


def _write(file: Path, text: str, result: NewPeriod) -> None:
    if file.exists() or file.with_suffix(".yml").exists():
        result.skipped.append(file)
        return
    try:
        with file.open("x", encoding="utf-8") as f:  # never overwrite, even in a race
            f.write(text)
    except FileExistsError:
        result.skipped.append(file)
        return
    result.written.append(file)


_DROP_OBJECTIVE = ("grade", "retrospective", "carried_from")
_DROP_KEY_RESULT = ("check_ins", "reason", "done_on")


def _carry(o: dict[str, Any], source: str, unit: str, new_id: str, new_span: Any,
           carried: set[tuple[str, str]], content: Content) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in o.items():
        if key in _DROP_OBJECTIVE:
            continue
        if key == "aligns_to":
            if _keep_alignment(str(value), new_id, new_span, carried, content):
                out[key] = value
            continue
        if key == "key_results":
            # A `reason:` explains one goalpost move in the old period: carried, it would
            # seem to explain the next one too (change control wants a reason per move).
            value = [{k: copy.deepcopy(v) for k, v in kr.items()
                      if k not in _DROP_KEY_RESULT} for kr in value if isinstance(kr, dict)]
        out[key] = copy.deepcopy(value)
    out["carried_from"] = f"{source}:{unit}/{o['id']}"
    return out


def _keep_alignment(text: str, new_id: str, new_span: Any, carried: set[tuple[str, str]],
                    content: Content) -> bool:
    try:
        ref = Ref.parse(text)
    except ValueError:
        return False
    if ref.period is None:  # same period: only if its target is carried too
        return (ref.unit, ref.objective) in carried
    if not is_period_id(ref.period):
        return False
    target = span(ref.period, content.fiscal_year_start)
    return target.contains(new_span) and content.objective(ref) is not None
