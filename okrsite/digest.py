"""The one digest of the caches' keys: sha256 over each part's text, NUL-separated.

A part is hashed as its `str` (a page's HTML as it is, not copied through `repr`);
surrogates (from file names that are not UTF-8) are kept, not an error.

`code_version()` names the code that wrote a cache entry: okrsite's version and a
digest of its files. The version alone is not enough: an editable install, or a pip
install from git, runs changed code under the same version, and a CI cache_dir
kept across such an upgrade would otherwise serve what the old code rendered.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from okrsite import __version__

_PACKAGE = Path(__file__).parent


def digest_of(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@functools.cache
def code_version() -> str:
    """`<version>+<digest of okrsite's files>`, computed once per process (~1 MB).

    The package's files (code, templates, assets, the wheel's schema copy) and, in a
    source checkout, the top-level schema/ the validator reads."""
    h = hashlib.sha256()
    roots = [_PACKAGE]
    if not (_PACKAGE / "schema").is_dir():
        roots.append(_PACKAGE.parent / "schema")
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()
                           and "__pycache__" not in p.parts and p.suffix != ".pyc"):
            h.update(path.relative_to(root).as_posix().encode("utf-8", "surrogatepass"))
            h.update(b"\0")
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"\1unreadable")
            h.update(b"\0")
    return f"{__version__}+{h.hexdigest()[:16]}"
