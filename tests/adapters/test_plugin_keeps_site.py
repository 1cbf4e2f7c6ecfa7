"""A failed or interrupted `mkdocs build` keeps the last good site in site_dir, byte for
byte: content errors stop the build before MkDocs empties site_dir, and the pages of
a build go to a staging directory that replaces the site only once it is complete."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from helpers.sites import FIXTURE_SITES, Built, prepare_site, run_build, site_files
from mkdocs.commands import build as mkdocs_build
from mkdocs.exceptions import Abort

MINIMAL = FIXTURE_SITES / "minimal" / "content"
UNIT = Path("content") / "periods" / "2026-Q1" / "acme.yaml"


@pytest.fixture
def built(tmp_path: Path) -> Built:
    """The minimal site built once in tmp_path: the last good site."""
    return run_build(prepare_site(tmp_path, MINIMAL))


def _edit(root: Path, old: str, new: str, rel: Path = UNIT) -> None:
    file = root / rel
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def _beside_site(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


def test_a_content_error_leaves_the_last_site_as_it_was(built: Built) -> None:
    before = site_files(built.site)
    assert "index.html" in before
    _edit(built.root, "kpi: weekly-orders", "kpi: weekly-ordres")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        with pytest.raises(Abort):
            run_build(built.root / "mkdocs.yml", allowed=["OKR207", "error in the content"])
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
    assert site_files(built.site) == before
    assert _beside_site(built.root) == [".cache", "content", "mkdocs.yml", "site"]
    errors = [r.getMessage() for r in records]
    assert any(re.search(r"\bcontent/periods/2026-Q1/acme\.yaml:10:9: OKR207 .*weekly-ordres",
                         m) for m in errors), errors


def _stop_after(monkeypatch: pytest.MonkeyPatch, pages: int, error: BaseException) -> None:
    """Make MkDocs stop writing pages after `pages` of them, as a kill would."""
    real = mkdocs_build._build_page
    written = []

    def build_page(*args: object, **kwargs: object) -> None:
        if len(written) == pages:
            raise error
        written.append(1)
        real(*args, **kwargs)

    monkeypatch.setattr(mkdocs_build, "_build_page", build_page)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_a_build_stopped_halfway_leaves_the_last_site(built: Built, error: BaseException,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    before = site_files(built.site)
    _edit(built.root, "Grow the widget business", "Grow the gadget business")
    _stop_after(monkeypatch, 3, error)
    with pytest.raises(type(error)):
        run_build(built.root / "mkdocs.yml", allowed=["Error building page"])
    assert site_files(built.site) == before
    if isinstance(error, OSError):  # MkDocs reports it: the partial build is removed
        assert _beside_site(built.root) == [".cache", "content", "mkdocs.yml", "site"]

    monkeypatch.undo()
    after = run_build(built.root / "mkdocs.yml")  # the next build clears any leftover
    assert "Grow the gadget business" in after.html()
    assert "Grow the widget business" not in after.html()
    assert _beside_site(built.root) == [".cache", "content", "mkdocs.yml", "site"]


def test_a_strict_build_with_warnings_leaves_the_last_site(built: Built) -> None:
    before = site_files(built.site)
    _edit(built.root, "    owner: Lee Chan\n", "", UNIT.with_name("widgets.yaml"))
    with pytest.raises(Abort, match="strict"):
        run_build(built.root / "mkdocs.yml", allowed=["OKR304"], strict=True)
    assert site_files(built.site) == before
    assert _beside_site(built.root) == [".cache", "content", "mkdocs.yml", "site"]


def test_a_good_build_replaces_the_site_and_keeps_its_dot_files(built: Built) -> None:
    """As MkDocs does: files of the last build go, hidden ones (a `.git` of a deploy
    checkout, `.nojekyll`) stay."""
    (built.site / ".git").mkdir()
    (built.site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (built.site / ".nojekyll").write_text("")
    (built.site / "stale.html").write_text("from an older build")
    built.site.chmod(0o750)
    _edit(built.root, "Grow the widget business", "Grow the gadget business")
    after = run_build(built.root / "mkdocs.yml")
    assert "Grow the gadget business" in after.html()
    assert (after.site / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (after.site / ".nojekyll").exists()
    assert not (after.site / "stale.html").exists()
    assert after.site.stat().st_mode & 0o777 == 0o750
    assert _beside_site(built.root) == [".cache", "content", "mkdocs.yml", "site"]
