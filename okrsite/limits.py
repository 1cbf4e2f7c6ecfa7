"""Limits on absurd values, so that every stage after `check` can handle what it passed.

Format v1 keeps these (content/guide/format.md lists them): no real company needs more,
and each keeps a later stage from failing on input it cannot represent.

- Numbers (values, baselines, targets, thresholds) lie within ±10^15 and weights in
  (0, 10^6]: the JSON Schemas say so (`minimum`/`maximum`), so any validator agrees.
- Dates lie in the years 1900 to 2200 (`okrsite.rules`): a period end plus the closing
  grace, or a chart's padding, must still be a date Python can hold.
- The as-of date lies in 1970-01-01 .. 2106-02-07 (`okrsite.asof`): MkDocs writes it
  as sitemap.xml.gz's time stamp, an unsigned 32-bit count of seconds since 1970.
- A Markdown field may not make python-markdown scan more than `MARKDOWN_SCAN_PER_CHAR`
  characters per character of text (see `markdown_scan`), nor nest lists and quotes
  more than `MAX_MARKDOWN_NESTING` deep (python-markdown recurses once per level and
  runs out of stack near 250).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

MAX_ABS_NUMBER = 10**15  # the schemas' minimum/maximum of every value
MAX_WEIGHT = 10**6  # the schemas' maximum of a weight (which is more than 0)

MIN_DATE_YEAR, MAX_DATE_YEAR = 1900, 2200

# sitemap.xml.gz keeps the build's time stamp in 32 unsigned bits (RFC 1952, MTIME).
FIRST_AS_OF = date(1970, 1, 1)
LAST_AS_OF = datetime.fromtimestamp(2**32 - 1, tz=timezone.utc).date()  # 2106-02-07

# python-markdown finds a link by scanning from each `[` to its `]` and from each `(`
# to its `)`, character by character, once per link pattern; an unclosed one scans to
# the end of its paragraph. Nested or unclosed brackets therefore cost time growing
# with the square of the text's length (24 KB of `[`...`](` took 36 s). Ordinary text
# scans about as many characters as it has; this bound leaves a wide margin.
MARKDOWN_SCAN_PER_CHAR = 8
MARKDOWN_SCAN_FREE = 20_000  # short fields are never refused

_BRACKET = re.compile(r"\\.|[\[\]()]|\n[ \t]*(?=\n)", re.DOTALL)


def markdown_scan(text: str) -> int:
    """An upper estimate of the characters python-markdown's link patterns scan in
    `text`, in time proportional to its length: from each `[` to its `]`, and from each
    `](` (a link's target) to its `)`, or to the paragraph's end (a blank line) when
    the bracket is not closed. Parentheses nest inside a link's target, as there."""
    scan = 0
    squares: list[int] = []
    rounds: list[int] = []
    after_square = -1  # where the last `]` ended: a `(` right there opens a link target
    for m in _BRACKET.finditer(text):
        c, at = m[0], m.start()
        if c == "[":
            squares.append(at)
        elif c == "]":
            if squares:
                scan += at - squares.pop()
            after_square = at + 1
        elif c == "(":
            if rounds or at == after_square:
                rounds.append(at)
        elif c == ")":
            if rounds:
                scan += at - rounds.pop()
        elif c[0] == "\n":  # a blank line: the paragraph ends, unclosed ones scan to here
            scan += _to(at, squares) + _to(at, rounds)
        # a backslash escape (`\[`) is text, not a bracket
    return scan + _to(len(text), squares) + _to(len(text), rounds)


def _to(end: int, opened: list[int]) -> int:
    scan = len(opened) * end - sum(opened)
    opened.clear()
    return scan


def markdown_too_costly(text: str) -> bool:
    """True when `text` would make python-markdown scan too much (see above)."""
    if text.count("[") + text.count("(") <= MARKDOWN_SCAN_PER_CHAR:
        return False  # each scans at most the whole text: within the bound (most fields)
    return markdown_scan(text) > MARKDOWN_SCAN_FREE + MARKDOWN_SCAN_PER_CHAR * len(text)


MAX_MARKDOWN_NESTING = 50  # as deep as YAML may nest (okrsite.yamlparse.MAX_DEPTH)

# The run of indentation, quote marks and list markers a line starts with.
_PREFIX = re.compile(r"^[ \t>*+\-0-9.)]+", re.MULTILINE)
# A quote mark, or a list marker followed by a space (`---` and `1.5` are no markers).
_MARKER = re.compile(r">|(?:[-*+]|[0-9]{1,9}[.)])(?=[ \t]|$)")


def markdown_nesting(text: str) -> tuple[int, int]:
    """An upper estimate of how deep lists and quotes nest in `text`, and the (1-based)
    line of the deepest: per line, its markers (`-`, `1.`, `>`) plus its indentation
    in steps of four columns, for a line with at least one marker."""
    deepest, at = 0, 0
    for m in _PREFIX.finditer(text):
        prefix = m[0]
        markers = len(_MARKER.findall(prefix))
        if not markers:
            continue
        depth = markers + (prefix.count(" ") + 4 * prefix.count("\t")) // 4
        if depth > deepest:
            deepest, at = depth, m.start()
    return deepest, text.count("\n", 0, at) + 1


def markdown_problem(text: str) -> str | None:
    """Why python-markdown cannot render `text` in time proportional to its length (or
    at all), in words for a diagnostic; None for ordinary text (nearly all of it)."""
    # A line's prefix nests at most one level per character: a short text never too deep.
    depth, line = markdown_nesting(text) if len(text) > MAX_MARKDOWN_NESTING else (0, 0)
    if depth > MAX_MARKDOWN_NESTING:
        return (f"lists or quotes nest about {depth} levels deep (line {line} of the "
                f"text); Markdown renders at most {MAX_MARKDOWN_NESTING}")
    if markdown_too_costly(text):
        return ("its `[` and `](` brackets are unclosed or nested so deeply that "
                "rendering it takes time growing with the square of its length")
    return None
