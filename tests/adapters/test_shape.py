"""What a CI build's site shape (mkdocs_plugin.shape, by content) takes of an installed
theme directory: the version of the distribution that owns it, or, when none does, its
files' bytes; never a modification time, which every fresh install changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from okrsite.mkdocs_plugin import shape


@pytest.fixture
def site_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site-packages"
    (root / "fancytheme" / "partials").mkdir(parents=True)
    (root / "fancytheme" / "partials" / "footer.html").write_text("<footer>v1</footer>\n")
    monkeypatch.setattr(shape, "_site_packages", lambda: (os.path.realpath(root),))
    monkeypatch.setattr(shape, "_themes", dict)  # no theme entry point names it
    return root


def test_an_owned_theme_directory_stands_by_its_distributions_version(
        site_packages: Path, monkeypatch: pytest.MonkeyPatch):
    theme = str(site_packages / "fancytheme")
    monkeypatch.setattr(shape, "_distributions", lambda: {"fancytheme": ["fancy-theme"]})
    monkeypatch.setattr(shape, "_version", lambda name: "1.0")
    first = shape.theme_stamp(theme, by_content=True)
    os.utime(site_packages / "fancytheme", (1, 1))  # a fresh install: new times only
    assert shape.theme_stamp(theme, by_content=True) == first
    monkeypatch.setattr(shape, "_version", lambda name: "2.0")  # upgraded
    assert shape.theme_stamp(theme, by_content=True) != first


def test_an_unowned_installed_directory_stands_by_its_files_bytes(
        site_packages: Path, monkeypatch: pytest.MonkeyPatch):
    theme = str(site_packages / "fancytheme")
    monkeypatch.setattr(shape, "_distributions", dict)
    first = shape.theme_stamp(theme, by_content=True)
    footer = site_packages / "fancytheme" / "partials" / "footer.html"
    os.utime(footer, (1, 1))
    assert shape.theme_stamp(theme, by_content=True) == first
    footer.write_text("<footer>v2</footer>\n")
    assert shape.theme_stamp(theme, by_content=True) != first


def test_a_virtual_environment_at_another_path_gives_the_same_stamps(
        site_packages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A CI runner's fresh environment in its own workspace: the same theme package
    (owned or not) and the same overrides stand for the same theme."""
    monkeypatch.setattr(shape, "_distributions", lambda: {"fancytheme": ["fancy-theme"]})
    monkeypatch.setattr(shape, "_version", lambda name: "1.0")
    owned = shape.theme_stamp(str(site_packages / "fancytheme"), by_content=True)
    overrides = tmp_path / "runner-1" / "theme"
    (overrides / "partials").mkdir(parents=True)
    (overrides / "partials" / "copyright.html").write_text("<p>Ours</p>\n")
    ours = shape.theme_stamp(str(overrides), by_content=True)
    other = tmp_path / "job-7" / "venv" / "site-packages"
    os.makedirs(other.parent)
    os.rename(site_packages, other)
    monkeypatch.setattr(shape, "_site_packages", lambda: (os.path.realpath(other),))
    assert shape.theme_stamp(str(other / "fancytheme"), by_content=True) == owned
    moved = tmp_path / "job-7" / "theme"
    os.rename(overrides, moved)
    assert shape.theme_stamp(str(moved), by_content=True) == ours
    os.rename(moved / "partials" / "copyright.html", moved / "partials" / "footer.html")
    assert shape.theme_stamp(str(moved), by_content=True) != ours  # another template
