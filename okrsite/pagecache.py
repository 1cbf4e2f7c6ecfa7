"""Rendered pages kept by the digest of what they render from (okrsite.render.inputs).

    cache = PageCache(directory)                 # one per serve session, or per build
    pages = cache.get(key, digest, frozen)       # None: render them, then
    cache.put(key, pages, digest, frozen)        # key: a page's path (or a group's first)

In memory (`keep=True`, a `mkdocs serve` session) every page's last rendering is kept,
zlib-compressed, one per path: after an edit a page whose inputs did not change is
not rendered again. On disk, in `directory` (the settings' cache_dir), only frozen
pages are kept: those of closed periods with a final record, which a CI build can
take from its last run. A disk entry is JSON naming its digest and key; one that is
unreadable, damaged or for another digest is ignored (and rewritten), never served.
The digest covers the settings, visibility included, so an internal build's pages
never reach a public build. Writes are atomic (okrsite.output.write_atomically).
"""

from __future__ import annotations

import contextlib
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okrsite import __version__
from okrsite.output import write_atomically
from okrsite.render.page import Page

FORMAT = 1


@dataclass
class PageCache:
    directory: Path | None = None  # cache_dir: frozen pages on disk; None: memory only
    keep: bool = True  # hold every page's last rendering in memory (serve)
    rendered: list[str] = field(default_factory=list)  # paths rendered since `begin`
    from_disk: list[str] = field(default_factory=list)  # paths read from disk since `begin`
    _memory: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # key -> digest, entry

    def begin(self) -> None:
        """A new build: the counters start again (tests and benchmarks read them)."""
        self.rendered, self.from_disk = [], []

    def has(self, key: str, digest: str, frozen: bool) -> bool:
        """Whether `get` will likely find the pages (a disk entry may still be damaged)."""
        held = self._memory.get(key)
        if held is not None and held[0] == digest:
            return True
        return frozen and self.directory is not None and self._file(digest).is_file()

    def get(self, key: str, digest: str, frozen: bool) -> list[Page] | None:
        """The pages kept under `key` (a page's path, or the first of a group's) for
        `digest`, else None."""
        held = self._memory.get(key)
        if held is not None and held[0] == digest:
            return _pages(json.loads(zlib.decompress(held[1])), key, digest)
        pages = self._read(key, digest) if frozen else None
        if pages is not None:
            self.from_disk += [p.path for p in pages]
            self._hold(key, pages, digest)
        return pages

    def put(self, key: str, pages: list[Page], digest: str, frozen: bool) -> None:
        self.rendered += [p.path for p in pages]
        data = self._hold(key, pages, digest)
        if frozen and self.directory is not None:
            with contextlib.suppress(OSError):  # a read-only cache dir only costs speed
                write_atomically(self._file(digest), data)

    def _hold(self, key: str, pages: list[Page], digest: str) -> bytes:
        data = zlib.compress(json.dumps(
            {"format": FORMAT, "digest": digest, "key": key,
             "pages": [[p.path, p.title, p.html, p.meta, p.in_nav] for p in pages]}).encode(), 1)
        if self.keep:
            self._memory[key] = (digest, data)
        return data

    def _file(self, digest: str) -> Path:
        assert self.directory is not None
        return self.directory / f"pages-{FORMAT}-{__version__}" / digest[:2] / f"{digest}.json"

    def _read(self, key: str, digest: str) -> list[Page] | None:
        if self.directory is None:
            return None
        try:
            data = json.loads(zlib.decompress(self._file(digest).read_bytes()))
        except (OSError, ValueError, zlib.error):
            return None  # absent or damaged: rendered again, and rewritten
        return _pages(data, key, digest)


def _pages(data: Any, key: str, digest: str) -> list[Page] | None:
    """The pages of an entry, if it is one for this key and digest and well formed."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or \
            data.get("digest") != digest or data.get("key") != key:
        return None
    rows = data.get("pages")
    if not isinstance(rows, list) or not rows:
        return None
    pages = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 5):
            return None
        path, title, html, meta, in_nav = row
        if not (isinstance(path, str) and isinstance(title, str) and isinstance(html, str)
                and isinstance(meta, dict) and isinstance(in_nav, bool)):
            return None
        pages.append(Page(path, title, html, meta, in_nav))
    return pages
