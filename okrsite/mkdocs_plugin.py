"""The MkDocs adapter: the only module of okrsite that imports `mkdocs`.

It maps the plugin's settings onto `okrsite.settings.Settings`, runs the core
(load -> validate -> score -> render) and hands the rendered pages to MkDocs as
generated files. Everything about OKRs lives in the core, so the same pages can
be written to disk by `okrsite render --out DIR` for another site generator.

    plugins:
      - search
      - okrsite:
          as_of: 2026-11-15

Every setting and its default is documented in content/guide/settings.md.
"""

from __future__ import annotations

import html
import logging
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from jinja2 import Environment
from mkdocs.config.base import Config, ConfigErrors, ConfigWarnings, ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.structure.toc import get_toc
from mkdocs.utils import CountHandler, dirname_to_title, get_theme_dir

from okrsite import output
from okrsite.asof import AsOf, AsOfError
from okrsite.diagnostics import Diagnostic, sort_key
from okrsite.loader import YAML_SUFFIXES, ParseCache, expected_kind
from okrsite.pipeline import Build, HistoryCache, run
from okrsite.publish import why_unpublished
from okrsite.render import render_outputs
from okrsite.render.page import HEADING, Asset, Heading, Page, outline, searchable
from okrsite.settings import Options, Settings, SettingsError, SiteConfig, parse_options

log = get_plugin_logger(__name__)

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"  # theme overrides, searched after the user's custom_dir
ASSETS_DIR = PACKAGE_DIR / "assets"  # okrsite.css and okrsite.js
ASSETS_URI = "assets/okrsite/"  # where the assets land in the site


# -- settings -------------------------------------------------------------------------------


class OkrsiteConfig(Config):
    """The plugin's block of mkdocs.yml. The core validates it (okrsite.settings), so
    `okrsite` commands read the same block with the same messages; `options` holds
    the result. content/guide/settings.md documents every option."""

    options: Options

    def set_defaults(self) -> None:
        self.options = Options()  # every option has a default in the core

    def validate(self) -> tuple[ConfigErrors, ConfigWarnings]:
        try:
            base = Path(self.config_file_path).parent if self.config_file_path else None
            self.options, warnings = parse_options(dict(self), base)
        except SettingsError as exc:
            return [(key, ValidationError(message)) for key, message in exc.problems], []
        return [], list(warnings)


# -- the plugin -----------------------------------------------------------------------------


class OkrsitePlugin(BasePlugin[OkrsiteConfig]):
    """OKR and KPI pages from the YAML in the content directory.

    The plugin object lives as long as the `mkdocs serve` session (MkDocs keeps
    plugins that define `on_startup` across rebuilds), and with it the parse
    cache: a rebuild after one edit parses one file.
    """

    def __init__(self) -> None:
        self.is_serve = False
        self.parse_cache: ParseCache | None = None
        self.history_cache = HistoryCache()  # read again only when HEAD moves
        self.settings: Settings | None = None  # of the build under way (from on_config)
        self.as_of: AsOf | None = None  # of the last build that got as far as scoring
        self.published: list[str] = []  # page paths of the last good build
        self._auto_nav: list[Any] | None = None  # the nav we made, to tell it from the user's
        self.assets: list[Asset] = []  # exports of the last good build
        self.permalink: Permalink | None = None  # the toc extension's, if turned on
        self.dirty = False  # `mkdocs build --dirty`: MkDocs writes over the old site
        self._checked: Build | list[Page] = []  # from on_pre_build: to render, or errors
        self._staged: Staged | None = None  # while MkDocs builds into a staging directory

    # -- hooks, in the order MkDocs calls them --

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Remember whether this is `mkdocs serve`.

        Priority: 0 (default; no other plugin depends on it).
        """
        self.is_serve = command == "serve"
        self.dirty = dirty

    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Theme templates, assets, fonts, cache, watching, and the URL style.

        Priority: 50 (run early), so that other plugins' `on_config` see the theme
        directories and assets the okrsite pages need.
        """
        self.permalink = _permalink(config)
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
        self._checked = self._check()
        if not self.is_serve and not self.dirty:
            self._staged = Staged.begin(config)

    @event_priority(50)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Drop what is not to be published (the YAML sources, stray and backup files),
        then add the rendered pages and the assets.

        Priority: 50 (run early), so that other plugins' `on_files` see the
        generated pages as if they were written by hand.
        """
        self._drop_unpublished(files, config)
        published = []
        heads = []  # the pages without their bodies, for the navigation
        for page in self._pages():  # rendered one at a time; each is held compressed
            heads.append(replace(page, html=""))
            own = files.get_file_from_path(page.path)
            if own is not None:  # the author's own page wins over a generated one
                log.info(f"{page.path}: using the page in the docs directory instead of the "
                         "generated one")
                continue
            inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
            # No content: the page is handed over whole in GeneratedPage.
            file = File.generated(config, page.path, content="", inclusion=inclusion)
            GeneratedPage(page, file, config, self.permalink)  # sets file.page
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
        if self.as_of is not None:
            self.published = published
        return files

    @event_priority(-100)
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Date every page "as of", so the sitemap (`lastmod`, and the gzip time
        stamp of sitemap.xml.gz) is the same for every build of the same content.
        A SOURCE_DATE_EPOCH set by the caller wins: MkDocs reads it itself.

        Pages marked `in_nav: False` (unit and KR detail pages) are already kept
        out of the navigation in `on_files`, by MkDocs' own `NOT_IN_NAV`.

        Priority: -100 (run last), so pages other plugins add are dated too.
        """
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
        GeneratedPage). Priority -100: after every other plugin."""
        if isinstance(page, GeneratedPage):
            page.pack(html)
            return ""
        return html

    @event_priority(100)
    def _search_view(self, context: dict[str, Any], *, page: MkPage, config: MkDocsConfig,
                     nav: Navigation) -> dict[str, Any]:
        """Unpack the page, and hand the search plugin (priority 0) only its words
        (`searchable`): charts, tables and "How was this computed?" hold none worth
        searching, and parsing them was a quarter of the build. Priority 100:
        before search."""
        if isinstance(page, GeneratedPage):
            page.full = page.unpack()
            page.content = page.search_view = searchable(page.full)
        return context

    @event_priority(-100)
    def _full_view(self, context: dict[str, Any], *, page: MkPage, config: MkDocsConfig,
                   nav: Navigation) -> dict[str, Any]:
        """The whole page again, for its template. Priority -100: last."""
        if isinstance(page, GeneratedPage) and page.full:
            if page.content is not page.search_view:
                log.info(f"{page.file.src_uri}: a change made to this generated page in "
                         "on_page_context is not kept (okrsite restores the whole page)")
            page.content, page.full, page.search_view = page.full, "", ""
        return context

    on_page_context = CombinedEvent(_search_view, _full_view)

    @event_priority(-100)
    def on_post_page(self, output: str, *, page: MkPage, config: MkDocsConfig) -> str:
        """Let go of a generated page's HTML once it is written: a 5,000-page build
        would otherwise hold every page until the end.

        Priority: -100 (run last), so other plugins still see the page.
        """
        if isinstance(page, GeneratedPage):
            page.release()
        return output

    @event_priority(-1000)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Swap the finished site in for the last one (see `on_pre_build`). A
        `--strict` build that logged a warning is about to fail: the last site stays.

        Priority: -1000 (after every other plugin's `on_post_build`, which may still
        write into the staging directory; any later one sees the real site_dir).
        """
        staged, self._staged = self._staged, None
        if staged is not None:
            staged.finish(keep=not (config.strict and _warnings_counted()))

    def on_build_error(self, *, error: Exception) -> None:
        """A failed build: the staging directory goes, site_dir keeps the last site.

        Priority: 0 (default).
        """
        staged, self._staged = self._staged, None
        if staged is not None:
            staged.finish(keep=False)

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        """`okrsite_as_of` for the templates: the footer of every page (guide and 404
        included) says which day the scores are for.

        Priority: 0 (default; it only adds a global).
        """
        env.globals["okrsite_as_of"] = self.as_of.date.isoformat() if self.as_of else ""
        return env

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

    # -- on_files helpers --

    def _drop_unpublished(self, files: Files, config: MkDocsConfig) -> None:
        """Publish from the docs folder only pages, assets and declared downloads
        (okrsite.publish). The content's own YAML goes quietly (the loader reports
        what it ignores); anything else left out is named in a warning, so that
        `--strict` fails on leftovers such as `acme.yaml~` or a stray `secret.yaml`."""
        docs_dir = Path(config.docs_dir).resolve()
        for file in list(files):
            if file.abs_src_path is None or file.generated_by or file.inclusion.is_excluded():
                continue
            path = Path(file.abs_src_path).resolve()
            if not path.is_relative_to(docs_dir):
                continue  # the theme's files
            content_dir = self.settings.content_dir if self.settings else docs_dir
            if file.src_uri.endswith(YAML_SUFFIXES) and path.is_relative_to(
                    content_dir) and _in_layout(path.relative_to(content_dir).as_posix()):
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
        build = run(self.settings, self.parse_cache, history_cache=self.history_cache)
        self.as_of = None
        diagnostics = build.diagnostics
        if not self.is_serve and self.parse_cache is not None:
            self.parse_cache.forget()  # one build: its content is loaded
        report(diagnostics)
        errors = sorted((d for d in diagnostics if d.is_error), key=sort_key)
        if errors:
            if self.is_serve:  # keep the session alive; the pages show the errors
                return error_pages(errors, self.published)
            first = errors[0]
            raise PluginError(
                f"okrsite: {_count(len(errors), 'error')} in the content, the first at "
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
        pages, self.assets = render_outputs(build)
        return pages


# -- staging --------------------------------------------------------------------------------


@dataclass
class Staged:
    """A build going into a staging directory instead of site_dir (okrsite.output)."""

    config: MkDocsConfig
    site_dir: str  # the user's, as MkDocs resolved it
    staging: Path

    @classmethod
    def begin(cls, config: MkDocsConfig) -> Staged | None:
        """Point site_dir at a fresh staging directory; None (build in place, as MkDocs
        does) when none can be made beside site_dir."""
        try:
            staging = output.begin(Path(config.site_dir))
        except OSError as exc:
            log.info(f"building in place: no staging directory beside {config.site_dir} "
                     f"({exc.strerror})")
            return None
        staged = cls(config, config.site_dir, staging)
        config.site_dir = str(staging)
        return staged

    def finish(self, keep: bool) -> None:
        """site_dir back to the user's; the new site swapped in, or dropped. Dot-files
        of the old site_dir stay, as MkDocs never deletes those."""
        self.config.site_dir = self.site_dir
        if not keep:
            output.remove(self.staging)
            return
        try:
            output.swap_in(self.staging, Path(self.site_dir), keep_hidden=True)
        except OSError as exc:
            raise PluginError(f"okrsite: cannot put the new site in {self.site_dir}: "
                              f"{exc.strerror} (it is in {self.staging})") from None


def _warnings_counted() -> bool:
    """Whether MkDocs' `--strict` counter has seen a warning: the build will fail."""
    return any(isinstance(h, CountHandler) and h.get_counts()
               for h in logging.getLogger("mkdocs").handlers)


# -- generated pages ------------------------------------------------------------------------


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
    """

    def __init__(self, page: Page, file: File, config: MkDocsConfig,
                 permalink: Permalink | None) -> None:
        super().__init__(page.title, file, config)
        self.okrsite_meta = page.meta
        headings = page.headings()
        self._toc_tokens = _toc_tokens(outline(headings))
        self._anchors = {h.id for h in headings}
        self._packed = zlib.compress(_with_permalinks(page.html, permalink).encode(), 1)
        self._unpacked: str | None = None  # the content `render` made, until packed again
        self.full = ""  # the content while the search plugin sees `searchable(content)`
        self.search_view = ""  # what the search plugin was given

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
        self._unpacked = None

    def unpack(self) -> str:
        return zlib.decompress(self._packed).decode() if self._packed else ""

    def release(self) -> None:
        self.content, self.full, self._packed, self._unpacked = None, "", b"", None


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


def _permalink(config: MkDocsConfig) -> Permalink | None:
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


# -- helpers --------------------------------------------------------------------------------


def report(diagnostics: list[Diagnostic]) -> None:
    """Log each diagnostic the way `okrsite check` prints it, errors as errors (they
    fail any build) and warnings as warnings (they fail `mkdocs build --strict`)."""
    for d in sorted(diagnostics, key=sort_key):
        text = f"{d.shown_path()}:{d.line}:{d.col}: {d.code} {d.message}"
        if d.hint:
            text += f" (fix: {d.hint})"
        (log.error if d.is_error else log.warning)(text)


def error_pages(errors: list[Diagnostic], paths: list[str]) -> list[Page]:
    """In `mkdocs serve`: the error list on the home page and in place of every page of
    the last good build, so the open browser tab shows what to fix, and the real page
    comes back on the first rebuild after the fix."""
    lines = []
    for d in errors:
        lines.append(f"{d.shown_path()}:{d.line}:{d.col}: {d.code} {d.message}")
        if d.hint:
            lines.append(f"    fix: {d.hint}")
    body = (
        "<h1>The OKR content has errors</h1>\n"
        f"<p>okrsite found {_count(len(errors), 'error')}. Fix them and save: this page "
        "reloads with the site.</p>\n"
        f'<pre class="okrsite-errors">{html.escape(chr(10).join(lines))}</pre>\n')
    return [Page(path, "Content errors", body, in_nav=path == "index.md")
            for path in dict.fromkeys(["index.md", *paths])]


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


def _in_layout(relpath: str) -> bool:
    """org.yaml, kpis/* and periods/**: the documents, and the stray YAML the loader
    ignores there (OKR009), which may hold restricted data all the same."""
    return expected_kind(relpath) is not None or relpath.split("/")[0] in ("kpis", "periods")


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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
