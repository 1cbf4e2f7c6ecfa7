"""Generate a synthetic company of any size: `python bench/synth.py OUT --units N --periods M`.

Files look like real OKR files (about 8 KB each: 4 objectives x 4 KRs with
check-ins) and pass `okrsite check`, so benchmarks measure the real path.
Deterministic: the same arguments write the same bytes.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

QUARTERS = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3",
            "2027-Q4", "2028-Q1", "2028-Q2", "2028-Q3", "2028-Q4"]
QUARTER_START = {q: (int(q[:4]), (int(q[-1]) - 1) * 3 + 1) for q in QUARTERS}
WORDS = ("improve reduce grow launch retain deliver simplify automate expand measure "
         "customer onboarding latency revenue quality pipeline reliability adoption").split()


def mkdocs_yml(as_of: str | None = None, *, history: bool = False,
               cache_dir: str | None = None) -> str:
    """The mkdocs.yml every bench builds the synthetic company with: Material, search
    and okrsite. `as_of` None: the build finds it (git, then the content);
    `cache_dir` None: okrsite's default (.cache/okrsite), "" for memory only."""
    lines = ["site_name: Synthetic Corp OKRs", "docs_dir: content", "theme:",
             "  name: material", "  font: false", "  features: [navigation.indexes]",
             "plugins:", "  - search", "  - okrsite:"]
    if as_of is not None:
        lines.append(f"      as_of: {as_of}")
    lines.append(f"      history: {str(history).lower()}")
    if cache_dir is not None:
        lines.append(f"      cache_dir: {cache_dir or chr(39) * 2}")
    return "\n".join(lines) + "\n"


def data_end(periods: int) -> str:
    """The date of the latest check-in `generate(..., periods)` writes (every unit's
    last one, in the last quarter): an as-of at the end of the data, at which every
    check-in counts and the last quarter is still active."""
    year, month = QUARTER_START[QUARTERS[periods - 1]]
    return f"{year}-{month + LAST_CHECKIN[0]:02d}-{LAST_CHECKIN[1]:02d}"


def close_date(quarter: str) -> str:
    """The day after a quarter ends: when the benches close it."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year + (q == 4)}-{[4, 7, 10, 1][q - 1]:02d}-01"


def close_past(project: Path, periods: int, env: dict[str, str]) -> None:
    """Close every quarter of `project/content` but the last (the active one), each on
    the day after its end, with `okrsite close` run by the okrsite that `env`'s
    PYTHONPATH names: they get final records and become frozen periods, as a company's
    past quarters are."""
    cli = "from okrsite.cli import main; raise SystemExit(main())"
    for q in QUARTERS[:periods - 1]:
        proc = subprocess.run([sys.executable, "-c", cli, "close", "--on", close_date(q),
                               "--by", "bench", q, "content"], cwd=project, env=env,
                              capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(f"okrsite close {q} failed:\n{proc.stdout}{proc.stderr}")


def checkin_date(year: int, month: int, c: int) -> str:
    """The date of check-in c (0..4) of a quarter starting at year-month."""
    return f"{year}-{month + c % 3:02d}-{5 + c * 5:02d}"


# (months after the quarter's start, day) of the latest of the five check-ins
LAST_CHECKIN = max((c % 3, 5 + c * 5) for c in range(5))


def unit_ids(n: int) -> list[tuple[str, str | None]]:
    """(id, parent): a root, ~sqrt(n) departments, the rest teams under them."""
    units: list[tuple[str, str | None]] = [("company", None)]
    departments = max(1, int((n - 1) ** 0.5)) if n > 1 else 0
    for d in range(departments):
        units.append((f"dept-{d:03d}", "company"))
    for t in range(n - 1 - departments):
        units.append((f"team-{t:05d}", f"dept-{t % departments:03d}"))
    return units[:n]


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()


def okrs_file(unit: str, parent: str | None, period: str, rng: random.Random) -> str:
    year, month = QUARTER_START[period]
    lines = ["version: 1", "kind: okrs", f"unit: {unit}", f"period: {period}", "objectives:"]
    for o in range(4):
        lines += [f"  - id: objective-{o}", f"    title: {_title(rng)}",
                  "    description: |", f"      {_title(rng)}. {_title(rng)}.",
                  f"    owner: Person {rng.randint(1, 500)}",
                  f"    type: {'committed' if o == 0 else 'aspirational'}"]
        if parent:
            lines.append(f"    aligns_to: {parent}/objective-{o}")
        lines.append("    key_results:")
        for k in range(4):
            baseline, target = rng.randint(0, 50), rng.randint(60, 120)
            lines += [f"      - id: kr-{k}", f"        title: {_title(rng)}",
                      f"        baseline: {baseline}", f"        target: {target}",
                      "        unit: points", "        check_ins:"]
            for c in range(5):
                lines.append(f"          - {{date: {checkin_date(year, month, c)}, "
                             f"value: {baseline + (target - baseline) * c // 6}, "
                             f"confidence: 0.{rng.randint(3, 9)}, note: {_title(rng)}}}")
    return "\n".join(lines) + "\n"


def generate(out: Path, units: int, periods: int, seed: int = 1) -> int:
    """Write the company; returns the number of OKR files (unit-period pages)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    tree = unit_ids(units)
    org = ["version: 1", "kind: org", "name: Synthetic Corp", "units:"]
    for uid, parent in tree:
        org += [f"  - id: {uid}", f"    name: {uid.replace('-', ' ').title()}"]
        if parent:
            org.append(f"    parent: {parent}")
    (out / "org.yaml").write_text("\n".join(org) + "\n")
    count = 0
    for period in QUARTERS[:periods]:
        folder = out / "periods" / period
        folder.mkdir(parents=True, exist_ok=True)
        for uid, parent in tree:
            (folder / f"{uid}.yaml").write_text(okrs_file(uid, parent, period, rng))
            count += 1
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--units", type=int, default=250)
    ap.add_argument("--periods", type=int, default=8)
    args = ap.parse_args()
    print(generate(args.out, args.units, args.periods), "OKR files")


if __name__ == "__main__":
    main()
