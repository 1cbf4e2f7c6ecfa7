"""`okrsite import-measurements KPI FILE.csv`: feed a KPI from a spreadsheet or a
warehouse export.

The CSV has a header and the columns `date,value[,note]` (in any order). Rows whose
date the KPI already has with the same value (and the same note, or none) are
skipped, so importing one file twice changes nothing. Every other row is appended
after the KPI's measurements, in date order. A row that conflicts with an existing
date, repeats a date of the file, or fails validation is named by its line in the
CSV, and nothing is written.
"""

from __future__ import annotations

import contextlib
import csv
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from okrsite.commands.checkin import (
    _closed_for_kpi,
    append_measurements,
    find_kpi,
    kpi_document,
    parse_number,
)
from okrsite.commands.edit import EditError, Outcome, Refused, commit, flow_map
from okrsite.diagnostics import Diagnostic, diag
from okrsite.model import Measurement
from okrsite.pipeline import run
from okrsite.settings import Settings
from okrsite.yamlparse import parse

COLUMNS = ("date", "value", "note")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class Row:
    line: int  # in the CSV file, 1-based
    day: date
    value: int | float
    note: str | None


def read_rows(file: Path) -> tuple[list[Row], list[Diagnostic]]:
    """The rows of the CSV, and a diagnostic for each one that cannot be read."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EditError(f"cannot read {file}: {exc}") from None
    reader = csv.reader(text.splitlines(keepends=True))
    problems: list[Diagnostic] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise EditError(f"{file}: {exc}") from None
    if header is None:
        raise EditError(f"{file} is empty: it needs a header `date,value[,note]` and rows")
    names = [h.strip().casefold() for h in header]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [c for c in ("date", "value") if c not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise EditError(f"{file}:1: the header is {','.join(header)!r}; write "
                        "`date,value` or `date,value,note`")
    at = {n: i for i, n in enumerate(names)}
    rows: list[Row] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(names):
                problems.append(diag(file, (line, 1), "OKR104", f"row {line} has "
                                     f"{len(cells)} cells; the header has {len(names)}",
                                     "Quote a note that holds a comma: \"a, b\"."))
                continue
            row = _row(file, line, cells, at, problems)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise EditError(f"{file}:{reader.line_num}: {exc}") from None
    return rows, problems


def _row(file: Path, line: int, cells: list[str], at: dict[str, int],
         problems: list[Diagnostic]) -> Row | None:
    text = cells[at["date"]].strip()
    day = None
    if _DATE.match(text):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(text)
    if day is None:
        problems.append(diag(file, (line, 1), "OKR220", f"row {line}: {text!r} is not a "
                             "date"))
    raw = cells[at["value"]].strip()
    try:
        value: int | float | None = parse_number(raw, "value")
    except EditError:
        value = None
        problems.append(diag(file, (line, 1), "OKR103", f"row {line}: value {raw!r} is "
                             "not a number", "Write the value as a number, e.g. 42 or 0.5."))
    note = cells[at["note"]].strip() if "note" in at else ""
    if day is None or value is None:
        return None
    return Row(line, day, value, note or None)


def import_measurements(settings: Settings, kpi_id: str, file: Path) -> Outcome:
    rows, problems = read_rows(file)
    build = run(settings)
    content = build.content
    kpi = find_kpi(content, kpi_id, build)
    existing = {m.date: m for m in kpi.measurements}
    first: dict[date, Row] = {}
    new: list[Row] = []
    for row in rows:
        if row.day in first:
            problems.append(diag(file, (row.line, 1), "OKR222", f"row {row.line}: "
                                 f"{row.day.isoformat()} is also on row {first[row.day].line}"))
            continue
        first[row.day] = row
        there = existing.get(row.day)
        if there is None:
            new.append(row)
        elif not _same(there, row):
            problems.append(diag(file, (row.line, 1), "OKR222", f"row {row.line}: KPI "
                                 f"`{kpi.id}` already has {_show(there)} on "
                                 f"{row.day.isoformat()}; the row says {_show(row)}"))
        else:
            continue  # imported before: nothing to do
        closed = _closed_for_kpi(content, kpi, row.day)
        if closed is not None:
            problems.append(replace(closed, message=f"row {row.line}: {closed.message}"))
    if problems:
        raise Refused(problems)
    doc = kpi_document(content, kpi)
    skipped = len(rows) - len(new)
    if not new:
        return Outcome([], [f"{doc.relpath}: no new dates in {file.name} "
                            f"({skipped} already there)"])
    new.sort(key=lambda r: r.day)
    before = len(doc.expected.get("measurements", []))
    append_measurements(doc, [flow_map(("date", r.day), ("value", r.value), ("note", r.note))
                              for r in new])
    rows_at = _rows_by_line(doc.render(), before, new)
    target = str(doc.file)

    def at_row(d: Diagnostic) -> Diagnostic:
        row = rows_at.get(d.line) if d.file == target else None
        if row is None:
            return d
        return replace(d, file=str(file), line=row.line, col=1,
                       message=f"row {row.line}: {d.message}")

    written = commit(settings, [doc], at_row)
    return Outcome(written, [f"{doc.relpath}: {len(new)} measurement"
                             f"{'' if len(new) == 1 else 's'} added from {file.name}, "
                             f"{new[0].day.isoformat()} to {new[-1].day.isoformat()}"
                             + (f" ({skipped} already there)" if skipped else "")])


def _rows_by_line(raw: bytes, before: int, rows: list[Row]) -> dict[int, Row]:
    """Line of each new measurement in the edited file -> the CSV row it came from."""
    positions = parse(raw).positions
    out = {}
    for k, row in enumerate(rows):
        pos = positions.get(f"/measurements/{before + k}")
        if pos is not None:
            out[pos[0]] = row
    return out


def _same(there: Measurement, row: Row) -> bool:
    return float(there.value) == float(row.value) and row.note in (None, there.note)


def _show(item: Measurement | Row) -> str:
    note = f" ({item.note})" if item.note else ""
    return f"{item.value}{note}"
