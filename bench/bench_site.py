"""Site builds side by side: okrsite against plain Material sites of the same content.

    python bench/bench_site.py --sizes 100,1000 --repeat 1
    python bench/bench_site.py --sizes 100,1000,5000 --skip-default-at 5000

For each N (unit-period pages; the synthetic company is N/periods units x periods
quarters, bench/synth.py) three sites are built from the same YAML:

  okrsite  the okrsite plugin (search + okrsite, navigation.indexes), history off;
           its on-disk parse cache is deleted before every build (a cold build)
  pruned   plain Material: one Markdown page per unit-period file, the same
           objectives and key results as headings and tables, navigation.prune
  default  the same plain site with Material's default (whole) navigation

Every build is `python -m mkdocs build -q -f <yml> -d <out>` in a fresh process,
in alternating order across repeats; we take medians of the wall time and read the
child's peak RSS from os.wait4. Then one `mkdocs serve`-style session (a separate
process): load_config + build, edit one YAML file, load_config + build again with
the same plugin instance, and the ParseCache's `.parsed` counter after each build.

Prints a Markdown table with the ratios and the PASS/FAIL of the targets, and
writes everything as JSON (--json).

The repository is shared and edited while a run takes an hour, so the builds run
against a copy of okrsite/ taken when the run starts (PYTHONPATH points at it);
the results record its digest, the commit and whether okrsite/ had local changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from synth import generate

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"
KINDS = ("okrsite", "pruned", "default")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}

# Targets of the issue.
MAX_VS_PRUNED = 0.6  # okrsite wall time / pruned plain wall time, at 1,000 and 5,000
MAX_SCALING = 5.5  # okrsite 5,000 / okrsite 1,000
MAX_AVG_KB = 60  # average KB per page
MAX_RSS_MB_5000 = 1024  # peak RSS of the 5,000-page okrsite build

OKRSITE_YML = f"""\
site_name: Synthetic Corp OKRs
docs_dir: content
theme:
  name: material
  font: false
  features: [navigation.indexes]
plugins:
  - search
  - okrsite:
      as_of: {AS_OF}
      history: false
"""

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
    largest number of periods below 8 that does (100 -> 25 units x 4)."""
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


def make_sites(root: Path, n: int) -> dict[str, Any]:
    """The okrsite project and the plain one (docs shared by both plain configs)."""
    units, periods = split(n)
    okr = root / "okrsite"
    pages = generate(okr / "content", units, periods)
    (okr / "mkdocs.yml").write_text(OKRSITE_YML)
    plain = root / "plain"
    docs = plain / "docs"
    org = yaml.load((okr / "content" / "org.yaml").read_bytes(), Loader=yaml.CSafeLoader)
    names = {u["id"]: u["name"] for u in org["units"]}
    (docs).mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Synthetic Corp OKRs\n\nEvery unit's OKRs by period.\n")
    for f in sorted((okr / "content" / "periods").rglob("*.yaml")):
        data = yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
        target = docs / "periods" / f.parent.name / f"{f.stem}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(plain_page(data, names.get(data["unit"], data["unit"])))
    (plain / "pruned.yml").write_text(
        PLAIN_YML.format(features="navigation.indexes, navigation.prune"))
    (plain / "default.yml").write_text(PLAIN_YML.format(features="navigation.indexes"))
    yaml_bytes = sum(f.stat().st_size for f in (okr / "content").rglob("*.yaml"))
    return {"units": units, "periods": periods, "unit_period_pages": pages,
            "yaml_mb": round(yaml_bytes / 1e6, 2)}


def config_file(root: Path, kind: str) -> Path:
    return root / "okrsite" / "mkdocs.yml" if kind == "okrsite" else root / "plain" / f"{kind}.yml"


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


def build(root: Path, kind: str, out: Path) -> dict[str, Any]:
    """One cold build in a fresh process: wall time and the child's peak RSS."""
    yml = config_file(root, kind)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(yml.parent / ".cache", ignore_errors=True)  # okrsite's parse cache
    log = out.parent / f"{out.name}.log"
    load = os.getloadavg()[0]
    with log.open("w") as err:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(yml),
                                 "-d", str(out)], stdout=err, stderr=err, env=ENV,
                                cwd=yml.parent)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text()
    if proc.returncode != 0:
        raise SystemExit(f"{kind} build failed ({proc.returncode}):\n{text[-3000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "maxrss_mb": round(usage.ru_maxrss / 1024, 1), "load_before": round(load, 2),
            "warnings": sum(1 for line in text.splitlines() if "WARNING" in line),
            **site_size(out)}


# -- mkdocs serve: the same plugin instance across two builds --------------------------------

SERVE = r"""
import json, sys, time
from pathlib import Path
import okrsite.mkdocs_plugin as mp
from mkdocs.commands.build import build
from mkdocs.config import load_config

yml, out, edited = sys.argv[1], sys.argv[2], Path(sys.argv[3])
core = []  # seconds in the plugin's _pages: load, validate, score (pages render later)
original = mp.OkrsitePlugin._pages
def timed(self):
    t = time.perf_counter()
    try:
        return original(self)
    finally:
        core.append(time.perf_counter() - t)
mp.OkrsitePlugin._pages = timed

serve_url = "http://127.0.0.1:8000/"
def once():
    config = load_config(yml, site_dir=out)
    config.site_url = serve_url
    t = time.perf_counter()
    build(config, serve_url=serve_url)
    return config, time.perf_counter() - t

config = load_config(yml, site_dir=out)
config.plugins.on_startup(command="serve", dirty=False)  # as mkdocs serve does, once
plugin = config.plugins["okrsite"]
config.site_url = serve_url
t = time.perf_counter()
build(config, serve_url=serve_url)
cold = time.perf_counter() - t
parsed_cold = plugin.parse_cache.parsed

text = edited.read_text()
edited.write_text(text.replace("note: ", "note: Edited ", 1))
config2, rebuild = once()
same = config2.plugins["okrsite"] is plugin
parsed_rebuild = plugin.parse_cache.parsed - parsed_cold
config3, unchanged = once()
parsed_unchanged = plugin.parse_cache.parsed - parsed_cold - parsed_rebuild
edited.write_text(text)
print(json.dumps({"cold_s": round(cold, 2), "rebuild_after_edit_s": round(rebuild, 2),
                  "rebuild_unchanged_s": round(unchanged, 2),
                  "core_s": [round(c, 2) for c in core],
                  "parsed_cold": parsed_cold, "parsed_rebuild": parsed_rebuild,
                  "parsed_unchanged": parsed_unchanged, "same_plugin_instance": same,
                  "edited": edited.name}))
"""


def serve_rebuild(root: Path, out: Path) -> dict[str, Any]:
    yml = config_file(root, "okrsite")
    shutil.rmtree(yml.parent / ".cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    latest = sorted((yml.parent / "content" / "periods").iterdir())[-1]
    edited = sorted(latest.glob("*.yaml"))[-1]  # a team, or the only unit
    log = out.parent / "serve.log"
    with log.open("w") as f:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, str(yml), str(out), str(edited)],
                                stdout=f, stderr=subprocess.STDOUT, env=ENV, cwd=yml.parent)
        _, status, usage = os.wait4(proc.pid, 0)
    text = log.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"serve session failed:\n{text[-3000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    result["rebuild_vs_cold"] = round(result["rebuild_after_edit_s"] / result["cold_s"], 3)
    result["maxrss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return result


# -- report ---------------------------------------------------------------------------------


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The medians of the timings, the max of the peak RSS; sizes are deterministic."""
    out = dict(runs[0])
    for key in ("wall_s", "cpu_s", "load_before"):
        out[key] = round(statistics.median(r[key] for r in runs), 2)
    out["maxrss_mb"] = max(r["maxrss_mb"] for r in runs)
    out["walls"] = [r["wall_s"] for r in runs]
    return out


def table(results: dict[str, Any]) -> str:
    head = ("| N | site | HTML pages | wall s | CPU s | unit pages/s | HTML pages/s | "
            "peak RSS MB | site MB | HTML KB/page | KB/page incl. search | search index MB | "
            "time vs pruned | CPU vs pruned | RSS vs pruned | size vs pruned |")
    lines = [head, "|" + "|".join([" ---: "] * (head.count("|") - 1)) + "|"]
    for n, entry in results["sizes"].items():
        pruned = entry["builds"].get("pruned")
        for kind, b in entry["builds"].items():
            def ratio(k: str, b: dict[str, Any] = b,
                      pruned: dict[str, Any] | None = pruned) -> object:
                return round(b[k] / pruned[k], 2) if pruned else "–"

            lines.append(
                f"| {int(n):,} | {kind} | {b['html_pages']:,} | {b['wall_s']} | {b['cpu_s']} | "
                f"{entry['unit_period_pages'] / b['wall_s']:.1f} | "
                f"{b['html_pages'] / b['wall_s']:.1f} | {b['maxrss_mb']:.0f} | "
                f"{b['site_bytes'] / 1e6:.1f} | {b['avg_html_kb']} | {b['avg_site_kb']} | "
                f"{b['search_index_bytes'] / 1e6:.1f} | {ratio('wall_s')} | {ratio('cpu_s')} | "
                f"{ratio('maxrss_mb')} | {ratio('site_bytes')} |")
    return "\n".join(lines)


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, PASS/FAIL/NOT MEASURED)."""
    sizes = results["sizes"]
    out = []

    def get(n: int, kind: str) -> dict[str, Any] | None:
        return sizes.get(str(n), {}).get("builds", {}).get(kind)

    for n in (1000, 5000):
        o, p = get(n, "okrsite"), get(n, "pruned")
        name = f"okrsite <= {MAX_VS_PRUNED}x pruned plain at N={n:,}"
        if o and p:
            r = o["wall_s"] / p["wall_s"]
            out.append((name, f"{r:.2f}x ({o['wall_s']} s vs {p['wall_s']} s; CPU time "
                        f"{o['cpu_s'] / p['cpu_s']:.2f}x)",
                        "PASS" if r <= MAX_VS_PRUNED else "FAIL"))
        else:
            out.append((name, "–", "NOT MEASURED"))
    o1, o5 = get(1000, "okrsite"), get(5000, "okrsite")
    name = f"okrsite 5,000 <= {MAX_SCALING}x okrsite 1,000"
    if o1 and o5:
        r = o5["wall_s"] / o1["wall_s"]
        out.append((name, f"{r:.2f}x ({o5['wall_s']} s vs {o1['wall_s']} s; CPU time "
                    f"{o5['cpu_s'] / o1['cpu_s']:.2f}x)", "PASS" if r <= MAX_SCALING else "FAIL"))
    else:
        out.append((name, "–", "NOT MEASURED"))
    for n, entry in sizes.items():
        o = entry["builds"].get("okrsite")
        if o:
            worst = max(o["avg_html_kb"], o["avg_site_kb"])
            out.append((f"okrsite average <= {MAX_AVG_KB} KB per page at N={int(n):,}",
                        f"{o['avg_html_kb']} KB HTML/page, {o['avg_site_kb']} KB site/page",
                        "PASS" if worst <= MAX_AVG_KB else "FAIL"))
    name = f"okrsite peak RSS at N=5,000 < {MAX_RSS_MB_5000} MB"
    if o5:
        out.append((name, f"{o5['maxrss_mb']:.0f} MB",
                    "PASS" if o5["maxrss_mb"] < MAX_RSS_MB_5000 else "FAIL"))
    else:
        out.append((name, "–", "NOT MEASURED"))
    return out


def snapshot_code(work: Path) -> dict[str, Any]:
    """Copy okrsite/ (and schema/) into the work dir and point the builds at the copy."""
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    for part in ("okrsite", "schema"):  # okrsite/schema.py reads ../schema in a checkout
        shutil.copytree(REPO / part, src / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    h = hashlib.sha256()
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        h.update(f.relative_to(src).as_posix().encode() + b"\0" + f.read_bytes())
    ENV["PYTHONPATH"] = str(src)

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        return out.stdout.strip()

    changes = git("status", "--porcelain", "--", "okrsite", "schema").splitlines()
    return {"okrsite_digest": h.hexdigest()[:16], "commit": git("rev-parse", "--short", "HEAD"),
            "okrsite_local_changes": changes, "snapshot": str(src)}


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import material
    import mkdocs

    return {"nproc": os.cpu_count(), "python": platform.python_version(),
            "mkdocs": mkdocs.__version__, "material": version("mkdocs-material"),
            "platform": platform.platform(), "material_path": str(Path(material.__file__).parent),
            "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,5000", help="unit-period pages, comma-separated")
    ap.add_argument("--repeat", type=int, default=1, help="builds of each site per size")
    ap.add_argument("--skip-default-at", default="", metavar="N[,N]",
                    help="sizes at which the default-nav plain site is not built")
    ap.add_argument("--once-at", default="", metavar="N[,N]",
                    help="sizes at which each site is built once whatever --repeat says")
    ap.add_argument("--live", action="store_true",
                    help="build with the repository's okrsite/ instead of a copy")
    ap.add_argument("--kinds", default=",".join(KINDS), help="which sites to build")
    ap.add_argument("--serve-size", type=int, default=1000,
                    help="N of the mkdocs-serve rebuild measurement (0: skip)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--work", type=Path, help="work directory (default: a new temp dir)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    skip_default = {int(s) for s in args.skip_default_at.split(",") if s}
    once = {int(s) for s in args.once_at.split(",") if s}
    kinds = [k for k in args.kinds.split(",") if k]
    work = args.work or Path(tempfile.mkdtemp(prefix="okrsite-site-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    code = {"live": str(REPO / "okrsite")} if args.live else snapshot_code(work)
    results: dict[str, Any] = {"machine": machine(), "code": code, "argv": sys.argv[1:],
                               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": {}}
    print(f"code under test: {code}", file=sys.stderr, flush=True)
    try:
        for n in sizes:
            root = work / f"n{n}"
            shutil.rmtree(root, ignore_errors=True)
            info = make_sites(root, n)
            todo = [k for k in kinds if not (k == "default" and n in skip_default)]
            runs: dict[str, list[dict[str, Any]]] = {k: [] for k in todo}
            for r in range(1 if n in once else args.repeat):
                for kind in (todo if r % 2 == 0 else todo[::-1]):  # alternate the order
                    b = build(root, kind, root / f"site-{kind}")
                    runs[kind].append(b)
                    print(f"N={n} {kind} run {r + 1}: {b['wall_s']} s, "
                          f"{b['maxrss_mb']:.0f} MB, {b['site_bytes'] / 1e6:.1f} MB on disk",
                          file=sys.stderr, flush=True)
            info["builds"] = {k: median_run(v) for k, v in runs.items()}
            if n == args.serve_size and "okrsite" in kinds:
                info["serve"] = serve_rebuild(root, root / "site-serve")
                print(f"N={n} serve: {info['serve']}", file=sys.stderr, flush=True)
            results["sizes"][str(n)] = info
            if not args.keep:
                for kind in todo:
                    shutil.rmtree(root / f"site-{kind}", ignore_errors=True)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
        results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results["targets"] = targets(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
        print(table(results))
        print()
        for n, entry in results["sizes"].items():
            if "serve" in entry:
                s = entry["serve"]
                print(f"serve at N={int(n):,}: cold {s['cold_s']} s, rebuild after editing one "
                      f"file {s['rebuild_after_edit_s']} s ({s['rebuild_vs_cold']}x), "
                      f"unchanged rebuild {s['rebuild_unchanged_s']} s; parsed "
                      f"{s['parsed_cold']} / {s['parsed_rebuild']} / {s['parsed_unchanged']}; "
                      f"plugin core (load..render) {s['core_s']} s; same plugin instance: "
                      f"{s['same_plugin_instance']}")
        print()
        for name, measured, verdict in results["targets"]:
            print(f"{verdict:12} {name}: {measured}")
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
