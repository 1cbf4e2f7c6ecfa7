"""Golden tests for the pages history adds: the recent-changes page, each unit page's
change log and each period's audit page, byte for byte, from `story`'s repository
(every commit's author and dates are fixed, so its shas are too).

After an intended change, regenerate and review the diff:

    OKRSITE_UPDATE_GOLDEN=1 python -m pytest tests/history/test_history_golden.py
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers.gitkit import needs_git, story
from helpers.golden import assert_matches_golden

from okrsite.pipeline import run
from okrsite.render import render_outputs
from okrsite.settings import Settings

pytestmark = needs_git
GOLDEN = Path(__file__).parents[1] / "golden" / "history"
AS_OF = date(2026, 8, 15)


def history_pages(root: Path) -> dict[str, str]:
    """Every page that shows history: changes, audits, and unit pages (with their log)."""
    repo, _ = story(root / "repo")
    build = run(Settings(repo.content, AS_OF, cache_dir=None))
    pages, assets = render_outputs(build)
    shown = {p.path: p.source() for p in pages if p.path == "changes.md"
             or p.path.startswith("audit/") or p.path.count("/") == 3}
    shown.update({a.path: a.data.decode() for a in assets if a.path.endswith(".csv")})
    return shown


def test_history_pages_match_the_golden_files(tmp_path: Path) -> None:
    expected = history_pages(tmp_path)
    assert "changes.md" in expected and any(p.startswith("audit/") for p in expected)
    assert_matches_golden(expected, GOLDEN, "history")


@pytest.mark.parametrize("page", ["changes.md", "audit/2026-Q2.md"])
def test_a_golden_history_page_reads_as_a_history(page: str) -> None:
    """The stored pages themselves say what a reader needs (a guard against
    regenerating the goldens from a broken build)."""
    text = (GOLDEN / page).read_text(encoding="utf-8")
    assert "Dave Diaz" in text and "2026-08-10" in text
