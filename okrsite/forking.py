"""When work may be spread over forked worker processes: one rule for every stage.

The load (okrsite.doccheck) and the page rendering (okrsite.render.pool) fork
workers that inherit the build's data; both ask here whether, and how many:

- `OKRSITE_WORKERS=1` (or 0) keeps the work in this process; `OKRSITE_WORKERS=N`
  asks for N workers; unset, one per CPU this process may use;
- never on one core, where no platform can fork safely (no `fork` start method, or
  macOS, whose system libraries break in forked children), or while other threads
  run: forking a threaded process can copy a lock another thread holds (`mkdocs
  serve` rebuilds from its server's threads, so those rebuilds stay serial), nor
  in a worker process (multiprocessing lets a daemonic worker start none).

A worker that dies (the kernel's out-of-memory killer, a signal) loses its task, and
multiprocessing's Pool waits for that task's result for ever; `result_of` waits
instead, and raises WorkerDied, which every adapter shows as an error.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from typing import Any

from okrsite.errors import OkrsiteError

POLL_S = 0.2  # how often a wait looks at the workers (no output depends on it)


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


def result_of(pool: Any, result: Any, what: str) -> Any:
    """`result.get()` of a task given to `pool` (a multiprocessing Pool), raising
    WorkerDied when one of the pool's workers has died instead of waiting for ever.
    A worker that ends its run normally (maxtasksperchild) exits with 0."""
    seen: dict[int, Any] = {}
    while not result.ready():
        for process in list(getattr(pool, "_pool", ())):  # Pool's workers (CPython)
            seen[process.pid] = process
        for process in seen.values():
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
