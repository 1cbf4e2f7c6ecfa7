"""Fuzzing check and rendering together: hostile but parseable content either gets an
error from `check`, or renders without an exception. Never both a pass and a crash.

The documents are the small valid repository of checkkit with a few values replaced by
extreme ones: numbers from 400 digits down to the smallest float, dates from year 1 to
9999, weights, and Markdown built of brackets, list markers and quotes. This is the
fuzzer that found a KPI target of 2.2250738585072014e-308 crashing the chart code.
Rendering is the core's (okrsite.render), public and internal, not a MkDocs build.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from helpers.checkkit import AS_OF, VALID, Repo, dump, show
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from okrsite.pipeline import run
from okrsite.render import render_pages
from okrsite.settings import Settings

# CI runs a fixed sample; OKRSITE_FUZZ=2000 explores further with fresh random examples.
FUZZ = int(os.environ.get("OKRSITE_FUZZ", "0"))
SETTINGS = settings(max_examples=FUZZ or 200, deadline=None, derandomize=not FUZZ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

EDGE_NUMBERS = [0, -0.0, 1, -1, 10**15, -10**15, 10**15 + 1, 1e15, 1.7e308, -1.7e308,
                2.2250738585072014e-308, 5e-324, -5e-324, 1e-300, 0.1, 10**6, 10**6 + 1,
                int("9" * 400), -int("9" * 400), 2**53 + 1, 1e-9]
numbers = (st.sampled_from(EDGE_NUMBERS) | st.integers()
           | st.floats(allow_nan=False, allow_infinity=False))
dates = (st.sampled_from(["0001-01-01", "1899-12-31", "1900-01-01", "1969-12-31",
                          "1970-01-01", "2106-02-07", "2106-02-08", "2200-12-31",
                          "2201-01-01", "9999-12-31", "2026-02-29", "2026-01-15"])
         | st.dates().map(lambda d: d.isoformat()))
_PIECES = ["[", "]", "(", ")", "](", "![", "- ", "* ", "1. ", "> ", "    ", "\n", "\n\n",
           "`", "*", "_", "<", "&", "\\", "|", "x", "word "]
markdown = (st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)
            | st.tuples(st.sampled_from(_PIECES), st.integers(1, 3000))
            .map(lambda t: t[0] * t[1])
            | st.tuples(st.sampled_from(_PIECES), st.sampled_from(_PIECES),
                        st.integers(1, 1500)).map(lambda t: t[0] * t[2] + t[1] * t[2]))

# Where each kind of value goes: (file, path to the field).
NUMBER_FIELDS = [
    ("periods/2026-Q1/company.yaml", ("objectives", 0, "key_results", 0, "baseline")),
    ("periods/2026-Q1/company.yaml", ("objectives", 0, "key_results", 0, "target")),
    ("periods/2026-Q1/company.yaml", ("objectives", 0, "key_results", 0, "weight")),
    ("periods/2026-Q1/company.yaml", ("objectives", 0, "key_results", 1, "weight")),
    ("periods/2026-Q1/company.yaml", ("objectives", 0, "key_results", 0, "check_ins", 0,
                                      "value")),
    ("periods/2026-Q1/sales.yaml", ("objectives", 0, "key_results", 0, "target")),
    ("periods/2026-Q1/sales.yaml", ("objectives", 0, "key_results", 0, "check_ins", 1,
                                    "value")),
    ("periods/2026-Q1/sales.yaml", ("objectives", 0, "key_results", 1, "milestones", 1,
                                    "weight")),
    ("periods/2026-Q1/support.yaml", ("objectives", 0, "key_results", 0, "target")),
    ("periods/2026-Q1/support.yaml", ("objectives", 0, "key_results", 1, "baseline")),
    ("periods/2026/company.yaml", ("objectives", 0, "key_results", 0, "target")),
    ("kpis/nps.yaml", ("target",)),
    ("kpis/nps.yaml", ("thresholds", "green")),
    ("kpis/nps.yaml", ("thresholds", "red")),
    ("kpis/nps.yaml", ("measurements", 0, "value")),
    ("kpis/nps.yaml", ("measurements", 1, "value")),
]
DATE_FIELDS = [
    ("periods/2026-Q1/company.yaml", ("objectives", 0, "key_results", 0, "check_ins", 0,
                                      "date")),
    ("periods/2026/company.yaml", ("objectives", 0, "key_results", 0, "check_ins", 0,
                                   "date")),
    ("kpis/nps.yaml", ("measurements", 0, "date")),
    ("kpis/nps.yaml", ("measurements", 1, "date")),
    ("periods/2026-Q1/period.yaml", ("closed_on",)),
    ("periods/2026-Q1/period.yaml", ("amendments", 0, "date")),
    ("periods/2026-Q1/period.yaml", ("start",)),
    ("periods/2026-Q1/period.yaml", ("end",)),
]
MARKDOWN_FIELDS = [
    ("periods/2026-Q1/company.yaml", ("objectives", 0, "description")),
    ("periods/2026-Q1/sales.yaml", ("objectives", 0, "key_results", 0, "description")),
    ("periods/2026-Q1/support.yaml", ("objectives", 0, "key_results", 1, "check_ins", 0,
                                      "note")),
    ("kpis/nps.yaml", ("description",)),
    ("kpis/nps.yaml", ("measurements", 1, "note")),
    ("org.yaml", ("units", 1, "description")),
]


@st.composite
def hostile(draw: st.DrawFn) -> dict[str, Any]:
    """The valid repository with one to four fields made extreme."""
    files = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["number", "number", "date", "markdown"]))
        fields, values = {"number": (NUMBER_FIELDS, numbers), "date": (DATE_FIELDS, dates),
                          "markdown": (MARKDOWN_FIELDS, markdown)}[kind]
        rel, path = draw(st.sampled_from(fields))
        node = files[rel]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = draw(values)
    period = files["periods/2026-Q1/period.yaml"]
    if ("start" in period) != ("end" in period):  # both or neither: else only OKR217
        period.setdefault("start", "2026-01-01")
        period.setdefault("end", "2026-03-31")
    return files


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return Repo(tmp_path_factory.mktemp("fuzz") / "content", copy.deepcopy(VALID))


@SETTINGS
@given(files=hostile())
def test_hostile_content_is_refused_or_renders(repo: Repo, files: dict[str, Any]) -> None:
    repo.write({rel: dump(doc) for rel, doc in files.items()})
    for internal in (False, True):
        build = run(Settings(repo.root, AS_OF, include_restricted=internal, history=False))
        diags = list(build.diagnostics)  # what `okrsite check` reports
        if any(d.is_error for d in diags):
            event("refused")
            return  # with file and line (test_check_properties checks their form)
        event("rendered")
        pages = render_pages(build)
        assert pages, show(diags)
        for page in pages:
            assert page.source()  # the text a page file holds, front matter and all
