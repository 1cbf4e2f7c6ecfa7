"""How many workers a stage forks: one rule (okrsite.forking.workers_for) for the load,
the rendering and the background search process."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrsite import forking

pytestmark = pytest.mark.skipif(not forking.can_fork(), reason="no safe fork here")


@pytest.mark.parametrize(("workers", "count", "per_worker", "expected"), [
    ("2", forking.MIN_PARALLEL - 1, 1, 1),  # too few items to pay for a pool
    ("2", forking.MIN_PARALLEL, 1, 2),
    ("4", forking.MIN_PARALLEL, 1, 4),
    ("4", 3 * 80, 80, 3),  # at most one worker per `per_worker` items
    ("1", 10 * forking.MIN_PARALLEL, 1, 1),  # OKRSITE_WORKERS=1: in this process
    ("0", 10 * forking.MIN_PARALLEL, 1, 1),
])
def test_workers_for_a_stage(monkeypatch: pytest.MonkeyPatch, workers: str, count: int,
                             per_worker: int, expected: int) -> None:
    monkeypatch.setenv("OKRSITE_WORKERS", workers)
    assert forking.workers_for(count, per_worker) == expected


def test_the_one_threshold_governs_every_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """Raising forking.MIN_PARALLEL keeps the load, the rendering and the background
    search process in this process alike: none has a threshold of its own."""
    from okrsite import doccheck
    from okrsite.mkdocs_plugin import background
    from okrsite.render import pool

    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    monkeypatch.setattr(forking, "MIN_PARALLEL", 10**6)
    started: list[int] = []
    monkeypatch.setattr(pool, "forked_pool", lambda n, **_: started.append(n))
    monkeypatch.setattr(doccheck, "forked_pool", lambda n, **_: started.append(n))
    monkeypatch.setattr(background, "forked_pool", lambda n, **_: started.append(n))
    assert list(pool.ordered_map(lambda _, key: key * 2, None, list(range(1000)))) == [
        2 * key for key in range(1000)]
    assert background.Background.start([("a.md", b"", False)] * 1000) is None
    entries = [(Path(f"k{i}.yaml"), f"kpis/k{i}.yaml", "kpi", b"id: k\n", str(i))
               for i in range(1000)]
    job = doccheck._Job(entries, [None] * 1000, [False] * 1000)
    done = doccheck._outcomes(job, list(range(1000)))
    assert [done[i][0].data for i in range(1000)] == [{"id": "k"}] * 1000  # type: ignore[union-attr]
    assert started == []
