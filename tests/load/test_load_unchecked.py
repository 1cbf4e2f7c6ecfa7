"""`doccheck.load`, the parse without the checks that `okrsite diff` reads revisions
with, is the build's load loop: in forked workers when there are many documents, the
same documents and diagnostics as in one process, and no check's diagnostics."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import okrsite.doccheck as doccheck
import okrsite.forking as forking
from okrsite.loader import ParseCache, snapshot
from okrsite.yamlparse import parse
from tests.helpers.sites import DEMO_CONTENT

pytestmark = pytest.mark.skipif(not forking.can_fork(), reason="no safe fork here")


def test_an_unchecked_load_parses_in_workers_as_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, root)
    planted = {  # a YAML error, a duplicate key, a base-60 number; a unit the org lacks
        "periods/2026-Q2/company.yaml": ("objectives:\n", "objectives: [\n"),
        "periods/2026-Q2/customer-success.yaml": ("kind: okrs\n", "kind: okrs\nkind: okrs\n"),
        "periods/2026-Q3/company.yaml": ("target: ", "target: 1:30 #"),
        "periods/2026-Q4/company.yaml": ("unit: company", "unit: compnay"),
    }
    for rel, (old, new) in planted.items():
        text = (root / rel).read_text()
        assert old in text
        (root / rel).write_text(text.replace(old, new, 1))
    seen = tmp_path / "pids"

    def spy(raw: bytes):  # type: ignore[no-untyped-def]
        with seen.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return parse(raw)

    monkeypatch.setattr(doccheck, "parse", spy)
    monkeypatch.setattr(forking, "MIN_PARALLEL", 0)
    loads = []
    for workers in ("1", "2"):
        monkeypatch.setenv("OKRSITE_WORKERS", workers)
        documents, diagnostics = doccheck.load(snapshot(root), ParseCache())
        pids = {int(p) for p in seen.read_text().split()}
        seen.unlink()
        assert (pids != {os.getpid()}) == (workers == "2")  # parsed in workers, or here
        loads.append(([(d.relpath, d.sha256, d.data, d.positions) for d in documents],
                      diagnostics))
    assert loads[0] == loads[1]
    documents, diagnostics = loads[0]
    rels = [rel for rel, *_ in documents]
    assert rels == sorted(rels) and "periods/2026-Q2/company.yaml" not in rels
    assert "periods/2026-Q4/company.yaml" in rels  # parsed: its unit is not checked
    assert sorted((d.code, Path(d.file).relative_to(root).as_posix()) for d in diagnostics) \
        == [("OKR001", "periods/2026-Q2/company.yaml"),
            ("OKR002", "periods/2026-Q2/customer-success.yaml"),
            ("OKR012", "periods/2026-Q3/company.yaml")]
