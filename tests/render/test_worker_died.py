"""A worker process killed mid-build (the out-of-memory killer, a signal) is an error
that names what died and how to avoid it (okrsite.forking.result_of), not a wait for
ever for the work the worker took with it. The case with real processes runs in a
child process with a time limit, so a hang fails the test instead of stalling the
suite."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

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
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=LIMIT_S, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("a worker process testing died (signal SIGKILL)")
