"""A CI `mkdocs build` with history and cache_dir kept: when nothing changed, the
history pages (recent changes, every period's audit page) are replayed and the audit
downloads taken from cache_dir, with no period record made; after a new commit, a
rewritten branch and a newly restricted item every output file is byte for byte the
one a cold build of a clone at the same commit writes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from okrsite import pipeline
from okrsite.mkdocs_plugin.plugin import OkrsitePlugin
from tests.helpers.sites import (
    DEMO_CONTENT,
    fresh_process_build,
    git_as_priya,
    prepare_site,
    quiet_mkdocs,
)

_quiet = pytest.fixture(autouse=True)(quiet_mkdocs)

HISTORY_PAGES = {"changes.md", "audit/2026-Q3.md", "audit/2026-Q4.md"}
SUPPORT = "content/periods/2026-Q4/support.yaml"


def commit(root: Path, rel: str, old: str, new: str, message: str,
           when: str = "2026-11-12T10:00:00") -> None:
    file = root / rel
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    git_as_priya(root, "commit", "-qam", message, when=when)


def ci_build(root: Path, cache: str = ".cache") -> tuple[OkrsitePlugin, dict[str, bytes]]:
    plugin, site = fresh_process_build(prepare_site(root, DEMO_CONTENT, okrsite={
        "as_of": "2026-11-20", "cache_dir": cache, "history": True}))
    assert isinstance(plugin, OkrsitePlugin)
    return plugin, site


def cold(root: Path) -> dict[str, bytes]:
    """A build without cache of a fresh clone of root at its commit."""
    other = root.parent / f"{root.name}-cold"
    shutil.rmtree(other, ignore_errors=True)
    git_as_priya(root.parent, "clone", "-q", str(root), str(other))
    return ci_build(other, cache="")[1]


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The periods whose record a build made."""
    made: list[str] = []
    real = pipeline.period_record

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "period_record", counted)
    return made


def replayed(plugin: OkrsitePlugin) -> set[str]:
    return set(plugin.finals.replayed) if plugin.finals is not None else set()


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "ci"
    prepare_site(root, DEMO_CONTENT)
    git_as_priya(root, "init", "-q")
    git_as_priya(root, "add", "content")
    git_as_priya(root, "commit", "-qm", "Import the OKRs", when="2026-10-02T09:00:00")
    commit(root, SUPPORT, "target: 12\n", "target: 14\n", "Ease the first-response target")
    return root


def test_a_warm_build_replays_the_history_pages_and_makes_no_record(
        tmp_path: Path, records: list[str]) -> None:
    root = repo(tmp_path)
    first, site = ci_build(root)
    assert records and not replayed(first) & HISTORY_PAGES
    assert site == cold(root)
    records.clear()

    second, again = ci_build(root)
    assert replayed(second) >= HISTORY_PAGES
    assert records == []  # the downloads came from cache_dir, whole
    assert again == site
    assert b"Ease the first-response target" in again["changes/index.html"]
    assert again["audit/2026-Q4/manifest.json"] == site["audit/2026-Q4/manifest.json"]

    for i, entry in enumerate(sorted((root / ".cache").glob("downloads-*/*.bin"))):
        raw = entry.read_bytes()  # one cut short, the others with a byte changed
        entry.write_bytes(raw[: len(raw) // 2] if i == 0 else
                          raw[:100] + bytes([raw[100] ^ 1]) + raw[101:])
    _, damaged = ci_build(root)
    assert records  # made again, not read from a damaged entry
    assert damaged == site


def test_a_new_commit_a_rewritten_branch_and_a_restriction_build_what_a_cold_build_does(
        tmp_path: Path, records: list[str]) -> None:
    root = repo(tmp_path)
    ci_build(root)
    steps = [
        ("new commit", lambda: commit(root, SUPPORT, "target: 14\n", "target: 13\n",
                                      "Move the first-response target again")),
        # The last commit taken back and the same files committed in its place (a
        # force-push): the content is as before, its history is not.
        ("rewritten", lambda: (git_as_priya(root, "reset", "-q", "--hard", "HEAD~1"),
                               commit(root, SUPPORT, "target: 14\n", "target: 13\n",
                                      "Tighten the first-response target",
                                      when="2026-11-13T10:00:00"))),
        ("restricted", lambda: commit(root, SUPPORT, "  - id: ", "  - visibility: restricted\n"
                                      "    id: ", "Restrict an objective",
                                      when="2026-11-14T10:00:00")),
    ]
    for name, step in steps:
        before = ci_build(root)[1]
        step()
        records.clear()
        plugin, site = ci_build(root)
        assert records, name  # the commit changed: the records are made again
        assert not replayed(plugin) & HISTORY_PAGES, name
        assert site != before, name
        assert site == cold(root), name
    # (The guide quotes the objective's title: the history and audit outputs must not.)
    for name in ("changes/index.html", "audit/2026-Q4/index.html",
                 "periods/2026-Q4/support/index.html"):
        assert b"Reach 12-hour" not in site[name], name
    for name in ("okrs.csv", "okrs.json", "check-ins.csv"):
        data = site[f"audit/2026-Q4/{name}"]
        assert b"answer-faster" not in data and b"Reach 12-hour" not in data, name
