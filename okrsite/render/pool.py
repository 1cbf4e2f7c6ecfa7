"""Pages rendered on every core: worker processes forked from the build, results in order.

    for page in ordered_map(render_one, site, keys):   # render_one(site, key) -> Page
        ...

The workers are forked, so they share the build's model and scores with the parent
(copy-on-write) instead of receiving a pickled copy: a copy of a 5,000-page model
would take seconds to pickle and as much memory again per worker. Each worker gets
chunks of keys and sends back the rendered pages; the parent yields them in the
order of `keys`, so the output is the same, byte for byte, as rendering them one
after another (tests/render/test_render_parallel.py). A bounded number of chunks is
in flight, so finished pages do not pile up in memory when the caller is slower.

Serial instead (the same pages, in this process) when okrsite.forking.workers_for
says so, the rule the load's workers and the background search process follow too:
- one core, OKRSITE_WORKERS=1, or fewer keys than forking.MIN_PARALLEL (a unit page
  costs about 6 ms of CPU, a pool 0.1 to 0.4 s to start, feed and join);
- the platform cannot fork safely (no `fork`, or macOS), or the process already runs
  other threads: forking a threaded process can copy a lock another thread holds.
  `mkdocs serve` rebuilds from its server's threads, so they render serially; its
  first build, before the server starts, uses the workers.

The pool lives only while the pages are taken: it is closed when the last page is
yielded and terminated if the caller stops early or a page raises, so no worker
outlives a build (`mkdocs serve` leaks none).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from okrsite import gcpolicy
from okrsite.forking import can_fork, result_of, workers_for
from okrsite.forking import pool as forked_pool

K = TypeVar("K")
R = TypeVar("R")

CHUNK = 8  # keys a worker renders per round trip
IN_FLIGHT = 3  # chunks per worker queued ahead of the one being yielded
TASKS_PER_WORKER = 25  # chunks a worker renders before a fresh one takes its place

# What the forked workers render with: (function, its first argument). Set only while
# a pool runs; a worker inherits it at fork.
_TASK: tuple[Callable[[Any, Any], Any], Any] | None = None


def _run(chunk: list[Any]) -> list[Any]:
    assert _TASK is not None  # set before the fork
    func, arg = _TASK
    return [func(arg, key) for key in chunk]


def ordered_map(func: Callable[[Any, K], R], arg: Any, keys: Sequence[K],
                workers: int | None = None) -> Iterator[R]:
    """`func(arg, key)` for every key, in order: in forked workers when
    `forking.workers_for` (or `workers`, if given) says more than one, else here."""
    n = workers_for(len(keys), CHUNK) if workers is None else workers
    if n < 2 or not can_fork():
        for key in keys:
            yield func(arg, key)
        return
    yield from _pooled(func, arg, keys, n)


def _pooled(func: Callable[[Any, K], R], arg: Any, keys: Sequence[K], n: int
            ) -> Iterator[R]:
    global _TASK
    _TASK = (func, arg)
    # The model stays shared: frozen, the workers' collector never touches (and so
    # never copies) it; and a worker is replaced by a fresh fork after
    # TASKS_PER_WORKER chunks, before reading the model has copied much of it (each
    # object read is a reference count written, its memory page copied).
    # (okrsite.gcpolicy: unfrozen at the end unless a site build is still under way.)
    try:
        with gcpolicy.frozen():
            yield from _run_pool(keys, n)
    finally:
        _TASK = None


def _run_pool(keys: Sequence[K], n: int) -> Iterator[Any]:
    pool = forked_pool(n, maxtasksperchild=TASKS_PER_WORKER)
    finished = False
    try:
        chunks = iter([list(keys[i:i + CHUNK]) for i in range(0, len(keys), CHUNK)])
        pending = deque(pool.apply_async(_run, (c,)) for c in islice(chunks, n * IN_FLIGHT))
        while pending:
            done = result_of(pool, pending.popleft(), "rendering pages")
            for chunk in islice(chunks, 1):
                pending.append(pool.apply_async(_run, (chunk,)))
            yield from done
        finished = True
    finally:
        if finished:
            pool.close()
        else:  # an error, or the caller stopped early: no worker outlives the build
            pool.terminate()
        pool.join()
