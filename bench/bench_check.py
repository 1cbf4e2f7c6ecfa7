"""`okrsite check` cold and warm against bare CSafeLoader parsing of the same files.

    python bench/bench_check.py --units 250 --periods 8     # 2,000 OKR files

Each measurement runs in a fresh subprocess, alternating, so both see the same
machine noise; we report medians and the ratios that the targets are about.
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
from synth import generate

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
from okrsite.pipeline import check
cache = Path(sys.argv[2]) if sys.argv[2] != "-" else None
d = check(Path(sys.argv[1]), date(2026, 11, 20), cache)
elapsed = time.perf_counter() - t
assert not [x for x in d if x.is_error], d[:3]
print(elapsed)
"""


def run(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--units", type=int, default=250)
    ap.add_argument("--periods", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="okrsite-bench-"))
    try:
        content = work / "content"
        files = generate(content, args.units, args.periods)
        size = sum(f.stat().st_size for f in content.rglob("*.yaml"))
        bare, cold, warm = [], [], []
        for _ in range(args.repeat):
            cache = work / "cache"
            shutil.rmtree(cache, ignore_errors=True)
            bare.append(run(BARE, str(content)))
            cold.append(run(CHECK, str(content), str(cache)))
            warm.append(run(CHECK, str(content), str(cache)))
        result = {
            "files": files + 1, "mbytes": round(size / 1e6, 1), "cpus": os.cpu_count(),
            "bare_csafeloader_s": round(statistics.median(bare), 3),
            "check_cold_s": round(statistics.median(cold), 3),
            "check_warm_s": round(statistics.median(warm), 3),
        }
        result["cold_vs_bare"] = round(result["check_cold_s"] / result["bare_csafeloader_s"], 2)
        result["warm_vs_cold"] = round(result["check_warm_s"] / result["check_cold_s"], 3)
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
