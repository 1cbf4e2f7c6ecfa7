"""The objectives' memo keys (okrsite.scoring.memo.objective_key) of every OKR file,
kept in cache_dir, so that a CI build with its cache_dir kept makes the keys of the
objectives of the files that changed only: making all 4,000 of them (pickling each
objective's scored fields) was a tenth of a CI build at 1,000 pages.

An OKR file's model (its UnitPeriod, okrsite.build) is a function of its relpath and
bytes and of okrsite's code (okrsite.piececache relies on it too), and an objective's
key is a function of the objective and of the scoring settings (which scorer scores a
key result). So the keys are kept by the file's relpath and sha256, in one file per
code version and scoring settings, and handed to the memo only for the very objects
of the UnitPeriod built for that file (`prefill`): an objective a view copied and
changed (okrsite.visibility) is not one of them, and is keyed afresh.

The keys are bytes compared and hashed, never decoded. The file is marshal behind its
sha256 (okrsite.output.write_sealed): damaged, it is ignored and the keys are made.
"""

from __future__ import annotations

from pathlib import Path

from okrsite.digest import code_version, digest_of
from okrsite.model import Content
from okrsite.output import drop_other_versions, keep_newest, read_sealed, write_sealed
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.memo import ScoreMemo

PREFIX = "okeys-"
KEPT_FILES = 8  # per code version: one per scoring settings


class KeyStore:
    """The kept keys of one build's content: `prefill` before scoring, `save` after."""

    def __init__(self, directory: Path | None, files: dict[str, str],
                 settings: ScoringSettings) -> None:
        self.settings = settings
        self.files = files  # relpath -> sha256 of the snapshot
        self.file = None if directory is None else (
            directory / f"{PREFIX}{code_version()}"
            / f"{digest_of('objective keys', repr(settings))[:32]}.bin")
        self._kept: dict[str, list[bytes]] = {}

    def _name(self, relpath: str) -> str | None:
        sha = self.files.get(relpath)
        return None if sha is None else f"{sha}:{relpath}"

    def prefill(self, content: Content, memo: ScoreMemo) -> int:
        """Give `memo` the kept keys of the objectives of every unchanged OKR file;
        returns how many."""
        kept = read_sealed(self.file)
        if not isinstance(kept, dict):
            return 0
        given = 0
        for up in content.okrs.values():
            name = self._name(up.source.path)
            keys = kept.get(name) if name is not None else None
            if not (isinstance(keys, list) and len(keys) == len(up.objectives)
                    and all(type(k) is bytes for k in keys)):
                continue
            self._kept[name] = keys  # type: ignore[index]
            for objective, key in zip(up.objectives, keys, strict=True):
                memo.know(objective, self.settings, key)
            given += len(keys)
        return given

    def save(self, content: Content, memo: ScoreMemo) -> None:
        """Keep the keys of every OKR file whose objectives the memo keyed in this build
        (the files of this content only: one build's worth). Never an error."""
        if self.file is None:
            return
        now: dict[str, list[bytes]] = {}
        for up in content.okrs.values():
            name = self._name(up.source.path)
            keys = [memo.known(o, self.settings) for o in up.objectives]
            if name is not None and all(k is not None for k in keys):
                now[name] = keys  # type: ignore[assignment]
        if now == self._kept:
            return
        write_sealed(self.file, now)
        keep_newest(self.file.parent, KEPT_FILES, ".bin")
        drop_other_versions(self.file.parent, PREFIX)
        self._kept = now
