"""Documents parsed and checked in worker processes give what one process gives: the
same diagnostics (code, file, line, column, message, hint, in the same order), the
same model and the same caches, cold and warm; and the workers really did the work."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

import okrsite.doccheck as doccheck
import okrsite.forking as forking
from okrsite.checkcache import CheckCache
from okrsite.forking import can_fork
from okrsite.loader import ParseCache
from okrsite.pipeline import load_content, run
from okrsite.render import iter_site
from okrsite.settings import Settings
from tests.helpers.sites import DEMO_AS_OF, DEMO_CONTENT

pytestmark = pytest.mark.skipif(not can_fork(), reason="no safe fork here")


@pytest.fixture
def pids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Workers even for a few documents, one per round trip; every process that checks
    a document writes its pid to the file returned."""
    monkeypatch.setattr(forking, "MIN_PARALLEL", 0)
    monkeypatch.setattr(doccheck, "CHUNKS_PER_WORKER", 1000)
    seen = tmp_path / "pids"
    real = doccheck.problems

    def spy(doc, units):  # type: ignore[no-untyped-def]
        with seen.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return real(doc, units)

    monkeypatch.setattr(doccheck, "problems", spy)
    return seen


def workers_used(seen: Path) -> set[int]:
    found = {int(p) for p in seen.read_text().split()} - {os.getpid()} if seen.exists() \
        else set()
    seen.unlink(missing_ok=True)
    return found


def broken(tmp_path: Path) -> Path:
    """The demo content with problems in several files, each found by another part of
    the load: YAML syntax, a duplicate key, a base-60 number, the schema, a unit the org
    lacks, a KPI owner, and two files of the same bytes."""
    root = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, root)

    def edit(rel: str, old: str, new: str) -> None:
        file = root / rel
        text = file.read_text()
        assert old in text, (rel, old)
        file.write_text(text.replace(old, new, 1))

    edit("periods/2026-Q2/company.yaml", "objectives:\n", "objectives: [\n")
    edit("periods/2026-Q2/customer-success.yaml", "kind: okrs\n", "kind: okrs\nkind: okrs\n")
    edit("periods/2026-Q3/company.yaml", "target: ", "target: 1:30 #")
    edit("periods/2026-Q1/company.yaml", "title: ", "title: [1, 2] #")
    edit("periods/2026-Q4/company.yaml", "unit: company", "unit: compnay")
    edit("kpis/nps.yaml", "owner: customer-success", "owner: customer-sucess")
    shutil.copy(root / "periods/2026-Q3/company.yaml", root / "periods/2026-Q4/sales.yaml")
    return root


def loads(root: Path, seen: Path, monkeypatch: pytest.MonkeyPatch,
          cache_dir: Path | None = None) -> tuple[object, object]:
    """(diagnostics, model) of a load in one process, then with two workers."""
    out = []
    for workers in ("1", "2"):
        monkeypatch.setenv("OKRSITE_WORKERS", workers)
        caches = {} if cache_dir is None else {
            "cache": ParseCache(cache_dir / workers), "checks": CheckCache(cache_dir / workers)}
        loaded = load_content(root, **caches)
        out.append((loaded.diagnostics, loaded.content))
        assert bool(workers_used(seen)) == (workers == "2")
    assert out[0][0] == out[1][0]
    assert out[0][1] == out[1][1]
    return out[0]


def test_a_parallel_load_of_content_with_errors_is_the_serial_load(
        tmp_path: Path, pids: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    diagnostics, _ = loads(broken(tmp_path), pids, monkeypatch)
    codes = {d.code for d in diagnostics}  # each planted problem is among them
    assert {"OKR001", "OKR002", "OKR008", "OKR012", "OKR103", "OKR203"} <= codes, codes
    files = {Path(d.file).name for d in diagnostics if d.is_error}
    assert {"company.yaml", "customer-success.yaml", "nps.yaml", "sales.yaml"} <= files


def test_parallel_loads_with_caches_cold_half_warm_and_warm_are_the_serial_ones(
        tmp_path: Path, pids: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = broken(tmp_path)
    caches = tmp_path / "caches"
    cold = loads(root, pids, monkeypatch, caches)
    for workers in ("1", "2"):  # what both wrote to their cache dirs is the same
        packs = sorted((caches / workers).glob("parse-*/packs/*.pack"))
        assert [p.name for p in packs] == [p.name for p in
                                           sorted((caches / "1").glob("parse-*/packs/*.pack"))]
        assert packs[0].read_bytes() == \
            next((caches / "1").glob("parse-*/packs/*.pack")).read_bytes()
    assert next((caches / "1").glob("checks-*.json")).read_bytes() == \
        next((caches / "2").glob("checks-*.json")).read_bytes()
    # parsed documents from the cache, checks done again (in the workers, from them)
    for workers in ("1", "2"):
        next((caches / workers).glob("checks-*.json")).unlink()
    assert loads(root, pids, monkeypatch, caches) == cold
    # everything from the caches: nothing to do, so no worker starts
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    warm = load_content(root, ParseCache(caches / "2"), checks=CheckCache(caches / "2"))
    assert (warm.diagnostics, warm.content) == cold
    assert not workers_used(pids)


def test_the_demo_site_from_a_parallel_load_is_the_serial_one(
        pids: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(DEMO_CONTENT, as_of=date.fromisoformat(DEMO_AS_OF), history=False)
    sites = []
    for workers in ("1", "2"):
        monkeypatch.setenv("OKRSITE_WORKERS", workers)
        build = run(settings)
        build.content  # noqa: B018 - the load, with this many workers
        assert bool(workers_used(pids)) == (workers == "2")
        monkeypatch.setenv("OKRSITE_WORKERS", "1")  # the pages: one process, both times
        sites.append((build.diagnostics, [(p.path, p.html, p.meta) for p in iter_site(build)]))
    assert sites[0] == sites[1]


def _diagnostics_of(root: Path) -> list[object]:
    return list(load_content(root).diagnostics)


def test_a_load_inside_a_worker_process_stays_in_it(
        tmp_path: Path, pids: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker of a pool may start no processes of its own: it reads the content itself."""
    import multiprocessing

    root = broken(tmp_path)
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    with multiprocessing.get_context("fork").Pool(1) as outer:
        inside = outer.apply(_diagnostics_of, (root,))
    assert len({int(p) for p in pids.read_text().split()}) == 1  # the one outer worker
    monkeypatch.setenv("OKRSITE_WORKERS", "1")
    assert inside == _diagnostics_of(root)
