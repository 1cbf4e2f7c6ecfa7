"""A generated page: what the core hands to any site generator."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

# The headings pages are made of (`common.heading`): the table of contents comes from them.
HEADING = re.compile(r'<h([2-6]) id="([^"]+)">(.*?)</h\1>')
# What a search index needs of a page is its words. Charts and their data tables carry
# none a reader searches for (the chart's title is the key result's, already a
# heading), nor does "How was this computed?" (scorer inputs and arithmetic); tables
# are numbers, or titles whose own page is the better hit; progress bars and chip
# icons are decoration. They were most of the search plugin's work and of the index.
_UNSEARCHED = re.compile(
    r'<figure class="okr-chart">.*?</figure>\n*|<details class="okr-data">.*?</details>\n?'
    r'|<details class="okr-how">.*?</details>\n?|<table>.*?</table>\n?'
    r'|<span class="okr-progress [^>]*></span> '
    r'|<span class="okr-chip__icon" aria-hidden="true">[^<]*</span> '
    r"|<a [^>]*>[^<]*</a>(?=</h[1-6]>)", re.DOTALL)  # a permalink (headings hold no links)
# Of the rest, the index keeps headings (its sections) and paragraphs and lists (its
# text); every other tag becomes a space, so table cells and links stay apart.
_OTHER_TAGS = re.compile(r"<(?!/?(?:h[1-6]|p|ul|ol|li|code|pre)[\s>])[^>]*>")
_SPACES = re.compile(r"\s{2,}")
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
    """A page body as a search index needs it: its words in headings, paragraphs and
    lists, without charts, their data tables, "How was this computed?", decoration
    and permalinks."""
    return _SPACES.sub(" ", _OTHER_TAGS.sub(" ", _UNSEARCHED.sub("", html)))


@dataclass(frozen=True)
class Asset:
    """A non-page output file (CSV/JSON export, manifest), relative to the site root."""

    path: str
    data: bytes
