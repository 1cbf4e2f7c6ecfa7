"""Property tests: whatever is in the content directory, the checker answers with
diagnostics and never raises."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import yaml
from helpers.checkkit import AS_OF, VALID, Repo, check, dump, show
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrsite.diagnostics import CODES, Diagnostic, format_github, format_json, format_text
from okrsite.loader import ParseCache
from okrsite.pipeline import load_content
from okrsite.yamlparse import YamlError, parse

# CI runs a fixed sample; OKRSITE_FUZZ=5000 explores further with fresh random examples.
FUZZ = int(os.environ.get("OKRSITE_FUZZ", "0"))
SETTINGS = settings(max_examples=FUZZ or 150, deadline=None, derandomize=not FUZZ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TARGETS = ["org.yaml", "kpis/nps.yaml", "periods/2026-Q1/period.yaml",
           "periods/2026-Q1/sales.yaml", "periods/2026-Q1/company.yaml"]

KNOWN_KEYS = sorted({"version", "kind", "id", "name", "units", "parent", "unit", "period",
                     "objectives", "key_results", "title", "owner", "aligns_to", "baseline",
                     "target", "direction", "check_ins", "date", "value", "milestones", "done",
                     "weight", "kpi", "state", "closed_on", "amendments", "start", "end",
                     "thresholds", "green", "red", "measurements", "carried_from", "scorer",
                     "confidence", "type", "visibility", "grade", "x-extra"})

scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=12)
           | st.sampled_from(["2026-01-15", "2026-02-30", "2026", "2026-Q1", "2027-Q4",
                              "0000", "9999-Q4", "company", "sales", "nps",
                              "company/q1-grow", "2026:company/grow", "sales/win/win-rate",
                              "at_least", "higher_is_better", "closed", "", "x" * 70]))
values = st.recursive(
    scalars,
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8),
                                        children, max_size=5)),
    max_leaves=25)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repo]:
    yield Repo(tmp_path_factory.mktemp("props") / "content", copy.deepcopy(VALID))


def assert_well_formed(repo: Repo, diags: list[Diagnostic]) -> None:
    assert isinstance(diags, list)
    root = str(repo.root.resolve())
    for d in diags:
        assert isinstance(d, Diagnostic)
        assert d.code in CODES, d
        assert d.line >= 1 and d.col >= 1, d
        assert d.file.startswith(root), d
        assert d.message
    text = format_text(diags).split("\n")
    assert len(text) == 1 + sum(1 + bool(d.hint) for d in diags)
    assert all(line.isprintable() for line in text), text
    json.loads(format_json(diags))
    github = format_github(diags)
    assert len(github.split("\n") if github else []) == len(diags) and "\r" not in github


def run_everything(repo: Repo) -> list[Diagnostic]:
    loaded = load_content(repo.root)
    assert_well_formed(repo, loaded.diagnostics)
    diags = check(repo.root, AS_OF, None)
    assert_well_formed(repo, diags)
    # Only scoring may add to what loading found.
    assert set(loaded.diagnostics) <= set(diags), show(diags)
    return diags


def with_file(repo: Repo, rel: str, raw: bytes) -> list[Diagnostic]:
    original = (repo.root / rel).read_bytes()
    try:
        repo.write({rel: raw})
        return run_everything(repo)
    finally:
        (repo.root / rel).write_bytes(original)


# ------------------------------------------------------------------ random documents

@SETTINGS
@given(rel=st.sampled_from(TARGETS), data=values)
def test_random_documents_never_crash(repo, rel, data):
    with_file(repo, rel, yaml.safe_dump(data, allow_unicode=True).encode())


@SETTINGS
@given(rel=st.sampled_from(TARGETS), data=st.dictionaries(st.sampled_from(KNOWN_KEYS), values,
                                                          max_size=8))
def test_random_documents_with_a_header_never_crash(repo, rel, data):
    kind = {"org.yaml": "org", "kpis/nps.yaml": "kpi",
            "periods/2026-Q1/period.yaml": "period"}.get(rel, "okrs")
    doc = {"version": 1, "kind": kind, **data}
    with_file(repo, rel, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode())


@SETTINGS
@given(rel=st.sampled_from(TARGETS), raw=st.binary(max_size=300))
def test_random_bytes_never_crash(repo, rel, raw):
    diags = with_file(repo, rel, raw)
    assert diags  # random bytes are never a valid document


TOKENS = [*"ab1-:[]{},&*!|>'\"#%@?<\t\n .~\\", "\ufeff", "é", "\x00", "!!python/", "<<: ",
          "&a ", "*a", "- ", ": ", "---\n", "!!int ", "2026-01-01", ".nan", "\n  "]
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@SETTINGS
@given(text=YAMLISH)
def test_yaml_punctuation_soup_never_crashes_the_parser(text):
    try:
        parsed = parse(text.encode("utf-8", "surrogatepass"))
    except YamlError as exc:
        assert exc.code in CODES and exc.pos[0] >= 1 and exc.pos[1] >= 1
        return
    json.dumps(parsed.data, allow_nan=False)  # plain JSON data, no NaN
    assert isinstance(parsed.data, dict)
    assert all(line >= 1 and col >= 1 for line, col in parsed.positions.values())


@SETTINGS
@given(rel=st.sampled_from(TARGETS), text=YAMLISH)
def test_yaml_punctuation_soup_after_a_valid_header(repo, rel, text):
    with_file(repo, rel, (repo.text(rel) + text).encode("utf-8", "surrogatepass"))


# ------------------------------------------------------ mutations of valid documents

def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _parent(doc: Any, path: tuple) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    rel = draw(st.sampled_from(TARGETS))
    doc = copy.deepcopy(VALID[rel])
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(doc, path), path[-1]
        op = draw(st.sampled_from(["drop", "replace", "retype", "rename", "duplicate",
                                   "string"]))
        if op == "drop":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(values)
        elif op == "retype":
            parent[key] = draw(st.sampled_from([None, True, 0, -1, 1.5, "", [], {}, "x",
                                                [parent[key]], {"a": parent[key]}]))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=6))] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "string":
            parent[key] = draw(st.text(max_size=20) | st.from_regex(r"[a-z0-9-]{1,70}",
                                                                    fullmatch=True))
    return rel, doc


@SETTINGS
@given(case=mutated())
def test_mutated_valid_documents_never_crash(repo, case):
    rel, doc = case
    with_file(repo, rel, dump(doc).encode())


@SETTINGS
@given(case=mutated(), as_of=st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_mutations_checked_at_any_date(repo, case, as_of):
    rel, doc = case
    original = (repo.root / rel).read_bytes()
    try:
        repo.write({rel: dump(doc)})
        assert_well_formed(repo, check(repo.root, as_of, None))
    finally:
        (repo.root / rel).write_bytes(original)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=mutated())
def test_warm_cache_answers_like_a_cold_parse(repo, tmp_path_factory, case):
    rel, doc = case
    original = (repo.root / rel).read_bytes()
    cache_dir = tmp_path_factory.mktemp("cache")
    try:
        repo.write({rel: dump(doc)})
        cold = load_content(repo.root, ParseCache(cache_dir)).diagnostics
        warm_cache = ParseCache(cache_dir)
        warm = load_content(repo.root, warm_cache).diagnostics
        assert warm_cache.parsed == 0
        assert warm == cold
    finally:
        (repo.root / rel).write_bytes(original)
