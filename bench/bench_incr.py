"""Incremental builds side by side: `mkdocs serve` after one YAML edit, and a CI build
that keeps `cache_dir` while only the active period changed, each as a ratio of a cold
build, for one or more okrsite trees (e.g. a worktree of main as "before").

    python bench/bench_incr.py --trees before=/work/wt/incr-base,after=. --n 1000

The synthetic company (bench/synth.py, N unit-period pages over 8 quarters, as of the
end of the data) gets its past quarters closed with `okrsite close` (final records),
so they are frozen periods. Each measurement runs in a fresh process with PYTHONPATH
at the tree, kinds alternating between trees:

  serve   one plugin instance (as `mkdocs serve` keeps it): a build, one check-in note
          of the active period edited, a build again; seconds of each, with and
          without --dirty, and the pages MkDocs wrote again
  ci      `mkdocs build` cold (no cache_dir), then with cache_dir after the edit: the
          cache filled by a first build of the unedited content
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from synth import QUARTERS, close_past, generate, mkdocs_yml

PERIODS = 8
AS_OF = "2027-12-31"  # the end of the data: every check-in shown

SERVE = r"""
import json, os, sys, time
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

yml, out, edited, dirty = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "1"
url = "http://127.0.0.1:8000/"

def once(first=False):
    config = load_config(yml, site_dir=out)
    if first:
        config.plugins.on_startup(command="serve", dirty=dirty)
    config.site_url = url
    t = time.perf_counter()
    build(config, serve_url=url, dirty=dirty)
    return time.perf_counter() - t

def written():
    return {str(p): p.stat().st_mtime_ns for p in Path(out).rglob("*.html")}

cold = once(True)
before = written()
text = edited.read_text()
edited.write_text(text.replace("note: ", "note: Edited ", 1))
time.sleep(0.01)
rebuild = once()
after = written()
edited.write_text(text)
print(json.dumps({"cold_s": round(cold, 2), "edit_s": round(rebuild, 2),
                  "html_rewritten": sum(1 for k, v in after.items() if before.get(k) != v),
                  "html": len(after)}))
"""


def make(root: Path, n: int, cache: bool) -> tuple[Path, Path]:
    """The project (content closed up to the active quarter) and the file to edit."""
    units = n // PERIODS
    content = root / "content"
    generate(content, units, PERIODS)
    (root / "mkdocs.yml").write_text(mkdocs_yml(AS_OF, cache_dir=".cache" if cache else ""))
    latest = content / "periods" / QUARTERS[PERIODS - 1]
    return root / "mkdocs.yml", sorted(latest.glob("*.yaml"))[-1]


def serve(tree: Path, root: Path, yml: Path, edited: Path, dirty: bool) -> dict[str, Any]:
    out = root / f"site-serve-{int(dirty)}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(root / ".cache", ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-c", SERVE, str(yml), str(out), str(edited),
                           str(int(dirty))], cwd=root, env=env, capture_output=True,
                          text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["edit_vs_cold"] = round(result["edit_s"] / result["cold_s"], 3)
    return result


def build(tree: Path, root: Path, yml: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_MKDOCS_2_WARNING": "1"}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(yml),
                           "-d", str(out)], cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return round(wall, 2)


def ci(tree: Path, root: Path, yml: Path, edited: Path) -> dict[str, Any]:
    """Cold (cache emptied), then warm-up with the cache, edit, build with the cache."""
    shutil.rmtree(root / ".cache", ignore_errors=True)
    cold = build(tree, root, yml, root / "site-ci")
    shutil.rmtree(root / ".cache", ignore_errors=True)
    build(tree, root, yml, root / "site-ci")  # fills the cache (CI's previous run)
    text = edited.read_text()
    edited.write_text(text.replace("note: ", "note: Edited ", 1))
    try:
        warm = build(tree, root, yml, root / "site-ci")
    finally:
        edited.write_text(text)
    return {"cold_s": cold, "cached_s": warm, "cached_vs_cold": round(warm / cold, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trees", default=f"after={Path(__file__).resolve().parent.parent}")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", default="serve,dirty,ci")
    args = ap.parse_args()
    trees = dict(t.split("=", 1) for t in args.trees.split(","))
    kinds = args.only.split(",")
    results: dict[str, dict[str, list[Any]]] = {t: {k: [] for k in kinds} for t in trees}
    with tempfile.TemporaryDirectory(prefix="bench-incr-") as tmp:
        root = Path(tmp)
        yml, edited = make(root, args.n, cache=True)
        first = Path(next(iter(trees.values()))).resolve()
        close_past(root, PERIODS, {**os.environ, "PYTHONPATH": str(first),
                                   "NO_MKDOCS_2_WARNING": "1"})
        for _ in range(args.repeat):
            for kind in kinds:
                for name, tree in trees.items():
                    path = Path(tree).resolve()
                    if kind == "ci":
                        r = ci(path, root, yml, edited)
                    else:
                        r = serve(path, root, yml, edited, dirty=kind == "dirty")
                    results[name][kind].append(r)
                    print(name, kind, json.dumps(r), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
