"""A generated page's search entries handed to Material's search plugin directly.

Material's search plugin parses every page's HTML with Python's `html.parser` and
its own handlers, which was most of its cost. A generated page gives it only
`searchable(body)` (okrsite.render.page): headings, paragraphs, lists and code,
every other tag already a space, every `<` `>` `&` of the text escaped. Of that
shape the sections are made here, by the rules of Material's parser (its
`handle_starttag`, `handle_endtag`, `handle_data`: which tags are kept, where
blanks collapse, which section text belongs to) followed step by step with tag
names for elements, and `create_entry_for_section` makes the entries from them
(location, title, text, tags, boost) as the plugin does: the index is the same
(tests compare the two on the demo and on crafted HTML). HTML of any other shape
(a `<` in text, another tag, an attribute the parser acts on) goes to Material's
parser whole.
"""

from __future__ import annotations

import html
import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page as MkPage

try:  # Material's search plugin; without it the search plugin parses as usual
    from material.plugins.search.plugin import Element, Parser, SearchPlugin, Section
except ImportError:  # pragma: no cover - mkdocs-material is a dependency
    Element = Parser = SearchPlugin = Section = None

# The tags `searchable` keeps, with their attributes; between them text without `<`.
_PIECE = re.compile(r'<(/?)(h[1-6]|p|ul|ol|li|code|pre)((?:\s+[a-z-]+="[^"<>]*")*)\s*>'
                    r"|([^<]+)|(<)")  # the last: a `<` of anything else
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def search_index(config: MkDocsConfig) -> Any:
    """The search index of Material's search plugin, if the site uses it (enabled)."""
    if SearchPlugin is None:
        return None
    for plugin in config.plugins.values():
        if isinstance(plugin, SearchPlugin) and plugin.config.enabled:
            index = getattr(plugin, "search_index", None)
            return index if hasattr(index, "create_entry_for_section") else None
    return None


def add_entries(index: Any, page: MkPage, text: str, made: list[Any] | None = None) -> None:
    """Add the page's entries to `index`, as `SearchIndex.add_entry_from_context`
    does for `page` with `text` as its content (`made`: its `sections`, if known)."""
    search = page.meta.get("search") or {}
    if search.get("exclude"):
        return
    for section in (sections(text) if made is None else made):
        if not section.is_excluded():
            index.create_entry_for_section(section, page.toc, page.url, page)


def sections(text: str, rows: list[Row] | None = None) -> list[Any]:
    """The sections Material's search parser makes of `text` (`rows`: `section_rows(text)`,
    if already made, e.g. in a render worker)."""
    if rows is None:
        rows = section_rows(text)
    if rows is None:
        parser = Parser()
        parser.feed(text)
        parser.close()
        return parser.data
    return from_rows(rows)


# A section as plain data: (tag, attributes, depth, title, text, id) of Material's
# Section and its Element. `section_rows` joins a title's and a text's pieces into one
# (Material's `create_entry_for_section` joins them, and tests only the title for
# emptiness), so a row is small to send from a worker and to hold.
Row = tuple[str, dict[str, str], float, list[str], list[str], str | None]


def section_rows(text: str) -> list[Row] | None:
    """The sections Material's search parser makes of `text`, as plain data (no
    Material object: a render worker makes them), or None as for `_sections`."""
    made = _walk(text)
    if made is None:
        return None
    return [(s.tag, s.attrs, s.depth, ["".join(s.title)] if s.title else [],
             ["".join(s.text)] if s.text else [], s.id) for s in made]


def from_rows(rows: list[Row]) -> list[Any]:
    """Material's Sections of `section_rows`' rows."""
    made = []
    for tag, attrs, depth, title, text, ident in rows:
        section = Section(Element(tag, attrs), depth)
        section.title, section.text, section.id = title, text, ident
        made.append(section)
    return made


_HEADINGS = frozenset(f"h{i}" for i in range(1, 7))
_KEEP = frozenset(("p", "code", "pre", "li", "ol", "ul", "sub", "sup"))  # Parser.keep


class _Section:
    """Material's Section (and its Element's tag and attributes) as the parser fills it."""

    __slots__ = ("attrs", "depth", "id", "tag", "text", "title")

    def __init__(self, tag: str, attrs: dict[str, str] | None = None,
                 depth: float = 0) -> None:
        self.tag, self.attrs, self.depth = tag, attrs or {}, depth
        self.title: list[str] = []
        self.text: list[str] = []
        self.id: str | None = None


def _sections(text: str) -> list[Any] | None:
    """Material's `Parser` on `text` (its sections, pieces as the parser leaves them),
    or None as for `_walk`."""
    made = _walk(text)
    if made is None:
        return None
    return from_rows([(s.tag, s.attrs, s.depth, s.title, s.text, s.id) for s in made])


def _walk(text: str) -> list[_Section] | None:
    """Material's `Parser` on `text`, or None when `text` is not of `_PIECE`s only
    or holds what the parser treats specially (exclusions, line-number tables).
    Its elements compare by tag name, so tag names stand for them here."""
    data: list[_Section] = []
    context: list[str] = []
    section: Any = None

    def target() -> list[str]:
        return section.title if section.tag in context else section.text

    for m in _PIECE.finditer(text):
        if m.lastindex == 5:  # not of `_PIECE`s only
            return None
        chunk = m[4]
        if chunk is not None:  # handle_data (no skipped element, no permalink here)
            if "&" in chunk:
                chunk = html.unescape(chunk)
            if "pre" not in context:
                chunk = chunk.replace("\n", " ") if not chunk.isspace() else " "
            if section is None:
                section = _Section("hx")
                data.append(section)
            if section.tag in context:
                section.title.append(html.escape(chunk, quote=False))
            elif chunk.isspace():
                body = section.text
                if not body or not body[-1].isspace() or "pre" in context:
                    body.append(chunk)
            else:
                section.text.append(html.escape(chunk, quote=False))
            continue
        tag = m[2]
        if m[1]:  # handle_endtag
            if not context or context[-1] != tag:
                continue
            if section.depth > len(context):
                for earlier in reversed(data):
                    if earlier.depth <= len(context):
                        section.depth = float("inf")
                        section = earlier
                        break
            context.pop()
            if tag in _KEEP:
                body = target()
                opened = f"<{tag}>"
                if opened not in body:
                    return None  # Material's parser would fail here: let it
                at = body.index(opened)
                if all(piece.isspace() for piece in body[at + 1:]):
                    del body[at:]
                else:
                    body.append(f"</{tag}>")
            continue
        attrs = {k: html.unescape(v) for k, v in _ATTR.findall(m[3])}  # handle_starttag
        if "data-search-exclude" in attrs or attrs.get("class") == "linenodiv":
            return None
        context.append(tag)
        if tag in _HEADINGS and "id" in attrs:
            depth = len(context)
            if tag != "h1" and not data:
                section = _Section("hx", None, depth)
                data.append(section)
            section = _Section(tag, attrs, depth)
            if data:
                section.id = attrs["id"]
            data.append(section)
        if section is None:
            section = _Section("hx")
            data.append(section)
        if tag in _KEEP:
            target().append(f"<{tag}>")
    return data
