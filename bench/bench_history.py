"""History of a synthetic repository, cold and warm, against a bare `git log`.

    python bench/bench_history.py --files 2000 --commits 3000

Builds the repository with bench/synth_git.py (git fast-import), then, in one run,
alternating so that all see the same machine noise:

- bare:  `git log --name-status -M -- content` (what one pass over the log costs);
- cold:  okrsite's `read_history` with an empty cache dir: the log, every blob read
         through one `git cat-file --batch` and parsed once, every commit diffed;
- warm:  the same again: per-commit changes come from the cache;
- follow: `git log --follow` for a sample of files, scaled to all of them (the
         per-file approach the one-pass design avoids).

okrsite runs in a fresh interpreter each time (its import is included). Prints
JSON with medians and the ratios.

    python bench/bench_history.py --site --files 1000 --commits 1500 \
        --code before=/work/wt/hspeed-base --code after=. --repeat 2

`--site` measures what people wait for instead: `mkdocs build` of the repository
(the okrsite plugin, `check` passes on it), history on and off, each

- cold:     an empty cache dir;
- warm:     the same build again (nothing changed);
- new commit: one commit on top since the warm build (a CI run that keeps its
            cache dir), then that commit is taken back out (`git reset --hard`);

for each `--code LABEL=CHECKOUT` (an okrsite checkout, run with its own .venv when
it has one), alternating, so that every build sees the same machine noise. Reports
wall and CPU seconds (the build's own and its workers'), their medians, the ratios
history on / history off, and the load average; checks that every code built the
same bytes for each (history, phase). At 1,000 files x 1,500 commits a round is 12
builds of about a minute each on 2 shared cores: `--json FILE` is rewritten after
every build, so a run cut short still leaves what it measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synth import mkdocs_yml
from synth_git import generate

HISTORY = """
import sys, time
t = time.perf_counter()
from pathlib import Path
from okrsite.history.git import LogStats, read_history
stats = LogStats()
h = read_history(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]), stats=stats,
                 workers=int(sys.argv[3]) if sys.argv[3] != "-" else None)
elapsed = time.perf_counter() - t
assert h.available and len(h.entries) == stats.commits, (h.reason, len(h.entries))
print(elapsed, stats.parsed, stats.commits, sum(len(e.changes) for e in h.entries))
"""


def bare(repo: Path) -> float:
    t = time.perf_counter()
    subprocess.run(["git", "log", "--name-status", "-M", "--", "content"], cwd=repo,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def history(repo: Path, cache: Path, workers: str = "-") -> tuple[float, int, int, int]:
    out = subprocess.run([sys.executable, "-c", HISTORY, str(repo / "content"), str(cache),
                          workers], check=True, capture_output=True, text=True)
    elapsed, parsed, commits, changes = out.stdout.split()
    return float(elapsed), int(parsed), int(commits), int(changes)


def follow(repo: Path, sample: int) -> float:
    files = subprocess.run(["git", "ls-files", "content"], cwd=repo, check=True,
                           capture_output=True, text=True).stdout.split()
    picked = random.Random(1).sample(files, min(sample, len(files)))
    t = time.perf_counter()
    for f in picked:
        subprocess.run(["git", "log", "--follow", "--name-status", "--", f], cwd=repo,
                       check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t) / len(picked) * len(files)


COMMIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
              "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
              "GIT_AUTHOR_DATE": "2026-03-20T12:00:00+00:00",
              "GIT_COMMITTER_DATE": "2026-03-20T12:00:00+00:00"}


def _python(checkout: Path) -> str:
    venv = checkout / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def site_build(repo: Path, checkout: Path, history: bool, out: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one `mkdocs build`; CPU counts its worker processes too."""
    yml = repo / f"mkdocs-{'on' if history else 'off'}.yml"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(checkout)}
    shutil.rmtree(out, ignore_errors=True)
    cpu = _children_cpu()
    t = time.perf_counter()
    done = subprocess.run([_python(checkout), "-m", "mkdocs", "build", "-q", "-f", str(yml),
                           "-d", str(out)], cwd=repo, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"build failed ({checkout}, history {history}):\n"
                         f"{done.stderr[-3000:]}")
    return elapsed, _children_cpu() - cpu


def site_digest(out: Path) -> str:
    """sha256 over every file of a built site, by path."""
    h = hashlib.sha256()
    for f in sorted(p for p in out.rglob("*") if p.is_file()):
        h.update(f.relative_to(out).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _one_commit(repo: Path) -> None:
    """A check-in edited in one file, committed (the same sha every time)."""
    f = sorted((repo / "content" / "periods").rglob("*.y*ml"))[-1]
    text = f.read_text()
    f.write_text(text.replace("value: ", "value: 1", 1))
    env = {**os.environ, **COMMIT_ENV}
    subprocess.run(["git", "commit", "-q", "-am", "Bench: one check-in"], cwd=repo, env=env,
                   check=True)


def sites(args: argparse.Namespace, work: Path) -> dict[str, object]:
    repo = work / "repo"
    made = generate(repo, args.files, args.commits)
    for history in (True, False):
        (repo / f"mkdocs-{'on' if history else 'off'}.yml").write_text(
            mkdocs_yml(history=history))
    codes = {}
    for spec in args.code or [f"this={Path(__file__).resolve().parent.parent}"]:
        label, _, path = spec.partition("=")
        codes[label] = Path(path).resolve()
    times: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    digests: dict[str, dict[str, str]] = {}  # history/phase -> code -> site digest
    load = {"start": list(os.getloadavg())}

    def report() -> dict[str, object]:
        medians = {k: round(statistics.median(v), 2) for k, v in times.items()}
        cpu_medians = {k: round(statistics.median(v), 2) for k, v in cpus.items()}
        ratios: dict[str, float] = {}
        for label in codes:
            for phase in ("cold", "warm", "new commit"):
                on, off = f"{label}/history on/{phase}", f"{label}/history off/{phase}"
                if on not in medians or off not in medians:
                    continue
                ratios[f"{label}/{phase}: on/off"] = round(medians[on] / medians[off], 3)
                ratios[f"{label}/{phase}: on-off s"] = round(medians[on] - medians[off], 2)
                ratios[f"{label}/{phase}: CPU on/off"] = round(
                    cpu_medians[on] / cpu_medians[off], 3)
                ratios[f"{label}/{phase}: CPU on-off s"] = round(
                    cpu_medians[on] - cpu_medians[off], 2)
        same = {k: len(set(v.values())) == 1 for k, v in digests.items()}
        return {**made, "cpus": os.cpu_count(), "codes": {k: str(v) for k, v in codes.items()},
                "load_average": {**load, "now": list(os.getloadavg())},
                "runs_wall_s": times, "runs_cpu_s": cpus, "median_wall_s": medians,
                "median_cpu_s": cpu_medians, "ratios": ratios,
                "same_output_across_codes": same}

    for _ in range(args.repeat):
        for label, checkout in codes.items():
            for history in (True, False):
                key = f"{label}/history {'on' if history else 'off'}"
                shutil.rmtree(repo / ".cache", ignore_errors=True)
                out = work / "site"
                for phase in ("cold", "warm", "new commit"):
                    if phase == "new commit":
                        _one_commit(repo)
                    try:
                        elapsed, cpu = site_build(repo, checkout, history, out)
                        built = site_digest(out)
                    finally:
                        if phase == "new commit":
                            subprocess.run(["git", "reset", "-q", "--hard", "HEAD~1"],
                                           cwd=repo, check=True)
                    times.setdefault(f"{key}/{phase}", []).append(round(elapsed, 2))
                    cpus.setdefault(f"{key}/{phase}", []).append(round(cpu, 2))
                    seen = digests.setdefault(
                        f"history {'on' if history else 'off'}/{phase}", {})
                    if seen.get(label, built) != built:
                        print(f"{key}/{phase}: not the bytes of its earlier round",
                              file=sys.stderr)
                    seen[label] = built
                    print(f"{key}/{phase}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
                          f"load {os.getloadavg()[0]:.2f}", file=sys.stderr)
                    if args.json:
                        args.json.write_text(json.dumps(report(), indent=2))
    return report()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--commits", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=1,
                    help="cold runs (each is long); with --site: rounds")
    ap.add_argument("--warm-repeat", type=int, default=5)
    ap.add_argument("--follow-sample", type=int, default=20)
    ap.add_argument("--serial", action="store_true",
                    help="also a cold run with one process (no parse workers)")
    ap.add_argument("--site", action="store_true",
                    help="time `mkdocs build` with history on and off instead")
    ap.add_argument("--code", action="append", metavar="LABEL=CHECKOUT",
                    help="with --site: an okrsite checkout to build with (repeatable)")
    ap.add_argument("--json", type=Path, metavar="FILE",
                    help="with --site: the report so far, rewritten after every build")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="okrsite-bench-history-"))
    if args.site:
        try:
            print(json.dumps(sites(args, work), indent=2))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    try:
        repo = work / "repo"
        t = time.perf_counter()
        made = generate(repo, args.files, args.commits)
        synth_s = time.perf_counter() - t
        bares, colds, warms = [], [], []
        parsed = changes = commits = 0
        for _ in range(args.repeat):
            cache = work / "cache"
            shutil.rmtree(cache, ignore_errors=True)
            bares.append(bare(repo))
            cold = history(repo, cache)
            colds.append(cold[0])
            _, parsed, commits, changes = cold
            for _ in range(args.warm_repeat):
                bares.append(bare(repo))
                warm = history(repo, cache)
                assert warm[1] == 0, "a warm run parsed blobs"
                warms.append(warm[0])
        result = {
            **made, "cpus": os.cpu_count(), "synth_s": round(synth_s, 1),
            "blobs_parsed": parsed, "history_commits": commits, "changes": changes,
            "bare_git_log_s": round(statistics.median(bares), 3),
            "cold_s": round(statistics.median(colds), 2),
            "warm_s": round(statistics.median(warms), 3),
        }
        if args.serial:
            shutil.rmtree(work / "cache", ignore_errors=True)
            result["cold_one_process_s"] = round(history(repo, work / "cache", "1")[0], 2)
        if args.follow_sample:
            result["git_log_follow_per_file_s"] = round(follow(repo, args.follow_sample), 1)
        result["cold_vs_bare"] = round(result["cold_s"] / result["bare_git_log_s"], 1)
        result["warm_vs_bare"] = round(result["warm_s"] / result["bare_git_log_s"], 2)
        result["warm_vs_cold"] = round(result["warm_s"] / result["cold_s"], 4)
        result["blobs_per_s_cold"] = round(parsed / result["cold_s"], 1)
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
