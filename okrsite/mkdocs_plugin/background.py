"""Generated pages' search sections made in a forked process while MkDocs builds pages.

MkDocs builds pages one after another in one process (template, search, write), so
in a build's last part one core idles. The search view (`searchable`) and sections
(search.section_rows) of a generated page depend on its content alone, and the
search plugin needs its entries only when it writes the index (`on_post_build`).
So, when nothing else can change or read a page's content (no plugin but okrsite and
search, not a serve or `--dirty` build that tracks each page's entries), one forked
process makes every generated page's sections from the content the page holds after
`on_files`, and the parent puts each page's entries where the search plugin would
have added them.

    made = Background.start(pages)     # after on_files: [(src_uri, content, digest?)]
    ...                                # MkDocs builds the pages
    for src_uri, data in made.take().items(): digest, view, rows = decode(data)

The process is joined in `take` (or `stop` on a failed build): none outlives a build.
"""

from __future__ import annotations

import hashlib
import marshal
import zlib
from dataclasses import dataclass
from typing import Any

from okrsite.forking import pool as forked_pool
from okrsite.forking import result_of, workers_for
from okrsite.gcpolicy import frozen
from okrsite.mkdocs_plugin.search import Row, section_rows
from okrsite.render.page import searchable

Made = tuple[str, str, "list[Row] | None"]  # sha256 of the content, search view, sections
_PACKED: list[tuple[str, bytes, bool]] = []  # what the forked process reads (set at fork)


def _make(_: None) -> dict[str, bytes]:
    out = {}
    for uri, packed, digest in _PACKED:
        full = zlib.decompress(packed).decode()
        view = searchable(full)
        rows = section_rows(view)
        # The view only where the parent needs it: for the search cache, or for
        # Material's parser (rows None)
        made = (hashlib.sha256(full.encode()).hexdigest() if digest else "",
                view if digest or rows is None else "", rows)
        # Compressed: the parent holds them all at once, and decodes one page's at a time.
        out[uri] = zlib.compress(marshal.dumps(made), 1)
    return out


def decode(made: bytes) -> Made:
    """(sha256 of the page's content or "", its search view or "", its section rows)."""
    digest, view, rows = marshal.loads(zlib.decompress(made))
    return digest, view, rows


@dataclass
class Background:
    pool: Any
    result: Any

    @classmethod
    def start(cls, pages: list[tuple[str, bytes, bool]]) -> Background | None:
        """Make the sections of `pages` ((src_uri, packed content, whether its content
        digest is wanted)) in a forked process; None where the pages would be rendered
        serially (forking.workers_for: a small site, OKRSITE_WORKERS=1, no safe fork)."""
        global _PACKED
        if workers_for(len(pages)) < 2:  # few pages, OKRSITE_WORKERS=1, or no fork
            return None
        _PACKED = pages
        # As for the render workers (render.pool): the child's collector never walks,
        # and so never copies, the parent's objects.
        # frozen(), not gc.freeze/unfreeze: an unfreeze here would hand the build's model,
        # frozen for the whole build (okrsite.gcpolicy), back to the collector.
        try:
            with frozen():
                pool = forked_pool(1)
                return cls(pool, pool.apply_async(_make, (None,)))
        finally:
            _PACKED = []  # the child has its copy

    def take(self) -> dict[str, bytes]:
        """Each page's sections, to `decode`."""
        try:
            made: dict[str, bytes] = result_of(self.pool, self.result,
                                               "making the search index")
        finally:
            self.stop()
        return made

    def stop(self) -> None:
        self.pool.terminate()
        self.pool.join()
