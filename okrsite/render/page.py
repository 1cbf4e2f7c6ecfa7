"""A generated page: what the core hands to any site generator."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

# The headings pages are made of (`common.heading`): the table of contents comes from them.
HEADING = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>')
# What a search index needs of a page is its words. Charts carry none a reader
# searches for (the chart's title is the key result's, already a heading), nor does
# the arithmetic of "How was this computed?"; progress bars and chip icons are
# decoration. Tables (also those in a chart's data and in "How was this computed?")
# keep the cells of their word columns (those whose header cell the renderer marked
# `data-search="yes"`, see `Searched`: check-in notes, owners, titles) and drop the
# numbers. This was most of the search plugin's work and of the index. A block the
# renderer marked `data-search="no"` says again what the page's index has already
# (the latest check-in's note, also in its key result's table of check-ins), or
# figures (a key result's baseline, current value, target and confidence).
_UNSEARCHED = re.compile(
    r'<figure class="okr-chart">.*?</figure>\n*'
    r'|<(p|div|dl) [^>]*data-search="no"[^>]*>.*?</\1>\n?'
    r'|<span class="okr-progress [^>]*></span> ?'
    r'|<span class="okr-chip__icon" aria-hidden="true">[^<]*</span> '
    r"|<a [^>]*>[^<]*</a>(?=</h[1-6]>)", re.DOTALL)  # a permalink (headings hold no links)
# on a <p>, <div> (holding no <div>) or <dl> (holding no <dl>) left out of search
UNSEARCHED = ' data-search="no"'
# A collapsed block of figures (of it only its tables' words are searched), or a table.
# (Their ends are found with str.find: a lazy `.*?` over them was most of the time.)
_BLOCK = re.compile(r'<details class="okr-(?:how|data)">|<table>')
_HEADER_CELL = re.compile(r"<th(\s[^>]*)?>")  # a header cell's attributes
# Rows and cells with or without their end tags (HTML implies them; chart tables
# leave them out: charts._row).
_ROW = re.compile(r"<tr>(.*?)(?:</tr>|(?=<tr>|</tbody>)|$)", re.DOTALL)
_CELL = re.compile(r"<td[^>]*>(.*?)(?:</td>|(?=<td[\s>])|$)", re.DOTALL)


class Searched(str):
    """A table's column header whose cells are words a reader looks for (notes,
    owners, titles; the other columns are numbers, dates and statuses): the table's
    writer marks its header cell `<th data-search="yes">`, and the search index keeps the
    column's cells whatever the header says."""

    __slots__ = ()


def header_cell(header: str) -> str:
    """A `<th>` for `header` (safe HTML), marked `data-search="yes"` when it is
    `Searched`."""
    return f"<th{SEARCH_ATTR if isinstance(header, Searched) else ''}>{header}</th>"


SEARCH_ATTR = ' data-search="yes"'
# Of the rest, the index keeps headings (its sections) and paragraphs and lists (its
# text); every other tag becomes a space, so table cells and links stay apart.
_OTHER_TAGS = re.compile(r"<(?!/?(?:h[1-6]|p|ul|ol|li|code|pre)[\s>])[^>]*>")
_SPACES = re.compile(r"\s{2,}")
# Blanks next to a block's tag: the search plugin keeps them as a space in an entry's
# text, where the tag already parts the words (Material's search splits its text at
# every tag, and shows the blocks apart): 0.15 KB of index a page. Inline `<code>`
# keeps them (they part it from the words around it), `<pre>` its own.
_BLOCK_BLANKS = re.compile(r"\s*(</?(?:h[1-6]|p|ul|ol|li)(?:\s[^>]*)?>)\s*")
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Heading:
    level: int  # 2..6
    id: str
    html: str  # the heading's inner HTML (safe)

    @property
    def text(self) -> str:
        """The heading without tags (still HTML-escaped), e.g. for a table of contents."""
        return _TAG.sub("", self.html).strip()


@dataclass(frozen=True)
class Page:
    """One page. `path` is posix, relative to the site's docs root, ending in `.md`
    (e.g. `periods/2026-Q4/support/index.md` -> URL `periods/2026-Q4/support/`).
    `html` is the page body: HTML whose every string from the content is escaped,
    with relative links between pages. `meta` is its front matter (description,
    template hints), kept apart so generators can map it."""

    path: str
    title: str
    html: str
    meta: dict[str, Any] = field(default_factory=dict)
    in_nav: bool = False  # period and section pages are in the navigation, unit pages not
    # What a generator made of the page where it was rendered (`render_outputs`'
    # `finish`, in a render worker for most pages), opaque to the core. Not part of
    # the page: not compared, not kept by the page cache (a page from it has none).
    prepared: Any = field(default=None, compare=False, repr=False)

    def source(self) -> str:
        """The page as a Markdown file: metadata as YAML front matter, then the HTML
        body (Markdown passes HTML blocks through). Most Markdown site generators read
        this form."""
        meta = {"title": self.title, **self.meta}
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
        # No blank line in the body: it ends an HTML block for a Markdown parser, which
        # would then read what follows (a field's code block, say) as Markdown. Inside
        # <pre> the character reference is the same newline.
        return f"---\n{front}---\n\n{_BLANK_LINE.sub(chr(10) + '&#10;', self.html)}"

    def headings(self) -> list[Heading]:
        """The page's section headings (`<h2>`..`<h6>` with ids), in order."""
        return [Heading(int(m[1]), m[2], m[3]) for m in HEADING.finditer(self.html)]



def outline(headings: list[Heading]) -> list[Heading]:
    """The headings a table of contents lists: `<h2>` only, i.e. a unit page's
    objectives and not each key result. Every key result listed made the sidebar
    longer than a screen, and cost 4 KB on every unit page; they are one step away
    under their objective, and keep their anchors."""
    return [h for h in headings if h.level <= 2]


def searchable(html: str) -> str:
    """A page body as a search index needs it: its words in headings, paragraphs,
    lists and the word columns of its tables (check-in notes, owners, titles),
    without charts, figures, decoration and permalinks."""
    return _BLOCK_BLANKS.sub(r"\1", _SPACES.sub(" ", _OTHER_TAGS.sub(
        " ", _blocks_to_words(_UNSEARCHED.sub("", html)))))


def _blocks_to_words(html: str) -> str:
    """Each figure block and table replaced by its tables' words (`_table_words`)."""
    out, at = [], 0
    for m in _BLOCK.finditer(html):
        if m.start() < at:  # inside the block just replaced
            continue
        close = "</table>" if m[0] == "<table>" else "</details>"
        end = html.find(close, m.end())
        if end < 0:
            break
        block = html[m.end():end]
        out.append(html[at:m.start()])
        out.append(_table_words(block) if close == "</table>" else "".join(
            _table_words(t) for t in _tables(block)))
        at = end + len(close)
        if html.startswith("\n", at):
            at += 1
    out.append(html[at:])
    return "".join(out)


def _tables(html: str) -> list[str]:
    found, at = [], 0
    while (start := html.find("<table>", at)) >= 0:
        end = html.find("</table>", start)
        if end < 0:
            break
        found.append(html[start + len("<table>"):end])
        at = end + len("</table>")
    return found


@functools.lru_cache(maxsize=256)
def _word_columns(head: str) -> tuple[int, ...]:
    """The word columns of a table by its header (a site has a few kinds of table)."""
    return tuple(i for i, h in enumerate(_HEADER_CELL.findall(head)) if SEARCH_ATTR in h)


def _table_words(table: str) -> str:
    """A table as paragraphs, one a row, of the cells in its word columns."""
    head, _, body = table.partition("</thead>")
    columns = _word_columns(head)
    if not columns or not body:
        return ""
    rows = []
    for row in _ROW.findall(body):
        cells = _CELL.findall(row)
        words = " ".join(w for i in columns if i < len(cells) and (w := _words(cells[i])))
        if words:
            rows.append(f"<p>{words}</p>\n")
    return "".join(rows)


def _words(cell: str) -> str:
    if "<" in cell:
        cell = _TAG.sub(" ", cell)
    return _SPACES.sub(" ", cell).strip()


@dataclass(frozen=True)
class Asset:
    """A non-page output file (CSV/JSON export, manifest), relative to the site root."""

    path: str
    data: bytes
