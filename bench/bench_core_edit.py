"""The core's share of an edit (load -> validate -> model -> finals -> score), side by side
for one or more okrsite trees, without MkDocs.

    python bench/bench_core_edit.py --trees before=/work/wt/vcache-base,after=. --n 1000

The synthetic company (bench/synth.py, N unit-period files over 8 quarters, the 7 past
ones closed with final records, as bench_incr.py makes it). Each measurement runs in a
fresh process with PYTHONPATH at the tree, trees alternating:

  serve  one ParseCache kept (as `mkdocs serve` keeps it): a build's diagnostics and
         scorecard, one check-in note of the active quarter edited, the same again;
         seconds of each
  check  `okrsite check` with cache_dir kept: a run fills the cache, one note is edited,
         a second process checks again (what a CI run after a one-file change does)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_incr import AS_OF, PERIODS, close_past
from synth import QUARTERS, generate

SERVE = r"""
import json, sys, time
from datetime import date
from pathlib import Path
from okrsite.loader import ParseCache
from okrsite.pipeline import run
from okrsite.settings import Settings
content, edited = Path(sys.argv[1]), Path(sys.argv[2])
settings = Settings(content, date.fromisoformat(sys.argv[3]), history=False)
cache = ParseCache()
def once():
    t = time.perf_counter()
    build = run(settings, cache)
    build.diagnostics, build.scorecard
    return round(time.perf_counter() - t, 2)
cold = once()
text = edited.read_text()
edited.write_text(text.replace("note: ", "note: Edited ", 1))
try:
    edit = once()
finally:
    edited.write_text(text)
print(json.dumps({"cold_s": cold, "edit_s": edit}))
"""

CHECK = r"""
import sys, time
from datetime import date
from pathlib import Path
t = time.perf_counter()
from okrsite.pipeline import run
from okrsite.settings import Settings
build = run(Settings(Path(sys.argv[1]), date.fromisoformat(sys.argv[3]),
                     cache_dir=Path(sys.argv[2]), history=False))
assert not [d for d in build.diagnostics if d.is_error]
print(round(time.perf_counter() - t, 2))
"""


def python(tree: Path, code: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trees", default=f"after={Path(__file__).resolve().parent.parent}")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    trees = {k: Path(v).resolve() for k, v in (t.split("=", 1) for t in args.trees.split(","))}
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        root = Path(tmp)
        content = root / "content"
        generate(content, args.n // PERIODS, PERIODS)
        close_past(next(iter(trees.values())), root)
        edited = sorted((content / "periods" / QUARTERS[PERIODS - 1]).glob("*.yaml"))[-1]
        for _ in range(args.repeat):
            for name, tree in trees.items():
                serve = json.loads(python(tree, SERVE, str(content), str(edited), AS_OF))
                cache = root / f"cache-{name}"
                first = float(python(tree, CHECK, str(content), str(cache), AS_OF))
                text = edited.read_text()
                edited.write_text(text.replace("note: ", "note: Edited ", 1))
                try:
                    again = float(python(tree, CHECK, str(content), str(cache), AS_OF))
                finally:
                    edited.write_text(text)
                print(name, json.dumps({"serve_cold_s": serve["cold_s"],
                                        "serve_edit_s": serve["edit_s"],
                                        "check_cold_s": first, "check_one_edit_s": again}),
                      flush=True)


if __name__ == "__main__":
    main()
