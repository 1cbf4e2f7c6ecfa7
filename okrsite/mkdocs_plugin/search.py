"""A generated page's search entries handed to Material's search plugin directly.

Material's search plugin parses every page's HTML with Python's `html.parser`, whose
tokenizer was most of its cost. A generated page gives it only `searchable(body)`
(okrsite.render.page): headings, paragraphs, lists and code, every other tag already
a space, every `<` `>` `&` of the text escaped. That HTML is cut into tags and text
by one regular expression, and the pieces go to Material's own parser's handlers,
so the sections, and `create_entry_for_section` makes the entries (location, title,
text, tags, boost) as the plugin does: the index is the same. HTML that is not of
that shape (a `<` in text, another plugin's tags) goes to Material's parser whole.
"""

from __future__ import annotations

import html
import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page as MkPage

try:  # Material's search plugin; without it the search plugin parses as usual
    from material.plugins.search.plugin import Parser, SearchIndex, SearchPlugin
except ImportError:  # pragma: no cover - mkdocs-material is a dependency
    Parser = SearchIndex = SearchPlugin = None

# The tags `searchable` keeps, with their attributes; between them text without `<`.
_PIECE = re.compile(r'<(/?)(h[1-6]|p|ul|ol|li|code|pre)((?:\s+[a-z-]+="[^"<>]*")*)\s*>'
                    r"|([^<]+)")
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def search_index(config: MkDocsConfig) -> Any:
    """The search index of Material's search plugin, if the site uses it (enabled)."""
    if SearchPlugin is None:
        return None
    for plugin in config.plugins.values():
        if isinstance(plugin, SearchPlugin) and plugin.config.enabled:
            return getattr(plugin, "search_index", None)
    return None


def add_entries(index: Any, page: MkPage, text: str) -> None:
    """Add the page's entries to `index`, as `SearchIndex.add_entry_from_context`
    does for `page` with `text` as its content."""
    search = page.meta.get("search") or {}
    if search.get("exclude"):
        return
    parser = _Pieces()
    if not parser.feed_pieces(text):
        parser = Parser()
        parser.feed(text)
    parser.close()
    for section in parser.data:
        if not section.is_excluded():
            index.create_entry_for_section(section, page.toc, page.url, page)


class _Pieces(Parser if Parser is not None else object):  # type: ignore[misc]
    """Material's parser, fed the pieces of a `searchable` page without
    `html.parser`'s tokenizer: the same handlers, so the same sections."""

    def feed_pieces(self, text: str) -> bool:
        """Feed `text`; False (nothing fed) unless it is made of `_PIECE`s only."""
        pieces = []
        at = 0
        for m in _PIECE.finditer(text):
            if m.start() != at:
                return False
            at = m.end()
            pieces.append(m)
        if at != len(text):
            return False
        for m in pieces:
            data = m[4]
            if data is not None:
                self.handle_data(html.unescape(data))
            elif m[1]:
                self.handle_endtag(m[2])
            else:
                self.handle_starttag(m[2], [(k, html.unescape(v))
                                            for k, v in _ATTR.findall(m[3])])
        return True
