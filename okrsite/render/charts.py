"""Small inline SVG charts, each with a table that says the same in words and numbers.

Charts are drawn in Python, so a page needs no script, font or request to another
host. Every chart is one `<svg>` with a `viewBox` (it scales to any width), `role="img"`,
a `<title>` (its accessible name) and a `<desc>` summing it up. `Chart.html()` puts the chart
in a `<figure>` and its table in a `<details>` below it.

The SVG holds geometry and class names only: strokes, fills, dashes, font size and text
alignment are in okrsite.css (light and dark schemes), which every page with a chart
loads, so a page carries them once instead of once per element. Lines are `<path>`s, a
set of grid lines or ticks is one path, and labels that share an alignment share a `<g>`.

All text here is escaped with `safe.attr`; notes arrive as HTML from `SafeMarkdown`.
Coordinates are whole units of the 640 x 260 viewBox (under a pixel at any usual width)
and every path command is written absolute or relative, whichever is shorter, so the
same data always gives the same bytes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from okrsite.numbers import group_thousands
from okrsite.render.page import Searched, header_cell
from okrsite.render.safe import attr, clean

WIDTH, HEIGHT = 640, 260
_XMLNS = ' xmlns="http://www.w3.org/2000/svg"'  # a standalone SVG's; HTML implies it
LEFT, RIGHT, TOP, BOTTOM = 52, 20, 22, 40
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


class Point(NamedTuple):
    """One dated value; `note_html` is safe HTML (rendered by SafeMarkdown) or "".
    (A named tuple: a unit page makes 80 of these, a frozen dataclass costs 20 times
    as much to make.)"""

    date: date
    value: float
    note_html: str = ""
    confidence: float | None = None


@dataclass(frozen=True)
class Bar:
    label: str  # plain text
    score: float | None  # None: no data
    status: str  # plain words, e.g. "on track"
    tone: str | None  # the status's colour: green | yellow | red | grey | None
    in_progress: bool = False  # a score so far, not a final one: drawn lighter


@dataclass(frozen=True)
class Chart:
    svg: str  # one <svg> element, well-formed XML
    table: str  # one <table> element: the same data
    caption: str  # escaped text

    def figure(self) -> str:
        """The chart in a figure, without its table (which the caller places)."""
        return (f'<figure class="okr-chart">\n{self.inline_svg()}\n'
                f"<figcaption>{self.caption}</figcaption>\n</figure>")

    def inline_svg(self) -> str:
        """The SVG for an HTML page: without its `xmlns`, which HTML implies for an
        `<svg>` element (35 bytes a chart, on every chart of a page)."""
        return self.svg.replace(_XMLNS, "", 1)

    def html(self, summary: str = "The data as a table") -> str:
        """The chart in a figure, then its table in a collapsed `<details>`."""
        return (f'<figure class="okr-chart">\n{self.inline_svg()}\n'
                f"<figcaption>{self.caption}</figcaption>\n</figure>\n"
                f'<details class="okr-data">\n<summary>{attr(summary)}</summary>\n'
                f'<div class="okr-table">\n{self.table}\n</div>\n</details>')


# -- numbers -------------------------------------------------------------------------------


def _num(x: float) -> str:
    if type(x) is int and -_BIG < x < _BIG:  # the common case: whole values from YAML
        return str(x)
    if abs(x) < 1e15 and x == int(x):  # (an infinity or NaN is no int: the test comes first)
        return str(int(x))
    return f"{x + 0.0:.6g}"  # + 0.0: no `-0`


_BIG = 10 ** 15


@lru_cache(maxsize=4096)
def _shown(x: float) -> str:
    """A value as a reader sees it: thousands grouped (241,000), as on the pages.
    (Memoized: equal numbers, 1 and 1.0 too, are written alike.)"""
    if -999.99 < x < 999.99:  # at most 6 digits: a whole part of 3 or fewer, no group
        return _num(x)
    text = _num(x)
    return text if len(text) < 4 else group_thousands(text)  # 3 characters: nothing to group


def _with_unit(x: float, unit: str | None) -> str:
    if not unit:
        return _shown(x)
    return f"{_shown(x)}{'' if unit in ('%', '‰') else ' '}{unit}"


@lru_cache(maxsize=256)
def _unit_suffix(unit: str | None) -> str | None:
    """What `_with_unit` appends to a number, escaped; None when the unit is not clean
    text (then only `attr` of the whole gives the same bytes)."""
    if not unit:
        return ""
    if clean(unit) != unit:
        return None
    return ("" if unit in ("%", "‰") else " ") + html.escape(unit, quote=True)


def _with_unit_attr(x: float, unit: str | None) -> str:
    """`attr(_with_unit(x, unit))`, without escaping the number (digits need none)."""
    suffix = _unit_suffix(unit)
    return attr(_with_unit(x, unit)) if suffix is None else _shown(x) + suffix


def _pct(x: float) -> str:
    return f"{x * 100 + 0.0:.0f}%"  # + 0.0: no `-0%`


def _tick(x: float) -> str:
    """A tick label that fits left of the plot: 250k, 1.5M, 0.25."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x + 0.0:.4g}"  # + 0.0: no `-0`


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values covering lo..hi (steps of 1, 2 or 5 times a power of ten).

    Never empty. Tolerances are relative to the step, so values of any size within the
    format's limits (okrsite.limits) get ticks, 2e-308 as well as 1e15."""
    if hi < lo:
        lo, hi = hi, lo
    size = max(abs(lo), abs(hi))
    if hi - lo <= max(size * 1e-9, _TINY):  # one value, or too close to tell apart
        pad = size * 0.1 if size > _TINY else 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, count)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9)
    last = max(first, math.ceil(hi / step - 1e-9))
    # multiples of the step, not a running sum (which drifts), rounded to its digits
    digits = max(0, 2 - math.floor(math.log10(step)))
    return [round(k * step, digits) for k in range(first, min(last, first + 20) + 1)]


_TINY = 1e-300  # spans below this are padded: a float this small has few digits left


@lru_cache(maxsize=4096)
def _ticks(lo: float, hi: float) -> tuple[float, ...]:
    """`nice_ticks(lo, hi)`, once per range: a period's key results share few ranges."""
    return tuple(nice_ticks(lo, hi))


class _Scale:
    """Data to viewBox units, rounded to whole units: a relative path command is then
    exact, and lines that meet (the expected line and the target) meet to the unit."""

    def __init__(self, d0: date, d1: date, v0: float, v1: float) -> None:
        self.d0, self.days = d0, max(1, (d1 - d0).days)
        self.v0, self.span = v0, (v1 - v0) or 1.0

    def x(self, d: date) -> int:
        return math.floor(LEFT + PLOT_W * ((d - self.d0).days / self.days) + 0.5)  # _round

    def y(self, v: float) -> int:
        return math.floor(TOP + PLOT_H * (1 - (v - self.v0) / self.span) + 0.5)  # _round

    def xy(self, points: Sequence[Point]) -> list[tuple[int, int]]:
        """`(x(p.date), y(p.value))` of each point: the same arithmetic, inlined."""
        d0, days, v0, span, floor = self.d0, self.days, self.v0, self.span, math.floor
        return [(floor(LEFT + PLOT_W * ((p.date - d0).days / days) + 0.5),
                 floor(TOP + PLOT_H * (1 - (p.value - v0) / span) + 0.5)) for p in points]


def _round(x: float) -> int:
    # half up, not Python's half to even (20.5 -> 20, 21.5 -> 22): equal steps stay equal
    return math.floor(x + 0.5)


@lru_cache(maxsize=256)
def _month_ticks(d0: date, d1: date) -> tuple[date, ...]:
    months = []
    y, m = d0.year, d0.month
    if d0.day != 1:
        m += 1
    while True:
        if m > 12:
            y, m = y + 1, 1
        d = date(y, m, 1)
        if d > d1:
            break
        months.append(d)
        m += 1
    step = 1 if len(months) <= 6 else 2 if len(months) <= 12 else 3 if len(months) <= 24 else 6
    return tuple(months[::step])


# -- SVG pieces ------------------------------------------------------------------------------


class _Path:
    """Path data: each command absolute or relative, whichever is shorter (ties go to
    the absolute one); a repeated command letter is left out (SVG repeats the previous
    command). Written for speed: a build draws a few hundred thousand commands."""

    __slots__ = ("_parts", "last", "x", "y")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.last = ""  # the previous command letter
        self.x = self.y = 0  # the current point

    @property
    def d(self) -> str:
        return "".join(self._parts)

    def _add(self, command: str, text: str) -> None:
        # `text` is the numbers, the first one bare: a minus sign separates numbers as
        # well as a space does, so a repeated command needs a space only before a digit
        if command != self.last or command == "M" or command == "m":
            self._parts.append(command + text)
        elif text[0] == "-":
            self._parts.append(text)
        else:
            self._parts.append(" " + text)
        self.last = command

    def move(self, x: int, y: int) -> _Path:
        sx, sy = str(x), str(y)
        rx, ry = str(x - self.x), str(y - self.y)
        if len(rx) + len(ry) < len(sx) + len(sy):
            self._add("m", rx + (ry if ry[0] == "-" else " " + ry))
        else:
            self._add("M", sx + (sy if sy[0] == "-" else " " + sy))
        self.x, self.y = x, y
        return self

    def line(self, x: int, y: int) -> _Path:
        dx, dy = x - self.x, y - self.y
        if dy == 0:
            a, r = str(x), str(dx)
            if len(r) < len(a):
                self._add("h", r)
            else:
                self._add("H", a)
        elif dx == 0:
            a, r = str(y), str(dy)
            if len(r) < len(a):
                self._add("v", r)
            else:
                self._add("V", a)
        else:
            sx, sy, rx, ry = str(x), str(y), str(dx), str(dy)
            if len(rx) + len(ry) < len(sx) + len(sy):
                self._add("l", rx + (ry if ry[0] == "-" else " " + ry))
            else:
                self._add("L", sx + (sy if sy[0] == "-" else " " + sy))
        self.x, self.y = x, y
        return self

    def polyline(self, xy: Sequence[tuple[int, int]]) -> _Path:
        """`move` to the first point, then `line` to each other one (the same bytes;
        the loop of `line` inlined: a build draws a hundred thousand of these)."""
        self.move(*xy[0])
        parts, last, px, py = self._parts, self.last, self.x, self.y
        for x, y in xy[1:]:
            dx, dy = x - px, y - py
            if dy == 0:
                a, r = str(x), str(dx)
                command, text = ("h", r) if len(r) < len(a) else ("H", a)
            elif dx == 0:
                a, r = str(y), str(dy)
                command, text = ("v", r) if len(r) < len(a) else ("V", a)
            else:
                sx, sy, rx, ry = str(x), str(y), str(dx), str(dy)
                if len(rx) + len(ry) < len(sx) + len(sy):
                    command, text = "l", rx + (ry if ry[0] == "-" else " " + ry)
                else:
                    command, text = "L", sx + (sy if sy[0] == "-" else " " + sy)
            if command != last:  # as `_add`: never M or m here
                parts.append(command + text)
            elif text[0] == "-":
                parts.append(text)
            else:
                parts.append(" " + text)
            last, px, py = command, x, y
        self.last, self.x, self.y = last, px, py
        return self


def _path(css: str, d: str) -> str:
    return f'<path class="{css}" d="{d}"/>'


def _hlines(ys: Sequence[int]) -> str:
    """Path data for lines across the plot at each y."""
    return _hlines_cached(tuple(ys))


@lru_cache(maxsize=1024)
def _hlines_cached(ys: tuple[int, ...]) -> str:
    path = _Path()
    for y in ys:
        path.move(LEFT, y).line(WIDTH - RIGHT, y)
    return path.d


def _open(chart_id: str, title: str, desc: str) -> str:
    """The `<svg>` with its accessible name and description: an `<svg role="img">`
    is named by its `<title>` (also its tooltip) and described by its `<desc>` (none
    when `desc` is empty), so an `aria-label` and an `aria-describedby` would only say
    both again. (`chart_id`
    is kept for callers: a chart's id is its key result's.)"""
    return (f'<svg{_XMLNS} class="okr-chart__svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img"><title>{attr(title)}</title>'
            + (f"<desc>{attr(desc)}</desc>" if desc else ""))


class Shared:
    """The pieces of SVG that the charts of one page draw alike (the date axis of a
    period, the as-of line, often the grid and its values): the first chart holds
    each in a `<g id>`, later ones draw it with a `<use>` (about 400 bytes a chart
    on a unit page). One per page: the ids are `okr-c<n>` in order of first use.
    A `<use>` draws a copy of the piece, matched by CSS on its own (`.okr-c-piece`
    in okrsite.css), and inside an `<svg role="img">` neither is read out: the
    chart's name and description are."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def piece(self, svg: str) -> str:
        if not svg:
            return ""
        found = self._ids.get(svg)
        if found is not None:
            return f'<use href="#{found}"/>'
        self._ids[svg] = ident = f"okr-c{len(self._ids)}"
        return f'<g id="{ident}" class="okr-c-piece">{svg}</g>'


def _y_labels(labels: Sequence[tuple[int, str]]) -> str:
    """Value labels right-aligned left of the plot (`okr-c-y`: end, middle); escaped text."""
    texts = "".join(f'<text y="{y}">{text}</text>' for y, text in labels)
    return f'<g class="okr-c-y" transform="translate({LEFT - 6})">{texts}</g>'


def _x_labels(labels: Sequence[tuple[int, str]], y: int = TOP + PLOT_H + 18) -> str:
    """Labels centred under the plot (`okr-c-x`: middle); escaped text."""
    texts = "".join(f'<text x="{x}">{text}</text>' for x, text in labels)
    return f'<g class="okr-c-x" transform="translate(0 {y})">{texts}</g>'


def _axes(scale: _Scale, ticks: list[float], unit: str | None, d0: date, d1: date,
          shared: Shared | None = None, as_of: Sequence[str] = ()) -> list[str]:
    """Grid lines with values (the unit once, above them) and month ticks below.
    Charts of one page share their dates, and often their values' range: each half is
    drawn once per build and reused (the same inputs always give the same bytes), and
    with `shared` once per page, with the as-of line (`as_of`)."""
    grid, values = _value_axis(tuple(ticks), scale.v0, scale.span)
    axis, months = _date_axis(scale.d0, scale.days, d0, d1)
    # once, above the plot's top left corner, clear of the top value
    label = _unit_label(unit) if unit else ""
    if shared is None:
        return [grid, axis, values + label, months]
    # Apart, as charts differ: the grid (the same for most), the values, the unit, and
    # the dates with the as-of line (the same for a period's charts). Grid and axis
    # never overlap (the axis is the lowest grid line), nor do labels and lines; the
    # as-of line, drawn here before the target and expected lines, crosses them.
    return [shared.piece(grid), shared.piece(values), shared.piece(label),
            shared.piece(axis + months + "".join(as_of))]


@lru_cache(maxsize=256)
def _unit_label(unit: str) -> str:
    return f'<text class="okr-c-unit" x="{LEFT}" y="{TOP - 8}">{attr(unit)}</text>'


@lru_cache(maxsize=1024)
def _value_axis(ticks: tuple[float, ...], v0: float, span: float) -> tuple[str, str]:
    """The grid lines and their value labels."""
    scale = _Scale(date.min, date.min, v0, v0 + span)
    scale.span = span  # exactly the chart's (v0 + span - v0 may differ in the last bit)
    base = TOP + PLOT_H
    # the lowest tick is the bottom of the plot: the axis draws that line
    grid = _path("okr-c-grid", _hlines([scale.y(t) for t in ticks if scale.y(t) != base]))
    return grid, _y_labels([(scale.y(t), _tick(t)) for t in ticks])


@lru_cache(maxsize=256)
def _date_axis(start: date, days: int, d0: date, d1: date) -> tuple[str, str]:
    """The axis line with month ticks, and the months' labels."""
    scale = _Scale(start, start + timedelta(days=days), 0.0, 1.0)
    base = TOP + PLOT_H
    axis = _Path().move(LEFT, base).line(WIDTH - RIGHT, base)
    months = _month_ticks(d0, d1)
    for d in months:
        axis.move(scale.x(d), base).line(scale.x(d), base + 4)
    labels = _x_labels([(scale.x(d), d.isoformat()[:7]) for d in months])
    return _path("okr-c-axis", axis.d), labels


def _hline(scale: _Scale, v: float, css: str, label: str) -> list[str]:
    """A line across the plot with its label right-aligned above it (`{css}-label`)."""
    return list(_hline_at(scale.y(v), css, label))


@lru_cache(maxsize=1024)
def _hline_at(y: int, css: str, label: str) -> tuple[str, str]:
    return (_path(css, _hlines([y])),
            f'<text class="{css}-label" x="{WIDTH - RIGHT - 4}" y="{y - 5}">{attr(label)}</text>')


def _as_of_line(scale: _Scale, as_of: date, d0: date, d1: date) -> list[str]:
    if not d0 <= as_of <= d1:
        return []
    x = scale.x(as_of)
    return [_path("okr-c-asof", _Path().move(x, TOP).line(x, TOP + PLOT_H).d),
            f'<text class="okr-c-asof-label" x="{x}" y="{TOP - 8}">as of</text>']


def _series(scale: _Scale, points: Sequence[Point], unit: str | None,
            tips_from_table: bool = False) -> list[str]:
    """The line and its dots, each dot with its tooltip ("2026-10-05: 42 points"), or
    with `tips_from_table` none: okrsite.js gives each dot its tooltip from its row of
    the chart's table (the same words), so a unit page writes each value once. The
    group's `data-unit` is what follows a value in the tooltip."""
    if not points:
        return []
    xy = scale.xy(points)
    out = []
    if len(points) > 1:
        out.append(_path("okr-c-value", _Path().polyline(xy).d))
    # A dot is a zero-length line with round caps (okrsite.css: 8 wide), half the bytes
    # of a <circle>; one element a point, for its tooltip. Without tooltips (a unit
    # page) the dots are one path of zero-length lines, each `M x y h0` (okrsite.js
    # makes an element of each, to hang its tooltip on): 13 bytes a dot less.
    if tips_from_table:
        dots = "".join(f"M{x} {y}h0" for x, y in xy)
        suffix = _unit_suffix(unit)
        if suffix is None:  # not clean text: as _with_unit writes it, escaped
            suffix = html.escape(" " + clean(unit), quote=True) if unit else ""
        out.append(f'<path class="okr-c-point" data-unit="{suffix}" d="{dots}"/>')
        return out
    dots = "".join(f'<path d="M{x} {y}h0"><title>{p.date.isoformat()}: '
                   f"{_with_unit_attr(p.value, unit)}</title></path>"
                   for (x, y), p in zip(xy, points, strict=True))
    out.append(f'<g class="okr-c-point">{dots}</g>')
    return out


def _in_unit(header: str, unit: str | None) -> str:
    """A column header with the unit of its values: `Value (ms)` (plain text)."""
    return f"{header} ({unit})" if unit else header


def _note(note_html: str) -> str:
    """A note for a table cell: a one-paragraph note without its `<p>`."""
    if note_html.startswith("<p>") and note_html.endswith("</p>") \
            and note_html.count("<p>") == 1:
        return note_html[3:-4]
    return note_html


def _legend(items: list[tuple[str, str]]) -> str:
    """A text legend under the chart: (css class, words)."""
    return _legend_of(tuple(items))


@lru_cache(maxsize=1024)
def _legend_of(items: tuple[tuple[str, str], ...]) -> str:
    return " ".join(f'<span class="{css}">{attr(words)}</span>'
                    for css, words in items)


def _table(header: list[str], rows: list[list[str]], caption: str) -> str:
    """`rows` cells are safe HTML already."""
    return _table_of(_head_of(header), [_row(row) for row in rows], caption)


def _row(cells: Sequence[str]) -> str:
    """A table row of safe HTML cells, without the end tags HTML implies (`</td>`
    before the next cell, `</tr>` before the next row or the body's end): 30 bytes a
    row, and a unit page has 80 rows."""
    return "<tr><td>" + "<td>".join(cells) if cells else "<tr>"


def _table_of(head: str, rows: list[str], caption: str) -> str:
    """`_table` of its `<thead>` (`_head_of`) and rows already written by `_row`, with
    no line breaks between its parts nor a `</tbody>` (the table's end implies it)."""
    return f"<table><caption>{_attr(caption)}</caption>{head}<tbody>{''.join(rows)}</table>"


def _head_of(header: Sequence[str]) -> str:
    return _head(tuple((h, isinstance(h, Searched)) for h in header))


@lru_cache(maxsize=1024)
def _head(header: tuple[tuple[str, bool], ...]) -> str:
    """A table's `<thead>`; `header`: each column's name and whether it is `Searched`
    (a key of its own: a `Searched` name equals the plain one)."""
    cells = "".join(header_cell(Searched(attr(h)) if searched else attr(h))
                    for h, searched in header)
    # Without the `</th>`s and the `</tr>` the next cell and the head's end imply
    # (48 bytes a table: every key result has one).
    return f"<thead><tr>{cells.replace('</th>', '')}</thead>"


_attr = lru_cache(maxsize=1024)(attr)  # for the texts charts repeat (captions)


def _domain(points: Sequence[Point], extra: Sequence[float]) -> tuple[float, float]:
    values = [p.value for p in points] + [v for v in extra]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or (abs(hi) * 0.1 or 1.0)
    # The axis fits the data: values that are never negative (counts, rates) get no
    # negative ticks below them.
    return (lo - pad if lo - pad >= 0 or lo < 0 else 0.0), hi + pad


# -- key result chart ------------------------------------------------------------------------


def kr_chart(chart_id: str, title: str, points: Sequence[Point], *, start: date, end: date,
             as_of: date, unit: str | None = None, baseline: float | None = None,
             target: float | None = None, expected_end: float = 1.0,
             direction: str | None = None, shared: Shared | None = None) -> Chart:
    """Check-ins (or KPI values) of a key result over its period.

    Numeric (`direction` None): the expected-progress line runs from the baseline at
    the start to `baseline + expected_end * (target - baseline)` at the end (1.0 for
    committed objectives, 0.7 for aspirational ones), plus the target line. Threshold
    (`direction` at_least/at_most): the threshold line; the table says which values met it.
    `shared`: the page's pieces drawn once (see `Shared`).
    """
    dates = [p.date for p in points]
    d0 = min([start, *dates])
    d1 = max([end, *dates])
    refs = [v for v in (baseline, target) if v is not None]
    if not points and not refs:
        refs = [0.0, 1.0]
    lo, hi = _domain(points, refs)
    ticks = _ticks(lo, hi)
    scale = _Scale(d0, d1, min(ticks[0], lo), max(ticks[-1], hi))

    expected_at = None
    gain, length = 0.0, 1
    if direction is None and baseline is not None and target is not None:
        gain = expected_end * (target - baseline)
        length = max(1, (end - start).days)

        def expected_at(d: date) -> float:
            share = min(1.0, max(0.0, (d - start).days / length))
            return baseline + gain * share

    # On a unit page (`shared`) the facts above the chart say the latest value and the
    # target, and the table below every value: the chart needs no <desc> saying them.
    desc = "" if shared is not None else _kr_desc(points, unit, target, direction, as_of)
    parts = [_open(chart_id, title, desc)]
    as_of_line = _as_of_line(scale, as_of, d0, d1)
    parts += _axes(scale, ticks, unit, d0, d1, shared, as_of_line)
    legend: list[tuple[str, str]] = [("okr-c-value", "values")]
    if target is not None:
        if direction is None:
            label = f"target {_with_unit(target, unit)}"
        else:
            label = f"threshold {'≥' if direction != 'at_most' else '≤'} " \
                    f"{_with_unit(target, unit)}"
        parts += _hline(scale, target, "okr-c-target", label)
        legend.append(("okr-c-target", label))
    if expected_at is not None:
        line = _Path().move(scale.x(start), scale.y(expected_at(start)))
        line.line(scale.x(end), scale.y(expected_at(end)))
        parts.append(_path("okr-c-expected", line.d))
        legend.append(("okr-c-expected", f"expected progress (to {expected_end:.0%} of the "
                                         "way by the end)"))
    if shared is None:
        parts += as_of_line
    # on a unit page the dots' tooltips come from the table (okrsite.js)
    parts += _series(scale, points, unit, tips_from_table=shared is not None)
    parts.append("</svg>")

    rows = []  # written as `_row` writes them, a row at a time (16 charts a page)
    threshold = direction is not None and target is not None
    at_most = direction == "at_most"
    for p, day in zip(points, dates, strict=True):  # the unit is said once, in the header
        row = f"<tr><td>{day.isoformat()}<td>{_shown(p.value)}<td>"
        if expected_at is not None:  # expected_at(day), inlined
            share = min(1.0, max(0.0, (day - start).days / length))
            row += _shown(round(baseline + gain * share, 2)) + "<td>"
        elif threshold:
            met = p.value <= target if at_most else p.value >= target
            row += "yes<td>" if met else "no<td>"
        rows.append(f"{row}{'–' if p.confidence is None else _pct_of(p.confidence)}"
                    f"<td>{_note(p.note_html)}")  # end tags implied, as `_row`'s
    third = "expected" if expected_at is not None else "threshold" if threshold else ""
    # The chart sits under its key result's heading: captions need not repeat the title.
    caption = f"Values on or before {as_of.isoformat()}"
    return Chart("".join(parts), _table_of(_kr_head(unit, third), rows, caption),
                 _legend(legend))


@lru_cache(maxsize=256)
def _kr_head(unit: str | None, third: str) -> str:
    """The `<thead>` of a key result chart's table; `third`: "expected" (the expected
    value then), "threshold" (whether it met it) or "" (neither)."""
    header = ["Date", _in_unit("Value", unit)]
    if third == "expected":
        header.append(_in_unit("Expected by then", unit))
    elif third == "threshold":
        header.append("Met the threshold")
    return _head_of([*header, "Confidence", Searched("Note")])


@lru_cache(maxsize=256)
def _pct_of(confidence: float) -> str:
    """A confidence in a chart's table (owners write a few: 0.5, 0.7)."""
    return f"{confidence * 100:.0f}%"


def _kr_desc(points: Sequence[Point], unit: str | None, target: float | None,
             direction: str | None, as_of: date) -> str:
    if not points:
        return f"No values on or before {as_of.isoformat()}."
    last = points[-1]
    text = (f"{len(points)} value{'s' if len(points) != 1 else ''} from "
            f"{points[0].date.isoformat()} to {last.date.isoformat()}; latest "
            f"{_with_unit(last.value, unit)}")
    if target is not None:
        text += f"; {'threshold' if direction else 'target'} {_with_unit(target, unit)}"
    return text + "."


# -- KPI chart ----------------------------------------------------------------------------


def kpi_health(value: float, green: float, red: float, higher_is_better: bool) -> str:
    if higher_is_better:
        return "healthy" if value >= green else "unhealthy" if value < red else "watch"
    return "healthy" if value <= green else "unhealthy" if value > red else "watch"


def kpi_chart(chart_id: str, title: str, points: Sequence[Point], *, as_of: date,
              unit: str | None = None, green: float | None = None, red: float | None = None,
              higher_is_better: bool = True, target: float | None = None) -> Chart:
    """A KPI's measurements over time with its health bands (healthy, watch, unhealthy)
    and target line."""
    refs = [v for v in (green, red, target) if v is not None]
    if not points and not refs:
        refs = [0.0, 1.0]
    lo, hi = _domain(points, refs)
    ticks = nice_ticks(lo, hi)
    v0, v1 = min(ticks[0], lo), max(ticks[-1], hi)
    if points:
        d0, d1 = points[0].date, points[-1].date
    else:
        d0 = d1 = as_of
    if (d1 - d0).days < 28:
        d0, d1 = d0 - timedelta(days=14), d1 + timedelta(days=14)
    scale = _Scale(d0, d1, v0, v1)

    desc = _kr_desc(points, unit, target, None, as_of)
    parts = [_open(chart_id, title, desc)]
    legend: list[tuple[str, str]] = []
    if green is not None and red is not None:
        if higher_is_better:
            zones = [("green", green, v1, f"healthy: {_with_unit(green, unit)} or more"),
                     ("yellow", red, green, "watch"),
                     ("red", v0, red, f"unhealthy: below {_with_unit(red, unit)}")]
        else:
            zones = [("green", v0, green, f"healthy: {_with_unit(green, unit)} or less"),
                     ("yellow", green, red, "watch"),
                     ("red", red, v1, f"unhealthy: above {_with_unit(red, unit)}")]
        bands = []
        for tone, a, b, words in zones:
            a, b = max(a, v0), min(b, v1)
            if b <= a:
                continue
            y_top, y_bottom = scale.y(b), scale.y(a)
            bands.append(f'<rect class="okr-c-band--{tone}" x="{LEFT}" y="{y_top}" '
                         f'width="{PLOT_W}" height="{y_bottom - y_top}">'
                         f"<title>{attr(words)}</title></rect>")
            legend.append((f"okr-c-band--{tone}", words))
        if bands:
            parts.append(f'<g class="okr-c-band">{"".join(bands)}</g>')
    parts += _axes(scale, ticks, unit, d0, d1)
    if target is not None:
        label = f"target {_with_unit(target, unit)}"
        parts += _hline(scale, target, "okr-c-target", label)
        legend.append(("okr-c-target", label))
    parts += _series(scale, points, unit)
    parts.append("</svg>")
    legend.insert(0, ("okr-c-value", "measurements"))

    rows = []
    for p in points:
        health = "–" if green is None or red is None else \
            kpi_health(p.value, green, red, higher_is_better)
        rows.append([p.date.isoformat(), _shown(p.value), health, _note(p.note_html)])
    caption = f"Measurements on or before {as_of.isoformat()}"
    header = ["Date", _in_unit("Value", unit), "Health", Searched("Note")]
    return Chart("".join(parts), _table(header, rows, caption), _legend(legend))


# -- score trend ----------------------------------------------------------------------------


def trend_chart(chart_id: str, title: str, bars: Sequence[Bar]) -> Chart:
    """Scores side by side (a unit across periods), 0 to 100%, each bar in its status's
    colour. A score so far (`in_progress`) is drawn lighter and says "so far", so it
    does not read as a final score beside closed periods."""
    n = max(1, len(bars))
    slot = PLOT_W / n
    width = _round(min(48.0, slot * 0.6))
    scale = _Scale(date(2000, 1, 1), date(2000, 1, 2), 0.0, 1.0)
    scored = [b for b in bars if b.score is not None]

    def words(b: Bar) -> str:
        if b.score is None:
            return "no data"
        return _pct(b.score) + (" so far" if b.in_progress else "")

    desc = (f"{len(bars)} period{'s' if len(bars) != 1 else ''}; "
            + "; ".join(f"{b.label}: {words(b)}" for b in bars)) if bars else "No periods."
    parts = [_open(chart_id, title, desc)]
    grid = (0.0, 0.5, 1.0)
    parts.append(_path("okr-c-grid", _hlines([scale.y(t) for t in grid[1:]])))  # 0: the axis
    parts.append(_y_labels([(scale.y(t), _pct(t)) for t in grid]))
    # A scored bar is a vertical line as wide as a bar (the group's stroke-width, butt
    # caps): one short path instead of a rect's four attributes. "No data" stays a
    # dashed outline, a rect.
    bars_svg, scores, labels = [], [], []
    for i, b in enumerate(bars):
        cx = _round(LEFT + slot * (i + 0.5))
        if b.score is None:
            bars_svg.append(f'<rect class="okr-c-bar--none" x="{cx - width // 2}" y="{TOP}" '
                            f'width="{width}" height="{PLOT_H}"><title>{attr(b.label)}: '
                            "no data</title></rect>")
        else:
            top = scale.y(min(1.0, max(0.0, b.score)))
            # a scored period without a tone is drawn plain, never hollow like "no data"
            tone = attr(b.tone) if b.tone else "plain"
            css = f"okr-c-bar--{tone}" + (" okr-c-bar--so-far" if b.in_progress else "")
            bars_svg.append(f'<path class="{css}" d="M{cx} {TOP + PLOT_H}V{top}">'
                            f"<title>{attr(b.label)}: {words(b)}, {attr(b.status)}</title>"
                            "</path>")
            scores.append(f'<text x="{cx}" y="{top - 5}">{_pct(b.score)}</text>')
            if b.in_progress:  # a line of its own: the bar's width is all a label has
                scores.append(f'<text x="{cx}" y="{top - 22}">so far</text>')
        labels.append((cx, attr(b.label)))
    parts.append(f'<g class="okr-c-bar" stroke-width="{width}">{"".join(bars_svg)}</g>')
    if scores:
        parts.append(f'<g class="okr-c-x">{"".join(scores)}</g>')
    parts.append(_x_labels(labels))
    parts.append(_path("okr-c-axis", _hlines([TOP + PLOT_H])))
    parts.append("</svg>")
    rows = [[attr(b.label), words(b), attr(b.status)] for b in bars]
    caption = f"{title}: {len(scored)} of {len(bars)} periods with data"
    return Chart("".join(parts), _table(["Period", "Score", "Status"], rows, caption),
                 attr(title) + ".")
