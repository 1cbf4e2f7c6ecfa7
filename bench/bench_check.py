"""`okrsite check` cold and warm against bare CSafeLoader parsing of the same files.

    python bench/bench_check.py --units 250 --periods 8     # 2,000 OKR files

Each measurement runs in a fresh subprocess, alternating, so both see the same
machine noise; we report medians and the ratios that the targets are about.
Cold: an empty cache. Warm: nothing changed (the whole result comes from the
cache). One edit: one file changed since the warm run, so the check runs again
on 1 fresh parse and the rest from the parse cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import data_end, generate

BARE = """
import sys, time, yaml
from pathlib import Path
files = sorted(Path(sys.argv[1]).rglob("*.yaml"))
t = time.perf_counter()
for f in files:
    yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
print(time.perf_counter() - t)
"""

CHECK = """
import sys, time
from datetime import date
from pathlib import Path
t = time.perf_counter()
from okrsite.pipeline import run
from okrsite.settings import Settings
cache = Path(sys.argv[2]) if sys.argv[2] != "-" else None
build = run(Settings(Path(sys.argv[1]), date.fromisoformat(sys.argv[3]), cache_dir=cache))
d = build.diagnostics  # what `okrsite check` reports: no scoring beyond it, no git
elapsed = time.perf_counter() - t
assert not [x for x in d if x.is_error], d[:3]
print(elapsed)
"""


def run(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", type=int, default=250, help="units in the synthetic org")
    ap.add_argument("--periods", type=int, default=8,
                    help="quarters; files = units x periods, plus org.yaml")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="okrsite-bench-"))
    try:
        content = work / "content"
        files = generate(content, args.units, args.periods)
        size = sum(f.stat().st_size for f in content.rglob("*.yaml"))
        edited = sorted(content.rglob("*.yaml"))[-1]
        original = edited.read_bytes()
        as_of = data_end(args.periods)  # every check-in counts
        bare, cold, warm, edit = [], [], [], []
        for i in range(args.repeat):
            cache = work / "cache"
            shutil.rmtree(cache, ignore_errors=True)
            bare.append(run(BARE, str(content)))
            cold.append(run(CHECK, str(content), str(cache), as_of))
            warm.append(run(CHECK, str(content), str(cache), as_of))
            edited.write_bytes(original + f"# edit {i}\n".encode())
            edit.append(run(CHECK, str(content), str(cache), as_of))
            edited.write_bytes(original)
        result = {
            "files": files + 1, "mbytes": round(size / 1e6, 1), "cpus": os.cpu_count(),
            "bare_csafeloader_s": round(statistics.median(bare), 3),
            "check_cold_s": round(statistics.median(cold), 3),
            "check_warm_s": round(statistics.median(warm), 3),
            "check_one_edit_s": round(statistics.median(edit), 3),
        }
        result["cold_vs_bare"] = round(result["check_cold_s"] / result["bare_csafeloader_s"], 2)
        result["warm_vs_cold"] = round(result["check_warm_s"] / result["check_cold_s"], 3)
        result["one_edit_vs_cold"] = round(result["check_one_edit_s"] / result["check_cold_s"], 3)
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
