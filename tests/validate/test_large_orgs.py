"""Orgs far larger or deeper than any real one still check and render: nothing recurses
once per level (Python's stack ends near 1,000 frames) or scans every unit per unit."""

from __future__ import annotations

import re
from pathlib import Path

from helpers.checkkit import run_cli

AS_OF = "2026-09-01"


def _okrs(unit: str, parent: str | None) -> str:
    aligns = f"\n    aligns_to: {parent}/grow" if parent else ""
    return f"""version: 1
kind: okrs
unit: {unit}
period: 2026-Q3
objectives:
  - id: grow
    title: Grow {unit}
    owner: Ana Gomez{aligns}
    key_results:
      - id: reach
        title: Reach ten
        baseline: 0
        target: 10
        check_ins:
          - {{date: 2026-08-01, value: 5}}
      - id: ship
        title: Ship it
        done: false
"""


def _content(root: Path, parents: list[tuple[str, str | None]], okrs_for: list[str]) -> Path:
    """An org of (unit, parent) in file order, one 2026-Q3 objective for each unit in
    `okrs_for`, aligned to its parent unit's objective."""
    content = root / "content"
    (content / "periods" / "2026-Q3").mkdir(parents=True)
    lines = ["version: 1", "kind: org", "name: Deep Co", "units:"]
    for unit, parent in parents:
        lines += [f"  - id: {unit}", f"    name: Unit {unit}"]
        lines += [f"    parent: {parent}"] if parent else []
    (content / "org.yaml").write_text("\n".join(lines) + "\n")
    (content / "periods" / "2026-Q3" / "period.yaml").write_text(
        "version: 1\nkind: period\nid: 2026-Q3\n")
    parent_of = dict(parents)
    for unit in okrs_for:
        (content / "periods" / "2026-Q3" / f"{unit}.yaml").write_text(
            _okrs(unit, parent_of[unit]))
    return content


def _check_and_render(content: Path, out: Path) -> str:
    check = run_cli("check", str(content), "--as-of", AS_OF, "--strict", timeout=300)
    assert (check.returncode, check.stderr) == (0, ""), check.stdout[-2000:]
    render = run_cli("render", str(content), "--out", str(out), "--as-of", AS_OF,
                     "--no-history", timeout=300)
    assert render.returncode == 0, render.stderr[-2000:]
    assert "Traceback" not in render.stderr
    return render.stdout


def test_a_chain_of_1100_levels_checks_and_renders(tmp_path):
    units = [(f"u{i}", f"u{i - 1}" if i else None) for i in range(1100)]
    content = _content(tmp_path, units, [u for u, _ in units])
    out = tmp_path / "out"
    _check_and_render(content, out)
    assert len(list((out / "periods" / "2026-Q3").glob("u*/index.md"))) == 1100
    # The cascade nests every objective under the one it aligns to, all 1,100 of them.
    cascade = (out / "cascade" / "2026-Q3" / "index.md").read_text()
    assert cascade.count("<ul>") == 1100
    assert cascade.index(">Grow u0<") < cascade.index(">Grow u1<") < cascade.index(
        ">Grow u1099<")
    # Breadcrumbs name the root and the nearest ancestors, not all 1,099 of them.
    deepest = (out / "periods" / "2026-Q3" / "u1099" / "index.md").read_text()
    crumbs = next(line for line in deepest.splitlines() if "okr-breadcrumbs" in line)
    assert ">Unit u0</a> › … › <a" in crumbs
    assert ">Unit u1092</a>" in crumbs and ">Unit u1091</a>" not in crumbs
    assert crumbs.count("<a ") == 1 + 1 + 7 + 1  # period, root, 7 nearest, "every period"


def test_2000_units_under_one_parent_check_and_render(tmp_path):
    units = [("top", None), *((f"team-{i}", "top") for i in range(1999))]
    content = _content(tmp_path, units, ["top", "team-0", "team-1998"])
    out = tmp_path / "out"
    _check_and_render(content, out)
    assert len(list((out / "units").glob("*/index.md"))) == 2000
    overview = (out / "units" / "top" / "index.md").read_text()
    linked = re.findall(r'<a href="\.\./(team-\d+)/">Unit \1</a>', overview)
    assert linked == [f"team-{i}" for i in range(1999)]  # every child, once, in file order


def test_a_parent_cycle_of_1200_units_is_reported_once(tmp_path):
    units = [(f"u{i}", f"u{i - 1}") for i in range(1, 1200)]
    units = [("top", None), ("u0", "u1199"), *units]  # u0 .. u1199 -> u0: one long cycle
    content = _content(tmp_path, units, [])
    check = run_cli("check", str(content), "--as-of", AS_OF, timeout=300)
    assert check.returncode == 1 and "Traceback" not in check.stderr
    (cycle,) = [line for line in check.stdout.splitlines() if "OKR204" in line]
    assert cycle.endswith("the parents form a cycle: u0 -> u1199 -> u1198 -> "
                          + " -> ".join(f"u{i}" for i in range(1197, -1, -1)))
