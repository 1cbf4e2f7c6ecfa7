"""The one digest of the caches' keys: sha256 over each part's text, NUL-separated.

A part is hashed as its `str` (a page's HTML as it is, not copied through `repr`);
surrogates (from file names that are not UTF-8) are kept, not an error.
"""

from __future__ import annotations

import hashlib


def digest_of(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()
