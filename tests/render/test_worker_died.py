"""A worker process killed mid-build (the out-of-memory killer, a signal) is an error
that names what died and how to avoid it (okrsite.forking.result_of), not a wait for
ever for the work the worker took with it, nor for the pool to shut down after it.
The cases with real processes run in a child process with a time limit, so a hang
fails the test instead of stalling the suite."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers.sites import FIXTURE_SITES, prepare_site

from okrsite.forking import WorkerDied, _Workers, result_of

REPO = Path(__file__).parents[2]
LIMIT_S = 120


class _Process:
    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode


class _NeverReady:
    def ready(self) -> bool:
        return False

    def wait(self, timeout: float) -> None:
        pass

    def get(self) -> Any:
        raise AssertionError("never ready")


class _Pool:
    def __init__(self, alive: list[_Process], gone: list[_Process]) -> None:
        self._pool = _Workers()
        self._pool += alive
        self._pool.gone += gone


@pytest.mark.parametrize("where", ["alive", "gone"])
def test_a_dead_worker_is_reported_whether_or_not_the_pool_replaced_it(where: str):
    dead, running = _Process(-9), _Process(None)
    pool = _Pool([dead, running], []) if where == "alive" else _Pool([running], [dead])
    with pytest.raises(WorkerDied) as raised:
        result_of(pool, _NeverReady(), "rendering pages")
    assert str(raised.value) == (
        "a worker process rendering pages died (signal SIGKILL) (out of memory?); "
        "set OKRSITE_WORKERS=1 to do the work in one process")


def test_a_worker_that_ended_its_run_normally_is_no_error():
    class Done(_NeverReady):
        calls = 0

        def ready(self) -> bool:
            self.calls += 1
            return self.calls > 3

        def get(self) -> str:
            return "pages"

    assert result_of(_Pool([_Process(None)], [_Process(0)]), Done(), "x") == "pages"


def test_a_real_worker_killed_and_replaced_before_the_wait_begins_is_seen_dead():
    """The pool reaps and replaces a dead worker within a tenth of a second: a wait
    that begins later still sees that it died."""
    code = textwrap.dedent("""
        import os, signal, time
        from okrsite.forking import WorkerDied, pool, result_of

        workers = pool(1)
        assert workers.apply_async(abs, (-1,)).get() == 1  # the pool works
        dying = workers.apply_async(signal.raise_signal, (signal.SIGKILL,))
        time.sleep(1.5)  # long after the pool replaced the worker
        try:
            result_of(workers, dying, "testing")
        except WorkerDied as exc:
            print(exc, flush=True)
        os._exit(0)  # what is tested is the report, not the pool's shutdown
    """)
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("a worker process testing died (signal SIGKILL)")


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`code` run by a new Python with two workers; a hang raises TimeoutExpired."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OKRSITE_WORKERS": "2"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                          capture_output=True, text=True, timeout=LIMIT_S, check=False)


@pytest.mark.parametrize("lock", ["_inqueue._rlock", "_outqueue._wlock"])
def test_a_pool_whose_worker_died_holding_a_queue_lock_still_shuts_down(lock: str):
    """A worker killed while it held one of the pool's queue locks (an idle worker holds
    the task queue's while it waits; a worker sending a result, the result queue's)
    never releases it: multiprocessing's terminate takes both, and waited for ever."""
    done = _run(f"""
        import multiprocessing, os, signal
        from okrsite.forking import WorkerDied, pool, result_of

        def hold(_):
            workers{'.' + lock}.acquire()
            os.kill(os.getpid(), signal.SIGKILL)

        # One task per worker: the worker that runs `hold` is forked after `workers`
        # is set, so it sees the pool's queues.
        workers = pool(1, maxtasksperchild=1)
        assert workers.apply_async(abs, (-1,)).get() == 1
        try:
            result_of(workers, workers.apply_async(hold, (None,)), "testing")
        except WorkerDied:
            pass
        pids = [p.pid for p in [*workers._pool.gone, *workers._pool]]
        workers.terminate()
        workers.join()
        assert multiprocessing.active_children() == []
        for pid in pids:  # every worker it ever had is gone, not left running
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            raise AssertionError(f"worker {{pid}} still runs")
        print("shut down", flush=True)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "shut down\n"


def test_pools_dropped_after_a_death_leave_no_open_descriptors():
    """A serve session or a caller that retries drops a pool per death: its queues'
    pipes are closed, not left open until the process exits."""
    done = _run("""
        import os, signal, time
        from okrsite.forking import WorkerDied, pool, result_of

        def descriptors():
            return len(os.listdir("/proc/self/fd"))

        before = None
        for _ in range(3):
            workers = pool(2)
            dying = workers.apply_async(time.sleep, (30,))
            time.sleep(0.3)
            os.kill(workers._pool[0].pid, signal.SIGKILL)
            try:
                result_of(workers, dying, "testing")
            except WorkerDied:
                pass
            workers.terminate()
            workers.join()
            before = descriptors() if before is None else before
        print(descriptors() - before, flush=True)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "0\n"


def test_a_render_worker_killed_is_an_error_not_a_hang():
    done = _run("""
        import os, signal
        from okrsite.forking import WorkerDied
        from okrsite.render.pool import ordered_map

        def render(_, key):
            if key == 37:
                os.kill(os.getpid(), signal.SIGKILL)
            return key

        try:
            list(ordered_map(render, None, list(range(400))))
        except WorkerDied as exc:
            print(exc)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "a worker process rendering pages died (signal SIGKILL) (out of memory?); "
        "set OKRSITE_WORKERS=1 to do the work in one process")


def test_a_site_build_whose_render_worker_dies_stops_with_the_message(tmp_path: Path):
    config = prepare_site(tmp_path, FIXTURE_SITES / "minimal" / "content")
    done = _run("""
        import os, signal, sys
        import okrsite.render as render
        from okrsite import forking
        from okrsite.render import pool
        from mkdocs.__main__ import cli

        forking.MIN_PARALLEL, pool.CHUNK = 1, 1  # the fixture's few pages in workers
        unit_page = render._unit_page

        def dying(task, key):
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return unit_page(task, key)

        parent = os.getpid()
        render._unit_page = dying
        cli(["build", "-q", "-f", sys.argv[1]])
    """, str(config))
    assert done.returncode == 1, done.stderr
    assert "okrsite: a worker process rendering pages died (signal SIGKILL)" in done.stderr
    assert "Traceback" not in done.stderr
    site = config.parent / "site"
    assert not site.exists() or not any(site.iterdir())  # no half-written site


def test_the_pool_still_lists_its_workers_and_threads_where_forking_looks():
    """forking reads CPython's Pool internals: `_pool` (the worker processes) to see a
    death, and to drop a pool, its handler threads, their `_state`, the change
    notifier and the terminate finalizer. Were one gone, a dead worker would hang a
    build again."""
    import multiprocessing
    import multiprocessing.pool
    import threading

    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        workers = pool._pool
        assert len(workers) == 1 and workers[0].pid is not None
        for name in ("_worker_handler", "_task_handler", "_result_handler"):
            thread = getattr(pool, name)
            assert isinstance(thread, threading.Thread)
            assert thread._state == multiprocessing.pool.RUN  # type: ignore[attr-defined]
        assert hasattr(pool._change_notifier, "put")
        assert callable(pool._terminate.cancel)
    finally:
        pool.terminate()
        pool.join()
