"""cache_dir does not grow without bound: caches are keyed by the code that wrote them
(not only okrsite's version number: an editable install or a pip install from git runs
changed code under the same version), other code's go, and per-state entries (a
clean check, the as-of) are kept for the latest states only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.checkkit import AS_OF, Repo, check, valid_repo

import okrsite
from okrsite import loader, pipeline
from okrsite.loader import ParseCache
from okrsite.output import drop_other_versions
from okrsite.pipeline import load_content
from okrsite.yamlparse import PARSER_VERSION

PACKAGE = Path(okrsite.__file__).parent


def _code_version(tree: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-c", "from okrsite.digest import code_version; print(code_version())"],
        cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
        check=True)
    return out.stdout.strip()


def test_code_version_follows_the_packages_files(tmp_path: Path):
    tree = tmp_path / "src"
    shutil.copytree(PACKAGE, tree / "okrsite", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PACKAGE.parent / "schema", tree / "schema")
    first = _code_version(tree)
    assert first.startswith(f"{okrsite.__version__}+")
    assert _code_version(tree) == first  # the same files: the same code
    template = next((tree / "okrsite" / "templates").rglob("*.html"))
    template.write_text(template.read_text() + "\n")
    edited = _code_version(tree)
    assert edited != first
    schema = next((tree / "schema").rglob("*.json"))
    schema.write_text(schema.read_text() + "\n")
    assert _code_version(tree) not in (first, edited)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


def test_a_parse_cache_of_other_code_is_not_read_and_goes(repo: Repo, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setattr(loader, "code_version", lambda: "0.1.0+old")
    load_content(repo.root, old := ParseCache(cache_dir))
    assert old.parsed == 7
    assert [p.name for p in cache_dir.iterdir()] == [f"parse-{PARSER_VERSION}-0.1.0+old"]
    monkeypatch.setattr(loader, "code_version", lambda: "0.1.0+new")
    load_content(repo.root, new := ParseCache(cache_dir))
    assert new.parsed == 7  # nothing the old code parsed is taken
    assert [p.name for p in cache_dir.iterdir()] == [f"parse-{PARSER_VERSION}-0.1.0+new"]


def test_dropping_other_versions_keeps_the_current_one_and_other_kinds(tmp_path: Path):
    for name in ("checks-0.1.0+a.json", "checks-0.1.0+b.json", "checksum.txt"):
        (tmp_path / name).write_text("{}")
    for name in ("parse-1-0.1.0+a", "parse-1-0.1.0+b", "pages-1-0.1.0+a"):
        (tmp_path / name / "xx").mkdir(parents=True)
    drop_other_versions(tmp_path / "checks-0.1.0+b.json", "checks-")
    drop_other_versions(tmp_path / "parse-1-0.1.0+b", "parse-")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checks-0.1.0+b.json", "checksum.txt", "pages-1-0.1.0+a", "parse-1-0.1.0+b"]


def test_a_check_keeps_the_results_of_the_latest_states_only(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setattr(pipeline, "KEPT_STATES", 2)
    sales = repo.root / "periods/2026-Q1/sales.yaml"
    original = sales.read_text()
    results = []
    for k in range(4):  # four states of the content, each checked once
        sales.write_text(original.replace("title: ", f"title: Edit{k} ", 1))
        assert check(repo.root, AS_OF, cache_dir) == check(repo.root, AS_OF)
        results.append({p.name for p in (cache_dir / "check").iterdir()})
    assert len(results[-1]) == 2
    assert results[-1] == (results[3] - results[2]) | (results[2] - results[1])
