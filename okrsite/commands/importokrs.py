"""`okrsite import okrs FILE.csv`: OKRs from a spreadsheet, as okrs files.

One row per key result; rows with the same period, unit and objective make one
objective. Headers are matched without regard to case, spaces, `_` or `-`, and
common other names are understood (see COLUMNS; content/guide/cli.md lists them).
A column that maps to no field is reported and kept on each key result as an
`x-` field, so nothing is dropped silently. Any problem in the file (a bad period,
a number that is not one, a unit not in org.yaml) stops the import before it
writes anything; existing files are never overwritten (newfiles.py).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from okrsite.commands.newfiles import write_new
from okrsite.errors import OkrsiteError
from okrsite.model import ID_PATTERN, Content
from okrsite.periods import is_period_id

# field -> the header names that mean it (normalised: lower case, no space, _ or -)
COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("period", "quarter", "cycle"),
    "unit": ("unit", "team", "department", "orgunit"),
    "objective": ("objective", "objectivetitle", "goal"),
    "objective_id": ("objectiveid",),
    "description": ("description", "objectivedescription"),
    "owner": ("owner", "objectiveowner", "responsible"),
    "type": ("type", "objectivetype"),
    "aligns_to": ("alignsto", "parentobjective", "alignment"),
    "key_result": ("keyresult", "kr", "keyresulttitle", "krtitle"),
    "kr_id": ("keyresultid", "krid"),
    "baseline": ("baseline", "start", "startvalue", "from"),
    "target": ("target", "targetvalue", "goalvalue", "to"),
    "measure": ("unitofmeasure", "uom", "measure", "measureunit", "krunit"),
    "direction": ("direction",),
    "weight": ("weight",),
}
_BY_NAME = {name: f for f, names in COLUMNS.items() for name in names}
REQUIRED = ("period", "unit", "objective", "key_result")


class ImportError_(OkrsiteError, ValueError):
    """The spreadsheet cannot be imported; the message names the file, row and fix."""


@dataclass
class Imported:
    files: dict[Path, bytes]
    objectives: int = 0
    key_results: int = 0
    unmapped: list[str] = field(default_factory=list)  # headers kept as x- fields


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def slug(text: str) -> str:
    """An id from a title: `Grow revenue 20%!` -> `grow-revenue-20`."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = "-".join(words)[:60].strip("-")
    return out or "item"


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _number(text: str, where: str, column: str) -> int | float:
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    try:
        value = float(raw.rstrip("%"))
    except ValueError:
        raise ImportError_(f"{where}: {column} {text!r} is not a number; write it as "
                           "digits with a point, e.g. 12.5") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ImportError_(f"{where}: {column} {text!r} is not a number")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the format's examples write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def read_rows(text: str, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the rows (with their line numbers) of a CSV text."""
    # Spreadsheets write Excel's CSV; only the delimiter varies (`;` where the decimal
    # separator is a comma), so only that is guessed, from the header row.
    try:
        delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportError_(f"{name} is empty: its first row must name the columns") from None
    rows = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append((reader.line_num, dict(zip(header, row, strict=False))))
    return header, rows


def import_okrs(content: Content, content_dir: Path, csv_file: Path) -> Imported:
    """The okrs files of a CSV file, not yet written."""
    name = csv_file.name
    try:
        text = csv_file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ImportError_(f"cannot read {csv_file}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{name} is not UTF-8 (byte {exc.start}): save it as "
                           "\"CSV UTF-8\"") from None
    header, rows = read_rows(text, name)
    mapping: dict[str, str] = {}
    unmapped: list[str] = []
    for column in header:
        f = _BY_NAME.get(_norm(column))
        if f and f not in mapping.values():
            mapping[column] = f
        elif column.strip():
            unmapped.append(column)
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if missing:
        raise ImportError_(f"{name}: no column for {', '.join(missing)}; the first row "
                           "must name them (e.g. period,unit,objective,key result)")
    files: dict[tuple[str, str], list[dict[str, Any]]] = {}
    objectives: dict[tuple[str, str, str], dict[str, Any]] = {}
    ids: dict[tuple[str, str], set[str]] = {}
    kr_ids: dict[tuple[str, str, str], set[str]] = {}
    count = 0
    for line, row in rows:
        where = f"{name}:{line}"
        values = {f: (row.get(c) or "").strip() for c, f in mapping.items()}
        for f in REQUIRED:
            if not values.get(f):
                raise ImportError_(f"{where}: the {f.replace('_', ' ')} is empty; every "
                                   "row is one key result and needs all four")
        period, unit = values["period"], values["unit"]
        if not is_period_id(period):
            raise ImportError_(f"{where}: period {period!r} is not a period id; write "
                               "2027-Q1, 2027-H1 or 2027")
        if unit not in content.org.units:
            known = ", ".join(content.org.units) or "none"
            raise ImportError_(f"{where}: unit {unit!r} is not in org.yaml (units: {known}); "
                               "add it there first, or use a unit id")
        key = (period, unit, values["objective"])
        objective = objectives.get(key)
        if objective is None:
            taken = ids.setdefault((period, unit), set())
            wanted = values.get("objective_id") or slug(values["objective"])
            if not ID_PATTERN.match(wanted):
                raise ImportError_(f"{where}: objective id {wanted!r} is not an id "
                                   "(lower case letters, digits and -)")
            objective = {"id": _unique(wanted, taken), "title": values["objective"]}
            for f in ("description", "owner", "type", "aligns_to"):
                if values.get(f):
                    objective[f] = values[f]
            objective["key_results"] = []
            objectives[key] = objective
            files.setdefault((period, unit), []).append(objective)
        kr: dict[str, Any] = {}
        taken = kr_ids.setdefault(key, set())
        wanted = values.get("kr_id") or slug(values["key_result"])
        if not ID_PATTERN.match(wanted):
            raise ImportError_(f"{where}: key result id {wanted!r} is not an id")
        kr["id"] = _unique(wanted, taken)
        kr["title"] = values["key_result"]
        if values.get("measure"):
            kr["unit"] = values["measure"]
        numbers = {f: _number(values[f], where, f) for f in ("baseline", "target", "weight")
                   if values.get(f)}
        direction = values.get("direction", "")
        if "target" in numbers and "baseline" in numbers:
            kr["baseline"], kr["target"] = numbers["baseline"], numbers["target"]
        elif "target" in numbers and direction:
            kr["target"], kr["direction"] = numbers["target"], direction
        elif "target" in numbers:
            raise ImportError_(f"{where}: a target without a baseline needs a direction "
                               "(at_least or at_most) to be a threshold; add a baseline or "
                               "a direction column")
        elif "baseline" in numbers:
            raise ImportError_(f"{where}: a baseline without a target; add the target")
        else:
            kr["done"] = False  # no numbers: a key result that is done or not
        if "weight" in numbers:
            kr["weight"] = numbers["weight"]
        for column in unmapped:
            if (row.get(column) or "").strip():
                kr[f"x-{slug(column)}"] = row[column].strip()
        objective["key_results"].append(kr)
        count += 1
    if not rows:
        raise ImportError_(f"{name} has a header but no rows")
    out: dict[Path, bytes] = {}
    for (period, unit), objs in files.items():
        doc = {"version": 1, "kind": "okrs", "unit": unit, "period": period,
               "objectives": objs}
        body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         width=88)
        head = (f"# Imported from {name} by `okrsite import okrs`. Review it, then run "
                "okrsite check.\n")
        out[content_dir / "periods" / period / f"{unit}.yaml"] = (head + body).encode()
    return Imported(out, len(objectives), count, unmapped)


def write_import(imported: Imported) -> list[Path]:
    return write_new(imported.files, "okrsite import").written
