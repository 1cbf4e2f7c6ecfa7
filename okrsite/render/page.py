"""A generated page: what the core hands to any site generator."""

from __future__ import annotations

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
