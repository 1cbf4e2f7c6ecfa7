"""The page cache across CI runs (okrsite.pagecache on disk, okrsite.render.inputs):
each build with cache_dir kept gives the pages a cold build gives, byte for byte, and
a closed period's pages are taken from the cache when only the active period changed,
the as-of moved or a commit was added, and rendered again when the period is amended.
The cache does not grow with repeated edits, and never serves a restricted item to a
public build."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from okrsite.cli import main
from okrsite.pagecache import KEEP_VARIANTS, PageCache
from okrsite.pipeline import run
from okrsite.render import iter_site
from okrsite.render.common import unit_period_page
from okrsite.settings import Settings
from tests.helpers.gitkit import GitRepo, needs_git
from tests.helpers.sites import DEMO_CONTENT

ACTIVE = "periods/2026-Q4/onboarding.yaml"
OLD_CHECK_IN = "{date: 2026-11-20, value: 8, confidence: 0.6}"
NEW_CHECK_IN = "{date: 2026-11-20, value: 7.5, confidence: 0.6}"
FROZEN = ("periods/2026-Q1/", "periods/2026-Q2/", "periods/2026-Q3/", "cascade/2026-Q1",
          "cascade/2026-Q2", "cascade/2026-Q3")  # closed with a final record (the demo's)
Pages = dict[str, tuple[str, str, str, bool]]


def pages(content: Path, as_of: date, cache: PageCache | None = None,
          **settings: object) -> Pages:
    build = run(Settings(content, as_of, **settings))  # type: ignore[arg-type]
    return {p.path: (p.title, p.html, repr(p.meta), p.in_nav)
            for p in iter_site(build, cache)}


def ci_run(content: Path, cache_dir: Path, as_of: date, **settings: object
           ) -> tuple[PageCache, Pages]:
    """One CI build (a new process: a new cache on the kept cache_dir), pruned after."""
    cache = PageCache(cache_dir, keep=False)
    built = pages(content, as_of, cache, **settings)
    cache.prune("ci")
    return cache, built


def frozen(paths: list[str]) -> set[str]:
    return {p for p in paths if p.startswith(FROZEN)}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    shutil.rmtree(repo.content)
    shutil.copytree(DEMO_CONTENT, repo.content)
    repo.commit("The demo company", "2026-11-21")
    return repo


@needs_git
def test_a_ci_sequence_gives_cold_builds_pages_and_reuses_closed_ones(
        repo: GitRepo, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    as_of = date(2026, 12, 5)  # after the demo's last amendment (2026-Q3's, 2026-12-01)
    first, built = ci_run(repo.content, cache_dir, as_of)
    assert built == pages(repo.content, as_of)
    every_frozen = frozen(first.rendered)
    assert unit_period_page("2026-Q3", "support") in every_frozen

    # The active period edited, in a new commit: HEAD moved, closed pages did not.
    repo.edit(ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
    repo.commit("Onboarding: November check-in", "2026-11-22")
    cache, built = ci_run(repo.content, cache_dir, as_of)
    assert built == pages(repo.content, as_of)
    assert frozen(cache.from_disk) == every_frozen and not frozen(cache.rendered)
    assert unit_period_page("2026-Q4", "onboarding") in cache.rendered

    # A later day: the closed periods' pages are as of their close, unchanged. Those
    # linked to the year 2026 (the company's, whose objectives align to the year's, and
    # the cascades, which show it) are rendered again: the year is active, and their
    # digests hold its results, which move with the as-of.
    later = date(2026, 12, 20)
    cache, built = ci_run(repo.content, cache_dir, later)
    assert built == pages(repo.content, later)
    linked_to_the_year = {p for p in every_frozen
                          if p.startswith("cascade/") or p.endswith("/company/index.md")}
    assert frozen(cache.rendered) == linked_to_the_year
    assert frozen(cache.from_disk) == every_frozen - linked_to_the_year

    # Q2 amended: its pages are rendered again and say the amendment's date (every
    # period.yaml is an input of every page, so the other closed pages are too).
    repo.edit("periods/2026-Q2/company.yaml", "{date: 2026-05-29, value: 19,",
              "{date: 2026-05-29, value: 18,")
    assert main(["amend", "2026-Q2", str(repo.content), "--by", "Ada", "--reason",
                 "A restated figure.", "--on", "2026-12-18"]) == 0
    repo.commit("Amend 2026-Q2", "2026-12-18")
    cache, built = ci_run(repo.content, cache_dir, later)
    assert built == pages(repo.content, later)
    again = frozen(cache.rendered)
    assert unit_period_page("2026-Q2", "company") in again
    assert "As of 2026-12-18" in built[unit_period_page("2026-Q2", "company")][1]


def test_repeated_edits_do_not_grow_the_cache(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    cache_dir = tmp_path / "cache"
    closed = content / "periods/2026-Q3/support.yaml"
    original = closed.read_text()
    as_of = date(2026, 11, 25)
    ci_run(content, cache_dir, as_of, history=False)
    entries = sorted(cache_dir.glob("pages-*/*/*.json"))
    (cache_dir / "pages-0-0.0.1" / "ab").mkdir(parents=True)  # an older version's
    (cache_dir / "pages-0-0.0.1" / "ab" / "ab12.json").write_text("{}")
    for k in range(3):  # each edit of a closed period makes new entries for its pages
        closed.write_text(original.replace("title: ", f"title: Edit{k} ", 1))
        ci_run(content, cache_dir, as_of, history=False)
        assert len(sorted(cache_dir.glob("pages-*/*/*.json"))) == len(entries)
    assert [p.name for p in cache_dir.glob("pages-*")] == [entries[0].parent.parent.name]
    closed.write_text(original)
    _, built = ci_run(content, cache_dir, as_of, history=False)
    assert built == pages(content, as_of, history=False)
    assert sorted(cache_dir.glob("pages-*/*/*.json")) == entries


def test_only_the_variants_built_last_keep_their_pages(tmp_path: Path) -> None:
    """Each settings variant keeps its own entries (a public and an internal build may
    share cache_dir), but a variant no build used for KEEP_VARIANTS others keeps none."""
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    cache_dir = tmp_path / "cache"
    closed = content / "periods/2026-Q3/support.yaml"
    original = closed.read_text()
    used = []
    for k in range(KEEP_VARIANTS + 1):  # each variant sees its own edit of a closed period
        closed.write_text(original.replace("title: ", f"title: Edit{k} ", 1))
        cache = PageCache(cache_dir, keep=False)
        pages(content, date(2026, 11, 25), cache, history=False)
        used.append(set(cache._used))  # the entries this build read or wrote
        cache.prune(f"variant {k}")
    on_disk = {p.stem for p in cache_dir.glob("pages-*/*/*.json")}
    for k, entries in enumerate(used):
        own = entries - set().union(*(e for j, e in enumerate(used) if j != k))
        assert own, "each edit renders pages of its own"
        assert (own <= on_disk) if k else not own & on_disk
    assert len(list(cache_dir.glob("pages-*/used-*.txt"))) == KEEP_VARIANTS


def test_a_restricted_item_cached_while_public_never_appears_after_restriction(
        tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    cache_dir = tmp_path / "cache"
    closed = content / "periods/2026-Q3/support.yaml"
    as_of = date(2026, 11, 25)
    _, before = ci_run(content, cache_dir, as_of, history=False)
    title = "Answer every ticket within 15 hours"
    assert title in before[unit_period_page("2026-Q3", "support")][1]
    text = closed.read_text()
    closed.write_text(text.replace(f"title: {title}", f"title: {title}\n    restricted: true",
                                   1))
    _, after = ci_run(content, cache_dir, as_of, history=False)
    assert after == pages(content, as_of, history=False)
    assert not any(title in html for _, html, _, _ in after.values())


def test_a_damaged_entry_is_ignored(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    cache_dir = tmp_path / "cache"
    as_of = date(2026, 11, 25)
    first, built = ci_run(content, cache_dir, as_of, history=False)
    every_frozen = frozen(first.rendered)
    entries = sorted(cache_dir.glob("pages-*/*/*.json"))
    entries[0].write_bytes(entries[0].read_bytes()[:40])  # cut short
    entries[1].write_bytes(entries[2].read_bytes())  # another page's entry
    cache, again = ci_run(content, cache_dir, as_of, history=False)
    assert again == built
    assert set(cache.from_disk) < every_frozen  # the two damaged ones rendered again
    cache, again = ci_run(content, cache_dir, as_of, history=False)
    assert again == built and set(cache.from_disk) == every_frozen  # and rewritten


YEAR_FILE = """version: 1
kind: okrs
unit: product
period: "2026"
objectives:
  - id: year-goal
    title: Ship a product people recommend
    owner: Daniel Okafor
    key_results:
      - id: launches
        title: Launch three features
        baseline: 0
        target: 3
        check_ins:
          - {date: 2026-06-30, value: 1, confidence: 0.6}
"""


def test_a_unit_s_year_edit_leaves_the_closed_quarters_cascades_in_the_cache(
        tmp_path: Path) -> None:
    """A closed quarter's cascade shows of the (active) year only the company's
    objectives and those its own objectives align to: another unit's year file is
    not one of its inputs."""
    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    year = content / "periods/2026/product.yaml"
    year.write_text(YEAR_FILE)
    cache_dir = tmp_path / "cache"
    as_of = date(2026, 12, 5)
    first, _ = ci_run(content, cache_dir, as_of, history=False)
    cascades = {p for p in frozen(first.rendered) if p.startswith("cascade/")}
    assert "cascade/2026-Q3.md" in cascades
    year.write_text(YEAR_FILE.replace("{date: 2026-06-30, value: 1,",
                                      "{date: 2026-06-30, value: 2,"))
    cache, built = ci_run(content, cache_dir, as_of, history=False)
    assert built == pages(content, as_of, history=False)
    assert cascades <= set(cache.from_disk)
