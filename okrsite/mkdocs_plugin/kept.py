"""Plain `mkdocs serve` (no `--dirty`): the last build's generated pages survive
MkDocs' clean, so that a page whose output did not change is copied through instead of
rendered again (mkdocs_plugin.incremental decides which).

MkDocs empties site_dir at the start of every build but leaves its hidden entries
alone. Just before that, `hide` renames the top-level directories that hold nothing but
files of the last build (`keepable`: pages and copied files, none another plugin wrote
by itself such as search/search_index.json) to hidden names; `unhide` puts them back in
`on_files`, right after the clean. Deleting 1,200 page directories was 2 to 5 s of a
rebuild at 1,000 pages. At the end of the build `prune` removes every file in them that
this build did not produce (a page of a deleted or newly restricted file), and the
empty directories, so site_dir holds what a clean build writes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil

HIDDEN = ".okrsite-kept-"  # MkDocs' clean skips names starting with a dot
BUILD_LOG = "mkdocs.commands.build"


class Unwritten(logging.Filter):
    """A page whose file in site_dir is already this build's output (it was kept) is
    handed to MkDocs empty, which then does not write it, and logs "Page skipped ...
    Generated empty output." for it. Only that line, and only for those pages, is
    dropped: they are not skipped, their file is the page."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: set[str] = set()  # src_uris, of the build under way

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.pages or record.levelno != logging.INFO:
            return True
        message = record.getMessage()
        if not message.startswith("Page skipped: '"):
            return True
        return message != f"Page skipped: '{_uri(message)}'. Generated empty output." or \
            _uri(message) not in self.pages


def _uri(message: str) -> str:
    return message[len("Page skipped: '"):].rsplit("'. Generated", 1)[0]


def quiet(unwritten: Unwritten) -> None:
    """Attach the filter to MkDocs' build logger (once)."""
    logger = logging.getLogger(BUILD_LOG)
    if unwritten not in logger.filters:
        logger.addFilter(unwritten)


def keepable(site_dir: str, produced: set[str]) -> list[str]:
    """The top-level directories of site_dir whose every file is in `produced` (the
    absolute destination paths of the build's files)."""
    names = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(site_dir):
            if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            if all(os.path.normpath(os.path.join(root, n)) in produced
                   for root, _, files in os.walk(entry.path) for n in files):
                names.append(entry.name)
    return sorted(names)


def hide(site_dir: str, names: list[str]) -> list[str]:
    """Rename `names` to hidden names; the ones renamed."""
    hidden = []
    for name in names:
        try:
            os.rename(os.path.join(site_dir, name), os.path.join(site_dir, HIDDEN + name))
        except OSError:
            continue  # gone, or not movable: MkDocs writes it again
        hidden.append(name)
    return hidden


def unhide(site_dir: str, names: list[str]) -> None:
    for name in names:
        os.rename(os.path.join(site_dir, HIDDEN + name), os.path.join(site_dir, name))


def drop_hidden(site_dir: str) -> None:
    """Remove what a failed build left hidden (a kept directory that never came back)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(site_dir):
            if entry.name.startswith(HIDDEN):
                shutil.rmtree(entry.path, ignore_errors=True)


def prune(site_dir: str, names: list[str], produced: set[str]) -> list[str]:
    """Remove each file under the kept `names` that is not in `produced`, then the
    directories left empty; the files removed."""
    removed = []
    for name in names:
        for root, dirs, files in os.walk(os.path.join(site_dir, name), topdown=False):
            left = len(files)
            for n in files:
                path = os.path.normpath(os.path.join(root, n))
                if path not in produced:
                    os.remove(path)
                    removed.append(path)
                    left -= 1
            if not left and not any(os.path.isdir(os.path.join(root, d)) for d in dirs):
                os.rmdir(root)  # a clean build makes no empty directory
    return removed


def remove_stale(paths: set[str]) -> None:
    """`--dirty`: remove the files of pages the last build generated and this one does
    not (a deleted content file's), and the directories they leave empty."""
    for path in sorted(paths):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        with contextlib.suppress(OSError):  # not empty: kept
            os.removedirs(os.path.dirname(path))
