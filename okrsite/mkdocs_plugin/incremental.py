"""`mkdocs serve`: generated pages whose output did not change are skipped.

With `--dirty` MkDocs skips them itself (below). Without it, MkDocs builds every page
into a cleaned site_dir: the plugin keeps the last build's page directories through
the clean (mkdocs_plugin.kept) and hands MkDocs an unchanged page empty, its file
being already its output; the same `Unchanged` decides, and keeps search entries.

MkDocs' dirty build skips a page whose `File.is_modified()` is false; a generated file
always says it is modified. `GeneratedFile` says what `Unchanged` found: the page's
title, body and metadata are the ones of the last build, so are the site around it
(the config file, the files and the navigation we made, the as-of date) and its file
is still in site_dir. Pages written by hand are built every time (`written_by_hand`):
MkDocs reads a page's title only when it builds it, and a skipped guide page would be
"None" in the navigation of every page built.

Material's search plugin indexes only the pages it sees, and in a dirty build it
merges its last index assuming one page changed. `Unchanged` keeps each page's search
entries and puts the index together in page order before the plugin writes it: the
same index a full build writes.
"""

from __future__ import annotations

import os
from typing import Any

from mkdocs.structure.files import File, Files

from okrsite.digest import digest_of
from okrsite.mkdocs_plugin.page import Heads
from okrsite.mkdocs_plugin.searchjson import entries_json, spliced
from okrsite.pagecache import shown_digest
from okrsite.render.page import Page


class GeneratedFile(File):
    """A generated page's file that can say it is unchanged since the last build."""

    unchanged = False

    def is_modified(self) -> bool:
        return not self.unchanged and super().is_modified()


def written_by_hand(files: Files) -> None:
    """Have a dirty build read and write every page written by hand (see above)."""
    for file in files.documentation_pages(inclusion=lambda _: True):
        if not isinstance(file, GeneratedFile) and file.generated_by is None:
            file.is_modified = lambda: True  # type: ignore[method-assign]


class Unchanged:
    """What the last build showed, to tell which pages of this one are the same."""

    def __init__(self) -> None:
        self._site = ""  # the digest of what every page is shaped by
        self._pages: dict[str, str] = {}  # path -> digest of what the page showed
        self._entries: dict[str, list[dict[str, Any]]] = {}  # src_uri -> search entries
        self._start: dict[str, int] = {}  # src_uri -> where its entries began, this build
        self.skipped: list[str] = []  # paths reported unchanged in this build
        self._heads: dict[str, tuple[str, Heads]] = {}  # src_uri -> digest, toc and anchors
        self._json: dict[str, tuple[list[dict[str, Any]], str]] = {}  # src_uri -> entries, JSON

    @staticmethod
    def digest(page: Page, extra: object) -> str:
        """What a page shows: its title, metadata, body, and `extra` (its permalinks).
        A page the page cache held since the last build is not hashed again."""
        return digest_of(shown_digest(page), extra)

    def heads(self, src_uri: str, digest: str) -> Heads | None:
        """The toc and anchors of the page the last build showed so, if it did."""
        held = self._heads.get(src_uri)
        return held[1] if held is not None and held[0] == digest else None

    def keep_heads(self, src_uri: str, digest: str, heads: Heads) -> None:
        self._heads[src_uri] = (digest, heads)

    def was(self, src_uri: str, digest: str) -> bool:
        """Whether the last build showed this page so (its site may still differ)."""
        return self._pages.get(src_uri) == digest

    def mark(self, shown: list[tuple[str, GeneratedFile]], site: object) -> None:
        """A new build shaped by `site` (see shape.site_shape): each file whose page's digest
        is the last build's, in a site shaped the same, with its output still in
        site_dir, is marked unchanged."""
        key = digest_of(site)
        same, self._site = key == self._site, key
        last, self._pages = (self._pages if same else {}), {}
        self.skipped = []
        for digest, file in shown:
            self._pages[file.src_uri] = digest
            if last.get(file.src_uri) == digest and os.path.isfile(file.abs_dest_path):
                file.unchanged = True
                self.skipped.append(file.src_uri)

    # -- search entries ------------------------------------------------------------------

    def before_search(self, src_uri: str, search: Any) -> None:
        entries = _entries(search)
        if entries is not None:
            self._start[src_uri] = len(entries)

    def after_search(self, src_uri: str, search: Any, keep_last: bool = False) -> None:
        """The page's entries of this build, unless `keep_last` (a page replayed as the
        last build wrote it: the search plugin saw it empty)."""
        entries = _entries(search)
        start = self._start.pop(src_uri, None)
        if entries is not None and start is not None and not keep_last:
            self._entries[src_uri] = entries[start:]

    def restore(self, search: Any, pages: list[str]) -> None:
        """The search index of every page, in page order: this build's entries for the
        pages built, the last build's for those skipped. Each page's entries are
        written as JSON once, while they stay the same list (`searchjson.spliced`)."""
        if _entries(search) is None:
            return
        index = search.search_index
        index.entries = [e for uri in pages for e in self._entries.get(uri, [])]
        self._entries = {uri: self._entries[uri] for uri in pages if uri in self._entries}
        search.search_index_prev = None  # the index is whole: nothing to merge
        written: dict[str, tuple[list[dict[str, Any]], str]] = {}
        for uri, entries in self._entries.items():
            held = self._json.get(uri)
            if entries and (held is None or held[0] is not entries):
                held = (entries, entries_json(entries))
            if held is not None and entries:
                written[uri] = held
        self._json = written
        docs = ",".join(written[uri][1] for uri in self._entries if uri in written)
        index.generate_search_index = spliced(index, docs)


def _entries(search: Any) -> list[dict[str, Any]] | None:
    index = getattr(search, "search_index", None)
    entries = getattr(index, "entries", None)
    return entries if isinstance(entries, list) else None
