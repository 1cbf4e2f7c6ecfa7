"""`okrsite score` output: a table for people and JSON for scripts, from one row list
so both always show the same items in the same order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from okrsite.numbers import fmt_num, fmt_score
from okrsite.scoring.rollup import Scorecard
from okrsite.scoring.status import ASPIRATIONAL_NOTE, STATUS_LABELS

LEVELS = ("unit", "objective", "key_result", "kpi")
JSON_DIGITS = 4  # enough to recompute a score; short enough to diff
# The shape of `okrsite score --format json`. Version 1 had no `format` key; version 2
# added it and the fields after `explanation`. A field is never removed or renamed
# without a new version.
JSON_FORMAT = "okrsite-scores/2"


@dataclass(frozen=True)
class Row:
    level: str  # unit | objective | key_result | kpi
    ref: str
    label: str  # the short name shown indented in the table
    score: float | None
    raw: float | None
    scorer: str | None
    status: str
    explanation: str
    band: str | None = None
    health: str | None = None


def rows(card: Scorecard, period: str | None = None,
         include_restricted: bool = False) -> list[Row]:
    """Units, each followed by its objectives and their key results (periods in order,
    units in org order), then KPIs by id. Restricted objectives and KPIs are left out
    unless asked for. Roll-ups count what was scored: to keep withheld objectives out of
    a unit's score, score the public view of the content (the CLI does)."""
    if period is not None and period not in card.periods:
        known = ", ".join(card.periods) or "none"
        raise ValueError(f"unknown period {period!r}; periods: {known}")
    out: list[Row] = []
    for unit in card.units.values():
        if period is not None and unit.period != period:
            continue
        text = unit.explanation + (f"; {unit.cascade_explanation}"
                                   if unit.cascade_explanation else "")
        out.append(Row("unit", unit.ref, unit.ref, unit.score, None, "mean", unit.status,
                       text, unit.band))
        for ref in unit.objectives:
            obj = card.objectives[ref]
            if obj.restricted and not include_restricted:
                continue
            out.append(Row("objective", obj.ref, "  " + obj.ref.split("/", 1)[1], obj.score,
                           obj.raw, "weighted_mean", obj.status, obj.explanation, obj.band))
            for kr_ref in obj.key_results:
                kr = card.krs[kr_ref]
                out.append(Row("key_result", kr.ref, "    " + kr.ref.rsplit("/", 1)[1],
                               kr.score.value, kr.score.raw, kr.score.scorer, kr.status,
                               kr.score.explanation, kr.band))
    for kpi in card.kpis.values():
        if kpi.restricted and not include_restricted:
            continue
        out.append(Row("kpi", kpi.ref, kpi.ref, None, kpi.latest, None, kpi.health,
                       kpi.explanation, health=kpi.health))
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, JSON_DIGITS)


def to_json(card: Scorecard, period: str | None = None, include_restricted: bool = False,
            goalposts: Mapping[str, Sequence[Any]] | None = None) -> dict[str, Any]:
    """{"format": JSON_FORMAT, "as_of": "YYYY-MM-DD", "items": [...]}: every item has ref,
    level, score, raw, scorer, status, explanation and band; units, objectives and key
    results add `expected`; objectives `type` and `grade`; key results `weight`,
    `confidence`, `stale`, `last_check_in` and `goalposts` (objects with a `to_json`);
    KPIs `health`. Numbers rounded to 4 decimals. Fields are only ever added within one
    format version."""
    moves = goalposts or {}
    items: list[dict[str, Any]] = []
    for row in rows(card, period, include_restricted):
        item: dict[str, Any] = {
            "ref": row.ref, "level": row.level, "score": _round(row.score),
            "raw": _round(row.raw), "scorer": row.scorer, "status": row.status,
            "explanation": row.explanation, "band": row.band}
        if row.level == "unit":
            unit = card.units[row.ref]
            item["expected"] = _round(unit.expected)
            item["sandbagging"] = list(card.sandbagging.get(unit.unit, []))
        elif row.level == "objective":
            obj = card.objectives[row.ref]
            item.update(expected=_round(obj.expected), type=obj.type, grade=obj.grade,
                        weight=obj.weight, score_from=obj.score_from, aligned=obj.aligned)
        elif row.level == "key_result":
            kr = card.krs[row.ref]
            item.update(expected=_round(kr.expected), weight=kr.weight,
                        confidence=kr.confidence, stale=kr.stale,
                        last_check_in=kr.last_check_in.isoformat() if kr.last_check_in
                        else None,
                        goalposts=[m.to_json() for m in moves.get(row.ref, [])],
                        confidence_trend=[{"date": d.isoformat(), "value": v}
                                          for d, v in kr.confidence_trend],
                        confidence_flag=kr.confidence_flag, grade=kr.grade)
        else:
            item["health"] = row.health
        items.append(item)
    return {"format": JSON_FORMAT, "as_of": card.as_of.isoformat(), "items": items}


def format_table(card: Scorecard, period: str | None = None,
                 include_restricted: bool = False) -> str:
    """A plain-text table, one line per item; no colour, so it pipes and diffs cleanly."""
    table = [("ITEM", "SCORE", "BAND", "STATUS", "HOW")]
    shown = rows(card, period, include_restricted)
    for row in shown:
        if row.level == "kpi":
            score = "-" if row.raw is None else fmt_num(row.raw)
            status = row.status.replace("_", " ")
        else:
            score = "-" if row.score is None else fmt_score(row.score)
            if row.raw is not None and round(row.raw, 2) != round(row.score or 0.0, 2):
                score += f" ({fmt_score(row.raw)})"  # unclamped progress
            status = STATUS_LABELS.get(row.status, row.status)
        table.append((row.label, score, row.band or "", status, row.explanation))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    lines = [f"Scores as of {card.as_of.isoformat()}"]
    for r in table:
        cells = [r[i].ljust(widths[i]) for i in range(4)] + [r[4]]
        lines.append("  ".join(cells).rstrip())
    if any(r.level == "objective" and card.objectives[r.ref].type == "aspirational"
           for r in shown):
        lines.append(f"Note: {ASPIRATIONAL_NOTE}")
    return "\n".join(lines)
