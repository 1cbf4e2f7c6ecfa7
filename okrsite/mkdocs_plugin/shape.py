"""What shapes every page of a build besides its own content (mkdocs_plugin.incremental
replays a page only in a site shaped as the last build's was).

The theme's directories are part of it. A directory someone may edit during a
`mkdocs serve` session (a custom_dir of overrides, okrsite's own templates in a
checkout) is walked and each file's modification time and size taken, every build.
An installed package's directory (under site-packages: Material's, with 14,000
icons) is not edited in place but replaced when the package is upgraded, which
gives its top directory another inode or modification time: that directory's own
stat stands for it. Walking Material's was 0.1 s of CPU per rebuild at 1,000 pages.

A CI build (`by_content`, for mkdocs_plugin.finalcache) runs in a fresh clone and often
a fresh virtual environment, at a path of the runner's choosing: every modification
time and inode is new, though nothing changed. There an installed directory stands
for itself by its path inside site-packages and the name and version of the
distribution it belongs to (Material, or any theme package), and any other theme
directory, or an installed one no distribution owns, by its files' names inside it
and their bytes: no absolute path.
"""

from __future__ import annotations

import hashlib
import os
import site
import sysconfig
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from okrsite.asof import AsOf
from okrsite.mkdocs_plugin.incremental import GeneratedFile
from okrsite.render.page import Page


def site_shape(config: MkDocsConfig, files: Files, pages: list[Page], as_of: AsOf | None,
               by_content: bool = False) -> object:
    """The config file, the theme's files, the site's files, the navigation we made, the
    pages written by hand (their titles are in every page's navigation) and the as-of
    date."""
    by_hand = [(f.src_uri, hashlib.sha256(f.content_bytes).hexdigest())
               for f in files.documentation_pages(inclusion=lambda _: True)
               if not isinstance(f, GeneratedFile) and f.abs_src_path is not None]
    return (config_source(config), [theme_stamp(d, by_content) for d in config.theme.dirs],
            sorted(f.src_uri for f in files), [(p.path, p.title, p.in_nav) for p in pages],
            by_hand, as_of)


def config_source(config: MkDocsConfig) -> bytes:
    """The config file's bytes (b"" without one)."""
    return Path(config.config_file_path).read_bytes() if config.config_file_path else b""


def theme_stamp(directory: str, by_content: bool = False) -> object:
    """What changes when a file of the theme directory does (see the module's doc)."""
    if by_content:
        # No absolute path: a checkout or virtual environment at another path (a CI
        # runner's workspace) is the same theme. The templates are looked up by their
        # names inside the directory, so those and the bytes are what it stands for.
        owners = installed(directory) and _owners(directory)
        if owners:
            return (_in_site_packages(directory), "installed", owners)
        hashed: list[tuple[str, str]] = []
        for path, _, _ in _files(directory):
            name = os.path.relpath(path, directory).replace(os.sep, "/")
            try:
                hashed.append((name, hashlib.sha256(Path(path).read_bytes()).hexdigest()))
            except OSError:
                hashed.append((name, ""))  # gone or unreadable: still a change
        return ("files", sorted(hashed))
    if installed(directory):
        try:
            st = os.stat(directory)
        except OSError:
            return (directory, None)
        return (directory, "installed", st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
    return (directory, sorted(_files(directory)))


def _files(directory: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    _walk(directory, found)
    return found


def _walk(directory: str, found: list[tuple[str, int, int]]) -> None:
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, found)
            else:
                st = entry.stat()
                found.append((entry.path, st.st_mtime_ns, st.st_size))
        except OSError:
            found.append((entry.path, -1, -1))  # gone or unreadable: still a change


def installed(directory: str) -> bool:
    """Whether the directory is inside an installed package (site-packages)."""
    real = os.path.realpath(directory)
    return any(real == p or real.startswith(p + os.sep) for p in _site_packages())


def _in_site_packages(directory: str) -> str:
    """An installed directory's path inside its site-packages, e.g. material/templates."""
    real = os.path.realpath(directory)
    for root in _site_packages():
        if real.startswith(root + os.sep):
            return real[len(root) + 1:].replace(os.sep, "/")
    return real


def _owners(directory: str) -> list[tuple[str, str]]:
    """The distributions (name, version) that install the directory's top-level package;
    empty if none does (then its files are hashed)."""
    real = os.path.realpath(directory)
    for root in _site_packages():
        if real.startswith(root + os.sep):
            top = real[len(root) + 1:].split(os.sep, 1)[0]
            themes = _themes()  # cheap: the themes' entry points (Material's among them)
            if top in themes:
                return themes[top]
            return sorted((name, _version(name)) for name in _distributions().get(top, ()))
    return []


@cache
def _themes() -> dict[str, list[tuple[str, str]]]:
    """Top-level package -> the distributions declaring an MkDocs theme in it."""
    found: dict[str, set[tuple[str, str]]] = {}
    for point in metadata.entry_points(group="mkdocs.themes"):
        dist = point.dist
        if dist is not None:
            top = point.value.split(".", 1)[0]
            found.setdefault(top, set()).add((dist.metadata["Name"], dist.version))
    return {top: sorted(dists) for top, dists in found.items()}


@cache
def _distributions() -> dict[str, list[str]]:
    """Top-level package -> distributions, from every installed one's file list (0.3 s
    with a test environment installed: only for a theme directory no entry point names)."""
    return dict(metadata.packages_distributions())


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


@cache
def _site_packages() -> tuple[str, ...]:
    paths: set[Any] = {sysconfig.get_paths().get(k) for k in ("purelib", "platlib")}
    paths.update(getattr(site, "getsitepackages", list)())
    paths.add(getattr(site, "getusersitepackages", str)())
    return tuple(sorted(os.path.realpath(p) for p in paths if p))
