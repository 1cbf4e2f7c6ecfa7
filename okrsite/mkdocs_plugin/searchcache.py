"""The search sections of frozen pages kept in cache_dir, so a CI build that takes a
closed period's pages from the page cache (okrsite.pagecache) does not cut them to
their words (`searchable`) and into sections (mkdocs_plugin.search) again.

    cache = SearchCache(directory)         # cache_dir; None: nothing kept
    hit = cache.get(full)                  # the page's whole HTML -> (view, sections)
    cache.put(full, view, sections)        # after the sections were made

An entry is keyed by the sha256 of the page's HTML as MkDocs holds it (permalinks
in): the sections are made from those bytes alone, so an entry can only be the one
they give (a public page's never holds more than the page). What turns sections
into entries (the page's URL, table of contents, title, the search plugin's
settings) is done on every build. An entry is JSON; one that is unreadable or of
another shape is ignored (and rewritten). After a successful build, entries no
recent build used go (okrsite.pagecache.prune).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okrsite.digest import code_version
from okrsite.mkdocs_plugin.search import Element, Section
from okrsite.output import write_cache
from okrsite.pagecache import prune

FORMAT = 1


def key(full: str) -> str:
    return hashlib.sha256(full.encode()).hexdigest()


@dataclass
class SearchCache:
    directory: Path | None  # cache_dir
    read: int = 0  # entries taken since `begin` (tests read it)
    _used: set[str] = field(default_factory=set)
    # when the build began (# clock-ok: only which cache entries prune may remove)
    _began: float = field(default_factory=time.time)

    def begin(self) -> None:
        self.read, self._used, self._began = 0, set(), time.time()  # clock-ok: _began

    def get(self, digest: str) -> tuple[str, list[Any]] | None:
        """The search view and sections of the page whose HTML has `digest`."""
        if self.directory is None or Section is None:
            return None
        try:
            data = json.loads(zlib.decompress(self._file(digest).read_bytes()))
            found = _decode(data, digest)
        except (OSError, ValueError, zlib.error, TypeError, KeyError):
            return None
        if found is not None:
            self.read += 1
            self._used.add(digest)
        return found

    def put(self, digest: str, view: str, sections: list[Any]) -> None:
        """Keep them: call before the sections become entries (that may change them)."""
        if self.directory is None:
            return
        rows = [[s.el.tag, s.el.attrs, s.depth if math.isfinite(s.depth) else None,
                 list(s.title), list(s.text), s.id] for s in sections]
        data = {"format": FORMAT, "key": digest, "view": view, "sections": rows}
        self._used.add(digest)
        with contextlib.suppress(TypeError, ValueError):  # attributes JSON cannot hold
            write_cache(self._file(digest), zlib.compress(json.dumps(data).encode(), 1))

    def prune(self, variant: str) -> int:
        """After a successful build that read or wrote an entry: the entries no recent
        build used go. A build that did neither (a CI build replaying every frozen page
        whole: mkdocs_plugin.finalcache) leaves them, for a build whose pages' shell
        changes; deleting the ~1,000 a cold build wrote was most of such a build's
        writes."""
        if self.directory is None or not self._used:
            return 0
        return prune(self._folder(), self._used, variant, self._began)

    def _folder(self) -> Path:
        assert self.directory is not None
        return self.directory / f"search-{FORMAT}-{code_version()}"

    def _file(self, digest: str) -> Path:
        return self._folder() / digest[:2] / f"{digest}.json"


def _decode(data: Any, digest: str) -> tuple[str, list[Any]] | None:
    if not isinstance(data, dict) or data.get("format") != FORMAT or \
            data.get("key") != digest or not isinstance(data.get("view"), str):
        return None
    sections = []
    for row in data["sections"]:
        tag, attrs, depth, title, text, ident = row
        if not (isinstance(tag, str) and isinstance(attrs, dict)
                and all(isinstance(t, str) for t in title + text)
                and (ident is None or isinstance(ident, str))):
            return None
        section = Section(Element(tag, attrs), math.inf if depth is None else depth)
        section.title, section.text, section.id = title, text, ident
        sections.append(section)
    return data["view"], sections
