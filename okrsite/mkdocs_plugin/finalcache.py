"""A page's FINAL output kept in cache_dir: the bytes MkDocs wrote for it and the
search entries it gave, so that a CI build with cache_dir kept writes every page whose
inputs did not change (a closed period's, an active period's other units', the KPI,
unit and people pages an edit does not touch) with no MkDocs or Material work per page
(replay).

    finals = FinalCache(directory)          # cache_dir, one per one-off build
    page_cache.finals = finals              # its `stub` answers the page cache first
    ...
    finals.shape = shape(config, ...)       # once the navigation is made (on_files)

An entry is one page-cache job's (a page, or a group of them: okrsite.pagecache), named
by the job's input digest (okrsite.render.inputs: settings and visibility included, so
an internal build's pages never reach a public build) and by the digest of the config
(`config_shape`: two mkdocs.yml sharing one cache_dir keep their own entries, and each
build's prune keeps its own config's), and holding the `shape` it was written in: a
digest of everything that shapes every page's output (`shape`: the config as MkDocs
resolved it, the theme's files, okrsite's templates, the site's files, the navigation
we made, the pages written by hand, the plugins, the as-of, the versions of okrsite,
MkDocs and Material). A page is replayed only when both are this build's; a page whose
entry is of another shape is built from the page kept in the entry (its body, title and
metadata), and the entry rewritten. The theme's own templates (sitemap.xml, 404.html:
the navigation, the pages' addresses and dates, the config) are kept by the shape
alone, in one entry per shape (`.tpl`: zlib'd JSON).

The entry's file: a 10-digit length, its header (zlib'd JSON: the pages' titles,
metadata, toc, anchors and search entries, the blobs' sizes), then per page the
zlib'd output and the zlib'd body (read only when the shape differs). The output is
kept as the text around the body (the theme's shell: a quarter of it), cut where the
body goes (the page's `cut`, in bytes), when the body is in it as `trim.trimmed`
makes it (the search markers out); compressing the whole output was most of what
keeping a page cost a cold build. One that is unreadable, damaged or for another key
is ignored (and rewritten), never served.
While a build runs, the blobs of the pages it makes wait in an unnamed temporary file
(`_Spool`), not in memory. After a successful build, entries no recent build used go
(okrsite.pagecache.prune).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from okrsite.digest import code_version, digest_of
from okrsite.mkdocs_plugin.page import Heads, Prepared
from okrsite.mkdocs_plugin.shape import config_source
from okrsite.mkdocs_plugin.trim import trimmed
from okrsite.output import write_cache
from okrsite.pagecache import prune
from okrsite.render.page import Page

# 2: each blob's crc32 in the header; 3: a page's output as the text around its body
# (`cut`), the body kept once
FORMAT = 3
_LENGTH = 10  # digits of the header's length


@dataclass
class Entry:
    """One job's final outputs as read from cache_dir."""

    key: str
    digest: str
    shape: str
    pages: list[dict[str, Any]]  # path, title, meta, in_nav, toc, anchors, entries
    blobs: list[bytes]  # per page: output, then body (both zlib'd)

    def output(self, index: int) -> bytes:
        data = zlib.decompress(self.blobs[2 * index])
        cut = self.pages[index].get("cut")
        if cut is None:  # the whole output
            return data
        body = trimmed(zlib.decompress(self.blobs[2 * index + 1]).decode())
        return data[:cut] + body.encode("utf-8", errors="xmlcharrefreplace") + data[cut:]

    def page(self, index: int) -> Page:
        """The page as the core rendered it (for a build of another shape)."""
        p = self.pages[index]
        return Page(p["path"], p["title"], zlib.decompress(self.blobs[2 * index + 1]).decode(),
                    p["meta"], p["in_nav"])

    def heads(self, index: int) -> Heads:
        p = self.pages[index]
        return Heads(p["toc"], frozenset(p["anchors"]))


@dataclass(frozen=True)
class Stub(Page):
    """A frozen page the final cache holds: its body is not read unless needed."""

    entry: Entry | None = None
    index: int = 0


Spooled = tuple[int, int]  # where a blob is in the spool file: offset, length


class _Spool:
    """The blobs of the pages made in this build, in an unnamed temporary file in
    cache_dir until `store` writes the entries: a 5,000-page build would otherwise hold
    some 100 MB of them in memory until its end. None is left behind, however the
    build ends (the file has no name)."""

    def __init__(self, directory: Path) -> None:
        self._file: Any = None
        self._directory = directory
        self._size = 0

    def put(self, blob: bytes) -> Spooled | None:
        try:
            if self._file is None:
                self._directory.mkdir(parents=True, exist_ok=True)
                # Open across the build's hooks, closed in `close` (store, begin)
                self._file = tempfile.TemporaryFile(dir=self._directory)  # noqa: SIM115
            self._file.seek(self._size)
            self._file.write(blob)
        except OSError:
            return None  # not kept: the page is simply not stored
        at, self._size = self._size, self._size + len(blob)
        return at, len(blob)

    def get(self, where: Spooled) -> bytes:
        at, size = where
        self._file.seek(at)
        blob: bytes = self._file.read(size)
        if len(blob) != size:
            raise OSError("spool file short")
        return blob

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        self._file, self._size = None, 0


def _around_body(output: str, body: str | None) -> tuple[int | None, bytes]:
    """The output as MkDocs writes it (utf-8, xmlcharrefreplace: per character, so its
    parts encode to the whole's bytes), without the page's body where the body is in
    it as it is, and the byte offset where the body goes (None: the whole output)."""
    at = -1 if body is None else output.find(body)
    if at < 0 or body is None:
        return None, output.encode("utf-8", errors="xmlcharrefreplace")
    head = output[:at].encode("utf-8", errors="xmlcharrefreplace")
    tail = output[at + len(body):].encode("utf-8", errors="xmlcharrefreplace")
    return len(head), head + tail


@dataclass
class _Made:
    """What this build made of a page to keep: its blobs (zlib'd) in the spool."""

    page: Page  # without its body
    body: Spooled | None
    heads: Heads
    entries: list[dict[str, Any]] | None = None
    output: Spooled | None = None
    cut: int | None = None  # where the body goes in the output (`_around_body`)
    # The render worker's compressed body, when it is the body blob (`_packed_body`):
    # held only until the page is written (its GeneratedPage holds it till then too).
    packed: bytes | None = None


@dataclass
class FinalCache:
    directory: Path
    shape: str = ""  # of this build (set in on_files)
    replayed: list[str] = field(default_factory=list)  # src_uris replayed since `begin`
    replayed_templates: list[str] = field(default_factory=list)  # theme templates, the same
    _replaying: dict[str, tuple[Entry, int]] = field(default_factory=dict)
    _writer: _Writer | None = None  # the replayed pages' outputs being written (`write`)
    _made: dict[str, _Made] = field(default_factory=dict)
    _spool: _Spool = field(init=False)
    _start: dict[str, int] = field(default_factory=dict)  # where a page's entries began
    _used: set[str] = field(default_factory=set)
    _deferred: set[str] = field(default_factory=set)  # see `deferred`
    # The theme's templates (404.html, sitemap.xml) as this build wrote them, and as a
    # build of this shape did (None: not read yet)
    _templates: dict[str, str] = field(default_factory=dict)
    _kept_templates: dict[str, str] | None = None
    # when the build began (# clock-ok: only which cache entries prune may remove)
    _began: float = field(default_factory=time.time)

    searching: bool = True  # the site has a search plugin (else a page has no entries)
    # Of this build's config (`config_shape`): entries are kept per config, so that two
    # mkdocs.yml sharing one cache_dir do not rewrite each other's.
    variant: str = ""

    def __post_init__(self) -> None:
        self._spool = _Spool(self.directory)

    def begin(self, searching: bool = True, variant: str = "") -> None:
        self._spool.close()  # a build that ended short of `store`
        self.settle(quiet=True)  # a build that ended short of `settle`
        self.searching, self.variant = searching, variant
        self.shape, self.replayed, self.replayed_templates = "", [], []
        self._replaying, self._made, self._start, self._used = {}, {}, {}, set()
        self._deferred, self._templates, self._kept_templates = set(), {}, None
        self._began = time.time()  # clock-ok: see _began

    # -- the page cache's side (okrsite.pagecache) --

    def has(self, digest: str) -> bool:
        return self._file(digest).is_file()

    def stub(self, key: str, digest: str) -> list[Page] | None:
        """The job's pages without their bodies, if an entry holds them."""
        entry = self._read(key, digest)
        if entry is None:
            return None
        self._used.add(self._name(digest))
        return [Stub(p["path"], p["title"], "", p["meta"], p["in_nav"], entry=entry, index=i)
                for i, p in enumerate(entry.pages)]

    # -- the plugin's side --

    def replays(self, stub: Stub) -> bool:
        """Whether the stub's page is replayed: its entry is of this build's shape."""
        assert stub.entry is not None
        if stub.entry.shape != self.shape or not self.shape:
            return False
        self._replaying[stub.path] = (stub.entry, stub.index)
        self.replayed.append(stub.path)
        return True

    def heads(self, src_uri: str) -> Heads:
        entry, index = self._replaying[src_uri]
        return entry.heads(index)

    def write(self, destinations: dict[str, str]) -> None:
        """Start writing the replayed pages' outputs (src_uri -> the file MkDocs would
        write) in a thread, from on_files: MkDocs' per-page loop has nothing to write
        for them (`output`), and inflating and writing, which release the GIL, run on
        the other core meanwhile. `settle` waits for it; the site is swapped in after."""
        self.settle(quiet=True)
        jobs = [(entry, index, destinations[uri])
                for uri, (entry, index) in self._replaying.items() if uri in destinations]
        if jobs:
            self._writer = _Writer(jobs)

    def settle(self, quiet: bool = False) -> None:
        """Wait until every replayed page is written. Raises OSError naming the file
        that could not be (unless `quiet`: a build that failed anyway)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.join(quiet)

    def made(self, page: Page, heads: Heads) -> None:
        """A frozen page built in full in this build: its output is kept at the end."""
        body = _packed_body(page)
        self._made[page.path] = _Made(replace(page, html="", prepared=None),
                                      self._spool.put(body), heads,
                                      None if self.searching else [],
                                      packed=body if body is _worker_packed(page) else None)

    def deferred(self, src_uris: set[str]) -> None:
        """Pages whose entries are made in the background (mkdocs_plugin/background.py):
        the search plugin sees them empty, and `placed` gives their entries."""
        self._deferred = src_uris

    def placed(self, src_uri: str, entries: list[Any]) -> None:
        """A deferred page's entries, as put in the index at the end of the build."""
        made = self._made.get(src_uri)
        if made is not None and src_uri in self._deferred:
            made.entries = list(entries)

    def before_search(self, src_uri: str, entries: list[Any] | None) -> None:
        if entries is not None and (src_uri in self._made or src_uri in self._replaying):
            self._start[src_uri] = len(entries)

    def after_search(self, src_uri: str, entries: list[Any] | None) -> None:
        """A replayed page's entries are the kept ones, in their place; a page made
        in full has its entries noted."""
        start = self._start.pop(src_uri, None)
        if entries is None or start is None:
            return
        held = self._replaying.get(src_uri)
        if held is not None:
            entry, index = held
            del entries[start:]  # what the search plugin made of the empty page
            entries.extend(dict(e) for e in entry.pages[index]["entries"])
        elif src_uri in self._made and src_uri not in self._deferred:
            self._made[src_uri].entries = entries[start:]

    def output(self, src_uri: str, output: str, content: Any = None,
               packed: bytes | None = None) -> None:
        """Note a made page's output (a replayed page's is written by `write`).
        `content` and `packed`: the page's content as the template was given it, and
        its GeneratedPage's compressed content: when that is the very bytes object
        kept as the body blob, the content is the body (another plugin that changed
        it would have packed it again), and the output is kept around it."""
        held = self._replaying.get(src_uri)
        if held is not None:
            entry, index = held
            entry.pages[index]["entries"] = []  # handed over in after_search
            return
        made = self._made.get(src_uri)
        if made is not None:
            same = made.packed is not None and packed is made.packed and \
                isinstance(content, str)
            made.packed = None
            # the written page holds the body as trimmed (its search markers out)
            made.cut, kept = _around_body(output, trimmed(content) if same else None)
            made.output = self._spool.put(zlib.compress(kept, 1))

    def template(self, name: str) -> KeptTemplate | None:
        """A theme template's output (its sitemap and 404 page: made of the navigation,
        the pages' addresses and dates, the config and the theme, all in the shape) as
        a build of this shape wrote it, if one did."""
        if not self.shape:
            return None
        if self._kept_templates is None:
            self._kept_templates = self._read_templates()
        kept = self._kept_templates.get(name)
        if kept is None:
            return None
        self.replayed_templates.append(name)
        return KeptTemplate(kept)

    def rendered_template(self, name: str, output: str) -> None:
        """A theme template's output in this build (kept at the end)."""
        if self.shape:
            self._templates[name] = output

    def store(self, jobs: dict[str, tuple[str, list[str]]]) -> None:
        """After a successful build: an entry for each job whose every page was made
        in full (and written) in this build, of this build's shape; and the theme
        templates' outputs of this shape."""
        if not self.shape:
            return
        if self._templates:
            digest = self._templates_digest()
            self._used.add(self._name(digest))
            if self._templates != self._kept_templates:
                write_cache(self._file(digest, ".tpl"), zlib.compress(json.dumps(
                    {"format": FORMAT, "shape": self.shape,
                     "templates": self._templates}).encode(), 1))
        for key, (digest, paths) in jobs.items():
            if any(p in self._replaying for p in paths):
                self._used.add(self._name(digest))
                continue
            made = [self._made.get(p) for p in paths]
            if not paths or any(m is None or m.output is None or m.body is None
                                or m.entries is None for m in made):
                continue
            self._used.add(self._name(digest))
            # What JSON cannot hold; a spool that cannot be read back
            with contextlib.suppress(TypeError, ValueError, OSError):
                write_cache(self._file(digest), self._encode(key, digest, made))  # type: ignore[arg-type]
        self._spool.close()

    def prune(self, variant: str) -> int:
        return prune(self._folder(), self._used, variant + self.variant, self._began)

    # -- the files --

    def _encode(self, key: str, digest: str, made: list[_Made]) -> bytes:
        blobs: list[bytes] = []
        pages = []
        for m in made:
            assert m.output is not None and m.body is not None
            blobs += [self._spool.get(m.output), self._spool.get(m.body)]
            pages.append({"path": m.page.path, "title": m.page.title, "meta": m.page.meta,
                          "in_nav": m.page.in_nav, "toc": m.heads.toc_tokens,
                          "anchors": sorted(m.heads.anchors), "entries": m.entries,
                          "cut": m.cut})
        header = zlib.compress(json.dumps(
            {"format": FORMAT, "key": key, "digest": digest, "shape": self.shape,
             "pages": pages, "sizes": [len(b) for b in blobs],
             "crcs": [zlib.crc32(b) for b in blobs]}).encode(), 1)
        return b"".join([b"%0*d" % (_LENGTH, len(header)), header, *blobs])

    def _read(self, key: str, digest: str) -> Entry | None:
        try:
            data = self._file(digest).read_bytes()
            size = int(data[:_LENGTH])
            header = json.loads(zlib.decompress(data[_LENGTH:_LENGTH + size]))
            if not isinstance(header, dict) or header.get("format") != FORMAT or \
                    header.get("key") != key or header.get("digest") != digest:
                return None
            pages, sizes, shape = header["pages"], header["sizes"], header["shape"]
            crcs = header["crcs"]
            if not (isinstance(pages, list) and pages and isinstance(shape, str)
                    and isinstance(sizes, list) and len(sizes) == 2 * len(pages)
                    and isinstance(crcs, list) and len(crcs) == len(sizes)):
                return None
            blobs, at = [], _LENGTH + size
            for n, crc in zip(sizes, crcs, strict=True):
                blob = data[at:at + n]
                # A blob is decompressed only when its page is written: damage found
                # then would stop the build, so each is checked here.
                if zlib.crc32(blob) != crc:
                    return None
                blobs.append(blob)
                at += n
            if at != len(data) or not all(_well_formed(p) for p in pages):
                return None
        except (OSError, ValueError, zlib.error, TypeError, KeyError):
            return None  # absent or damaged: built again, and rewritten
        return Entry(key, digest, shape, pages, blobs)

    def _templates_digest(self) -> str:
        return digest_of("templates", self.shape)

    def _read_templates(self) -> dict[str, str]:
        try:  # zlib checks the bytes (adler32): a damaged entry does not decompress
            kept = self._file(self._templates_digest(), ".tpl").read_bytes()
            data = json.loads(zlib.decompress(kept))
        except (OSError, ValueError, zlib.error):
            return {}
        if not (isinstance(data, dict) and data.get("format") == FORMAT
                and data.get("shape") == self.shape and isinstance(data.get("templates"), dict)):
            return {}
        return {k: v for k, v in data["templates"].items()
                if isinstance(k, str) and isinstance(v, str)}

    def _folder(self) -> Path:
        return self.directory / f"finals-{FORMAT}-{code_version()}"

    def _name(self, digest: str) -> str:
        return f"{digest}-{self.variant[:16]}" if self.variant else digest

    def _file(self, digest: str, suffix: str = ".bin") -> Path:
        """A job's entry (.bin), or the theme templates' of a shape (.tpl)."""
        return self._folder() / digest[:2] / f"{self._name(digest)}{suffix}"


class _Writer:
    """Replayed pages' outputs inflated and written, in order, in a thread of their own.
    Only it touches the entries' output blobs (let go once written)."""

    def __init__(self, jobs: list[tuple[Entry, int, str]]) -> None:
        self._jobs = jobs
        self._error: tuple[str, BaseException] | None = None
        self._thread = threading.Thread(target=self._run, name="okrsite-replay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        folders: set[str] = set()
        path = ""
        try:
            for entry, index, path in self._jobs:
                data = entry.output(index)  # its crc was checked when read
                entry.blobs[2 * index] = entry.blobs[2 * index + 1] = b""
                folder = os.path.dirname(path)
                if folder not in folders:
                    os.makedirs(folder, exist_ok=True)
                    folders.add(folder)
                with open(path, "wb") as f:
                    f.write(data)
        except BaseException as exc:
            # Any end before the last job fails the build: a thread's exception is only
            # printed, and the site would be swapped in with the pages after it missing.
            self._error = (path, exc)
        finally:
            self._jobs = []

    def join(self, quiet: bool) -> None:
        self._thread.join()
        if self._error is not None and not quiet:
            path, exc = self._error
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
                f"{type(exc).__name__}: {exc}"
            raise OSError(f"cannot write {path}: {why}") from exc


class KeptTemplate:
    """A theme template whose output is the one a build of this shape wrote: MkDocs
    renders it (`render`) as it renders any template, for nothing."""

    def __init__(self, output: str) -> None:
        self.output = output

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.output


def _worker_packed(page: Page) -> bytes | None:
    """The page's body as its render worker compressed it, if it was prepared without
    permalinks (then those bytes are of the body as it is)."""
    ready = page.prepared
    if isinstance(ready, Prepared) and ready.permalink is None and ready.packed:
        return ready.packed
    return None


def _packed_body(page: Page) -> bytes:
    """The page's body, zlib'd: the render worker's bytes when they are of the body,
    else made here."""
    return _worker_packed(page) or zlib.compress(page.html.encode(), 1)


def _well_formed(p: Any) -> bool:
    return (isinstance(p, dict) and isinstance(p.get("path"), str)
            and isinstance(p.get("title"), str) and isinstance(p.get("meta"), dict)
            and isinstance(p.get("in_nav"), bool) and isinstance(p.get("toc"), list)
            and isinstance(p.get("anchors"), list) and isinstance(p.get("entries"), list)
            and all(isinstance(e, dict) for e in p["entries"])
            and (p.get("cut") is None or (type(p["cut"]) is int and p["cut"] >= 0)))


def versions() -> list[tuple[str, str]]:
    """okrsite's (its files' digest: code, templates, assets) and the packages' whose
    code shapes a page's output."""
    found = [("okrsite", code_version())]
    for name in ("mkdocs", "mkdocs-material", "jinja2", "markupsafe", "markdown"):
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, ""))
    return found


def environment() -> list[tuple[str, str]]:
    """The environment variables a build's pages depend on."""
    return [(k, os.environ.get(k, "")) for k in ("SOURCE_DATE_EPOCH", "OKRSITE_PLAIN")]


# Settings of MkDocs' that shape no page's output (where the site is written, the dev
# server, strictness), and the plugins and theme (taken apart below).
_NOT_SHAPING = {"site_dir", "dev_addr", "watch", "strict", "plugins", "theme",
                "config_file_path", "remote_branch", "remote_name", "hooks"}


def shape(base: object, config: Any, use_shell: bool) -> str:
    """The digest of what shapes every page's output: `base` (plugin._shape: the config
    file, the theme's files, the site's files, our navigation, the pages written by hand,
    the as-of), the config as MkDocs resolved it (command-line options, INHERIT and !ENV
    included), the plugins and their settings, the theme's settings, the versions."""
    resolved = [(k, repr(config[k])) for k in sorted(config) if k not in _NOT_SHAPING]
    resolved = [(k, repr(docs_dir(config)) if k == "docs_dir" else v) for k, v in resolved]
    theme = config.theme
    plugins = [(name, repr(sorted((k, repr(v)) for k, v in plugin.config.items())))
               for name, plugin in config.plugins.items()]
    # The theme's directories are in `base`, each by what it holds (shape.theme_stamp).
    return digest_of(FORMAT, base, resolved, plugins, theme.name,
                     repr(sorted((k, repr(v)) for k, v in theme.items())), use_shell,
                     versions(), environment())


def config_shape(config: Any, use_shell: bool) -> str:
    """`shape` of the config alone (its file, as MkDocs resolved it, the plugins, the
    theme's settings, the versions), known before any page is: what names an entry's
    file besides its digest (FinalCache.variant)."""
    return shape(config_source(config), config, use_shell)


def docs_dir(config: Any) -> str:
    """The docs_dir from the config file's directory: the same in a checkout elsewhere."""
    base = os.path.dirname(os.path.abspath(config["config_file_path"] or "mkdocs.yml"))
    return os.path.relpath(config["docs_dir"], base).replace(os.sep, "/")
