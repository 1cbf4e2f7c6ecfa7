"""A page the core rendered, handed to MkDocs as it is, with the toc extension's
permalinks added the way it adds them to Markdown pages."""

from __future__ import annotations

import html
import marshal
import re
import zlib
from dataclasses import dataclass, replace
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage
from mkdocs.structure.toc import get_toc

from okrsite.mkdocs_plugin.search import Row, section_rows
from okrsite.render.page import HEADING, Heading, Page, outline, searchable


class GeneratedPage(MkPage):
    """A page the core rendered as HTML: MkDocs gets its content and table of
    contents as they are, without a Markdown pass (which was most of a build).

    It goes through MkDocs' page events like a page written by hand, except that
    there is no Markdown source: `markdown` and `file.content_string` are empty, and
    `on_page_read_source` is not asked.

    MkDocs reads every page before it writes the first, so all pages are in memory
    at once; ours wait zlib-compressed (level 1: fast, ~6x smaller) except from
    `render` to the end of `on_page_content`, and from `on_page_context` until the
    page is written. A 5,000-page build held 0.5 GB of HTML without this.

    A page `prepare`d where it was rendered (a render worker) comes with its
    compressed content, table of contents, anchors and search view and sections
    made; any other is made here, the same.
    """

    def __init__(self, page: Page, file: File, config: MkDocsConfig,
                 permalink: Permalink | None, replay: bool = False,
                 heads: Heads | None = None) -> None:
        super().__init__(page.title, file, config)
        self.okrsite_meta = page.meta
        # A page whose output is the last build's (mkdocs_plugin.incremental): its
        # content is never read; its file in site_dir is this build's (kept.py).
        self.replay = replay
        ready = None if replay else page.prepared  # a replayed page's content is not read
        if not replay and not (isinstance(ready, Prepared) and ready.permalink == permalink):
            ready = prepare_body(page, permalink, search=False)
        if heads is None:  # its anchors, for the links MkDocs validates, and its toc
            heads = ready.heads if ready is not None else _heads(page)
        self.heads = heads
        self._toc_tokens = heads.toc_tokens
        self._anchors = heads.anchors
        self._packed = b"" if ready is None else ready.packed
        # The search view and sections of the content as packed, until `search_made`
        # takes them: dropped if another plugin changes the content.
        self._search = None if ready is None else ready.search
        self.changed = False  # whether another plugin changed the content
        self._unpacked: str | None = None  # the content `render` made, until packed again
        self.full = ""  # the content while the search plugin sees `searchable(content)`
        self.search_view = ""  # what the search plugin was given
        self.okrsite_template = "main.html"  # the page's own template (see shell.py)
        self.okrsite_had_template = False  # whether its meta named one

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown, self.meta = "", dict(self.okrsite_meta)

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = self._unpacked = self.unpack()
        self.toc = get_toc(self._toc_tokens)  # type: ignore[arg-type]
        self.present_anchor_ids = set(self._anchors)

    def pack(self, html: str) -> None:
        """Hold the content compressed; unchanged content keeps the bytes it came from."""
        if html is not self._unpacked:  # another plugin changed it
            self._packed = zlib.compress(html.encode(), 1)
            self._search = None  # made of the content as it was
            self.changed = True
        self._unpacked = None

    def search_made(self) -> tuple[str, list[Row] | None] | None:
        """The content's search view (`searchable`) and its sections as plain data
        (mkdocs_plugin.search.section_rows; None: Material's parser makes them), if
        they were prepared with the page and the content is still the one they were
        made of; else None. Once: they are let go."""
        made, self._search = self._search, None
        if made is None:
            return None
        view, rows = marshal.loads(zlib.decompress(made))
        return view, rows

    def packed_content(self) -> bytes:
        """The content as `unpack` gives it, zlib-compressed."""
        return self._packed

    def unpack(self) -> str:
        return zlib.decompress(self._packed).decode() if self._packed else ""

    def release(self) -> None:
        self.content, self.full, self._packed, self._unpacked = None, "", b"", None
        self._search = None


@dataclass(frozen=True)
class Heads:
    """A page's table of contents (as toc tokens) and anchors: the same for the same
    page digest, so a serve rebuild takes an unchanged page's from the last build."""

    toc_tokens: list[dict[str, Any]]
    anchors: frozenset[str]


@dataclass(frozen=True)
class Prepared:
    """What a GeneratedPage is made of, made where the page was rendered: plain data
    (it comes back from a render worker pickled)."""

    permalink: Permalink | None  # what `packed` was made with
    packed: bytes  # the content with permalinks, zlib-compressed
    heads: Heads
    search: bytes | None  # zlib(marshal((searchable view, section rows or None)))


def prepare(page: Page, permalink: Permalink | None, search: bool) -> Page:
    """The page with its `Prepared` (okrsite.render's `finish`, run in the render
    workers): `search` makes its search view and sections too (the site uses
    Material's search plugin, which is handed entries made from them)."""
    return replace(page, prepared=prepare_body(page, permalink, search))


def prepare_body(page: Page, permalink: Permalink | None, search: bool) -> Prepared:
    full = _with_permalinks(page.html, permalink)
    made = None
    if search:
        view = searchable(full)
        made = zlib.compress(marshal.dumps((view, section_rows(view))), 1)
    return Prepared(permalink, zlib.compress(full.encode(), 1), _heads(page), made)


def _heads(page: Page) -> Heads:
    headings = page.headings()
    return Heads(_toc_tokens(outline(headings)), frozenset(h.id for h in headings))


@dataclass(frozen=True)
class Permalink:
    """The toc extension's permalink settings (`toc: permalink: true` in mkdocs.yml)."""

    symbol: str  # HTML, as python-markdown writes it: entities kept, `<` `>` `&` escaped
    title: str  # attribute text
    css: str


def _with_permalinks(body: str, permalink: Permalink | None) -> str:
    """A permalink after each heading, as the toc extension adds them to Markdown
    pages."""
    if permalink is None:
        return body
    before = f'<a class="{permalink.css}" href="#'
    after = f'" title="{permalink.title}">{permalink.symbol}</a>'
    return HEADING.sub(lambda m: f'<h{m[1]} id="{m[2]}">{m[3]}{before}{m[2]}{after}</h{m[1]}>',
                       body)


def _toc_tokens(headings: list[Heading]) -> list[dict[str, Any]]:
    """Headings nested by level, in the form of Python-Markdown's toc tokens."""
    root: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for h in headings:
        token = {"level": h.level, "id": h.id, "name": h.text, "children": []}
        while stack and stack[-1]["level"] >= h.level:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


_ENTITY = re.compile(r"&(?!(?:#[0-9]+|#x[0-9a-fA-F]+|[0-9a-zA-Z]+);)")


def permalink_of(config: MkDocsConfig) -> Permalink | None:
    """The toc extension's permalink, if the site turned permalinks on: its symbol
    written as python-markdown writes it (so `&sect;` stays an entity), its title
    and its class."""
    toc = (config.mdx_configs or {}).get("toc") or {}
    value = toc.get("permalink")
    if value is True:
        symbol = "&para;"
    elif isinstance(value, str) and value:
        symbol = _ENTITY.sub("&amp;", value).replace("<", "&lt;").replace(">", "&gt;")
    else:
        return None
    return Permalink(symbol, html.escape(str(toc.get("permalink_title", "Permanent link"))),
                     html.escape(str(toc.get("permalink_class", "headerlink"))))
