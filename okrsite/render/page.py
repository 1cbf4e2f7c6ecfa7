"""A generated page: what the core hands to any site generator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class Asset:
    """A non-page output file (CSV/JSON export, manifest), relative to the site root."""

    path: str
    data: bytes
