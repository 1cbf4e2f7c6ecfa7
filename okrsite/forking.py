"""When work may be spread over forked worker processes: one rule for every stage.

The load (okrsite.doccheck), the page rendering (okrsite.render.pool) and the
search sections made while MkDocs writes pages (okrsite.mkdocs_plugin.background)
fork workers that inherit the build's data; each asks `workers_for` whether, and how
many:

- `OKRSITE_WORKERS=1` (or 0) keeps the work in this process; `OKRSITE_WORKERS=N`
  asks for N workers; unset, one per CPU this process may use;
- never on one core, where no platform can fork safely (no `fork` start method, or
  macOS, whose system libraries break in forked children), or while other threads
  run: forking a threaded process can copy a lock another thread holds (`mkdocs
  serve` rebuilds from its server's threads, so those rebuilds stay serial), nor
  in a worker process (multiprocessing lets a daemonic worker start none).

How many: `workers_for(count, per_worker)`, the one rule: none below MIN_PARALLEL
items (starting, feeding and joining two workers costs 0.1 to 0.4 s on a loaded
2-core machine, a unit page rendered or a document parsed some milliseconds, so a
pool pays from a few hundred), at most `wanted_workers()`, and at most one per
`per_worker` items (the renderer sends its keys in chunks).

A worker that dies (the kernel's out-of-memory killer, a signal) loses its task, and
multiprocessing's Pool waits for that task's result for ever. A pool made by `pool()`
keeps every worker it ever had, including those it has already replaced, and
`result_of` waits on it while watching them, raising WorkerDied, which every adapter
shows as an error. Once a worker has died, the pool's own `terminate()` can wait for
ever too: a worker killed while it held one of the pool's queue locks never releases
it, and terminate takes those locks and joins the threads that wait on them. So that
pool's `terminate()` kills its remaining workers and drops the pool instead (see
`_Pool.terminate`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
import threading
from typing import Any

from okrsite.errors import OkrsiteError

POLL_S = 0.2  # how often a wait looks at the workers (no output depends on it)
MIN_PARALLEL = 200  # items (pages, documents) below which work stays in this process
STOP_S = 5.0  # how long dropping a pool waits for its worker handler (never blocks on a lock)


class WorkerDied(OkrsiteError):
    """A worker process died before it returned its work."""


def cpus() -> int:
    """The CPUs this process may use."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forking workers is safe here (see the module)."""
    return ("fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
            and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)  # a worker has none of its own


def wanted_workers() -> int:
    """Workers asked for: OKRSITE_WORKERS, else one per CPU (1 or less: serial)."""
    env = os.environ.get("OKRSITE_WORKERS", "").strip()
    return int(env) if env.isdigit() else cpus()


def workers_for(count: int, per_worker: int = 1) -> int:
    """How many worker processes to do `count` items with (1: here, one after another):
    1 below MIN_PARALLEL items, with OKRSITE_WORKERS=1 or where forking is unsafe;
    else up to `wanted_workers()`, one per `per_worker` items at most."""
    wanted = wanted_workers()
    if wanted < 2 or count < MIN_PARALLEL or not can_fork():
        return 1
    return max(1, min(wanted, count // per_worker))


class _Workers(list):  # type: ignore[type-arg]
    """The pool's list of worker processes, remembering those it removes: a worker
    that died is reaped and replaced within a tenth of a second, often before a
    wait could see it."""

    def __init__(self) -> None:
        super().__init__()
        self.gone: list[Any] = []

    def __delitem__(self, index: Any) -> None:
        removed = self[index]
        self.gone += removed if isinstance(removed, list) else [removed]
        super().__delitem__(index)


class _Pool(multiprocessing.pool.Pool):
    _dropped = False

    def _repopulate_pool(self) -> Any:
        # Called by Pool.__init__ once its list of workers exists and before the thread
        # that maintains it starts: that thread then holds this list.
        if not isinstance(self._pool, _Workers):  # type: ignore[has-type]
            self._pool = _Workers()
        return super()._repopulate_pool()  # type: ignore[misc]

    def terminate(self) -> None:
        """Pool.terminate, unless a worker has died: then `_drop`, which cannot hang."""
        if self._dropped or _dead(self._pool):
            self._drop()
        else:
            super().terminate()

    def join(self) -> None:
        """Pool.join, unless a worker has died (an idle worker killed while it waited
        for a task held the task queue's lock): then `_drop`."""
        if self._dropped or _dead(self._pool):
            self._drop()
        else:
            super().join()

    def _drop(self) -> None:
        """Kill the workers and let go of the pool without touching its queues.

        Pool.terminate takes the task queue's read lock and writes to the result queue
        under its write lock, then joins the threads that read and write them; a worker
        killed while it held one of those locks (they are semaphores shared with the
        workers) never releases it, and terminate waited for ever (in an earlier round,
        about one run in 25 of a build whose render worker was killed; a test holds
        each lock in a dying worker). Here only the thread that replaces dead
        workers is stopped (it takes none of those locks), so that no new worker starts;
        then every worker is killed and reaped. The pool's two queue threads are
        daemons: each ends when its queue does, or stays blocked, holding nothing, until
        the process exits (and while it runs, `can_fork` sees them and forks no more).
        """
        if self._dropped:
            return
        self._dropped = True
        self._state = multiprocessing.pool.TERMINATE
        inner: Any = self  # CPython's Pool internals (a test pins them), untyped
        inner._terminate.cancel()  # neither the collector nor exit runs terminate later
        # The queue threads stop at their next look (a thread's _state, as terminate
        # sets them), rather than wait for results that will never come.
        for thread in (inner._task_handler, inner._result_handler, inner._worker_handler):
            thread._state = multiprocessing.pool.TERMINATE
        handler = inner._worker_handler
        inner._change_notifier.put(None)  # wakes it; only this process uses that queue
        if handler is not threading.current_thread():
            handler.join(STOP_S)
        workers = list(self._pool)
        for process in workers:
            if process.exitcode is None:
                with contextlib.suppress(OSError):  # it ended meanwhile
                    os.kill(process.pid, signal.SIGKILL)
        for process in workers:
            process.join(STOP_S)
        # With every worker gone the queue threads end at their next look; once they
        # have, nothing uses the queues and their pipes are closed now (a serve session
        # or a test that drops pools would otherwise gather a dozen descriptors each).
        threads = (inner._task_handler, inner._result_handler, handler)
        for thread in threads[:2]:
            if thread is not threading.current_thread():
                thread.join(STOP_S / 10)
        if not any(thread.is_alive() for thread in threads):
            for queue in (inner._inqueue, inner._outqueue, inner._change_notifier):
                queue.close()
        for process in [*getattr(self._pool, "gone", ()), *workers]:
            if process.exitcode is not None:
                with contextlib.suppress(ValueError):
                    process.close()  # its sentinel's descriptor


def _dead(workers: Any) -> bool:
    """Whether a worker in `workers` (a pool's, or those it replaced) died."""
    return any(p.exitcode not in (None, 0) for p in [*getattr(workers, "gone", ()), *workers])


def pool(workers: int, maxtasksperchild: int | None = None) -> multiprocessing.pool.Pool:
    """A Pool of forked workers whose deaths `result_of` sees."""
    return _Pool(workers, maxtasksperchild=maxtasksperchild,
                 context=multiprocessing.get_context("fork"))


def result_of(pool: Any, result: Any, what: str) -> Any:
    """`result.get()` of a task given to `pool` (made by `pool()`), raising WorkerDied
    when one of its workers has died instead of waiting for ever. A worker that ends
    its run normally (maxtasksperchild) exits with 0."""
    workers = pool._pool
    while not result.ready():
        for process in [*getattr(workers, "gone", ()), *workers]:
            code = process.exitcode
            if code is not None and code != 0:
                raise WorkerDied(_died(what, code))
        result.wait(POLL_S)
    return result.get()


def _died(what: str, code: int) -> str:
    how = f"exit status {code}"
    if code < 0:
        try:
            how = f"signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"signal {-code}"
    hint = " (out of memory?)" if code == -signal.SIGKILL else ""
    return (f"a worker process {what} died ({how}){hint}; set OKRSITE_WORKERS=1 to do "
            "the work in one process")
