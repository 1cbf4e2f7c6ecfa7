"""`okrsite diff` of a one-file change, and `okrsite check` outside git, warm and cold,
for several okrsite checkouts side by side:

    python bench/bench_diff.py --files 1000 --commits 1500 \
        --code before=/work/wt/hspeed-base --code after=. --repeat 3

The repository is bench/synth_git.py's (it passes `check`). Measured, each in a fresh
process (its import included), alternating between the checkouts:

- diff cold:  `okrsite diff HEAD~1 HEAD` (the last commit changes one or two files)
              with an empty cache dir;
- diff warm:  the same again (what CI pays on a PR push with a kept cache);
- check cold / warm: `okrsite check` of a copy of the content outside any git
              repository without `--as-of` (the date then comes from the content).

Every checkout's diff output must be the same bytes. Prints JSON: medians and ratios.
Python may write bytecode (PYTHONDONTWRITEBYTECODE is dropped): an installed okrsite
has it, so its imports are not compiled again on every run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth_git import generate

CLI = "import sys; from okrsite.cli import main; sys.exit(main(sys.argv[1:]))"


def _python(checkout: Path) -> str:
    venv = checkout / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def okrsite(checkout: Path, cwd: Path, cache: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OKRSITE_CACHE_DIR": str(cache),
           "GIT_CEILING_DIRECTORIES": str(cwd.parent)}
    env.pop("OKRSITE_NO_CACHE", None)
    env.pop("SOURCE_DATE_EPOCH", None)
    # An installed okrsite has its bytecode: without it every run compiles ~60 modules
    # again (0.3-0.5 s here), the same for every checkout, and no CI pays that.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t = time.perf_counter()
    done = subprocess.run([_python(checkout), "-c", CLI, *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"okrsite {' '.join(args)} failed ({checkout}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--commits", type=int, default=1500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code", action="append", metavar="LABEL=CHECKOUT")
    args = ap.parse_args()
    codes = {}
    for spec in args.code or [f"this={Path(__file__).resolve().parent.parent}"]:
        label, _, path = spec.partition("=")
        codes[label] = Path(path).resolve()
    work = Path(tempfile.mkdtemp(prefix="okrsite-bench-diff-"))
    try:
        repo = work / "repo"
        made = generate(repo, args.files, args.commits)
        plain = work / "plain" / "nogit"
        shutil.copytree(repo / "content", plain / "content")
        times: dict[str, list[float]] = {}
        outputs: dict[str, str] = {}
        for _ in range(args.repeat):
            for label, checkout in codes.items():
                cache = work / f"cache-{label}"
                for what, cwd, argv in (
                        ("diff", repo, ("diff", "HEAD~1", "HEAD", "--format", "json")),
                        ("check", plain, ("check", "content", "--format", "json"))):
                    shutil.rmtree(cache, ignore_errors=True)
                    for phase in ("cold", "warm"):
                        elapsed, out = okrsite(checkout, cwd, cache, *argv)
                        times.setdefault(f"{label}/{what} {phase}", []).append(round(elapsed, 3))
                        print(f"{label}/{what} {phase}: {elapsed:.2f} s", file=sys.stderr)
                        if what == "diff":
                            outputs.setdefault(label, out)
                            if out != outputs[label]:
                                raise SystemExit(f"{label}: diff output changed between runs")
        if len(set(outputs.values())) != 1:
            raise SystemExit(f"the checkouts' diff outputs differ: {sorted(outputs)}")
        medians = {k: round(statistics.median(v), 3) for k, v in times.items()}
        ratios = {}
        for label in codes:
            ratios[f"{label}/check warm/cold"] = round(
                medians[f"{label}/check warm"] / medians[f"{label}/check cold"], 3)
            ratios[f"{label}/diff warm/cold"] = round(
                medians[f"{label}/diff warm"] / medians[f"{label}/diff cold"], 3)
        labels = list(codes)
        for a, b in itertools.pairwise(labels):
            for key in ("diff warm", "diff cold", "check warm", "check cold"):
                ratios[f"{b}/{a} {key}"] = round(medians[f"{b}/{key}"] / medians[f"{a}/{key}"], 3)
        print(json.dumps({**made, "cpus": os.cpu_count(), "load_avg": os.getloadavg()[0],
                          "codes": {k: str(v) for k, v in codes.items()}, "runs": times,
                          "median_s": medians, "ratios": ratios}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
