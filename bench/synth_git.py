"""A synthetic OKR repository with a long history, written with `git fast-import`:

    python bench/synth_git.py OUT --files 2000 --commits 3000

The first commit adds org.yaml and the OKR files of bench/synth.py's company
(units x quarters); every later commit changes one or two files the way people
do (a new check-in, a moved target, a retitled objective) and every 150th renames
one (`.yaml` <-> `.yml`: the unit stays the one its name says). Every version passes
`okrsite check`: a new check-in is dated inside its file's period on a day its key
result has no entry for yet. Deterministic: the same arguments give the same commit
shas. Seconds, not minutes: no `git commit` per commit, no working tree until the end.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

from synth import QUARTER_START, QUARTERS, okrs_file, unit_ids

EPOCH = 1767225600  # 2026-01-01T00:00:00Z
AUTHORS = [("Ana Gomez", "ana"), ("Bob Brown", "bob"), ("Carol Chen", "carol"),
           ("Dave Diaz", "dave"), ("Eve Evans", "eve")]
_TARGET = re.compile(r"target: (\d+)")
_TITLE = re.compile(r"(  - id: objective-\d\n    title: )([^\n]*)")


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


_DATE = re.compile(r"date: (\d{4}-\d\d-\d\d)")


def _free_day(text: str, period: str, n: int) -> str:
    """A day inside the period that the file's last key result (whose check-ins end the
    file) has no check-in for: OKR215 and OKR222 stay quiet."""
    year, month = QUARTER_START[period]
    start = date(year, month, 1)
    last_kr = text.rsplit("      - id: kr-", 1)[-1]
    taken = set(_DATE.findall(last_kr))
    days = [start + timedelta(d) for d in range(89)]  # every quarter has 90+ days
    free = [d.isoformat() for d in days if d.isoformat() not in taken]
    return free[n % len(free)]


def _edit(text: str, rng: random.Random, n: int, period: str) -> str:
    kind = n % 3
    if kind == 0:  # a new check-in at the end of the last key result
        return text + (f"          - {{date: {_free_day(text, period, n)}, value: "
                       f"{rng.randint(0, 120)}, note: Check-in {n}.}}\n")
    if kind == 1:  # a moved target
        targets = list(_TARGET.finditer(text))
        m = targets[rng.randrange(len(targets))]
        return text[:m.start(1)] + str(int(m[1]) + rng.choice((-5, 5))) + text[m.end(1):]
    titles = list(_TITLE.finditer(text))  # a retitled objective
    m = titles[rng.randrange(len(titles))]
    return text[:m.start(2)] + f"Revised objective {n}" + text[m.end(2):]


def generate(out: Path, files: int = 2000, commits: int = 3000, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    periods = max(1, min(len(QUARTERS), files // 250 or 1))
    units = unit_ids(max(2, files // periods))
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", str(out)],
                   check=True)
    org = ["version: 1", "kind: org", "name: Synthetic Corp", "units:"]
    for uid, parent in units:
        org += [f"  - id: {uid}", f"    name: {uid}"] + ([f"    parent: {parent}"]
                                                         if parent else [])
    texts: dict[str, str] = {}
    for period in QUARTERS[:periods]:
        for uid, parent in units:
            if len(texts) < files:
                texts[f"content/periods/{period}/{uid}.yaml"] = okrs_file(uid, parent, period,
                                                                         rng)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=out,
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    w = proc.stdin.write
    paths = sorted(texts)
    renames = 0
    for n in range(commits):
        name, user = AUTHORS[n % len(AUTHORS)]
        when = EPOCH + n * 3600
        w(b"commit refs/heads/main\n")
        w(f"author {name} <{user}@example.com> {when} +0000\n".encode())
        w(f"committer {name} <{user}@example.com> {when} +0000\n".encode())
        if n == 0:
            w(_data(b"Initial OKRs"))
            w(b"M 100644 inline content/org.yaml\n" + _data(("\n".join(org) + "\n").encode()))
            for path in paths:
                w(f"M 100644 inline {path}\n".encode() + _data(texts[path].encode()))
            continue
        if n % 150 == 0:  # a rename: the file keeps its content
            old = paths.pop(rng.randrange(len(paths)))
            stem, ext = old.rsplit(".", 1)
            new = f"{stem}.{'yml' if ext == 'yaml' else 'yaml'}"  # same unit, same name
            texts[new] = texts.pop(old)
            paths.append(new)
            renames += 1
            w(_data(f"Rename {old} to {new}".encode()))
            w(f"R {old} {new}\n".encode())
            continue
        touched = rng.sample(paths, 1 if n % 4 else 2)
        w(_data(f"Update {', '.join(p.rsplit('/', 2)[1] for p in touched)} #{n}".encode()))
        for path in touched:
            texts[path] = _edit(texts[path], rng, n, path.split("/")[2])
            w(f"M 100644 inline {path}\n".encode() + _data(texts[path].encode()))
    w(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=out, check=True)
    return {"files": len(texts) + 1, "commits": commits, "renames": renames}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--commits", type=int, default=3000)
    args = ap.parse_args()
    print(generate(args.out, args.files, args.commits))


if __name__ == "__main__":
    main()
