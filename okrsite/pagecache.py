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
never reach a public build. Entries are written whole or not at all (okrsite.output.write_cache).

After a successful build, `prune(variant)` removes the disk entries no recent build
used, so cache_dir does not grow with every edit: each build records the entries it
read or wrote in a list of its own (`variant`: one per settings, so a public and an
internal build sharing cache_dir keep each other's), and every entry in no list, or
left by another format or okrsite version, goes. Never during a build; an entry
written since this build began (by another build running at once) stays.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from okrsite.digest import code_version, digest_of
from okrsite.output import write_atomically, write_cache
from okrsite.render.page import Page

FORMAT = 1
# Variants (settings) whose entries prune keeps: a public and an internal build sharing a
# cache_dir, with room for a settings change or two.
KEEP_VARIANTS = 4


class FinalPages(Protocol):
    """What the page cache asks of a build's final outputs (mkdocs_plugin.finalcache's
    FinalCache, which the core does not import)."""

    def has(self, digest: str) -> bool:
        """Whether an entry for `digest` is likely there."""
        ...

    def stub(self, key: str, digest: str) -> list[Page] | None:
        """The pages of the job `key` for `digest`, without their bodies, or None."""
        ...


@dataclass
class PageCache:
    directory: Path | None = None  # cache_dir: frozen pages on disk; None: memory only
    keep: bool = True  # hold every page's last rendering in memory (serve)
    rendered: list[str] = field(default_factory=list)  # paths rendered since `begin`
    from_disk: list[str] = field(default_factory=list)  # paths read from disk since `begin`
    _memory: dict[str, _Held] = field(default_factory=dict)  # key -> its last rendering
    frozen: set[str] = field(default_factory=set)  # paths of frozen pages since `begin`
    _used: set[str] = field(default_factory=set)  # disk entries (digests) this build used
    # when the build began (# clock-ok: only which cache entries prune may remove)
    _began: float = field(default_factory=time.time)
    # A one-off build's final outputs (mkdocs_plugin.finalcache), asked first for every
    # job: its `stub(key, digest)` gives the pages without their bodies, or None. A page's
    # digest covers what it shows, frozen or not, so a CI build takes an active period's
    # unchanged pages (and the KPI, unit and people pages) from it too.
    finals: FinalPages | None = None
    # The jobs whose final output the final cache keeps at the end: digest, paths
    jobs: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)  # their paths (frozen ones included)
    from_finals: list[str] = field(default_factory=list)  # live pages stubbed since `begin`

    def begin(self) -> None:
        """A new build: the counters start again (tests and benchmarks read them)."""
        self.rendered, self.from_disk, self.frozen = [], [], set()
        self._used, self._began = set(), time.time()  # clock-ok: see _began
        self.jobs, self.kept, self.from_finals = {}, set(), []

    def has(self, key: str, digest: str, frozen: bool) -> bool:
        """Whether `get` will likely find the pages (a disk entry may still be damaged)."""
        held = self._memory.get(key)
        if held is not None and held.digest == digest:
            return True
        if self.finals is not None and self.finals.has(digest):
            return True
        return frozen and self.directory is not None and self._file(digest).is_file()

    def get(self, key: str, digest: str, frozen: bool) -> list[Page] | None:
        """The pages kept under `key` (a page's path, or the first of a group's) for
        `digest`, else None."""
        held = self._memory.get(key)
        if held is not None and held.digest == digest:
            kept = held.pages()
            if frozen:
                self._used.add(digest)  # on disk too (put wrote it): keep it there
                self.frozen.update(p.path for p in kept)
            return kept
        pages = self.finals.stub(key, digest) if self.finals is not None else None
        stubbed = pages is not None  # bodies not read: nothing to hold in memory
        if stubbed and not frozen:  # a live page whose inputs did not change
            assert pages is not None
            self._keeps(key, digest, pages)
            self.from_finals += [p.path for p in pages]
            return pages
        if pages is None:
            pages = self._read(key, digest) if frozen else None
        if pages is not None:
            self._keeps(key, digest, pages)
            self.from_disk += [p.path for p in pages]
            self.frozen.update(p.path for p in pages)
            self._used.add(digest)
            if self.keep and not stubbed:
                self._hold(key, pages, digest)
        return pages

    def put(self, key: str, pages: list[Page], digest: str, frozen: bool) -> None:
        self.rendered += [p.path for p in pages]
        if self.finals is not None:
            self._keeps(key, digest, pages)
        if not (self.keep or (frozen and self.directory is not None)):
            return  # nothing to keep it in (a build without cache_dir, a live page)
        data = self._hold(key, pages, digest)
        if frozen and self.directory is not None:
            self._used.add(digest)
            self.frozen.update(p.path for p in pages)
            write_cache(self._file(digest), data)  # one per closed page: not synced

    def _keeps(self, key: str, digest: str, pages: list[Page]) -> None:
        """The job's final output is kept at the end (the final cache's `store`)."""
        self.jobs[key] = (digest, [p.path for p in pages])
        self.kept.update(p.path for p in pages)

    def prune(self, variant: str) -> int:
        """After a successful build: record the entries it used under `variant` (what
        kind of build it was, e.g. its settings), then remove every entry that no
        variant's last build used, and the folders of other formats and versions.
        Returns how many entries went. A failure only leaves entries behind."""
        if self.directory is None:
            return 0
        return prune(self._folder(), self._used, variant, self._began)

    def _hold(self, key: str, pages: list[Page], digest: str) -> bytes:
        data = zlib.compress(json.dumps(
            {"format": FORMAT, "digest": digest, "key": key,
             "pages": [[p.path, p.title, p.html, p.meta, p.in_nav] for p in pages]}).encode(), 1)
        if self.keep:
            self._memory[key] = _Held(digest, data, [
                (p.path, p.title, json.dumps(p.meta), p.in_nav, shown_digest(p))
                for p in pages])
        return data

    def _folder(self) -> Path:
        assert self.directory is not None
        return self.directory / f"pages-{FORMAT}-{code_version()}"

    def _file(self, digest: str) -> Path:
        return self._folder() / digest[:2] / f"{digest}.json"

    def _read(self, key: str, digest: str) -> list[Page] | None:
        if self.directory is None:
            return None
        try:
            data = json.loads(zlib.decompress(self._file(digest).read_bytes()))
        except (OSError, ValueError, zlib.error):
            return None  # absent or damaged: rendered again, and rewritten
        return _pages(data, key, digest)


def shown_digest(page: Page) -> str:
    """The digest of what a page shows: its title, metadata, navigation flag and body
    (a `HeldPage` carries the one made from the page that was kept)."""
    if isinstance(page, HeldPage) and page.shown is not None:
        return page.shown
    return digest_of(page.title, page.meta, page.in_nav, page.html)


class HeldPage(Page):
    """A page from the memory cache (serve). Its HTML is decompressed (with its entry's
    other pages) when first read, and `shown` is the `shown_digest` of the page that
    was kept: a rebuild that replays the page as the last build wrote it
    (mkdocs_plugin.incremental) neither decompresses nor hashes its HTML again (90 MB
    of it at 1,000 pages). A copy made with `dataclasses.replace` is a page with the
    HTML it was given, and its digest is made from it."""

    shown: str | None = None  # set only by `_Held.pages`
    _entry: _Decoded | None = None
    _index = 0

    @property  # type: ignore[override]
    def html(self) -> str:
        if "_html" not in self.__dict__:
            assert self._entry is not None
            object.__setattr__(self, "_html", self._entry.html()[self._index])
        return self.__dict__["_html"]

    @html.setter
    def html(self, value: str) -> None:  # the dataclass' __init__ (e.g. in replace)
        object.__setattr__(self, "_html", value)


@dataclass
class _Held:
    """One memory entry: its digest, its data (what the disk entry holds) and its
    pages' fields but their HTML, with the digest of what each shows."""

    digest: str
    data: bytes
    rows: list[tuple[str, str, str, bool, str]]  # path, title, meta (JSON), in_nav, shown

    def pages(self) -> list[Page]:
        pages: list[Page] = []
        decoded = _Decoded(self.data)
        for i, (path, title, meta, in_nav, shown) in enumerate(self.rows):
            page = HeldPage.__new__(HeldPage)
            for name, value in (("path", path), ("title", title), ("meta", json.loads(meta)),
                                ("in_nav", in_nav), ("shown", shown), ("_entry", decoded),
                                ("_index", i)):
                object.__setattr__(page, name, value)
            pages.append(page)
        return pages


class _Decoded:
    """The HTML of one `get`'s pages, decoded once when the first is read; it goes with
    them (the memory entry keeps only the compressed data)."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data
        self._html: list[str] = []

    def html(self) -> list[str]:
        if self._data is not None:
            self._html = [row[2] for row in json.loads(zlib.decompress(self._data))["pages"]]
            self._data = None
        return self._html


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


def _newest(lists: Iterable[Path], count: int) -> list[Path]:
    """The `count` lists written last; the others are removed: a variant no build has
    used for that long (settings changed since) keeps its pages no longer."""
    dated = []
    for listed in lists:
        with contextlib.suppress(OSError):
            dated.append((listed.stat().st_mtime_ns, listed.name, listed))
    dated.sort(reverse=True)
    for *_, old in dated[count:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return [listed for *_, listed in dated[:count]]


def prune(folder: Path, used: set[str], variant: str, began: float) -> int:
    """Of a cache folder `<parent>/<kind>-<format>-<version>/xx/<name>.json`: record
    `used` (entry names) under `variant`, then remove the entries in no variant's
    list and written before `began`, and the kind's folders of other formats and
    versions. Only the KEEP_VARIANTS lists written last count. Returns how many entries
    went; a failure only leaves entries behind."""
    kind = folder.name.split("-", 1)[0]
    name = hashlib.sha256(variant.encode()).hexdigest()[:16]
    removed = 0
    with contextlib.suppress(OSError):
        for old in folder.parent.glob(f"{kind}-*"):
            if old != folder and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        if not folder.is_dir():
            return 0
        write_atomically(folder / f"used-{name}.txt",
                         "".join(f"{d}\n" for d in sorted(used)).encode())
        keep: set[str] = set()
        for listed in _newest(folder.glob("used-*.txt"), KEEP_VARIANTS):
            keep.update(listed.read_text().split())
        for entry in (*folder.glob("*/*.json"), *folder.glob("*/*.bin"),
                      *folder.glob("*/*.tpl")):
            if entry.stem in keep:
                continue
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < began:  # not one another build just wrote
                    entry.unlink()
                    removed += 1
    return removed
