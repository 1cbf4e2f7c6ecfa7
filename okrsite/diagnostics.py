"""Diagnostics: what `okrsite check` reports, with stable codes.

Every stage (parse, schema, rules, history) reports problems as `Diagnostic`s
that name a file, a line, what is wrong and how to fix it. The codes are part of
the public interface: CI scripts filter on them and the docs list them, so a
code is never reused for a different problem.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str
    fix: str


_E, _W = Severity.ERROR, Severity.WARNING

# The catalogue. content/guide/diagnostics.md is generated from it (see
# `okrsite codes`), so the title and fix here are what users read.
CODES: dict[str, Code] = {
    c.code: c
    for c in [
        # Reading files (OKR0xx)
        Code("OKR001", _E, "YAML syntax error", "Fix the YAML syntax at the position shown."),
        Code("OKR002", _E, "Duplicate key",
             "Remove one of the two keys; YAML keeps only the last."),
        Code("OKR003", _E, "YAML tag or merge key not allowed",
             "Remove the `!tag`, or write out the keys a `<<:` merge key would bring in: "
             "content is plain data (strings, numbers, lists, mappings)."),
        Code("OKR004", _E, "Document too large or too deeply nested",
             "As the message says: flatten deep nesting, write out the values that "
             "aliases repeat, or split the file."),
        Code("OKR005", _E, "File is not UTF-8", "Save the file as UTF-8."),
        Code("OKR006", _E, "Top level is not a mapping",
             "Start the document with `version: 1` and `kind: ...`."),
        Code("OKR007", _E, "Unsupported version or kind",
             "Use `version: 1` and the kind this file's place expects."),
        Code("OKR008", _E, "File place disagrees with its content",
             "Rename the file or change the field so that both agree."),
        Code("OKR009", _W, "YAML file outside the content layout is ignored",
             "Move it to org.yaml, kpis/<id>.yaml or periods/<period>/<unit>.yaml."),
        Code("OKR010", _E, "Missing org.yaml", "Create org.yaml with `kind: org` and the units."),
        Code("OKR011", _E, "Two files for one document",
             "Keep one of `x.yaml` and `x.yml`: both name the same document."),
        Code("OKR012", _W, "Number with colons read in base 60",
             "Quote the value ('1:30') to keep it as text, or write the number it stands "
             "for (90)."),
        # Schema (OKR1xx)
        Code("OKR101", _E, "Unknown field",
             "Remove the field or fix its spelling; custom fields must start with `x-`."),
        Code("OKR102", _E, "Missing required field", "Add the field."),
        Code("OKR103", _E, "Wrong type", "Give the value the type shown."),
        Code("OKR104", _E, "Invalid value", "Use one of the allowed values or forms shown."),
        Code("OKR105", _E, "Markdown too deeply nested or bracketed to render",
             "Close every `[` with `]` and every `](` with `)`, write a bracket that is "
             "not a link as `\\[`, put blank lines between paragraphs, and nest lists "
             "and quotes at most 50 levels deep."),
        # Organisation and references (OKR2xx)
        Code("OKR201", _E, "Duplicate unit id", "Give every unit a unique id."),
        Code("OKR202", _E, "The org needs exactly one root unit",
             "Give every unit but one a `parent`."),
        Code("OKR203", _E, "Unknown unit", "Use the id of a unit defined in org.yaml."),
        Code("OKR204", _E, "Cycle in the org tree", "Break the cycle of `parent` links."),
        Code("OKR205", _E, "Duplicate objective id",
             "Objective ids must be unique within a unit and period."),
        Code("OKR206", _E, "Duplicate key result id",
             "Key result ids must be unique within their objective."),
        Code("OKR207", _E, "Unknown KPI", "Use the id of a KPI under kpis/."),
        Code("OKR208", _E, "Unknown period",
             "Reference a period that has OKRs or a period.yaml."),
        Code("OKR209", _E, "Unresolved reference",
             "Write `[period:]unit/objective[/key-result]` naming an existing objective."),
        Code("OKR210", _E, "Referenced period does not contain this one",
             "Align to the same period or one that contains it (a quarter to its year)."),
        Code("OKR211", _E, "Alignment cycle", "Break the cycle of `aligns_to` links."),
        Code("OKR212", _E, "Key result has no single shape",
             "Give exactly one of: baseline+target, target+direction, milestones, or done."),
        Code("OKR213", _E, "Baseline equals target",
             "Change one of them, or add `direction:` to make it a threshold."),
        Code("OKR214", _E, "Key result has both `kpi` and `check_ins`",
             "Remove `check_ins`: values come from the KPI's measurements; give the "
             "owner's confidence in a `confidence:` list of `{date, value, note}`."),
        Code("OKR215", _E, "Date outside the period",
             "Date check-ins inside the period (up to 14 days after its end for a closing one)."),
        Code("OKR216", _E, "KPI thresholds contradict its direction",
             "For higher_is_better, green >= red; for lower_is_better, green <= red."),
        Code("OKR217", _E, "Invalid period dates",
             "Give both `start` and `end`, with start before end."),
        Code("OKR218", _E, "Invalid closing record",
             "A closed period needs `closed_on`; amendments are dated on or after it."),
        Code("OKR219", _E, "Unknown scorer",
             "Use a registered scorer name (listed in the message)."),
        Code("OKR220", _E, "Invalid date",
             "Write a real calendar date as YYYY-MM-DD, in the years 1900 to 2200."),
        Code("OKR221", _E, "Carried from a period that is not earlier",
             "Name the objective of an earlier period that this one continues."),
        Code("OKR222", _E, "Two entries on one date",
             "Keep one check-in or measurement per date: correct the first entry instead "
             "of adding a second one."),
        Code("OKR223", _E, "Duplicate person id", "Give every person in people.yaml a unique id."),
        Code("OKR230", _E, "Scorer `ratio` on a falling key result",
             "Remove `scorer: ratio`: linear scores falling key results."),
        Code("OKR231", _E, "KPI baseline already past the target",
             "Give a target beyond the baseline in the KPI's better direction, or the key "
             "result its own `baseline:`."),
        Code("OKR232", _E, "Objective without key results",
             "Add a key result, or remove the objective; allowed only while planning."),
        # Best practice (OKR3xx)
        Code("OKR301", _W, "More than 5 objectives",
             "Focus: keep 3 to 5 objectives per unit and period."),
        Code("OKR302", _W, "Fewer than 2 key results",
             "Add a key result that measures the objective."),
        Code("OKR303", _W, "More than 5 key results",
             "Keep 2 to 5 key results; move the rest to a KPI."),
        Code("OKR304", _W, "Objective without an owner", "Add `owner:` with a person's name."),
        Code("OKR305", _W, "Unaligned objective",
             "Add `aligns_to:` naming the parent unit's objective it contributes to."),
        Code("OKR306", _W, "Committed objective closed below 1.0 without a retrospective",
             "Add a `retrospective:` saying what was learned."),
        Code("OKR307", _W, "Owner who is not in people.yaml",
             "Name a person of people.yaml by id or exact name, or add the person there."),
        # Change control (OKR4xx)
        Code("OKR401", _E, "Closed period changed without an amendment",
             "Undo the change, or record it with `okrsite amend PERIOD --by NAME --reason "
             "TEXT`, which adds an entry to `amendments:` and refreshes the final record."),
        Code("OKR402", _W, "Goalpost moved without a reason",
             "Add `reason:` to the key result saying why it changed after the period started."),
        Code("OKR403", _E, "Past check-in rewritten",
             "History only grows: add a new check-in instead of editing or removing an old one."),
        Code("OKR404", _E, "Final record edited by hand",
             "Restore the `final:` block that `okrsite close` or `okrsite amend` wrote; "
             "record changes with `okrsite amend`."),
    ]
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place. `file` is absolute; it is shown relative to cwd."""

    file: str
    line: int
    col: int
    code: str
    message: str
    hint: str = ""

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def shown_path(self) -> str:
        return display_path(self.file)


def diag(file: str | Path, pos: tuple[int, int], code: str, message: str,
         hint: str | None = None) -> Diagnostic:
    """Make a diagnostic; the hint defaults to the code's documented fix."""
    if code not in CODES:
        raise KeyError(f"unregistered diagnostic code {code}")
    return Diagnostic(str(file), pos[0], pos[1], code, message,
                      CODES[code].fix if hint is None else hint)


def display_path(file: str) -> str:
    try:
        return os.path.relpath(file)
    except ValueError:  # another drive on Windows has no relative path
        return file


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.file, d.line, d.col, d.code)


def _one_line(text: str) -> str:
    """Line breaks, control and invisible format characters escaped: a key can be any
    text, and must not split one diagnostic over lines, forge one, or hide in it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else
                   (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
                   if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in text)


def format_text(diags: Iterable[Diagnostic]) -> str:
    lines = []
    errors = warnings = 0
    for d in sorted(diags, key=sort_key):
        sev = d.severity.value
        errors += d.is_error
        warnings += not d.is_error
        lines.append(f"{_one_line(d.shown_path())}:{d.line}:{d.col}: {sev} {d.code}: "
                     f"{_one_line(d.message)}")
        if d.hint:
            lines.append(f"    fix: {_one_line(d.hint)}")
    lines.append(_summary(errors, warnings))
    return "\n".join(lines)


def _summary(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "No problems found."
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return "Found " + " and ".join(parts) + "."


def format_json(diags: Iterable[Diagnostic]) -> str:
    items = []
    for d in sorted(diags, key=sort_key):
        item = asdict(d)
        item["file"] = d.shown_path()
        item["severity"] = d.severity.value
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False)


def _gh_escape(text: str, prop: bool = False) -> str:
    # GitHub workflow commands percent-encode these characters.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(diags: Iterable[Diagnostic]) -> str:
    lines = []
    for d in sorted(diags, key=sort_key):
        level = "error" if d.is_error else "warning"
        props = (f"file={_gh_escape(d.shown_path(), True)},line={d.line},col={d.col},"
                 f"title={_gh_escape(d.code + ' ' + CODES[d.code].title, True)}")
        body = d.message + (f" Fix: {d.hint}" if d.hint else "")
        lines.append(f"::{level} {props}::{_gh_escape(body)}")
    return "\n".join(lines)


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diags)
