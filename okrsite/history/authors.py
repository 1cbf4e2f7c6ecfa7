"""Who made each check-in and measurement, from git: the author of the commit that added
it. Derived once per build from its history, for the KR cards ("checked in by").

A check-in written together with its key result (or its objective, or its file) was
added by that commit. The oldest commit of a shallow clone added nothing: what it
"adds" was there before, so its entries have no author here. The history a public build
reads holds no restricted change, so no restricted entry gets an author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from okrsite.history.types import (
    CHECK_IN_ADDED,
    FILE_ADDED,
    KPI_ADDED,
    KR_ADDED,
    MEASUREMENT_ADDED,
    OBJECTIVE_ADDED,
    History,
)

Key = tuple[str, date]  # (KR ref `period:unit/objective/kr`, or `kpi:<id>`; entry date)

_WHOLE = (FILE_ADDED, OBJECTIVE_ADDED, KR_ADDED, KPI_ADDED)


@dataclass(frozen=True)
class EntryAuthors:
    """Who added what, from one pass over the history. Each value is (the commit's place,
    oldest first, and its author): of two additions the later one made what is there."""

    entries: dict[Key, tuple[int, str]]  # check-ins and measurements added one by one
    items: dict[str, tuple[int, str]]  # file, objective, KR or KPI ref added whole

    def author(self, ref: str, day: date) -> str | None:
        """Who added the entry of `ref` (a KR ref or `kpi:<id>`) dated `day`, if git says:
        the commit that added it, or the later one that added it with its key result,
        its objective or its file (`p:u/o/k`, `p:u/o`, `p:u`)."""
        candidates = [ref]
        if not ref.startswith("kpi:") and "/" in ref:
            head = ref.rsplit("/", 1)[0]
            candidates += [head, head.split("/", 1)[0]]
        found = [self.items[c] for c in candidates if c in self.items]
        if (ref, day) in self.entries:
            found.append(self.entries[(ref, day)])
        return max(found)[1] if found else None


def entry_authors(history: History) -> EntryAuthors:
    """Every addition of a check-in, a measurement, or an item with its entries."""
    entries: dict[Key, tuple[int, str]] = {}
    items: dict[str, tuple[int, str]] = {}
    for i, entry in enumerate(reversed(history.entries)):  # oldest first
        if entry.boundary:
            continue
        author = (i, entry.commit.author)
        for c in entry.changes:
            if c.kind in (CHECK_IN_ADDED, MEASUREMENT_ADDED) and c.date:
                try:
                    entries[(c.ref, date.fromisoformat(c.date))] = author
                except ValueError:
                    continue
            elif c.kind in _WHOLE:
                items[c.ref] = author
    return EntryAuthors(entries, items)
