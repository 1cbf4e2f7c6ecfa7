"""Goalposts moved after a period started, per key result: derived once from the history,
so the KR card, the audit page and `okrsite score --format json` say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from okrsite.history.types import KR_CHANGED, History
from okrsite.model import Content

MOVED_FIELDS = ("target", "baseline", "direction")  # what "the goalpost" is for a reader


@dataclass(frozen=True)
class Goalpost:
    """One move: `field` went from `old` to `new` in commit `commit` on `date`, with the
    `reason:` written in the same commit (None: none was)."""

    field: str
    old: Any
    new: Any
    date: str
    commit: str
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "date": self.date,
                "commit": self.commit, "reason": self.reason}


def goalposts(history: History, content: Content) -> dict[str, list[Goalpost]]:
    """KR ref -> its goalpost moves committed on or after its period's start, oldest
    first. Empty without history."""
    out: dict[str, list[Goalpost]] = {}
    for entry in reversed(history.entries):  # entries are newest first
        reasons = {c.ref: c.new for c in entry.changes
                   if c.kind == KR_CHANGED and c.field == "reason" and c.new}
        for c in entry.changes:
            if not (c.kind == KR_CHANGED and c.goalpost and c.field in MOVED_FIELDS
                    and c.period and c.key_result):
                continue
            if entry.commit.date < content.period(c.period).start:
                continue  # planning is not moving a goalpost
            out.setdefault(c.ref, []).append(Goalpost(
                c.field, c.old, c.new, entry.commit.date.isoformat(), entry.commit.short,
                reasons.get(c.ref)))
    return out
