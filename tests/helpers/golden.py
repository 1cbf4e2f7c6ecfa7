"""Golden files: expected text by relative path, stored under a folder and compared
byte for byte. OKRSITE_UPDATE_GOLDEN=1 rewrites the folder (review the diff)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

UPDATE = os.environ.get("OKRSITE_UPDATE_GOLDEN") == "1"


def assert_matches_golden(expected: dict[str, str], root: Path, label: str) -> None:
    """Every file of `expected` is in `root` with the same text, and no other file is."""
    if UPDATE:
        shutil.rmtree(root, ignore_errors=True)
        for rel, text in expected.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
    assert root.is_dir(), f"no golden files: run with OKRSITE_UPDATE_GOLDEN=1 to create {root}"
    stored = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert stored == set(expected), (
        "pages added or removed; review and regenerate with OKRSITE_UPDATE_GOLDEN=1: "
        f"new {sorted(set(expected) - stored)}, gone {sorted(stored - set(expected))}")
    for rel, text in expected.items():
        assert text == (root / rel).read_text(encoding="utf-8"), (
            f"{label}/{rel} differs from its golden file; review and regenerate with "
            "OKRSITE_UPDATE_GOLDEN=1")
