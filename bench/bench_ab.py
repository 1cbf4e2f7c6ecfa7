"""Two checkouts of okrsite side by side on one synthetic site: before/after ratios.

    python bench/bench_ab.py --before ../okrsite-base --after . --pages 1000 --repeat 3

Builds the bench's synthetic company (bench/synth.py, N unit-period pages) with
`mkdocs build -q` in a fresh process per build, once with each checkout's okrsite/
on PYTHONPATH (copied when the run starts, as bench_site.py does), alternating
before/after so that the load of a shared machine falls on both alike. The as-of
is the last day of the data, so every check-in shows. Reports the medians of wall
and CPU time (the build's and its worker processes'), the peak RSS, and the HTML
bytes per page, with the after/before ratios. `--env K=V` sets a variable for the
"after" builds only (e.g. OKRSITE_WORKERS=1 to compare serial with parallel).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import generate

YML = """\
site_name: Synthetic Corp OKRs
docs_dir: content
theme:
  name: material
  font: false
  features: [navigation.indexes]
plugins:
  - search
  - okrsite:
      as_of: {as_of}
      history: false
"""


def split(n: int) -> tuple[int, int]:
    for periods in range(8, 0, -1):  # as bench_site.py: 8 quarters when 8 divides n
        if n % periods == 0:
            return n // periods, periods
    raise AssertionError


def copy_code(repo: Path, dest: Path) -> Path:
    for part in ("okrsite", "schema"):
        shutil.copytree(repo / part, dest / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def build(root: Path, code: Path, out: Path, extra: dict[str, str]) -> dict[str, float]:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(root / ".cache", ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(code), **extra}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)],
                            cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)  # CPU includes the reaped worker processes
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build with {code} failed:\n{proc.stderr.read().decode()[-3000:]}")
    pages = list(out.rglob("*.html"))
    units = [p for p in pages if len(p.relative_to(out).parts) == 4
             and p.relative_to(out).parts[0] == "periods"]
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss / 1024,
            "kb_page": sum(p.stat().st_size for p in pages) / len(pages) / 1024,
            "kb_unit": sum(p.stat().st_size for p in units) / max(1, len(units)) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--after", type=Path, required=True)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--as-of", default="2027-12-31")
    ap.add_argument("--env", action="append", default=[], metavar="K=V")
    args = ap.parse_args()
    extra = dict(e.split("=", 1) for e in args.env)
    work = Path(tempfile.mkdtemp(prefix="okrsite-ab-"))
    try:
        units, periods = split(args.pages)
        generate(work / "content", units, periods)
        (work / "mkdocs.yml").write_text(YML.format(as_of=args.as_of))
        code = {"before": copy_code(args.before.resolve(), work / "before"),
                "after": copy_code(args.after.resolve(), work / "after")}
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for i in range(args.repeat):
            for kind in (("before", "after") if i % 2 == 0 else ("after", "before")):
                r = build(work, code[kind], work / f"site-{kind}",
                          extra if kind == "after" else {})
                runs[kind].append(r)
                print(f"  {kind:6} run {i + 1}: wall {r['wall']:.2f} s, CPU {r['cpu']:.2f} s, "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
        med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in runs.items()}
        print(f"\nN={args.pages:,} unit-period pages, as of {args.as_of}, medians of "
              f"{args.repeat}, after env {extra or '-'}:")
        print("| | wall s | CPU s | peak RSS MB | HTML KB/page | unit page KB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for kind in ("before", "after"):
            m = med[kind]
            print(f"| {kind} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['rss']:.0f} | "
                  f"{m['kb_page']:.1f} | {m['kb_unit']:.1f} |")
        b, a = med["before"], med["after"]
        print(f"| after/before | {a['wall'] / b['wall']:.2f}x | {a['cpu'] / b['cpu']:.2f}x | "
              f"{a['rss'] / b['rss']:.2f}x | {a['kb_page'] / b['kb_page']:.2f}x | "
              f"{a['kb_unit'] / b['kb_unit']:.2f}x |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
