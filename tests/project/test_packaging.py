"""The dependency ranges pyproject.toml declares are the ones CI tests.

tests/run-lowest.sh installs tests/lowest-constraints.txt and runs the core's tests on
it; that is only a test of the declared lower bounds while the file pins exactly them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
# Tools of tests the lowest run leaves out: the browser tests, and the slow builds with
# other generators and of the package (check-jsonschema's tests skip without it).
NOT_PINNED = {"playwright", "check-jsonschema", "properdocs", "zensical", "build"}


def _key(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lower_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = {}
    for spec in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        found = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)(?:\s*,\s*<\s*[0-9.]+)?",
                             spec.strip())
        assert found, f"{spec!r}: give every dependency a tested lower bound, `name>=x.y`"
        bounds[_name(found.group(1))] = found.group(2)
    return bounds


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "tests" / "lowest-constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[_name(name)] = version
    return pins


def test_the_lowest_constraints_pin_every_lower_bound_in_pyproject():
    bounds, pins = _lower_bounds(), _pins()
    assert sorted(pins) == sorted(set(bounds) - NOT_PINNED)
    for name, pin in pins.items():
        assert _key(pin) == _key(bounds[name]), \
            f"{name}: pyproject.toml says >={bounds[name]}, the lowest run tests {pin}"

