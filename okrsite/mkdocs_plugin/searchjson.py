"""search_index.json written with its text as UTF-8, not as `\\uXXXX` escapes.

Material's search plugin writes the index with `json.dumps(..., separators=(",", ":"),
default=str)`, which escapes every character outside ASCII: a `·` takes 6 bytes, not 2,
a `→` 6, not 3 (0.33 KB of every page's share of the index). The same JSON with those
characters as themselves is the same index to its reader (Material's search worker
fetches it as UTF-8 and parses it). Material is asked for the index without entries
(so its config part stays its own), and the entries are put in; an index of another
shape, or one Material merges with the last build's (`mkdocs serve --dirty` without
okrsite's own tracking), is made as Material makes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

NO_DOCS = '"docs":[]}'


def entry_json(entry: dict[str, Any]) -> str:
    """One entry as the index holds it."""
    return json.dumps(entry, separators=(",", ":"), default=str, ensure_ascii=False)


def entries_json(entries: list[dict[str, Any]]) -> str:
    """Entries as the index's `docs` list holds them, comma-separated (`[` `]` left out)."""
    return json.dumps(entries, separators=(",", ":"), default=str, ensure_ascii=False)[1:-1]


def spliced(index: Any, docs: str | None = None) -> Callable[..., str]:
    """A `generate_search_index` for Material's search index `index`: its own, with the
    entries put in as `entries_json` writes them (`docs`: already written, else
    `index.entries` when it runs)."""
    make = type(index).generate_search_index

    def generate(*prev: Any) -> str:
        if any(prev):
            return make(index, *prev)
        entries, index.entries = index.entries, []
        try:
            empty = make(index, *prev)
        finally:
            index.entries = entries
        if not isinstance(empty, str) or not empty.endswith(NO_DOCS):
            return make(index, *prev)
        made = entries_json(entries) if docs is None else docs
        return f"{empty[:-len(NO_DOCS)]}\"docs\":[{made}]}}"
    return generate


def install(search: Any) -> None:
    """Have Material's search plugin `search` (any other is left alone) write its index
    by `spliced`, unless its index already has a writer of its own
    (okrsite.mkdocs_plugin.incremental's)."""
    index = getattr(search, "search_index", None)
    if (not type(index).__module__.startswith("material.")
            or not isinstance(getattr(index, "entries", None), list)
            or "generate_search_index" in vars(index)
            or not callable(getattr(type(index), "generate_search_index", None))):
        return
    index.generate_search_index = spliced(index)
