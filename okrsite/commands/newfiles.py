"""Writing a set of new files all at once, never over an existing one.

`okrsite init`, `okrsite schema --out` and `okrsite import` create files in a
company's repository. Each checks every target first: a file that is already
there with the same bytes is kept (so running a command twice is harmless), one
with other bytes stops the command before anything is written. A failure while
writing removes what this call wrote, so a command writes all of its files or none.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from okrsite.errors import OkrsiteError


class ExistsError(OkrsiteError):
    """Files would be overwritten (or cannot be written); the message lists them."""


@dataclass
class Written:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # already there with the same content


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def write_new(files: dict[Path, bytes], what: str) -> Written:
    """Write `files` (path -> bytes). `what` names the command in messages."""
    result = Written()
    clashes = []
    for path, data in files.items():
        if path.is_dir() or (path.exists() and not path.is_file()):
            clashes.append(f"{_shown(path)} is a directory")
        elif path.is_file():
            try:
                same = path.read_bytes() == data
            except OSError as exc:
                raise ExistsError(f"cannot read {_shown(path)}: {exc.strerror}") from None
            if same:
                result.kept.append(path)
            else:
                clashes.append(f"{_shown(path)} exists")
    if clashes:
        raise ExistsError(f"{what} writes no file over an existing one, and nothing was "
                          f"written: {'; '.join(clashes)}. Move or delete "
                          f"{'it' if len(clashes) == 1 else 'them'}, or choose another "
                          "directory")
    made_dirs: list[Path] = []
    try:
        for path, data in files.items():
            if path in result.kept:
                continue
            missing = [p for p in reversed(path.parents) if not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.extend(missing)
            with path.open("xb") as out:  # "x": never over a file that appeared meanwhile
                result.written.append(path)
                out.write(data)
    except OSError as exc:
        for path in result.written:
            path.unlink(missing_ok=True)
        for directory in reversed(made_dirs):
            with contextlib.suppress(OSError):  # not empty: someone else's file is there
                directory.rmdir()
        where = f": {_shown(Path(exc.filename))}" if exc.filename else ""
        raise ExistsError(f"{what} could not write its files, and wrote none: "
                          f"{exc.strerror or exc}{where}") from None
    return result
