"""The plugin's hooks. Each does one job, and its docstring gives its priority and why."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import yaml
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import get_theme_dir

from okrsite import gcpolicy
from okrsite.asof import AsOf, AsOfError
from okrsite.checkcache import forget_loaded
from okrsite.diagnostics import Diagnostic, sort_key
from okrsite.errors import OkrsiteError
from okrsite.loader import YAML_SUFFIXES, ParseCache, in_layout
from okrsite.mkdocs_plugin import kept, searchjson
from okrsite.mkdocs_plugin.background import Background, decode
from okrsite.mkdocs_plugin.config import OkrsiteConfig
from okrsite.mkdocs_plugin.finalcache import FinalCache, Stub
from okrsite.mkdocs_plugin.finalcache import config_shape as final_config_shape
from okrsite.mkdocs_plugin.finalcache import shape as final_shape
from okrsite.mkdocs_plugin.incremental import GeneratedFile, Unchanged, written_by_hand
from okrsite.mkdocs_plugin.nav import auto_nav
from okrsite.mkdocs_plugin.page import GeneratedPage, Permalink, permalink_of, prepare
from okrsite.mkdocs_plugin.search import Row, add_entries, search_index, sections
from okrsite.mkdocs_plugin.searchcache import SearchCache
from okrsite.mkdocs_plugin.searchcache import key as search_key
from okrsite.mkdocs_plugin.shape import site_shape
from okrsite.mkdocs_plugin.shell import PLAIN, TEMPLATE, CompiledTemplates, Shells
from okrsite.mkdocs_plugin.staging import Staged, warnings_counted
from okrsite.mkdocs_plugin.trim import trimmed
from okrsite.mkdocs_plugin.whitespace import install as collapse_whitespace
from okrsite.mkdocs_plugin.whitespace import without_blank_lines
from okrsite.pagecache import PageCache
from okrsite.pipeline import Build, HistoryCache, ScoreMemo, run
from okrsite.publish import why_unpublished
from okrsite.render import render_outputs
from okrsite.render.common import plural
from okrsite.render.errors import error_pages
from okrsite.render.page import Asset, Page, searchable
from okrsite.settings import Settings, SiteConfig

log = get_plugin_logger("okrsite")

PACKAGE_DIR = Path(__file__).parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"  # theme overrides, searched after the user's custom_dir
ASSETS_DIR = PACKAGE_DIR / "assets"  # okrsite.css and okrsite.js
ASSETS_URI = "assets/okrsite/"  # where the assets land in the site


Hook = TypeVar("Hook", bound=Callable[..., Any])


def _explained(hook: Hook) -> Hook:
    """An OkrsiteError (e.g. forking.WorkerDied) in a hook is shown as MkDocs shows a
    plugin's error, "okrsite: ...", and the build aborts: no traceback."""
    @functools.wraps(hook)
    def explained(*args: Any, **kwargs: Any) -> Any:
        try:
            return hook(*args, **kwargs)
        except OkrsiteError as exc:
            raise PluginError(f"okrsite: {exc}") from None
    return explained  # type: ignore[return-value]


class OkrsitePlugin(BasePlugin[OkrsiteConfig]):
    """OKR and KPI pages from the YAML in the content directory.

    The plugin object lives as long as the `mkdocs serve` session (MkDocs keeps
    plugins that define `on_startup` across rebuilds), and with it the parse
    cache and the page cache: a rebuild after one edit parses one file and renders
    only the pages whose inputs changed, and only the pages whose output changed are
    built and written (mkdocs_plugin.incremental; without `--dirty`, mkdocs_plugin.kept).
    """

    def __init__(self) -> None:
        self.is_serve = False
        self.parse_cache: ParseCache | None = None
        self.page_cache: PageCache | None = None  # pages by their inputs (okrsite.pagecache)
        self.search_cache: SearchCache | None = None  # frozen pages' search sections
        self.finals: FinalCache | None = None  # frozen pages' final outputs (a one-off build)
        self._frozen_search: dict[str, tuple[str, list[Any] | None]] = {}  # src_uri -> key, hit
        self._rows: dict[str, list[Row]] = {}  # src_uri -> its prepared search sections
        # Search sections made in a forked process during the page builds (background.py)
        self.defer_search = False  # in this build, if the pages allow it
        self._background: Background | None = None
        self._deferred: set[str] = set()  # src_uris of the pages it makes sections of
        self._slots: list[tuple[int, GeneratedPage]] = []  # where their entries go
        self.unchanged = Unchanged()  # what the last build showed (--dirty)
        self.history_cache = HistoryCache()  # read again only when HEAD moves
        self.score_memo = ScoreMemo()  # serve: scores of what an edit did not change
        self.settings: Settings | None = None  # of the build under way (from on_config)
        self.as_of: AsOf | None = None  # of the last build that got as far as scoring
        self.published: list[str] = []  # page paths of the last good build
        self._auto_nav: list[Any] | None = None  # the nav we made, to tell it from the user's
        self.assets: list[Asset] = []  # exports of the last good build
        self.permalink: Permalink | None = None  # the toc extension's, if turned on
        self.dirty = False  # `mkdocs build --dirty`: MkDocs writes over the old site
        self.use_shell = False  # generated pages through the page shell (see shell.py)
        self.search_index: Any = None  # Material's, given generated pages' entries (search.py)
        self.handed = 0  # pages whose entries it was given, in this build
        self.shells: Shells | None = None  # of the build under way (from on_env)
        self.compiled = CompiledTemplates()  # the theme's templates, for every build
        self._checked: Build | list[Page] = []  # from on_pre_build: to render, or errors
        self._staged: Staged | None = None  # while MkDocs builds into a staging directory
        self._gc = ExitStack()  # the collector's policy while a build runs (gcpolicy.build)
        self._doc_pages: list[str] = []  # every page's src_uri, in the order MkDocs builds
        self.tracking = False  # telling unchanged pages from changed ones (serve)
        self._keepable: list[str] = []  # site_dir's directories the next build may keep
        self._kept: list[str] = []  # those this build kept through MkDocs' clean (kept.py)
        self._files: Files | None = None  # of the build under way (from on_env)
        self.unwritten = kept.Unwritten()  # the pages replayed in this build
        self._generated: set[str] = set()  # the last build's generated pages' files

    # -- hooks, in the order MkDocs calls them --

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Remember whether this is `mkdocs serve`, and start a new session.

        Priority: 0 (default; no other plugin depends on it).
        """
        self.is_serve = command == "serve"
        self.dirty = dirty
        # A new session (MkDocs keeps one plugin object per process): nothing is kept from
        # an earlier one but the parse cache, which is keyed by content.
        self.page_cache, self.unchanged = None, Unchanged()
        self._keepable, self._kept, self._generated = [], [], set()

    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Theme templates, assets, fonts, cache, watching, and the URL style.

        Priority: 50 (run early), so that other plugins' `on_config` see the theme
        directories and assets the okrsite pages need.
        """
        self.permalink = permalink_of(config)
        # Material's templates are the ones the shell is checked against (tests).
        self.use_shell = (config.theme.name == "material"
                          and not os.environ.get(PLAIN, "").strip())
        docs_dir = Path(config.docs_dir).resolve()
        site = SiteConfig(Path(config.config_file_path) if config.config_file_path else None,
                          self.config.options, docs_dir, bool(config.use_directory_urls))
        if not site.content_dir.is_dir():
            raise PluginError(f"okrsite: content_dir {site.content_dir} does not exist")
        self.settings = site.settings()
        self._use_templates(config)
        self._use_assets(config)
        self._no_web_fonts(config)
        self._open_cache(site)
        content_dir = self.settings.content_dir
        if self.is_serve and not content_dir.is_relative_to(docs_dir):
            config.watch.append(str(content_dir))  # the docs_dir is watched anyway
        return config

    @event_priority(-100)
    @_explained
    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Check the content, then have MkDocs build into a staging directory.

        MkDocs empties site_dir right after this event: content errors stop the
        build here, so the last site stays as it was. So it does when the build
        fails or is killed later: pages go to a staging directory beside site_dir,
        which `on_post_build` swaps in. Not staged: `mkdocs serve` (it builds into
        a temporary directory of its own) and `--dirty` (it writes over the old site).

        Priority: -100 (run last): other plugins' `on_pre_build` run first (one may
        write content), and site_dir moves only once nothing else can stop the build.
        """
        self._gc.close()  # a build stopped short of on_post_build/on_build_error
        self._gc.enter_context(gcpolicy.build())  # ends in `_swap_in` or `on_build_error`
        self._checked = self._check()
        self.search_index = None if os.environ.get(PLAIN, "").strip() else search_index(config)
        self.handed = 0
        if not self.is_serve and not self.dirty:
            self._staged = Staged.begin(config)
        # Plain serve: unchanged pages are copied through (kept.py), where nothing but
        # okrsite and search sees pages (another plugin might expect each rendered).
        self.tracking = self.dirty or (self.is_serve and self.use_shell
                                       and _only_search(config))
        self._kept, self.unwritten.pages = [], set()
        # Nothing but okrsite and search sees a page, and no page's entries are tracked.
        self.defer_search = (self.search_index is not None and not self.tracking
                             and _only_search(config))
        self._stop_background()
        self._begin_finals(config)
        if self.is_serve and not self.dirty:
            kept.quiet(self.unwritten)
            kept.drop_hidden(config.site_dir)
            if self.tracking:
                self._kept = kept.hide(config.site_dir, self._keepable)
        self._keepable = []

    @event_priority(50)
    @_explained
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Drop what is not to be published (the YAML sources, stray and backup files),
        then add the rendered pages and the assets.

        Priority: 50 (run early), so that other plugins' `on_files` see the
        generated pages as if they were written by hand.
        """
        if self._kept:  # MkDocs' clean is done
            kept.unhide(config.site_dir, self._kept)
        self._drop_unpublished(files, config)
        if self.dirty:
            written_by_hand(files)
        published = []
        heads = []  # the pages without their bodies, for the navigation
        shown: list[tuple[str, GeneratedFile]] = []  # what each page showed (serve)
        pending: list[tuple[Page, GeneratedFile, str]] = []  # shown as the last build did
        stubs: list[tuple[Stub, GeneratedFile]] = []  # frozen pages kept whole (finalcache)
        for page in self._pages():  # rendered one at a time; each is held compressed
            heads.append(replace(page, html="", prepared=None))
            own = files.get_file_from_path(page.path)
            if own is not None:  # the author's own page wins over a generated one
                log.info(f"{page.path}: using the page in the docs directory instead of the "
                         "generated one")
                continue
            inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
            # No content: the page is handed over whole in GeneratedPage.
            file = GeneratedFile.generated(config, page.path, content="", inclusion=inclusion)
            if isinstance(page, Stub):  # its final output kept: made once the nav is
                stubs.append((page, file))
            elif self.tracking:
                digest = self.unchanged.digest(page, self.permalink)
                shown.append((digest, file))
                if self.unchanged.was(file.src_uri, digest):
                    pending.append((page, file, digest))  # GeneratedPage made below
                else:  # sets file.page
                    made = GeneratedPage(page, file, config, self.permalink)
                    self.unchanged.keep_heads(file.src_uri, digest, made.heads)
            else:
                made = GeneratedPage(page, file, config, self.permalink)  # sets file.page
                if self.finals is not None and page.path in self._kept_paths():
                    self.finals.made(page, made.heads)
            files.append(file)
            published.append(page.path)
        pages = heads
        for asset in _assets():
            files.append(File.generated(config, ASSETS_URI + asset.name,
                                        abs_src_path=str(asset)))
        for export in self.assets:  # audit downloads: CSV, JSON, manifest
            files.append(File.generated(config, export.path, content=export.data))
        if config.nav is None or config.nav is self._auto_nav:
            config.nav = self._auto_nav = auto_nav(pages, files)
        if self.tracking:
            self.unchanged.mark(shown, site_shape(config, files, pages, self.as_of))
        for page, file, digest in pending:  # an unchanged page's content is not needed
            made = GeneratedPage(page, file, config, self.permalink, replay=file.unchanged,
                                 heads=self.unchanged.heads(file.src_uri, digest))
            self.unchanged.keep_heads(file.src_uri, digest, made.heads)
        pending.clear()
        replayed = self._replay(stubs, config, files, pages) if self.finals is not None else {}
        if self.as_of is not None:
            self.published = published
        if self.defer_search:
            self._start_background(files)
        if self.finals is not None:  # after the fork above: a thread stops forks
            self.finals.write(replayed)
        return files

    def _start_background(self, files: Files) -> None:
        """Start making the generated pages' search sections (background.py)."""
        frozen = self.page_cache.frozen if self.page_cache is not None else set()
        wanted = [(f.src_uri, f.page.packed_content(),
                   self.search_cache is not None and f.src_uri in frozen)
                  for f in files.documentation_pages(inclusion=lambda _: True)
                  if isinstance(f.page, GeneratedPage) and not f.page.replay]
        self._background = Background.start(wanted)
        self._deferred = {uri for uri, _, _ in wanted} if self._background else set()
        if self.finals is not None:  # their entries are kept when placed
            self.finals.deferred(self._deferred)
        self._slots = []

    def _stop_background(self) -> None:
        background, self._background = self._background, None
        self._deferred, self._slots = set(), []
        if background is not None:
            background.stop()

    @event_priority(-100)
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Date every page "as of", so the sitemap (`lastmod`, and the gzip time
        stamp of sitemap.xml.gz) is the same for every build of the same content.
        A SOURCE_DATE_EPOCH set by the caller wins: MkDocs reads it itself.

        Pages marked `in_nav: False` (unit and KR detail pages) are already kept
        out of the navigation in `on_files`, by MkDocs' own `NOT_IN_NAV`.

        Priority: -100 (run last), so pages other plugins add are dated too.
        """
        self._doc_pages = [f.src_uri for f in files.documentation_pages(
            inclusion=lambda _: True)]
        if self.as_of is not None and not os.environ.get("SOURCE_DATE_EPOCH", "").strip():
            day = self.as_of.date.isoformat()
            for file in files.documentation_pages():
                if file.page is not None:
                    file.page.update_date = day
        return nav

    @event_priority(-100)
    def on_page_content(self, html: str, *, page: MkPage, config: MkDocsConfig,
                        files: Files) -> str:
        """Generated pages wait compressed until `on_page_context` (see
        GeneratedPage), and are written through the page shell: MkDocs picks the
        template before `on_page_context`, which puts the page's own name back.
        Priority -100: after every other plugin."""
        if isinstance(page, GeneratedPage):
            page.pack(html)
            if self.use_shell:
                page.okrsite_template = page.meta.get("template", "main.html")
                page.okrsite_had_template = "template" in page.meta
                page.meta["template"] = TEMPLATE
            return ""
        return html

    @event_priority(100)
    def _search_view(self, context: dict[str, Any], *, page: MkPage, config: MkDocsConfig,
                     nav: Navigation) -> dict[str, Any]:
        """Unpack the page, and hand the search plugin (priority 0) only its words
        (`searchable`): charts and figures hold none worth searching, and parsing
        them was a quarter of the build. Priority 100: before search."""
        if isinstance(page, GeneratedPage):
            if page.meta.get("template") == TEMPLATE:  # see on_page_content
                if page.okrsite_had_template:
                    page.meta["template"] = page.okrsite_template
                else:
                    del page.meta["template"]
            if page.file.src_uri in self._deferred and not page.changed:
                page.full = page.unpack()  # its sections are made in the background
                page.content = page.search_view = ""
            elif not page.replay:  # a replayed page's entries are the last build's
                page.full = page.unpack()
                hit = self._cached_search(page)
                made = page.search_made() if hit is None else None  # made in a worker
                if made is not None:
                    hit, rows = made
                    if rows is not None:
                        self._rows[page.file.src_uri] = rows
                page.content = page.search_view = searchable(page.full) if hit is None else hit
        if self.tracking:
            self.unchanged.before_search(page.file.src_uri, _search(config))
        if self.finals is not None:
            self.finals.before_search(page.file.src_uri, _index_entries(config))
        return context

    @event_priority(1)
    def _search_entries(self, context: dict[str, Any], *, page: MkPage, config: MkDocsConfig,
                        nav: Navigation) -> dict[str, Any]:
        """Give Material's search plugin the page's entries (search.py), and it an
        empty page to parse. A page another plugin changed since `_search_view` is
        left to the search plugin. Priority 1: just before search."""
        if (isinstance(page, GeneratedPage) and page.file.src_uri in self._deferred
                and not page.changed and self.search_index is not None):
            # Its entries go here when its sections are made (`_search_index`).
            self._slots.append((len(self.search_index.entries), page))
            self.handed += 1
            return context
        if (isinstance(page, GeneratedPage) and self.search_index is not None
                and page.search_view and page.content is page.search_view):
            digest, made = self._frozen_search.pop(page.file.src_uri, ("", None))
            rows = self._rows.pop(page.file.src_uri, None)
            if made is None and (rows is not None or digest):
                made = sections(page.search_view, rows)
                if digest and self.search_cache is not None:
                    self.search_cache.put(digest, page.search_view, made)
            add_entries(self.search_index, page, page.search_view, made)
            page.content = page.search_view = ""
            self.handed += 1
        return context

    @event_priority(-100)
    def _full_view(self, context: dict[str, Any], *, page: MkPage, config: MkDocsConfig,
                   nav: Navigation) -> dict[str, Any]:
        """The whole page again, for its template. Priority -100: last."""
        if self.tracking:
            self.unchanged.after_search(page.file.src_uri, _search(config),
                                        keep_last=isinstance(page, GeneratedPage) and page.replay)
        if self.finals is not None:
            self.finals.after_search(page.file.src_uri, _index_entries(config))
        if isinstance(page, GeneratedPage) and page.full:
            if page.content is not page.search_view:
                log.info(f"{page.file.src_uri}: a change made to this generated page in "
                         "on_page_context is not kept (okrsite restores the whole page)")
            page.content, page.full, page.search_view = page.full, "", ""
        if page.file.src_uri in self._rows:  # not handed to the search plugin
            del self._rows[page.file.src_uri]
        return context

    on_page_context = CombinedEvent(_search_view, _search_entries, _full_view)

    def _place(self, made: dict[str, bytes]) -> None:
        """Each deferred page's entries at the place in the index it had (later pages'
        places first, so the earlier ones stay where they were)."""
        index, cache = self.search_index, self.search_cache
        for at, page in reversed(self._slots):
            digest, view, rows = decode(made.pop(page.file.src_uri))
            found = cache.get(digest) if digest and cache is not None else None
            if found is not None:
                done = found[1]
            else:
                done = sections(view, rows)
                if digest and cache is not None:
                    cache.put(digest, view, done)
            entries, index.entries = index.entries, []
            try:
                add_entries(index, page, view, done)
                if self.finals is not None:
                    self.finals.placed(page.file.src_uri, index.entries)
            finally:
                entries[at:at], index.entries = index.entries, entries

    def _cached_search(self, page: GeneratedPage) -> str | None:
        """A frozen page's search view, its sections noted for `_search_entries`, from
        the search cache (okrsite.mkdocs_plugin.searchcache); None: make them."""
        cache, pages = self.search_cache, self.page_cache
        if cache is None or pages is None or page.file.src_uri not in pages.frozen:
            return None
        digest = search_key(page.full)
        hit = cache.get(digest)
        self._frozen_search[page.file.src_uri] = (digest, None if hit is None else hit[1])
        return None if hit is None else hit[0]

    @event_priority(-100)
    def on_post_page(self, output: str, *, page: MkPage, config: MkDocsConfig) -> str:
        """Let go of a generated page's HTML once it is written: a 5,000-page build
        would otherwise hold every page until the end.

        Priority: -100 (run last), so other plugins still see the page.
        """
        if isinstance(page, GeneratedPage):
            content, packed = page.content, page.packed_content()  # see finals.output
            page.release()
            # the shell's and the plain path's alike
            output = trimmed(without_blank_lines(output))
            if self.finals is not None:  # a replayed page's is written by finals.write
                self.finals.output(page.file.src_uri, output, content, packed)
            if page.replay:  # kept from the last build: MkDocs writes no empty page
                self.unwritten.pages.add(page.file.src_uri)
                return ""
        return output

    @event_priority(10)
    @_explained
    def _search_index(self, *, config: MkDocsConfig) -> None:
        """In a dirty build, the search index of every page: the entries of the pages
        skipped are the last build's (mkdocs_plugin.incremental). Priority 10: before
        the search plugin (0) writes it. And the entries of the pages whose sections
        were made in the background, where the search plugin would have added them."""
        background, self._background = self._background, None
        if background is not None:
            self._place(background.take())
        self._deferred, self._slots = set(), []
        if self.tracking:
            self.unchanged.restore(_search(config), self._doc_pages)
        searchjson.install(_search(config))  # its text as UTF-8, not \u escapes

    @event_priority(-1000)
    def _swap_in(self, *, config: MkDocsConfig) -> None:
        """Swap the finished site in for the last one (see `on_pre_build`). A
        `--strict` build that logged a warning is about to fail: the last site stays.

        Priority: -1000 (after every other plugin's `on_post_build`, which may still
        write into the staging directory; any later one sees the real site_dir).
        """
        if self.finals is not None:  # every replayed page written, before the swap
            try:
                self.finals.settle()
            except OSError as exc:
                raise PluginError(f"okrsite: {exc}") from None
        if self.shells is not None:
            done = self.shells.rendered
            log.debug(f"page shell: {done['shell']} pages filled in, {done['full']} rendered "
                      f"in full, {self.shells.made} shells; search entries of {self.handed} "
                      "pages handed to the search plugin")
        staged, self._staged = self._staged, None
        keep_site = not (config.strict and warnings_counted())
        if staged is not None:
            staged.finish(keep=keep_site)
        if keep_site and not self.is_serve and self.page_cache is not None:
            # The cache_dir keeps the pages this build used (okrsite.pagecache.prune);
            # a serve session, which may skip pages, leaves it as it is.
            variant = self.settings.but(as_of=None, cache_dir=None).key()
            self.page_cache.prune(variant)
            if self.search_cache is not None:
                self.search_cache.prune(variant)
            if self.finals is not None:
                self.finals.store(self.page_cache.jobs)
                self.finals.prune(variant)
        if self.tracking and self._files is not None:
            produced = {f.abs_dest_path for f in self._files}
            if self.dirty:  # MkDocs leaves the pages of deleted files: ours go
                kept.remove_stale(self._generated - produced)
            else:
                kept.prune(config.site_dir, self._kept, produced)
                self._keepable = kept.keepable(config.site_dir, produced)
            self._generated = {f.abs_dest_path for f in self._files
                               if isinstance(f, GeneratedFile)}
        self._kept, self._files = [], None
        self._gc.close()

    on_post_build = CombinedEvent(_search_index, _swap_in)

    def on_build_error(self, *, error: Exception) -> None:
        """A failed build: the staging directory goes, site_dir keeps the last site.

        Priority: 0 (default).
        """
        if self.finals is not None:  # nothing is written into what goes
            self.finals.settle(quiet=True)
        staged, self._staged = self._staged, None
        if staged is not None:
            staged.finish(keep=False)
        self._stop_background()
        # Whatever this build kept or wrote is no output to copy through.
        self._kept, self._keepable, self._files = [], [], None
        self.unchanged = Unchanged()
        self._generated = set()
        self._gc.close()

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        """`okrsite_as_of` for the templates: the footer of every page (guide and 404
        included) says which day the scores are for. And the page shell, with the
        theme's environment, for the generated pages (`okrsite-shell.html`).

        Priority: 0 (default; it only adds a global).
        """
        env.globals["okrsite_as_of"] = self.as_of.date.isoformat() if self.as_of else ""
        # The indentation of Material's templates and ours, out of every page (5-6 KB a
        # page), when they are compiled; shell and plain path alike (whitespace.py).
        roots = [TEMPLATES_DIR]
        if config.theme.name == "material":
            roots.append(Path(get_theme_dir("material")))
        collapse_whitespace(env, roots)
        self.shells = shells = Shells(env, self.compiled)
        self._files = files

        @pass_context
        def okrsite_shell(context: Context) -> str:
            page = context.get("page")
            if isinstance(page, GeneratedPage) and page.replay:
                return ""  # its file is its output (on_post_page)
            return shells.render(context)
        env.globals["okrsite_shell"] = okrsite_shell
        return env

    def on_pre_template(self, template: Any, *, template_name: str,
                        config: MkDocsConfig) -> Any:
        """A theme template (sitemap.xml, 404.html) whose output a build of this shape
        kept is not rendered again (mkdocs_plugin.finalcache).

        Priority: 0 (default; only okrsite and search run where pages are replayed).
        """
        if self.finals is not None and template_name in config.theme.static_templates:
            return self.finals.template(template_name) or template
        return template

    def on_post_template(self, output: str, *, template_name: str,
                         config: MkDocsConfig) -> str:
        """Keep a theme template's output for the next build of this shape.

        Priority: 0 (default).
        """
        if self.finals is not None and template_name in config.theme.static_templates:
            self.finals.rendered_template(template_name, output)
        return output

    # -- on_config helpers --

    def _use_templates(self, config: MkDocsConfig) -> None:
        """The package's templates after the user's custom_dir, so a company can
        override any of them, and before the theme's own."""
        if not TEMPLATES_DIR.is_dir():
            return
        dirs, ours = config.theme.dirs, str(TEMPLATES_DIR)
        if ours in dirs:
            return
        custom = config.theme.custom_dir
        dirs.insert(dirs.index(custom) + 1 if custom in dirs else 0, ours)

    def _use_assets(self, config: MkDocsConfig) -> None:
        """okrsite.css before the user's extra_css (so a brand stylesheet wins);
        okrsite.js after the user's scripts."""
        for asset in _assets():
            uri = ASSETS_URI + asset.name
            if asset.suffix == ".css" and uri not in config.extra_css:
                config.extra_css.insert(0, uri)
            elif asset.suffix == ".js" and uri not in map(str, config.extra_javascript):
                config.extra_javascript.append(uri)  # type: ignore[arg-type]

    def _no_web_fonts(self, config: MkDocsConfig) -> None:
        """Material loads its default font (Roboto) from Google Fonts. A site must
        not call another host, so unless the author chose a font, use the system's."""
        theme = config.theme
        if theme.name == "material" and theme.get("font") == _default_font(theme.name):
            theme["font"] = False

    def _open_cache(self, site: SiteConfig) -> None:
        """One ParseCache per session: created on the first build, kept by later ones."""
        directory = site.cache_dir
        if site.options.cache_dir and directory is None and not os.environ.get(
                "OKRSITE_NO_CACHE"):
            log.info(f"cache_dir {site.options.cache_dir} is inside the content or docs "
                     "directory, where it would be published: caching in memory only")
        if self.parse_cache is None or self.parse_cache.directory != directory:
            self.parse_cache = ParseCache(directory)
        if self.page_cache is None or self.page_cache.directory != directory:
            # In memory only in serve: a one-off build keeps no page (frozen ones on disk).
            self.page_cache = PageCache(directory, keep=self.is_serve)
        # A one-off build (CI) takes frozen pages' search sections from cache_dir too.
        self.search_cache = SearchCache(directory) if directory and not self.is_serve else None
        self.finals = None  # see _begin_finals

    def _begin_finals(self, config: MkDocsConfig) -> None:
        """A one-off build with cache_dir replays frozen pages' final outputs
        (mkdocs_plugin.finalcache) where only okrsite and search see pages."""
        directory = self.page_cache.directory if self.page_cache is not None else None
        replay = (directory is not None and not self.is_serve and not self.dirty
                  and self.use_shell and _only_search(config))
        if replay and (self.finals is None or self.finals.directory != directory):
            self.finals = FinalCache(directory)  # type: ignore[arg-type]
        elif not replay:
            self.finals = None
        if self.finals is not None:
            self.finals.begin(searching=_search(config) is not None,
                              variant=final_config_shape(config, self.use_shell))
            kept.quiet(self.unwritten)
        if self.page_cache is not None:
            self.page_cache.finals = self.finals

    # -- on_files helpers --

    def _kept_paths(self) -> set[str]:
        """The pages whose final output is kept (finalcache): frozen ones and, in a build
        with the final cache, the others whose digest it is keyed by."""
        return self.page_cache.kept if self.page_cache is not None else set()

    def _replay(self, stubs: list[tuple[Stub, GeneratedFile]], config: MkDocsConfig,
                files: Files, pages: list[Page]) -> dict[str, str]:
        """The frozen pages kept whole: replayed if kept in a site shaped as this one,
        else built from the page kept with them. Returns where each replayed page's
        file goes (src_uri -> path), for `FinalCache.write`."""
        assert self.finals is not None
        self.finals.shape = final_shape(site_shape(config, files, pages, self.as_of,
                                                   by_content=True), config,
                                        self.use_shell)
        destinations = {}
        for stub, file in stubs:
            assert stub.entry is not None
            if self.finals.replays(stub):
                GeneratedPage(stub, file, config, self.permalink, replay=True,
                              heads=self.finals.heads(stub.path))
                destinations[file.src_uri] = file.abs_dest_path
            else:
                page = stub.entry.page(stub.index)
                made = GeneratedPage(page, file, config, self.permalink)
                self.finals.made(page, made.heads)
        return destinations

    def _drop_unpublished(self, files: Files, config: MkDocsConfig) -> None:
        """Publish from the docs folder only pages, assets and declared downloads
        (okrsite.publish). The content's own YAML goes quietly (the loader reports
        what it ignores); anything else left out is named in a warning, so that
        `--strict` fails on leftovers such as `acme.yaml~` or a stray `secret.yaml`."""
        docs_dir = str(Path(config.docs_dir).resolve())
        content_dir = str(self.settings.content_dir) if self.settings else docs_dir
        parents: dict[str, str] = {}  # resolved once per directory (1,000 YAML files)
        for file in list(files):
            if file.abs_src_path is None or file.generated_by or file.inclusion.is_excluded():
                continue
            path = _resolved(file.abs_src_path, parents)
            if not _within(path, docs_dir):
                continue  # the theme's files
            if file.src_uri.endswith(YAML_SUFFIXES) and _within(path, content_dir) and \
                    in_layout(path[len(content_dir) + 1:].replace(os.sep, "/")):
                files.remove(file)
                continue
            why = why_unpublished(file.src_uri, file.is_documentation_page(),
                                  self.config.options.downloads)
            if why is not None:
                log.warning(f"{file.src_uri} is not published: {why}")
                files.remove(file)

    def _check(self) -> Build | list[Page]:
        """The build, checked: to render, or in `serve` the error pages. Bad content is
        reported, never rendered."""
        assert self.settings is not None, "on_config runs first"
        build = run(self.settings, self.parse_cache, history_cache=self.history_cache,
                    score_memo=self.score_memo if self.is_serve else None)
        self.as_of = None
        if not self.is_serve and self.parse_cache is not None:
            # One build: once its content is loaded (and before the scoring checks
            # allocate), nothing reads the parses or the model pieces again.
            build.content  # noqa: B018  (loads it)
            forget_loaded(self.parse_cache, build.snapshot)
        diagnostics = build.diagnostics
        report(diagnostics)
        errors = sorted((d for d in diagnostics if d.is_error), key=sort_key)
        if errors:
            if self.is_serve:  # keep the session alive; the pages show the errors
                return error_pages(errors, self.published)
            first = errors[0]
            raise PluginError(
                f"okrsite: {plural(len(errors), 'error')} in the content, the first at "
                f"{first.shown_path()}:{first.line}:{first.col}: {first.code} {first.message}")
        try:
            as_of = build.require_as_of()
        except AsOfError as exc:
            raise PluginError(f"okrsite: {exc}") from None
        log.info(f"scores as of {as_of}")
        self.as_of = as_of
        return build

    def _pages(self) -> Iterable[Page]:
        """The pages of the build `on_pre_build` checked (or its error pages)."""
        build, self._checked = self._checked, []
        if isinstance(build, list):
            return build
        if build.settings.history:
            history = build.history
            log.info(f"history: {history.horizon}" if history.available else
                     f"history not shown: {history.reason}")
        # The pages' own work for MkDocs (content with permalinks, toc, search view and
        # sections) is done where each is rendered: most in the render workers.
        finish = partial(prepare, permalink=self.permalink,
                         search=self.search_index is not None and not self.defer_search)
        pages, self.assets = render_outputs(build, self.page_cache, finish)
        return pages


_REPLAY_PLUGINS = {"okrsite", "search", "material/search"}  # see on_pre_build


def _only_search(config: MkDocsConfig) -> bool:
    """Whether nothing but okrsite and search sees the pages: then a page may be replayed,
    or its search entries made apart, without another plugin missing its events."""
    return set(config.plugins) <= _REPLAY_PLUGINS


def report(diagnostics: list[Diagnostic]) -> None:
    """Log each diagnostic the way `okrsite check` prints it, errors as errors (they
    fail any build) and warnings as warnings (they fail `mkdocs build --strict`)."""
    for d in sorted(diagnostics, key=sort_key):
        text = f"{d.shown_path()}:{d.line}:{d.col}: {d.code} {d.message}"
        if d.hint:
            text += f" (fix: {d.hint})"
        (log.error if d.is_error else log.warning)(text)


def _index_entries(config: MkDocsConfig) -> list[Any] | None:
    """The search plugin's list of entries, if the site has one."""
    entries = getattr(getattr(_search(config), "search_index", None), "entries", None)
    return entries if isinstance(entries, list) else None


def _search(config: MkDocsConfig) -> Any:
    """The search plugin, if the site has one."""
    return next((p for name, p in config.plugins.items() if name.endswith("search")), None)


def _resolved(path: str, parents: dict[str, str]) -> str:
    """`Path(path).resolve()`, as a string: a file that is no link resolves to its
    directory's resolved path (kept in `parents`) and its name."""
    if os.path.islink(path):
        return os.path.realpath(path)
    head, name = os.path.split(os.path.normpath(path))
    if head not in parents:
        parents[head] = os.path.realpath(head)
    return os.path.join(parents[head], name)


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _assets() -> list[Path]:
    if not ASSETS_DIR.is_dir():
        return []
    return sorted(p for p in ASSETS_DIR.iterdir() if p.suffix in (".css", ".js"))


def _default_font(theme_name: str) -> object:
    """The font a theme sets when the author sets none (Material: Roboto from Google)."""
    try:
        text = Path(get_theme_dir(theme_name), "mkdocs_theme.yml").read_text(encoding="utf-8")
        return (yaml.safe_load(text) or {}).get("font")
    except (OSError, KeyError, yaml.YAMLError):
        return None
