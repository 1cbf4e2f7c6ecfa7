"""Unit pages rendered in worker processes are the pages rendered one after another:
the same paths, titles, bodies and metadata, byte for byte and in the same order; and
no worker outlives the pages being taken."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import date

import pytest

import okrsite.forking as forking
import okrsite.render.pool as pool
from okrsite.pipeline import run
from okrsite.render import iter_site
from okrsite.render.page import Page
from okrsite.settings import Settings
from tests.helpers.sites import DEMO_AS_OF, DEMO_CONTENT, count_pools

pytestmark = pytest.mark.skipif(not pool.can_fork(), reason="no safe fork here")


def site_pages() -> list[Page]:
    build = run(Settings(DEMO_CONTENT, as_of=date.fromisoformat(DEMO_AS_OF), history=False))
    return list(iter_site(build))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers even for the demo's few unit pages, one page per round trip (so that
    the pages arrive from both workers, interleaved)."""
    monkeypatch.setattr(forking, "MIN_PARALLEL", 0)
    monkeypatch.setattr(pool, "CHUNK", 1)


def as_data(pages: list[Page]) -> list[tuple[object, ...]]:
    return [(p.path, p.title, p.html, p.meta, p.in_nav) for p in pages]


def test_pages_from_workers_are_the_serial_pages(small_chunks: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRSITE_WORKERS", "1")
    serial = site_pages()
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    started = count_pools(monkeypatch)
    parallel = site_pages()
    assert started == [1]  # the unit pages did come from workers
    units = [p for p in serial if p.meta.get("okrsite", {}).get("kind") == "unit-period"]
    assert len(units) >= 4
    assert as_data(parallel) == as_data(serial)


def test_no_worker_outlives_the_pages(small_chunks: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    keys = list(range(20))
    assert list(pool.ordered_map(_square, None, keys)) == [k * k for k in keys]
    assert multiprocessing.active_children() == []
    taken = pool.ordered_map(_square, None, keys)
    assert next(taken) == 0
    assert len(multiprocessing.active_children()) == 2  # the pool is running
    taken.close()  # the caller stops early (an error elsewhere, Ctrl-C)
    assert multiprocessing.active_children() == []


def test_a_failing_page_fails_the_build_and_stops_the_workers(
        small_chunks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    with pytest.raises(ValueError, match="page 7"):
        list(pool.ordered_map(_fail_at_7, None, list(range(20))))
    assert multiprocessing.active_children() == []


def test_with_another_thread_running_pages_render_here(small_chunks: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`mkdocs serve` rebuilds from its server's threads: forking then could copy a
    lock another thread holds, so the pages are rendered in this process."""
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        taken = pool.ordered_map(_square, None, list(range(20)))
        assert next(taken) == 0
        assert multiprocessing.active_children() == []
        assert list(taken) == [k * k for k in range(1, 20)]
    finally:
        stop.set()
        other.join()


def _square(_: None, key: int) -> int:
    return key * key


def _fail_at_7(_: None, key: int) -> int:
    if key == 7:
        raise ValueError(f"page {key}")
    return key
