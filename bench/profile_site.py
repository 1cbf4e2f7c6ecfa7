"""Where an okrsite site build spends its time, and where a page's bytes go.

    python bench/profile_site.py --pages 1000            # phases + cProfile hotspots
    python bench/profile_site.py --pages 1000 --pyinstrument   # + a pyinstrument tree

Builds the synthetic company (bench/synth.py; N unit-period pages, as in
bench/bench_site.py) with the okrsite plugin, in this process, three ways:

1. phases: wall-clock timers wrapped around MkDocs', Material's and okrsite's own
   functions (no profiler, so the split is not distorted by profiling overhead):
   our core (load / validate / score / render), MkDocs reading the pages (front
   matter), Markdown conversion of our pages (and, inside it, MkDocs' link
   rewriting), Material template rendering, the search index (per page HTML parse,
   then writing the JSON), navigation, writing files;
2. cProfile of a second build (the same site) for the hotspots, grouped by those
   phases, top functions by own time;
3. bytes: the HTML of the built pages cut into the theme's chrome (head, header,
   navigation, table of contents, footer) and the article, the article into what
   okrsite puts in it (charts, "How was this computed?" blocks, tables, chips...),
   and the search index entries per page.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from bench_site import okrsite_yml, snapshot_code, split
from synth import data_end, generate

# -- phase timers -------------------------------------------------------------------------

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def wrap(owner: Any, name: str, phase: str) -> None:
    """Time every call of owner.name into TIMES[phase] (wall clock, inclusive)."""
    original = getattr(owner, name)

    @functools.wraps(original)  # keeps mkdocs_priority (event_priority) and the signature
    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[phase] += time.perf_counter() - t
            CALLS[phase] += 1

    setattr(owner, name, timed)


def install_timers() -> None:
    """Before load_config: plugin events are bound when the plugins are loaded."""
    import jinja2
    import markdown
    import mkdocs.commands.build as mb
    import mkdocs.structure.pages as mp
    import mkdocs.utils as mu
    from material.plugins.search.plugin import SearchPlugin
    from mkdocs.structure.files import File, Files

    import okrsite.mkdocs_plugin.page as mkpage
    import okrsite.mkdocs_plugin.plugin as plugin
    import okrsite.pipeline as pipeline
    import okrsite.render as render
    import okrsite.render.safe as safe

    # our core, inside OkrsitePlugin.on_pre_build (check) and on_files (render)
    wrap(plugin.OkrsitePlugin, "_check", "okrsite on_pre_build: the checked Build (all)")
    wrap(pipeline, "_load", "core: load + validate + model")
    wrap(plugin.OkrsitePlugin, "on_files", "okrsite on_files (all)")
    wrap(plugin.OkrsitePlugin, "_pages", "core: _pages (score + render, all)")
    # Pages are rendered one at a time as on_files takes them (render.iter_site);
    # OKRSITE_WORKERS=1 (main) keeps unit pages in this process, where they are timed.
    for name in ("home", "periods_index", "period", "cascade_pages", "kpis_index",
                 "units_index", "unit_period", "kpi", "unit_overview", "checkins",
                 "people_list", "person"):
        wrap(render, name, "core: render pages (HTML, as on_files takes them)")
    wrap(safe.SafeMarkdown, "html", "core: SafeMarkdown.html (fields via python-markdown)")
    wrap(mkpage.GeneratedPage, "__init__", "on_files: GeneratedPage (toc, permalinks, zlib)")
    wrap(mkpage.GeneratedPage, "render", "okrsite: GeneratedPage.render (unpack)")
    wrap(File, "generated", "on_files: File.generated")
    # MkDocs per page
    wrap(mp.Page, "read_source", "mkdocs: read_source (front matter parse)")
    wrap(mp.Page, "render", "mkdocs: Page.render (Markdown -> HTML, all)")
    wrap(mp._RelativePathTreeprocessor, "run", "mkdocs: link rewriting (inside render)")
    wrap(markdown.Markdown, "convert", "python-markdown convert (all callers)")
    wrap(mb, "get_context", "mkdocs: get_context (per page)")
    wrap(jinja2.Template, "render", "material: template render (per page + sitemap)")
    wrap(mu, "write_file", "mkdocs: write_file")
    wrap(Files, "copy_static_files", "mkdocs: copy static files")
    wrap(mb, "get_files", "mkdocs: get_files (scan docs_dir)")
    wrap(mb, "get_navigation", "mkdocs: get_navigation")
    # Material's search plugin
    wrap(SearchPlugin, "on_page_context", "search: on_page_context (HTML parse per page)")
    wrap(SearchPlugin, "on_post_build", "search: on_post_build (write the index)")


# -- the cyclic garbage collector: collections and their time, per generation ------------

GC_STATS: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0])  # count, seconds, collected
_gc_started: list[float] = []


def _gc_callback(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started.append(time.process_time())
    elif _gc_started:
        row = GC_STATS[info["generation"]]
        row[0] += 1
        row[1] += time.process_time() - _gc_started.pop()
        row[2] += info.get("collected", 0)


def install_gc_probe() -> None:
    import gc

    gc.callbacks.append(_gc_callback)


def gc_report() -> str:
    out = ["cyclic garbage collector in this process (gc.callbacks; CPU seconds):"]
    for gen in sorted(GC_STATS):
        count, seconds, collected = GC_STATS[gen]
        out.append(f"  generation {gen}: {int(count):6d} collections, {seconds:7.2f} s, "
                   f"{int(collected):,} objects freed")
    return "\n".join(out)


# -- memory: RSS at the build's milestones ------------------------------------------------

MEMORY: list[tuple[str, float]] = []


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def install_memory_probes() -> None:
    """RSS after on_files (core done), on_nav, on_env (every page read and converted,
    held in memory), and the end of the build; and what the pages hold at on_env."""
    from material.plugins.search.plugin import SearchPlugin

    import okrsite.mkdocs_plugin as plugin

    def after(owner: Any, name: str, label: str, extra: Callable[..., str] | None = None
              ) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def probed(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            note = extra(*args, **kwargs) if extra else ""
            MEMORY.append((label + note, rss_mb()))
            return result

        setattr(owner, name, probed)

    def held(self: Any, env: Any, *, config: Any, files: Any) -> str:
        pages = [f.page for f in files.documentation_pages() if f.page is not None]
        md = sum(len(p.markdown or "") for p in pages)
        content = sum(len(p.content or "") for p in pages)
        return (f" (pages hold {md / 1e6:.0f} MB of Markdown source and {content / 1e6:.0f} MB "
                "of converted HTML as str)")

    def index(self: Any, **kwargs: Any) -> str:
        entries = self.search_index.entries
        text = sum(len(e.get("text", "")) + len(e.get("title", "")) for e in entries)
        return f" (search index: {len(entries):,} entries, {text / 1e6:.0f} MB of text)"

    after(plugin.OkrsitePlugin, "on_files", "after on_files (core: load..render done)")
    after(plugin.OkrsitePlugin, "on_nav", "after on_nav")
    after(plugin.OkrsitePlugin, "on_env", "after on_env (all pages converted)", held)
    after(SearchPlugin, "on_post_build", "after search on_post_build (end)", index)


# -- the site ------------------------------------------------------------------------------


def make_site(root: Path, pages: int) -> Path:
    units, periods = split(pages)
    generate(root / "content", units, periods)
    (root / "mkdocs.yml").write_text(okrsite_yml(data_end(periods)))  # as bench_site.py
    return root / "mkdocs.yml"


def build_once(yml: Path, out: Path) -> float:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    shutil.rmtree(yml.parent / ".cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    config = load_config(str(yml), site_dir=str(out))
    config.plugins.on_startup(command="build", dirty=False)
    # MkDocs keeps a plugin with on_startup across load_config calls in one process, and
    # with it the in-memory ParseCache: drop it so that every build here parses cold.
    config.plugins["okrsite"].parse_cache = None
    t = time.perf_counter()
    build(config)
    return time.perf_counter() - t


def bytes_what_if(site: Path, sample: int) -> str:
    """A unit-period page's bytes after the changes that only move bytes."""
    pres = re.compile(r'\s(?:stroke|stroke-width|stroke-dasharray|fill|text-anchor|'
                      r'dominant-baseline|font-size)="[^"]*"')
    figure = re.compile(r'<figure class="okr-chart">.*?</figure>', re.S)
    data = re.compile(r'<details class="okr-data">.*?</details>', re.S)
    how = re.compile(r'<details class="okr-how"[^>]*>.*?</details>', re.S)
    pages = sorted(p for p in site.rglob("index.html")
                   if kind_of(p.relative_to(site).as_posix()) == "unit-period")
    chosen = pages[::max(1, len(pages) // sample)][:sample]
    rows: dict[str, list[int]] = defaultdict(list)
    for f in chosen:
        html = f.read_text(encoding="utf-8")
        size = len(html.encode())
        steps = [
            ("as built", html),
            ("SVG presentation attributes moved to okrsite.css",
             re.sub(r"<svg.*?</svg>", lambda m: pres.sub("", m[0]), html, flags=re.S)),
            ("charts drawn by okrsite.js from a data attribute (~300 B each)",
             figure.sub(lambda m: "x" * 300, html)),
            ("  + chart data tables dropped (the check-ins table is the data)",
             data.sub("", figure.sub(lambda m: "x" * 300, html))),
            ("  + 'How was this computed?' blocks removed (upper bound of moving them)",
             how.sub(lambda m: "", data.sub("", figure.sub(lambda m: "x" * 300, html)))),
        ]
        for label, text in steps:
            rows[label].append(len(text.encode()) if text is not html else size)
    out = [f"bytes of a unit-period page if... (mean of {len(chosen)} pages):"]
    for label, values in rows.items():
        out.append(f"  {statistics.mean(values) / 1024:7.1f} KB  {label}")
    return "\n".join(out)


# -- the core's memory, stage by stage (tracemalloc) ---------------------------------------


def core_memory(yml: Path, top: int = 12) -> str:
    """What the core allocates and keeps, stage by stage, as the plugin calls it (one
    ParseCache in memory, as in a serve session). tracemalloc counts Python objects;
    a str with any character beyond Latin-1 (·, –, ✓, ›) takes 2 bytes per character."""
    import gc
    import tracemalloc

    from okrsite.loader import ParseCache
    from okrsite.pipeline import run
    from okrsite.render import render_outputs
    from okrsite.settings import read_config

    lines = ["the core's memory (tracemalloc; MB of live Python objects):",
             f"  {'after':44} {'live':>8} {'peak':>8}"]

    def mark(label: str) -> None:
        current, peak = tracemalloc.get_traced_memory()
        lines.append(f"  {label:44} {current / 1e6:8.0f} {peak / 1e6:8.0f}")

    gc.collect()
    tracemalloc.start(1)
    site, _ = read_config(yml)  # the bench site's settings (as-of at the end of the data)
    settings = site.settings().but(cache_dir=None, history=False)
    build = run(settings, ParseCache(None))
    build.content  # noqa: B018 - each stage is computed when first asked for
    mark("content (parse, validate, model)")
    build.diagnostics  # noqa: B018
    mark("diagnostics (what check reports)")
    build.scorecard  # noqa: B018
    mark("scorecard")
    pages = list(render_outputs(build)[0])
    mark("render_outputs (every page's HTML)")
    chars = sum(len(p.html) for p in pages)
    wide = sum(1 for p in pages if not p.html.isascii()
               and any(ord(c) > 255 for c in p.html))
    retained = tracemalloc.take_snapshot()
    del build, pages
    gc.collect()
    mark("dropping all but the ParseCache")
    tracemalloc.stop()
    lines.append(f"  pages' Markdown: {chars / 1e6:.1f} M characters; {wide} of the pages hold "
                 "a character beyond Latin-1 (2 bytes per character in memory)")
    lines.append(f"\n  live before dropping, top {top} allocation sites:")
    for stat in retained.statistics("lineno")[:top]:
        frame = stat.traceback[0]
        lines.append(f"  {stat.size / 1e6:8.1f} MB {stat.count:9,} blocks  "
                     f"{_short(frame.filename)}:{frame.lineno}")
    return "\n".join(lines)


# -- cProfile: hotspots by phase -----------------------------------------------------------

PHASES = [  # (name, predicate on "file:line(function)") in the order they are tried
    ("okrsite core (load/validate/score/render)", lambda k: "/okrsite/" in k),
    ("search plugin (HTML parse, index)", lambda k: "material/plugins/search" in k
     or "html/parser.py" in k or "_markupbase" in k),
    ("python-markdown + extensions", lambda k: "/markdown/" in k or "/pymdownx/" in k),
    ("mkdocs page/link handling", lambda k: "mkdocs/structure" in k),
    ("jinja2 / Material templates", lambda k: "jinja2" in k or "material/templates" in k
     or "/templates/" in k),
    ("mkdocs other", lambda k: "/mkdocs/" in k),
    ("yaml", lambda k: "/yaml/" in k),
]


def hotspots(stats: pstats.Stats, top: int) -> str:
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())  # own time of everything
    by_phase: dict[str, float] = defaultdict(float)
    rows = []
    for (file, line, func), (_, nc, tt, ct, _) in raw.items():
        key = f"{file}:{line}({func})"
        phase = next((name for name, pred in PHASES if pred(key)), "other (stdlib, builtins)")
        by_phase[phase] += tt
        rows.append((tt, ct, nc, phase, _short(file), line, func))
    out = [f"own time by library (cProfile, {total:.1f} s profiled):"]
    for phase, tt in sorted(by_phase.items(), key=lambda x: -x[1]):
        out.append(f"  {tt:7.1f} s  {tt / total:5.1%}  {phase}")
    out.append(f"\ntop {top} functions by own time:")
    out.append(f"  {'own s':>7} {'cum s':>7} {'calls':>9}  function")
    for tt, ct, nc, _phase, file, line, func in sorted(rows, reverse=True)[:top]:
        out.append(f"  {tt:7.2f} {ct:7.2f} {nc:9d}  {func} ({file}:{line})")
    return "\n".join(out)


def _short(file: str) -> str:
    if "/src/okrsite/" in file:  # the snapshot of okrsite/ under the work dir
        return "okrsite/" + file.split("/src/okrsite/", 1)[1]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


# -- bytes ---------------------------------------------------------------------------------


class Spans(HTMLParser):
    """Byte spans of elements: (tag, classes) -> list of (start, end) offsets."""

    VOID: frozenset[str] = frozenset({
            "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr", "path", "circle", "line", "rect", "polyline", "use",
            "stop"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.lines = [0]
        for m in re.finditer("\n", text):
            self.lines.append(m.end())
        self.stack: list[tuple[str, str, str, int]] = []
        self.spans: list[tuple[str, str, str, int, int]] = []  # tag, class, id, start, end
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.lines[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in self.VOID:
            start = self._offset()
            text = self.get_starttag_text() or ""
            self.spans.append((tag, a.get("class") or "", a.get("id") or "", start,
                               start + len(text)))
            return
        self.stack.append((tag, a.get("class") or "", a.get("id") or "", self._offset()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        start = self._offset()
        self.spans.append((tag, a.get("class") or "", a.get("id") or "", start,
                           start + len(self.get_starttag_text() or "")))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                t, c, ident, start = self.stack[i]
                del self.stack[i:]
                end = self._offset() + len(f"</{tag}>")
                self.spans.append((t, c, ident, start, end))
                return


# Regions of a Material page (outermost match wins; bytes in none are "other").
CHROME = [
    ("<head>", lambda t, c, i: t == "head"),
    ("header (md-header)", lambda t, c, i: t == "header"),
    ("tabs/search dialogs", lambda t, c, i: "md-search" in c.split() or "md-tabs" in c),
    ("primary nav (site navigation)", lambda t, c, i: t == "nav" and "md-nav--primary" in c),
    ("toc (md-nav--secondary)", lambda t, c, i: t == "nav" and "md-nav--secondary" in c),
    ("article (page content)", lambda t, c, i: t == "article"),
    ("footer", lambda t, c, i: t == "footer"),
    ("scripts after body", lambda t, c, i: t == "script"),
]

# Inside the article (outermost match wins).
CONTENT = [
    ("KR charts (figure.okr-chart: SVG + caption)",
     lambda t, c, i: "okr-chart" in c.split() or t == "figure"),
    ("'How was this computed?' details", lambda t, c, i: t == "details" and "okr-how" in c),
    ("KR chart data tables (details.okr-data)", lambda t, c, i: t == "details"
     and "okr-data" in c),
    ("other details", lambda t, c, i: t == "details"),
    ("svg (outside figures)", lambda t, c, i: t == "svg"),
    ("tables", lambda t, c, i: t == "table"),
    ("headings", lambda t, c, i: t in ("h1", "h2", "h3", "h4")),
    ("progress bars", lambda t, c, i: "okr-progress" in c),
    ("status chips", lambda t, c, i: "okr-chip" in c),
    ("meta lines / breadcrumbs", lambda t, c, i: "okr-meta" in c or "okr-breadcrumbs" in c),
    ("paragraphs/lists", lambda t, c, i: t in ("p", "ul", "ol")),
]


def _outermost(spans: list[tuple[str, str, str, int, int]], rules: list[Any], lo: int,
               hi: int) -> dict[str, int]:
    """Bytes of [lo, hi) covered by the outermost span matching each rule."""
    found = sorted((s, e, name) for t, c, i, s, e in spans if lo <= s and e <= hi
                   for name, pred in [next(((n, p) for n, p in rules if p(t, c, i)),
                                           (None, None))] if name)
    out: dict[str, int] = defaultdict(int)
    reach = lo
    for s, e, name in found:
        if s < reach:
            continue  # inside an outer match
        out[name] += e - s
        reach = e
    return out


def page_bytes(html: str) -> dict[str, int]:
    raw = html.encode()
    text = html
    spans = Spans(text).spans
    # offsets are in characters; convert to bytes by scaling (UTF-8: chips use ✓ etc.)
    ratio = len(raw) / max(len(text), 1)
    chrome = _outermost(spans, CHROME, 0, len(text))
    result = {f"chrome: {k}" if "article" not in k else k: v for k, v in chrome.items()}
    article = [(s, e) for t, c, i, s, e in spans if t == "article"]
    if article:
        s, e = article[0]
        inner = _outermost(spans, CONTENT, s, e)
        for k, v in inner.items():
            result[f"  article: {k}"] = v
        result["  article: other (text, links, wrappers)"] = (e - s) - sum(inner.values())
    result["chrome: other (doctype, wrappers, whitespace)"] = len(text) - sum(chrome.values())
    return {k: int(v * ratio) for k, v in result.items()}


def kind_of(rel: str) -> str:
    parts = rel.split("/")
    if parts[0] == "periods" and len(parts) == 4:
        return "unit-period"
    if parts[0] == "periods" and len(parts) == 3:
        return "period"
    if parts[0] == "units" and len(parts) == 3:
        return "unit overview"
    if parts[0] == "cascade":
        return "cascade"
    return "other (home, indexes, kpis, 404)"


def bytes_report(site: Path, sample: int) -> str:
    by_kind: dict[str, list[int]] = defaultdict(list)
    htmls = sorted(site.rglob("*.html"))
    for f in htmls:
        by_kind[kind_of(f.relative_to(site).as_posix())].append(f.stat().st_size)
    out = ["HTML bytes by page kind:",
           f"  {'kind':34} {'pages':>6} {'total MB':>9} {'avg KB':>8} {'max KB':>8}"]
    total = sum(sum(v) for v in by_kind.values())
    for kind, sizes in sorted(by_kind.items(), key=lambda x: -sum(x[1])):
        out.append(f"  {kind:34} {len(sizes):6d} {sum(sizes) / 1e6:9.1f} "
                   f"{statistics.mean(sizes) / 1024:8.1f} {max(sizes) / 1024:8.1f}")
    out.append(f"  {'all':34} {len(htmls):6d} {total / 1e6:9.1f} "
               f"{total / len(htmls) / 1024:8.1f}")

    unit_pages = [f for f in htmls if kind_of(f.relative_to(site).as_posix()) == "unit-period"]
    step = max(1, len(unit_pages) // sample)
    chosen = unit_pages[::step][:sample]
    acc: dict[str, list[int]] = defaultdict(list)
    for f in chosen:
        for k, v in page_bytes(f.read_text(encoding="utf-8")).items():
            acc[k].append(v)
    size = statistics.mean(f.stat().st_size for f in chosen)
    out.append(f"\none unit-period page, mean of {len(chosen)} (avg {size / 1024:.1f} KB):")
    ordered = sorted((k for k in acc if not k.startswith("  ")),
                     key=lambda k: -statistics.mean(acc[k]))
    for k in ordered:
        v = statistics.mean(acc[k]) if len(acc[k]) == len(chosen) else sum(acc[k]) / len(chosen)
        out.append(f"  {v / 1024:7.1f} KB {v / size:6.1%}  {k}")
        if "article" in k:
            inner = sorted((j for j in acc if j.startswith("  ")),
                           key=lambda j: -sum(acc[j]))
            for j in inner:
                w = sum(acc[j]) / len(chosen)
                out.append(f"    {w / 1024:7.1f} KB {w / size:6.1%}  {j.strip()[9:]}")

    index = site / "search" / "search_index.json"
    if index.exists():
        docs = json.loads(index.read_bytes())["docs"]
        per: dict[str, list[int]] = defaultdict(list)
        for d in docs:
            loc = d["location"].split("#", 1)[0]
            per[kind_of(loc + "index.html" if loc.endswith("/") or not loc else loc)].append(
                len(json.dumps(d, ensure_ascii=False).encode()))
        out.append(f"\nsearch index: {index.stat().st_size / 1e6:.1f} MB, {len(docs):,} "
                   "entries (one per page plus one per heading with an id):")
        for kind, sizes in sorted(per.items(), key=lambda x: -sum(x[1])):
            pages = len(by_kind.get(kind, [])) or 1
            out.append(f"  {kind:34} {len(sizes):7,} entries {sum(sizes) / 1e6:7.1f} MB "
                       f"{len(sizes) / pages:6.1f} entries/page "
                       f"{sum(sizes) / pages / 1024:6.1f} KB/page")
    return "\n".join(out)


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    import logging

    logging.getLogger("mkdocs").setLevel(logging.ERROR)  # as `mkdocs build -q`
    os.environ.setdefault("OKRSITE_WORKERS", "1")  # pages render here, where they are timed
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000, help="unit-period pages")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sample", type=int, default=25, help="unit-period pages to dissect")
    ap.add_argument("--no-cprofile", action="store_true")
    ap.add_argument("--pyinstrument", action="store_true",
                    help="also print a pyinstrument tree of a third build")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--core-memory", action="store_true",
                    help="also trace the core's memory stage by stage (tracemalloc)")
    ap.add_argument("--live", action="store_true",
                    help="profile the repository's okrsite/ instead of a copy taken now")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="okrsite-profile-"))
    shutil.rmtree(work, ignore_errors=True)
    try:
        yml = make_site(work, args.pages)
        out = work / "site"
        if not args.live:  # the repository is edited live: profile a fixed copy
            code = snapshot_code(work)
            sys.path.insert(0, code["snapshot"])
            print(f"code: commit {code['commit']}, okrsite digest {code['okrsite_digest']}, "
                  f"local changes {code['okrsite_local_changes'] or 'none'}")
        install_timers()
        install_memory_probes()
        MEMORY.append(("before the build", rss_mb()))
        install_gc_probe()
        wall = build_once(yml, out)
        peak = peak_mb()
        import okrsite

        print(f"okrsite imported from {Path(okrsite.__file__).parent}")
        print(f"N={args.pages:,} unit-period pages: build {wall:.1f} s (timers only, "
              "no profiler)\n")
        print("phases (wall clock, inclusive; indented ones are inside the one above):")
        rows = [
            ("okrsite on_files (all)", 0),
            ("core: _pages (all)", 1),
            ("core: load + validate + model", 2),
            ("core: check_scoring (score for the checks)", 2),
            ("core: score_content (score for the pages)", 2),
            ("core: render pages (HTML, as on_files takes them)", 1),
            ("core: SafeMarkdown.html (fields via python-markdown)", 2),
            ("on_files: GeneratedPage (toc, permalinks, zlib)", 1),
            ("on_files: File.generated", 1),
            ("mkdocs: get_files (scan docs_dir)", 0),
            ("mkdocs: get_navigation", 0),
            ("okrsite: GeneratedPage.render (unpack)", 0),
            ("mkdocs: get_context (per page)", 0),
            ("search: on_page_context (HTML parse per page)", 0),
            ("material: template render (per page + sitemap)", 0),
            ("mkdocs: write_file", 0),
            ("mkdocs: copy static files", 0),
            ("search: on_post_build (write the index)", 0),
        ]
        top_level = 0.0
        for name, depth in rows:
            t = TIMES.get(name, 0.0)
            if depth == 0:
                top_level += t
            print(f"  {'  ' * depth}{t:7.2f} s {t / wall:6.1%} {CALLS.get(name, 0):7d} calls  "
                  f"{name}")
        print(f"  {wall - top_level:7.2f} s {(wall - top_level) / wall:6.1%}          "
              "rest (on_nav/on_env, sitemap, plugins' other events, gc)")
        print("\n" + gc_report())
        print("\nmemory (RSS of this process):")
        for label, mb in MEMORY:
            print(f"  {mb:7.0f} MB  {label}")
        print(f"  {peak:7.0f} MB  peak (ru_maxrss)")
        key = "python-markdown convert (all callers)"
        print(f"  python-markdown convert, all callers: {TIMES[key]:.2f} s "
              f"in {CALLS[key]} calls")
        print()
        print(bytes_report(out, args.sample))
        print()
        print(bytes_what_if(out, args.sample))
        print()
        if args.core_memory:
            print(core_memory(yml))
            print()
        if not args.no_cprofile:
            prof = cProfile.Profile()
            prof.enable()
            wall2 = build_once(yml, out)
            prof.disable()
            print(f"cProfile build: {wall2:.1f} s (profiling overhead included)")
            s = io.StringIO()
            print(hotspots(pstats.Stats(prof, stream=s), args.top))
            s = io.StringIO()
            ps = pstats.Stats(prof, stream=s).sort_stats("cumulative")
            ps.print_stats(r"okrsite|markdown/core|structure/pages|search/plugin|"
                           r"jinja2/environment|commands/build", 40)
            print("\ncumulative, our code and the main MkDocs/Material entry points:")
            print("\n".join(line for line in s.getvalue().splitlines()
                            if line.strip() and "Ordered by" not in line
                            and "List reduced" not in line and "function calls" not in line))
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.002)
            profiler.start()
            build_once(yml, out)
            profiler.stop()
            MEMORY.clear()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
