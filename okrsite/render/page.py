"""A generated page: what the core hands to any site generator."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml


@dataclass(frozen=True)
class Page:
    """One page. `path` is posix, relative to the site's docs root, ending in `.md`
    (e.g. `periods/2026-Q4/support.md` -> URL `periods/2026-Q4/support/`).
    `markdown` is the complete page source; `meta` is its front matter
    (title, description, template hints) kept apart so generators can map it."""

    path: str
    title: str
    markdown: str
    meta: dict[str, Any] = field(default_factory=dict)
    in_nav: bool = False  # period and section pages are in the navigation, unit pages not

    def source(self) -> str:
        """The page as a Markdown file: metadata as YAML front matter, then the body.
        MkDocs, and most other Markdown site generators, read this form."""
        meta = {"title": self.title, **self.meta}
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
        return f"---\n{front}---\n\n{self.markdown}"


@dataclass(frozen=True)
class Asset:
    """A non-page output file (CSV/JSON export, manifest), relative to the site root."""

    path: str
    data: bytes


# Block-level tags whose raw HTML Markdown passes through verbatim.
_BLOCK_TAGS = ("figure", "details", "div", "table", "section", "aside", "ul", "ol", "dl")
_RAW_START = re.compile(r"<(" + "|".join(_BLOCK_TAGS) + r")[\s>]")
_MARKDOWN_ATTR = re.compile(r"\smarkdown(\s*=|[\s>])")
# Charts and their data tables carry no words a reader searches for (the chart's
# title is the key result's, already a heading): they skip the search index too.
_HEAVY = re.compile(r'<(figure class="okr-chart|details class="okr-data)')


@dataclass(frozen=True)
class Lifted:
    """A page's Markdown with its top-level raw HTML blocks replaced by markers."""

    skeleton: str
    blocks: tuple[str, ...]

    @staticmethod
    def marker(index: int) -> str:
        return f'<div data-okrsite-block="{index}"></div>'

    def restore(self, html: str, heavy: bool) -> str:
        """Put back the light blocks (heavy=False) or the heavy ones (heavy=True)."""
        for i, block in enumerate(self.blocks):
            if bool(_HEAVY.match(block)) == heavy:
                html = html.replace(self.marker(i), block, 1)
        return html


def lift_raw_blocks(markdown: str) -> Lifted:
    """Lift out top-level raw HTML blocks (charts, data tables, rendered fields).

    They need no Markdown processing, yet Python-Markdown's HTML block parser walks
    every element of them: it was most of a site build. A block is lifted only when
    it is self-contained: it starts with a block-level tag without a `markdown`
    attribute and ends with that tag's closing tag, with no blank line inside.
    """
    parts = markdown.split("\n\n")
    blocks: list[str] = []
    for i, part in enumerate(parts):
        match = _RAW_START.match(part)
        if match is None:
            continue
        first_tag = part[: part.find(">") + 1]
        if _MARKDOWN_ATTR.search(first_tag) or not part.rstrip().endswith(f"</{match[1]}>"):
            continue
        parts[i] = Lifted.marker(len(blocks))
        blocks.append(part.rstrip())
    return Lifted("\n\n".join(parts), tuple(blocks))
