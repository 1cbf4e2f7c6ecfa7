"""Changes in words: "first-response target 12 -> 15 (eased)".

Plain text, not Markdown: the strings come from YAML and git and are escaped by
whoever puts them on a page (render/history.py) or in a comment (prdiff.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from okrsite.history import types as t
from okrsite.history.types import Change
from okrsite.numbers import fmt_num

MAX_TEXT = 120  # longer strings (descriptions, reasons) are cut in one-line summaries

# How much of a reference to repeat, by where the line is shown.
LEVELS = ("site", "period", "unit", "objective")


def fmt(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return fmt_num(value)
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) + "}"
    return clip(str(value))


def clip(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def label(c: Change, level: str = "site", names: Mapping[str, str] | None = None) -> str:
    """The item a change is about, shortened for where it is shown. With `names`
    (`unit:<id>` and `kpi:<id>` to a name, as pages show them) units and KPIs are
    named rather than given by id."""
    names = names or {}
    unit = names.get(f"unit:{c.unit}", c.unit) if c.unit else c.unit
    if c.objective:
        parts = [unit or "?", c.objective] + ([c.key_result] if c.key_result else [])
        cut = {"site": 0, "period": 0, "unit": 1, "objective": 2}[level]
        if level == "objective" and not c.key_result:
            cut = 1
        text = "/".join(parts[cut:])
        return f"{c.period} {text}" if level == "site" and c.period else text
    if c.kpi:
        name = names.get(f"kpi:{c.kpi}")
        return f"KPI “{clip(name)}”" if name else f"KPI {c.kpi}"
    if c.kind.startswith(("period", "amendment")):
        return f"period {c.period}"
    if unit and c.kind.startswith("unit"):
        return f"unit {unit}"
    if unit and c.period:
        return f"{c.period} {unit}" if level == "site" else unit
    return c.path


def describe(c: Change, level: str = "site", names: Mapping[str, str] | None = None) -> str:
    """One line saying what changed, in plain (unescaped) text (`names`: see `label`)."""
    what = label(c, level, names)
    title = f" “{clip(c.title)}”" if c.title else ""
    if c.kpi and names and f"kpi:{c.kpi}" in names:
        title = ""  # the label names the KPI already
    k = c.kind
    if k == t.FILE_ADDED:
        return f"{what}: OKRs file created ({c.path})"
    if k == t.FILE_REMOVED:
        return f"{what}: OKRs file removed ({c.path})"
    if k == t.FILE_RENAMED:
        return f"file renamed: {c.old} -> {c.new}"
    if k == t.FILE_UNREADABLE:
        return f"{c.path}: not readable YAML at this version (changes not shown)"
    if k in (t.OBJECTIVE_ADDED, t.KR_ADDED, t.KPI_ADDED, t.UNIT_ADDED):
        noun = {t.OBJECTIVE_ADDED: "objective", t.KR_ADDED: "key result"}.get(k, "")
        return f"{noun + ' ' if noun else ''}{what} added{':' + title if title else ''}"
    if k in (t.OBJECTIVE_REMOVED, t.KR_REMOVED, t.KPI_REMOVED, t.UNIT_REMOVED):
        noun = {t.OBJECTIVE_REMOVED: "objective", t.KR_REMOVED: "key result"}.get(k, "")
        return f"{noun + ' ' if noun else ''}{what} removed{' (was' + title + ')' if title else ''}"
    if k in (t.OBJECTIVE_RENAMED, t.KR_RENAMED):
        return f"{what} renamed: “{fmt(c.old)}” -> “{fmt(c.new)}”"
    if k in (t.CHECK_IN_ADDED, t.MEASUREMENT_ADDED):
        noun = "check-in" if k == t.CHECK_IN_ADDED else "measurement"
        return f"{what} {noun} {c.date} added: {fmt(c.new)}"
    if k in (t.CHECK_IN_REMOVED, t.MEASUREMENT_REMOVED):
        noun = "check-in" if k == t.CHECK_IN_REMOVED else "measurement"
        return f"{what} {noun} {c.date} removed (was {fmt(c.old)})"
    if k in (t.CHECK_IN_EDITED, t.MEASUREMENT_EDITED):
        noun = "check-in" if k == t.CHECK_IN_EDITED else "measurement"
        return f"{what} {noun} {c.date} {c.field} {_change(c)}"
    if k == t.AMENDMENT_ADDED:
        return f"{what} amendment {c.date} by {fmt(c.title)} added: {fmt(c.new)}"
    if k == t.AMENDMENT_CHANGED:
        return f"{what} amendment {c.date} by {fmt(c.title)} edited or removed"
    # field changes: objective, key result, KPI, period, unit, visibility
    return f"{what} {c.field} {_change(c)}{_eased(c)}"


def _change(c: Change) -> str:
    if c.field in ("description", "retrospective", "note") and (
            len(fmt(c.old)) > 40 or len(fmt(c.new)) > 40):
        return "edited" if c.old is not None and c.new is not None else (
            "added" if c.old is None else "removed")
    return f"{fmt(c.old)} -> {fmt(c.new)}"


def _eased(c: Change) -> str:
    if not c.goalpost:
        return ""
    if c.eased is True:
        return " (eased)"
    if c.eased is False:
        return " (made harder)"
    return ""
