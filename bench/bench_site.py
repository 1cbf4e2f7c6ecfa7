"""Site builds side by side: okrsite against plain Material sites of the same content.

    python bench/bench_site.py --sizes 100,1000 --repeat 3
    python bench/bench_site.py --sizes 1000,5000 --once-at 5000 --markdown out.md
    python bench/bench_site.py --sizes 1000 --okrsite-src before=/work/wt/me-base \\
        --okrsite-src after=/work/wt/me        # before/after in one run, alternating
    python bench/bench_site.py --from-json results.json --update-results bench/RESULTS.md

The synthetic company (bench/synth.py): N unit-period pages, N/periods units x
periods quarters (8 quarters when 8 divides N; 100 -> 20 units x 5), each file 4
objectives x 4 key results x 5 check-ins. The as-of date is the date of the last
check-in in the data (`synth.data_end`): no quarter lies in the future, every
check-in counts, and the last quarter is the active one.

Sites built from the same YAML (`--kinds`, default okrsite,fair,pruned):

  okrsite  the okrsite plugin (search + okrsite, navigation.indexes), history off,
           as_of at the end of the data; its cache_dir (.cache/ next to mkdocs.yml)
           is deleted before every build, so every build is cold. With
           --okrsite-src given, one such site per source tree: okrsite-A,
           okrsite-B, ... (or okrsite-LABEL for LABEL=PATH).
  fair     THE BASELINE. Plain Material: one Markdown page per unit-period file
           (periods/<quarter>/<unit>.md: the unit's objectives as h2, key results as
           h3, a facts table and a check-in table per key result), one index page
           per quarter linking its unit pages, a home page. The navigation has the
           shape okrsite's has: home and a Periods section of the quarter pages; the
           unit pages are kept out of it (`not_in_nav`), as okrsite keeps its own,
           so a page does not carry a whole quarter of navigation.
  pruned   the same docs, every page in the navigation, `navigation.prune`
  default  the same docs, every page in the navigation, Material's whole nav
           (not built unless asked for: 370 MB and 70 s at N=1,000)

What is searchable (Material's search plugin indexes headings, and the text of
everything else, tables included):
  plain    page title; objective titles (h2); descriptions, owner and type
           (paragraph); KR titles (h3); the facts tables (baseline, target, unit);
           the check-in tables: date, value, confidence and NOTE of every check-in.
  okrsite  what `okrsite.render.page.searchable` hands the search plugin: page
           title, status lines, objective titles, owners, descriptions, alignment,
           KR titles and facts; check-in notes, owners and KR titles being the
           fields issue 17 requires.
The bench checks this instead of assuming it: for a sample of unit pages it looks
up every objective title, owner, KR title and check-in note of the YAML in the
page's entries of search_index.json, and in the page's HTML ("coverage").

Every build is `python -m mkdocs build -q -f <yml> -d <out>` in a fresh process,
kinds in alternating order across repeats; medians of wall and CPU time. CPU time
is the child's user + sys from os.wait4 (it includes worker processes the child
waited for). Peak memory is sampled every 0.2 s over the child's process tree, so
worker processes count: peak PSS (the target's measure: a page shared by k processes
counts 1/k in each, so forked workers' shared copy-on-write pages count once) and
peak RSS (the larger of the child's ru_maxrss and the summed RSS of the tree; it
counts every shared page once per process, so it overstates a forked build).
"site" is everything in the output directory; "KB per site page" is the output
minus the fixed theme assets (assets/) divided by the HTML pages, i.e. HTML plus
search index plus sitemaps per page.

Then, at --serve-size and --ci-size, for each okrsite site:

  edit loop  as `mkdocs serve` runs it, in one process with one plugin instance
             (on_startup once, then load_config + build per change): a cold build,
             then --serve-edits times: one active-period YAML file is saved (the
             first check-in note changed to a new marker) and rebuilt. Measured from
             the save: until the edited unit's page is written (its mtime) and until
             the rebuild returns, which is when livereload reloads the browser (the
             watcher's own polling delay is not included). Modes (--serve-modes):
             `serve` (mkdocs serve) and `dirty` (mkdocs serve --dirty). The page must
             contain the new marker, or the result says it does not. Each rebuild's
             CPU seconds (`cpu_s`: the process's; a rebuild renders in it alone).
  CI         on a copy of the okrsite project whose past quarters are closed
             (`okrsite close`, each on the day after its end, by the first okrsite
             tree: final records, so they are frozen periods as a company's past
             quarters are; the last quarter stays active), two `mkdocs build`
             processes as CI runs them: a cold one (empty cache_dir), then one
             active-period YAML file edited, every content file touched (a fresh
             checkout has new mtimes), the output directory deleted, and a build with
             the cache_dir of the first kept.

Targets of issue 17 (PASS/FAIL/NOT MEASURED, for each okrsite site): cold build
<= 0.3x the fair baseline at 1,000 and 5,000 (wall time; CPU time shown); linear
(5,000 <= 5.5x 1,000); <= 60 KB per HTML page and per site page at 1,000 and
5,000; peak PSS < 1 GB at 5,000; save to served <= 2 s or <= 0.1x a cold build
at 1,000; CI rebuild with only the active period changed <= 0.25x a cold build;
every sampled note, owner and KR title searchable.

Output: progress on stderr, then the Markdown report on stdout (the section that
goes into bench/RESULTS.md; --markdown writes it to a file, --update-results
replaces the generated block of a RESULTS.md between its markers), and everything
as JSON (--json). --from-json re-renders the report of an earlier run.

The repository is shared and edited while a run takes an hour, so the builds run
against copies of okrsite/ and schema/ taken when the run starts (PYTHONPATH points
at the copy; --live uses the trees in place); the report records each copy's
digest, the commit of its tree and whether okrsite/ had local changes.
--okrsite-src [LABEL=]PATH (repeatable) names a directory holding okrsite/ and
schema/ (a checkout or worktree, e.g. `git worktree add /work/wt/x-base main` for
the "before"); without it the tree this script is in is used.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from synth import close_past, data_end, generate, mkdocs_yml

REPO = Path(__file__).resolve().parent.parent
PLAIN_KINDS = ("fair", "pruned", "default")
DEFAULT_KINDS = "okrsite,fair,pruned"
BASE_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
BASE_ENV.pop("OKRSITE_NO_CACHE", None)  # the CI measure needs the cache

# Targets of issue 17.
MAX_VS_FAIR = 0.3  # okrsite cold wall time / fair plain wall time, at 1,000 and 5,000
MAX_SCALING = 5.5  # okrsite 5,000 / okrsite 1,000 (linear, 10% slack)
MAX_AVG_KB = 60  # KB per page, HTML and site
MAX_MEM_MB_5000 = 1024  # peak PSS (summed over its processes) of the 5,000-page build
MAX_SERVE_S, MAX_SERVE_RATIO = 2.0, 0.1  # save to served at 1,000: 2 s or 0.1x cold
MAX_CI_RATIO = 0.25  # CI build, only the active period changed / cold build
TARGET_SIZES = (1000, 5000)


def okrsite_yml(as_of: str) -> str:
    return mkdocs_yml(as_of)


PLAIN_YML = """\
site_name: Synthetic Corp OKRs (plain)
docs_dir: docs
theme:
  name: material
  font: false
  features: [{features}]
plugins:
  - search
"""

# -- the sites ------------------------------------------------------------------------------


def split(n: int) -> tuple[int, int]:
    """(units, periods) with units * periods == n: 8 periods when 8 divides n, else the
    largest number of periods below 8 that does (100 -> 20 units x 5)."""
    for periods in range(8, 0, -1):
        if n % periods == 0:
            return n // periods, periods
    raise AssertionError


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def plain_page(data: dict[str, Any], unit_name: str) -> str:
    """One unit-period file as hand-written Markdown: objectives as h2, key results as
    h3 with a facts table and the check-ins as a table."""
    out = [f"# {unit_name} · {data['period']}", ""]
    for o in data["objectives"]:
        out += [f"## {o['title']}", "", str(o.get("description", "")).strip(), "",
                f"Owner {o.get('owner', '–')} · {o.get('type', 'committed')}"
                + (f" · aligns to `{o['aligns_to']}`" if o.get("aligns_to") else ""), ""]
        for kr in o.get("key_results", []):
            out += [f"### {kr['title']}", "",
                    "| Baseline | Target | Unit |", "| --- | --- | --- |",
                    f"| {kr.get('baseline', '–')} | {kr.get('target', '–')} | "
                    f"{kr.get('unit', '')} |", "",
                    "| Date | Value | Confidence | Note |", "| --- | --- | --- | --- |"]
            for c in kr.get("check_ins", []):
                out.append(f"| {c['date']} | {c['value']} | {c.get('confidence', '')} | "
                           f"{_cell(c.get('note', ''))} |")
            out.append("")
    return "\n".join(out)


def fair_yml(quarters: list[str]) -> str:
    """okrsite's navigation shape: home, then Periods (its index, the quarters newest
    first); unit pages reachable from their quarter's page but not in the nav."""
    nav = ["nav:", "  - index.md", "  - Periods:", "    - periods/index.md"]
    nav += [f"    - periods/{q}/index.md" for q in reversed(quarters)]
    return (PLAIN_YML.format(features="navigation.indexes") + "\n".join(nav) + "\n"
            "not_in_nav: |\n  /periods/*/*.md\n  !/periods/*/index.md\n")


def make_sites(root: Path, n: int) -> dict[str, Any]:
    """The okrsite project and the plain one (docs shared by every plain config)."""
    units, periods = split(n)
    as_of = data_end(periods)
    okr = root / "okrsite"
    pages = generate(okr / "content", units, periods)
    (okr / "mkdocs.yml").write_text(okrsite_yml(as_of))
    plain = root / "plain"
    docs = plain / "docs"
    org = yaml.load((okr / "content" / "org.yaml").read_bytes(), Loader=yaml.CSafeLoader)
    names = {u["id"]: u["name"] for u in org["units"]}
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Synthetic Corp OKRs\n\nEvery unit's OKRs by period: "
                                   "[Periods](periods/index.md).\n")
    quarters = sorted(p.name for p in (okr / "content" / "periods").iterdir())
    (docs / "periods").mkdir()
    (docs / "periods" / "index.md").write_text(
        "# Periods\n\n" + "".join(f"- [{q}]({q}/index.md)\n" for q in reversed(quarters)))
    for q in quarters:
        links = [f"# {q}", ""]
        for f in sorted((okr / "content" / "periods" / q).glob("*.yaml")):
            data = yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
            name = names.get(data["unit"], data["unit"])
            (docs / "periods" / q).mkdir(exist_ok=True)
            (docs / "periods" / q / f"{f.stem}.md").write_text(plain_page(data, name))
            links.append(f"- [{name}]({f.stem}.md)")
        (docs / "periods" / q / "index.md").write_text("\n".join(links) + "\n")
    (plain / "fair.yml").write_text(fair_yml(quarters))
    (plain / "pruned.yml").write_text(
        PLAIN_YML.format(features="navigation.indexes, navigation.prune"))
    (plain / "default.yml").write_text(PLAIN_YML.format(features="navigation.indexes"))
    yaml_bytes = sum(f.stat().st_size for f in (okr / "content").rglob("*.yaml"))
    return {"units": units, "periods": periods, "unit_period_pages": pages, "as_of": as_of,
            "quarters": quarters, "yaml_mb": round(yaml_bytes / 1e6, 2)}


def config_file(root: Path, kind: str) -> Path:
    if kind.startswith("okrsite"):
        return root / "okrsite" / "mkdocs.yml"
    return root / "plain" / f"{kind}.yml"


def active_file(root: Path, project: str = "okrsite") -> Path:
    """The YAML file the edit measures change: a team in the last (active) quarter."""
    latest = sorted((root / project / "content" / "periods").iterdir())[-1]
    return sorted(latest.glob("*.yaml"))[-1]


def unit_page(site: Path, yaml_file: Path) -> Path:
    """The built page of a unit-period file (directory URLs, else .html)."""
    folder = site / "periods" / yaml_file.parent.name
    page = folder / yaml_file.stem / "index.html"
    return page if page.exists() else folder / f"{yaml_file.stem}.html"


# -- one build ------------------------------------------------------------------------------


def site_size(site: Path) -> dict[str, Any]:
    total = disk = html = html_bytes = search = assets = 0
    for dirpath, _, filenames in os.walk(site):
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            total += st.st_size
            if Path(dirpath).relative_to(site).parts[:1] == ("assets",):
                assets += st.st_size  # the theme's (and okrsite's) fixed CSS/JS/fonts
            disk += st.st_blocks * 512
            if name.endswith(".html"):
                html += 1
                html_bytes += st.st_size
            elif name == "search_index.json":
                search += st.st_size
    return {"html_pages": html, "site_bytes": total, "site_disk_bytes": disk,
            "html_bytes": html_bytes, "search_index_bytes": search, "assets_bytes": assets,
            "avg_html_kb": round(html_bytes / max(html, 1) / 1024, 1),
            # per page: HTML + search index + sitemaps, without the fixed theme assets
            "avg_site_kb": round((total - assets) / max(html, 1) / 1024, 1)}


class TreeMemory(threading.Thread):
    """Samples the memory of a process and its descendants every 0.2 s (worker
    processes are not in the parent's ru_maxrss): the summed RSS, and the summed PSS
    (proportional set size, /proc/<pid>/smaps_rollup), which counts a page shared by
    k processes (the forked workers share the parent's copy-on-write pages) as 1/k in
    each, so the sum is the memory the tree really takes. RSS sums count a shared
    page once per process: 2.5 GB for a 5,000-page build that takes 1.1 GB."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.pss_seen = False  # smaps_rollup is Linux 4.14+, and may be unreadable
        self.page = os.sysconf("SC_PAGE_SIZE")

    def tree(self) -> set[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, grew = {self.pid}, True
        while grew:
            more = {p for p, pp in parents.items() if pp in tree} - tree
            tree |= more
            grew = bool(more)
        return tree

    def sample(self) -> tuple[int, int]:
        """(summed RSS, summed PSS) in bytes, now."""
        rss = pss = 0
        for p in self.tree():
            with contextlib.suppress(OSError, IndexError):  # the process ended
                rss += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * self.page
            with contextlib.suppress(OSError, IndexError, ValueError):
                pss += _pss_kb(Path(f"/proc/{p}/smaps_rollup").read_text()) * 1024
                self.pss_seen = True
        return rss, pss

    def run(self) -> None:
        while not self.done.wait(0.2):
            rss, pss = self.sample()
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)


def _pss_kb(rollup: str) -> int:
    """The Pss line of a smaps_rollup, in kB."""
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise ValueError("no Pss line")


def _peak_pss_mb(sampler: TreeMemory, largest_rss: int) -> float | None:
    """The sampled peak PSS; a build too short to be sampled: its own peak RSS (an
    upper bound); None when PSS could not be read here (not Linux, or too old)."""
    if sampler.pss_seen:
        return round(sampler.peak_pss / 2**20, 1)
    return None if sampler.peak_rss else round(largest_rss / 2**20, 1)


def run_child(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> dict[str, Any]:
    """Run a process to the end: wall time, CPU time and peak memory of its tree."""
    load = os.getloadavg()[0]
    with log.open("w") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=err, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        sampler = TreeMemory(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        sampler.done.set()
        sampler.join()
    code = os.waitstatus_to_exitcode(status)
    largest = usage.ru_maxrss * 1024  # bytes: the largest process's own peak RSS
    return {"returncode": code, "wall_s": round(wall, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "maxrss_mb": round(max(largest, sampler.peak_rss) / 2**20, 1),
            "maxpss_mb": _peak_pss_mb(sampler, largest),
            "largest_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "load_before": round(load, 2), "log": log.read_text()}


def build(root: Path, kind: str, out: Path, env: dict[str, str],
          cold: bool = True, yml: Path | None = None) -> dict[str, Any]:
    """One build in a fresh process (cold: okrsite's cache_dir deleted first); `yml`:
    another project's config than the kind's."""
    yml = yml or config_file(root, kind)
    shutil.rmtree(out, ignore_errors=True)
    if cold:
        shutil.rmtree(yml.parent / ".cache", ignore_errors=True)  # okrsite's cache_dir
    r = run_child([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(yml), "-d", str(out)],
                  env, yml.parent, out.parent / f"{out.name}.log")
    text = r.pop("log")
    if r.pop("returncode") != 0:
        raise SystemExit(f"{kind} build failed:\n{text[-3000:]}")
    return {**r, "warnings": sum(1 for line in text.splitlines() if "WARNING" in line),
            **site_size(out)}


# -- coverage: the same content shown and searchable ----------------------------------------


def coverage(root: Path, site: Path, samples: int = 12) -> dict[str, Any]:
    """For `samples` unit-period files spread over the content: how many of their
    objective titles, owners, KR titles and check-in notes are in the page's HTML and
    in its search index entries. [found, total] per field."""
    files = sorted((root / "okrsite" / "content" / "periods").rglob("*.yaml"))
    picked = files[:: max(1, len(files) // samples)][:samples]
    index = json.loads((site / "search" / "search_index.json").read_text())
    entries: dict[str, list[str]] = {}
    for doc in index["docs"]:
        entries.setdefault(doc["location"].split("#", 1)[0], []).append(
            doc.get("title", "") + " " + doc.get("text", ""))
    fields = ("objective titles", "owners", "KR titles", "check-in notes")
    result = {where: {f: [0, 0] for f in fields} for where in ("html", "search")}
    for f in picked:
        data = yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
        page = unit_page(site, f)
        html = page.read_text() if page.exists() else ""
        location = f"periods/{f.parent.name}/{f.stem}/"
        searched = " ".join(entries.get(location, []) or entries.get(
            f"periods/{f.parent.name}/{f.stem}.html", []))
        values: dict[str, list[str]] = {k: [] for k in fields}
        for o in data["objectives"]:
            values["objective titles"].append(o["title"])
            values["owners"].append(o["owner"])
            for kr in o["key_results"]:
                values["KR titles"].append(kr["title"])
                values["check-in notes"] += [c["note"] for c in kr["check_ins"]]
        for field, texts in values.items():
            for text in texts:
                for where, haystack in (("html", html), ("search", searched)):
                    result[where][field][1] += 1
                    result[where][field][0] += text in haystack
    return {"pages": len(picked), **result}


# -- mkdocs serve: the same plugin instance across builds ------------------------------------

SERVE = r"""
import json, os, sys, time
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

yml, out, edited, marker, mode, edits = sys.argv[1:7]
edited, edits, dirty = Path(edited), int(edits), mode == "dirty"
candidates = [Path(p) for p in sys.argv[7:]]
serve_url = "http://127.0.0.1:8000/"

def parsed(plugin):
    cache = getattr(plugin, "parse_cache", None)
    return getattr(cache, "parsed", None)

config = load_config(yml, site_dir=out)
config.plugins.on_startup(command="serve", dirty=dirty)  # as mkdocs serve does, once
plugin = config.plugins["okrsite"]
config.site_url = serve_url
t = time.perf_counter()
build(config, serve_url=serve_url, dirty=dirty)
cold = time.perf_counter() - t
before = parsed(plugin)
original = edited.read_text()
runs = []
try:
    for k in range(1, edits + 1):
        edited.write_text(original.replace("note: ", f"note: {marker}{k} ", 1))
        saved, t, cpu = time.time(), time.perf_counter(), time.process_time()  # the save
        config = load_config(yml, site_dir=out)  # what mkdocs serve's builder does
        config.site_url = serve_url
        build(config, serve_url=serve_url, dirty=dirty)
        done, cpu = time.perf_counter() - t, time.process_time() - cpu
        page = next((p for p in candidates if p.exists()), None)
        text = page.read_text() if page else ""
        now = parsed(plugin)
        runs.append({"save_to_served_s": round(done, 2), "cpu_s": round(cpu, 2),
                     "save_to_page_written_s":
                         round(page.stat().st_mtime - saved, 2) if page else None,
                     "page_updated": f"{marker}{k} " in text,
                     "same_plugin_instance": config.plugins["okrsite"] is plugin,
                     "parsed": None if now is None or before is None else now - before})
        before = now
finally:
    edited.write_text(original)
print(json.dumps({"cold_s": round(cold, 2), "edits": runs}))
"""


def serve_loop(root: Path, out: Path, env: dict[str, str], mode: str,
               edits: int) -> dict[str, Any]:
    yml = config_file(root, "okrsite")
    shutil.rmtree(yml.parent / ".cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    edited = active_file(root)
    folder = out / "periods" / edited.parent.name
    candidates = [folder / edited.stem / "index.html", folder / f"{edited.stem}.html"]
    r = run_child([sys.executable, "-c", SERVE, str(yml), str(out), str(edited), "Benchedit",
                   mode, str(edits), *map(str, candidates)], env, yml.parent,
                  out.parent / f"serve-{mode}.log")
    text = r.pop("log")
    if r.pop("returncode") != 0:
        raise SystemExit(f"serve session ({mode}) failed:\n{text[-3000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    worst = max(result["edits"], key=lambda e: e["save_to_served_s"])
    result.update({"mode": mode, "edited": edited.relative_to(root / "okrsite").as_posix(),
                   "save_to_served_s": worst["save_to_served_s"],
                   "save_to_page_written_s": worst["save_to_page_written_s"],
                   "served_vs_cold": round(worst["save_to_served_s"] / result["cold_s"], 3),
                   "page_updated": all(e["page_updated"] for e in result["edits"]),
                   "maxrss_mb": r["maxrss_mb"], "maxpss_mb": r["maxpss_mb"],
                   "load_before": r["load_before"]})
    return result


CI_PROJECT = "okrsite-ci"  # the okrsite project with its past quarters closed


def closed_project(root: Path, periods: int, env: dict[str, str]) -> Path:
    """A copy of root/okrsite whose quarters but the last are closed (synth.close_past)."""
    project = root / CI_PROJECT
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(root / "okrsite", project, ignore=shutil.ignore_patterns(".cache"))
    close_past(project, periods, env)
    return project


def ci_rebuild(root: Path, out: Path, kind: str, env: dict[str, str]) -> dict[str, Any]:
    """On the closed project: a cold CI build, then one with its cache_dir kept and one
    active-period file edited, every content file touched and the output directory gone."""
    project = root / CI_PROJECT
    yml = project / "mkdocs.yml"
    cold = build(root, kind, out, env, yml=yml)
    edited = active_file(root, CI_PROJECT)
    original = edited.read_text()
    marker = "Benchci1 "
    try:
        edited.write_text(original.replace("note: ", f"note: {marker}", 1))
        now = time.time()
        for f in (project / "content").rglob("*"):
            os.utime(f, (now, now))
        warm = build(root, kind, out, env, cold=False, yml=yml)
        page = unit_page(out, edited)
        updated = page.exists() and marker in page.read_text()
    finally:
        edited.write_text(original)
    return {"edited": edited.relative_to(project).as_posix(),
            "closed_periods": len(list((project / "content" / "periods").iterdir())) - 1,
            "cold_s": cold["wall_s"], "cold_cpu_s": cold["cpu_s"],
            "rebuild_s": warm["wall_s"], "rebuild_cpu_s": warm["cpu_s"],
            "rebuild_vs_cold": round(warm["wall_s"] / cold["wall_s"], 3),
            "rebuild_cpu_vs_cold": round(warm["cpu_s"] / cold["cpu_s"], 3),
            "page_updated": updated, "load_before": [cold["load_before"], warm["load_before"]]}


# -- the code under test --------------------------------------------------------------------


def git_info(tree: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True)
        return out.stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "branch": git("branch", "--show-current"),
            "okrsite_local_changes": git("status", "--porcelain", "--", "okrsite",
                                         "schema").splitlines()}


def snapshot_code(work: Path, src: Path = REPO, name: str = "src") -> dict[str, Any]:
    """Copy src's okrsite/ (and schema/) into work/name; builds point PYTHONPATH at the
    copy. Returns where it is, its digest and the commit of src."""
    dest = work / name
    shutil.rmtree(dest, ignore_errors=True)
    for part in ("okrsite", "schema"):  # okrsite/schema.py reads ../schema in a checkout
        shutil.copytree(src / part, dest / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    h = hashlib.sha256()
    for f in sorted(p for p in dest.rglob("*") if p.is_file()):
        h.update(f.relative_to(dest).as_posix().encode() + b"\0" + f.read_bytes())
    return {"okrsite_digest": h.hexdigest()[:16], "tree": str(src), **git_info(src),
            "snapshot": str(dest)}


def sources(specs: list[str], work: Path, live: bool) -> dict[str, dict[str, Any]]:
    """kind -> the code it builds with: `okrsite` alone, or okrsite-LABEL per source."""
    if not specs:
        named = [("okrsite", REPO)]
    else:
        named = []
        for i, spec in enumerate(specs):
            label, _, path = spec.partition("=") if "=" in spec else ("", "", spec)
            named.append((f"okrsite-{label or chr(ord('A') + i)}", Path(path).resolve()))
    out = {}
    for kind, tree in named:
        if not (tree / "okrsite" / "__init__.py").exists():
            raise SystemExit(f"--okrsite-src {tree}: no okrsite/ package in it")
        code = ({"tree": str(tree), **git_info(tree), "snapshot": str(tree), "live": True}
                if live else snapshot_code(work, tree, f"src-{kind}"))
        out[kind] = code
    return out


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import material
    import mkdocs

    return {"nproc": os.cpu_count(), "python": platform.python_version(),
            "mkdocs": mkdocs.__version__, "material": version("mkdocs-material"),
            "platform": platform.platform(), "material_path": str(Path(material.__file__).parent),
            "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "cpu": _cpu_model()}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# -- report ---------------------------------------------------------------------------------


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The medians of the timings, the max of the peak RSS and PSS; sizes are
    deterministic."""
    out = dict(runs[0])
    for key in ("wall_s", "cpu_s", "load_before"):
        out[key] = round(statistics.median(r[key] for r in runs), 2)
    out["maxrss_mb"] = max(r["maxrss_mb"] for r in runs)
    pss = [r.get("maxpss_mb") for r in runs]
    out["maxpss_mb"] = None if None in pss else max(pss)  # type: ignore[type-var]
    out["walls"] = [r["wall_s"] for r in runs]
    out["cpus"] = [r["cpu_s"] for r in runs]
    out["loads"] = [r["load_before"] for r in runs]
    return out


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None, key: str) -> str:
    return f"{a[key] / b[key]:.2f}x" if a and b and a.get(key) and b.get(key) else "–"


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def okrsite_kinds(results: dict[str, Any]) -> list[str]:
    return list(results["code"])


def table(results: dict[str, Any]) -> str:
    head = ("| N | site | HTML pages | wall s | CPU s | peak PSS MB | peak RSS MB | "
            "KB/HTML page | "
            "KB/site page | search index MB | wall vs fair | CPU vs fair | wall vs pruned | "
            "CPU vs pruned |")
    lines = [head, "| ---: | --- |" + " ---: |" * (head.count("|") - 3)]
    for n, entry in results["sizes"].items():
        builds = entry["builds"]
        fair, pruned = builds.get("fair"), builds.get("pruned")
        for kind, b in builds.items():
            runs = ""
            if len(b.get("walls", [])) > 1:
                runs = " (" + ", ".join(f"{w:g}" for w in b["walls"]) + ")"
            lines.append(
                f"| {int(n):,} | {kind} | {b['html_pages']:,} | {b['wall_s']}{runs} | "
                f"{b['cpu_s']} | {_mb(b.get('maxpss_mb'))} | {b['maxrss_mb']:.0f} | "
                f"{b['avg_html_kb']} | "
                f"{b['avg_site_kb']} | {b['search_index_bytes'] / 1e6:.1f} | "
                f"{_ratio(b, fair, 'wall_s')} | {_ratio(b, fair, 'cpu_s')} | "
                f"{_ratio(b, pruned, 'wall_s')} | {_ratio(b, pruned, 'cpu_s')} |")
    return "\n".join(lines)


def before_after(results: dict[str, Any]) -> str:
    kinds = okrsite_kinds(results)
    if len(kinds) < 2:
        return ""
    first = kinds[0]
    lines = [f"| N | site | wall vs {first} | CPU vs {first} | peak PSS vs {first} | "
             f"peak RSS vs {first} | KB/site page vs {first} |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for n, entry in results["sizes"].items():
        a = entry["builds"].get(first)
        for kind in kinds[1:]:
            b = entry["builds"].get(kind)
            lines.append(f"| {int(n):,} | {kind} | {_ratio(b, a, 'wall_s')} | "
                         f"{_ratio(b, a, 'cpu_s')} | {_ratio(b, a, 'maxpss_mb')} | "
                         f"{_ratio(b, a, 'maxrss_mb')} | "
                         f"{_ratio(b, a, 'avg_site_kb')} |")
    return "\n".join(lines)


def coverage_table(results: dict[str, Any]) -> str:
    lines = ["| N | site | where | objective titles | owners | KR titles | check-in notes |",
             "| ---: | --- | --- | ---: | ---: | ---: | ---: |"]
    for n, entry in results["sizes"].items():
        for kind, c in entry.get("coverage", {}).items():
            for where in ("html", "search"):
                cells = " | ".join(f"{found:,}/{total:,}" for found, total in c[where].values())
                label = "page HTML" if where == "html" else "search index"
                lines.append(f"| {int(n):,} | {kind} | {label} | {cells} |")
    return "\n".join(lines)


def loop_table(results: dict[str, Any]) -> str:
    lines = []
    for n, entry in results["sizes"].items():
        for kind, modes in entry.get("serve", {}).items():
            for mode, s in modes.items():
                each = ", ".join(f"{e['save_to_served_s']}" for e in s["edits"])
                parsed = "/".join(str(e["parsed"]) for e in s["edits"])
                lines.append(
                    f"| {int(n):,} | {kind} | `mkdocs serve{' --dirty' if mode == 'dirty' else ''}`"
                    f" edit | {s['cold_s']} | {s['save_to_page_written_s']} | "
                    f"{s['save_to_served_s']} ({each}) | {s['served_vs_cold']}x | "
                    f"{'yes' if s['page_updated'] else '**NO**'} | parsed {parsed} |")
        for kind, c in entry.get("ci", {}).items():
            lines.append(
                f"| {int(n):,} | {kind} | CI build, active period edited, cache_dir kept "
                f"({c.get('closed_periods', 0)} quarters closed) | "
                f"{c['cold_s']} | – | {c['rebuild_s']} | {c['rebuild_vs_cold']}x "
                f"(CPU {c['rebuild_cpu_vs_cold']}x) | {'yes' if c['page_updated'] else '**NO**'}"
                f" | |")
    if not lines:
        return ""
    return "\n".join(["| N | site | measure | cold build s | save to page written s | "
                      "save to served / rebuild s (each) | vs cold | page updated | notes |",
                      "| ---: | --- | --- | ---: | ---: | ---: | ---: | --- | --- |", *lines])


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(verdict PASS/FAIL/NOT MEASURED, target, measured) for every okrsite site."""
    sizes = results["sizes"]
    out: list[tuple[str, str, str]] = []

    def get(n: int, kind: str) -> dict[str, Any] | None:
        return sizes.get(str(n), {}).get("builds", {}).get(kind)

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    def ratio(name: str, limit: float, build: dict[str, Any] | None,
              base: dict[str, Any] | None) -> tuple[str, str, str]:
        """The target `build`'s wall time <= limit x `base`'s, with the CPU ratio beside."""
        if not (build and base):
            return ("NOT MEASURED", name, "–")
        r = build["wall_s"] / base["wall_s"]
        return (verdict(r <= limit), name,
                f"{r:.2f}x ({build['wall_s']} s vs {base['wall_s']} s; CPU time "
                f"{build['cpu_s'] / base['cpu_s']:.2f}x)")

    for kind in okrsite_kinds(results):
        tag = f"{kind}: " if len(okrsite_kinds(results)) > 1 else ""
        for n in TARGET_SIZES:
            o, f = get(n, kind), get(n, "fair")
            name = f"{tag}cold build <= {MAX_VS_FAIR}x the fair baseline at N={n:,}"
            out.append(ratio(name, MAX_VS_FAIR, o, f))
        o1, o5 = get(1000, kind), get(5000, kind)
        name = f"{tag}linear: N=5,000 <= {MAX_SCALING}x N=1,000"
        row = ratio(name, MAX_SCALING, o5, o1)
        if o1 and o5:  # per HTML page: the figure that stays flat when linear
            per = {k: [o[k] * 1000 / o["html_pages"] for o in (o1, o5)]
                   for k in ("wall_s", "cpu_s")}
            row = (*row[:2], f"{row[2]}; {per['wall_s'][0]:.1f} ms per HTML page at 1,000, "
                   f"{per['wall_s'][1]:.1f} ms at 5,000 (CPU {per['cpu_s'][0]:.1f} and "
                   f"{per['cpu_s'][1]:.1f} ms)")
        out.append(row)
        for n in TARGET_SIZES:
            o = get(n, kind)
            name = f"{tag}<= {MAX_AVG_KB} KB per page with full content at N={n:,}"
            if o:
                worst = max(o["avg_html_kb"], o["avg_site_kb"])
                out.append((verdict(worst <= MAX_AVG_KB), name,
                            f"{o['avg_html_kb']} KB per HTML page, {o['avg_site_kb']} KB "
                            "per site page"))
            else:
                out.append(("NOT MEASURED", name, "–"))
        name = (f"{tag}peak memory < {MAX_MEM_MB_5000} MB at N=5,000 (PSS summed over "
                "the build's processes)")
        if o5 and o5.get("maxpss_mb") is not None:
            out.append((verdict(o5["maxpss_mb"] < MAX_MEM_MB_5000), name,
                        f"{o5['maxpss_mb']:.0f} MB PSS ({o5['maxrss_mb']:.0f} MB summed "
                        "RSS, which counts the workers' shared pages once per process)"))
        else:
            out.append(("NOT MEASURED", name, "–"))
        name = (f"{tag}`mkdocs serve`, save to served <= {MAX_SERVE_S} s or "
                f"<= {MAX_SERVE_RATIO}x a cold build at N=1,000")
        serve = sizes.get("1000", {}).get("serve", {}).get(kind, {})
        if serve:
            for mode, s in serve.items():
                ok = s["page_updated"] and (s["save_to_served_s"] <= MAX_SERVE_S
                                            or s["served_vs_cold"] <= MAX_SERVE_RATIO)
                out.append((verdict(ok), f"{name} ({mode})",
                            f"{s['save_to_served_s']} s, {s['served_vs_cold']}x of "
                            f"{s['cold_s']} s; page updated: {s['page_updated']}"))
        else:
            out.append(("NOT MEASURED", name, "–"))
        name = f"{tag}CI build, only the active period changed, <= {MAX_CI_RATIO}x cold at N=1,000"
        ci = sizes.get("1000", {}).get("ci", {}).get(kind)
        if ci:
            ok = ci["page_updated"] and ci["rebuild_vs_cold"] <= MAX_CI_RATIO
            out.append((verdict(ok), name,
                        f"{ci['rebuild_vs_cold']}x ({ci['rebuild_s']} s vs {ci['cold_s']} s; "
                        f"CPU {ci['rebuild_cpu_vs_cold']}x); page updated: {ci['page_updated']}"))
        else:
            out.append(("NOT MEASURED", name, "–"))
        for n, entry in sizes.items():
            c = entry.get("coverage", {}).get(kind)
            if c:
                s = c["search"]
                missing = {f: t - found for f, (found, t) in s.items() if found < t}
                out.append((verdict(not missing),
                            f"{tag}titles, owners, KR titles and notes searchable at N={int(n):,}",
                            "all found" if not missing else
                            "missing " + ", ".join(f"{v:,} {f}" for f, v in missing.items())
                            + f" (of {c['pages']} sampled pages)"))
    return out


def markdown(results: dict[str, Any]) -> str:
    """The report as it goes into bench/RESULTS.md."""
    m = results["machine"]
    loads = [x for e in results["sizes"].values() for b in e["builds"].values()
             for x in b.get("loads", [b["load_before"]])]
    out = ["Command:", "", "    python bench/bench_site.py " + " ".join(results["argv"]), "",
           f"Run {results['started']} to {results.get('finished', '(unfinished)')} on "
           f"{m['nproc']} cores ({m.get('cpu', '?')}), {m['mem_gb']} GB, Python {m['python']}, "
           f"mkdocs {m['mkdocs']}, mkdocs-material {m['material']}. Load average (1, 5, 15 "
           f"min) {results.get('load_start', '?')} at the start, {results.get('load_end', '?')} "
           "at the end" + (f", 1-minute {min(loads)} to {max(loads)} before the builds"
                           if loads else "") + ": the machine is shared, so absolute times are "
           "noisy; compare ratios of builds run side by side.", ""]
    out.append("Code under test:")
    out.append("")
    for kind, c in results["code"].items():
        local = c.get("okrsite_local_changes") or []
        out.append(f"- {kind}: {c.get('tree')} at commit {c.get('commit')}"
                   + (f" (branch {c['branch']})" if c.get("branch") else "")
                   + (f", okrsite/ digest {c['okrsite_digest']}" if "okrsite_digest" in c else "")
                   + (f", {len(local)} local changes in okrsite/" if local
                      else ", no local changes"))
    out.append("")
    out.append("Content per N (bench/synth.py): "
               + "; ".join(f"N={int(n):,}: {e['units']} units x {e['periods']} quarters "
                           f"({e['quarters'][0]} to {e['quarters'][-1]}), as of {e['as_of']}, "
                           f"{e['yaml_mb']} MB of YAML"
                           for n, e in results["sizes"].items()) + ".")
    out.append("")
    out += ["### Cold builds", "", table(results), ""]
    ba = before_after(results)
    if ba:
        out += ["Side by side:", "", ba, ""]
    lt = loop_table(results)
    if lt:
        out += ["### Edit loop and CI rebuild", "", lt, ""]
    out += ["### Content shown and searchable", "",
            "Sampled unit pages; found/total of the YAML's values in the page's HTML and in "
            "its search index entries.", "", coverage_table(results), ""]
    out += ["### Targets (issue 17)", ""]
    out += [f"- **{v}** {name}: {measured}" for v, name, measured in targets(results)]
    return "\n".join(out) + "\n"


BEGIN, END = "<!-- bench_site.py report: begin -->", "<!-- bench_site.py report: end -->"


def update_results(path: Path, report: str) -> None:
    """Replace the generated block of a RESULTS.md (between BEGIN and END)."""
    text = path.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no {BEGIN} ... {END} block to replace")
    path.write_text(pattern.sub(lambda _: f"{BEGIN}\n\n{report}\n{END}", text, count=1))


# -- main -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = [int(s) for s in args.sizes.split(",") if s]
    skip_default = {int(s) for s in args.skip_default_at.split(",") if s}
    once = {int(s) for s in args.once_at.split(",") if s}
    work = args.work or Path(tempfile.mkdtemp(prefix="okrsite-site-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    code = sources(args.okrsite_src, work, args.live)
    envs = {k: {**BASE_ENV, "PYTHONPATH": c["snapshot"]} for k, c in code.items()}
    kinds: list[str] = []
    for k in (k for k in args.kinds.split(",") if k):
        if k == "okrsite":
            kinds += list(code)
        elif k in PLAIN_KINDS:
            kinds.append(k)
        else:
            raise SystemExit(f"--kinds: unknown site {k!r} (okrsite, {', '.join(PLAIN_KINDS)})")
    results: dict[str, Any] = {
        "machine": machine(), "code": {k: v for k, v in code.items() if k in kinds},
        "argv": sys.argv[1:], "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()), "sizes": {}}
    print(f"code under test: {json.dumps(code)}", file=sys.stderr, flush=True)
    modes = [m for m in args.serve_modes.split(",") if m]
    try:
        for n in sizes:
            root = work / f"n{n}"
            shutil.rmtree(root, ignore_errors=True)
            info = make_sites(root, n)
            todo = [k for k in kinds if not (k == "default" and n in skip_default)]
            runs: dict[str, list[dict[str, Any]]] = {k: [] for k in todo}
            for r in range(1 if n in once else args.repeat):
                for kind in (todo if r % 2 == 0 else todo[::-1]):  # alternate the order
                    b = build(root, kind, root / f"site-{kind}", envs.get(kind, BASE_ENV))
                    runs[kind].append(b)
                    print(f"N={n} {kind} run {r + 1}: {b['wall_s']} s wall, {b['cpu_s']} s CPU, "
                          f"{_mb(b['maxpss_mb'])} MB PSS, {b['maxrss_mb']:.0f} MB RSS, "
                          f"{b['site_bytes'] / 1e6:.1f} MB on disk, "
                          f"load {b['load_before']}", file=sys.stderr, flush=True)
            info["builds"] = {k: median_run(v) for k, v in runs.items()}
            info["coverage"] = {k: coverage(root, root / f"site-{k}") for k in todo}
            okr_kinds = [k for k in todo if k in code]
            if n == args.serve_size and okr_kinds:
                info["serve"] = {}
                for kind in okr_kinds:
                    info["serve"][kind] = {}
                    for mode in modes:
                        s = serve_loop(root, root / "site-serve", envs[kind], mode,
                                       args.serve_edits)
                        info["serve"][kind][mode] = s
                        print(f"N={n} {kind} serve ({mode}): cold {s['cold_s']} s, save to "
                              f"served {s['save_to_served_s']} s ({s['served_vs_cold']}x), "
                              f"page updated {s['page_updated']}", file=sys.stderr, flush=True)
            if n == args.ci_size and okr_kinds:
                info["ci"] = {}
                closed_project(root, info["periods"], envs[okr_kinds[0]])
                for kind in okr_kinds:
                    c = ci_rebuild(root, root / "site-ci", kind, envs[kind])
                    info["ci"][kind] = c
                    print(f"N={n} {kind} CI: cold {c['cold_s']} s, rebuild {c['rebuild_s']} s "
                          f"({c['rebuild_vs_cold']}x), page updated {c['page_updated']}",
                          file=sys.stderr, flush=True)
            results["sizes"][str(n)] = info
            if not args.keep:
                for kind in todo:
                    shutil.rmtree(root / f"site-{kind}", ignore_errors=True)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
        results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        results["targets"] = targets(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000", help="unit-period pages, comma-separated")
    ap.add_argument("--repeat", type=int, default=1, help="builds of each site per size")
    ap.add_argument("--once-at", default="", metavar="N[,N]",
                    help="sizes at which each site is built once whatever --repeat says")
    ap.add_argument("--kinds", default=DEFAULT_KINDS,
                    help=f"sites to build (default {DEFAULT_KINDS}; also: default)")
    ap.add_argument("--skip-default-at", default="", metavar="N[,N]",
                    help="sizes at which the default-nav plain site is not built")
    ap.add_argument("--okrsite-src", action="append", default=[], metavar="[LABEL=]PATH",
                    help="a tree holding okrsite/ and schema/ to build with; repeat to "
                         "build several side by side (okrsite-A, okrsite-B, ... or "
                         "okrsite-LABEL); default: the tree this script is in")
    ap.add_argument("--live", action="store_true",
                    help="build with the trees' okrsite/ in place instead of copies")
    ap.add_argument("--serve-size", type=int, default=1000,
                    help="N of the mkdocs-serve edit loop (0: skip)")
    ap.add_argument("--serve-modes", default="serve,dirty",
                    help="serve: as `mkdocs serve`; dirty: as `mkdocs serve --dirty`")
    ap.add_argument("--serve-edits", type=int, default=2, help="saves per serve session")
    ap.add_argument("--ci-size", type=int, default=1000,
                    help="N of the CI rebuild with the cache_dir kept (0: skip)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--work", type=Path, help="work directory (default: a new temp dir)")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--markdown", type=Path, help="write the Markdown report here")
    ap.add_argument("--update-results", type=Path, metavar="RESULTS.md",
                    help="replace the generated block of this file with the report")
    ap.add_argument("--from-json", type=Path,
                    help="do not build: report the results of an earlier --json")
    args = ap.parse_args()
    results = json.loads(args.from_json.read_text()) if args.from_json else run(args)
    report = markdown(results)
    print(report)
    if args.markdown:
        args.markdown.write_text(report)
    if args.update_results:
        update_results(args.update_results, report)


if __name__ == "__main__":
    main()
