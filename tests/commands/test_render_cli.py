"""`okrsite render --out`: the site's pages on disk, for any generator."""

from __future__ import annotations

from pathlib import Path

from helpers.checkkit import ROOT, run_cli, valid_repo


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_render_writes_the_demo_pages_reproducibly(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = run_cli("render", str(ROOT / "content"), "--out", str(out),
                         "--as-of", "2026-11-20", "--no-history")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    files = _files(first)
    assert files == _files(second)
    unit = files["periods/2026-Q4/support/index.md"].decode()
    assert unit.startswith("---\ntitle: Customer Support · 2026-Q4\n")
    assert "As of 2026-11-20" in unit
    assert '<a href="../../../units/support/">' in unit  # directory URLs, as MkDocs serves
    assert "assets/okrsite/okrsite.css" in files
    everything = b"\n".join(files.values()).lower()
    assert b"heron" not in everything and b"cash runway" not in everything


def test_render_without_directory_urls_links_to_html_files(tmp_path):
    out = tmp_path / "pages"
    result = run_cli("render", str(ROOT / "content"), "--out", str(out), "--as-of",
                     "2026-11-20", "--no-history", "--no-directory-urls")
    assert result.returncode == 0, result.stderr
    unit = (out / "periods/2026-Q4/support/index.md").read_text(encoding="utf-8")
    assert '<a href="../../../units/support/index.html">' in unit
    assert '<a href="../index.html">2026-Q4</a>' in unit
    assert 'href="../../../units/support/"' not in unit


def test_render_refuses_to_write_into_the_content(tmp_path):
    repo = valid_repo(tmp_path / "repo")
    result = run_cli("render", str(repo.root), "--out", str(repo.root / "site"),
                     "--as-of", "2026-11-20")
    assert result.returncode == 2
    assert "overlaps the content directory" in result.stderr
    assert not (repo.root / "site").exists()


def test_render_of_broken_content_writes_nothing(tmp_path):
    repo = valid_repo(tmp_path / "repo")
    (repo.root / "org.yaml").write_text("version: 1\nkind: org\nname: x\nunits: [\n")
    out = tmp_path / "out"
    result = run_cli("render", str(repo.root), "--out", str(out), "--as-of", "2026-11-20")
    assert result.returncode == 1
    assert "org.yaml:" in result.stderr and "OKR001" in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]  # no staging left
