"""The navigation when mkdocs.yml has no `nav`."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.utils import dirname_to_title

from okrsite.render.page import Page


def auto_nav(pages: list[Page], files: Files) -> list[Any]:
    """The navigation when mkdocs.yml has no `nav`: the generated pages first, in the
    renderer's order, then the author's own pages (e.g. guide/) in MkDocs' order.
    A section is named after its index page; the index page comes first in it."""
    in_nav = [f.src_uri for f in files.documentation_pages(inclusion=InclusionLevel.is_in_nav)]
    available, titles = set(in_nav), {p.path: p.title for p in pages}
    order = [p.path for p in pages if p.in_nav and p.path in available] + in_nav
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {"": nav}
    placed: set[str] = set()
    for path in order:
        parent = ""
        for part in PurePosixPath(path).parts[:-1]:
            folder = f"{parent}{part}/"
            if folder not in sections:
                sections[folder] = []
                title = titles.get(f"{folder}index.md") or dirname_to_title(part)
                sections[parent].append({title: sections[folder]})
                if f"{folder}index.md" in available:
                    sections[folder].append(f"{folder}index.md")
                    placed.add(f"{folder}index.md")
            parent = folder
        if path not in placed:
            sections[parent].append(path)
            placed.add(path)
    return _flatten(nav)


def _flatten(items: list[Any]) -> list[Any]:
    """A section holding only its index page becomes that page (no empty expander)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            ((title, children),) = item.items()
            children = _flatten(children)
            if len(children) == 1 and isinstance(children[0], str) \
                    and children[0].endswith("/index.md"):
                item = children[0]
            else:
                item = {title: children}
        out.append(item)
    return out
