"""A worker process killed mid-build (the out-of-memory killer, a signal) is an error
that names what died and how to avoid it, never a build that waits for ever for the
work the worker took with it. Each case runs in a child process with a time limit, so
a hang fails the test instead of stalling the suite."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from helpers.sites import FIXTURE_SITES, prepare_site

REPO = Path(__file__).parents[2]
LIMIT_S = 120


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OKRSITE_WORKERS": "2"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                          capture_output=True, text=True, timeout=LIMIT_S, check=False)


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


def test_a_site_build_whose_worker_dies_stops_with_the_message(tmp_path: Path):
    config = prepare_site(tmp_path, FIXTURE_SITES / "minimal" / "content")
    done = _run("""
        import os, signal, sys
        import okrsite.render as render
        from okrsite.render import pool
        from mkdocs.__main__ import cli

        pool.MIN_PARALLEL, pool.CHUNK = 1, 1  # the fixture's few unit pages in workers
        unit_page = render._unit_page

        def dying(task, key):
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return unit_page(task, key)

        parent = os.getpid()
        render._unit_page = dying
        cli(["build", "-q", "-f", sys.argv[1]])
    """, str(config))
    assert done.returncode == 1
    assert "okrsite: a worker process rendering pages died (signal SIGKILL)" in done.stderr
    assert "Traceback" not in done.stderr
    site = config.parent / "site"
    assert not site.exists() or not any(site.iterdir())  # no half-written site


def test_the_pool_still_lists_its_workers_where_result_of_looks():
    """forking.result_of watches multiprocessing's Pool._pool (CPython's list of the
    pool's worker processes): were it gone, a dead worker would hang a build again."""
    import multiprocessing

    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        workers = pool._pool
        assert len(workers) == 1 and workers[0].pid is not None
    finally:
        pool.terminate()
        pool.join()
