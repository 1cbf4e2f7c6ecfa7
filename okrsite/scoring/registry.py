"""Scorers by name: the built-ins plus whatever installed packages offer.

A package offers a scorer through the entry-point group `okrsite.scorers`:

    [project.entry-points."okrsite.scorers"]
    puzzle = "puzzle_scorer:PuzzleScorer"

Entry points are listed without importing them; a plugin is imported only when
a key result asks for it, so a broken plugin breaks only the KRs that use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points

from okrsite.errors import OkrsiteError
from okrsite.model import KeyResult
from okrsite.scoring.base import Scorer, ScoringSettings
from okrsite.scoring.builtin import BUILTIN_SCORERS, DEFAULT_BY_KIND

ENTRY_POINT_GROUP = "okrsite.scorers"


class UnknownScorerError(OkrsiteError, KeyError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown scorer {self.name!r}; known scorers: {', '.join(self.known)}"


class ScorerLoadError(OkrsiteError, RuntimeError):
    """A plugin's entry point could not be imported or is not a scorer."""


class ScorerRegistry:
    """Name -> scorer. Built-in names cannot be taken over by a plugin, so `linear`
    means the same thing on every site; among plugins the first one found wins."""

    def __init__(self, builtins: Mapping[str, Scorer] | None = None,
                 plugins: Iterable[EntryPoint] = ()) -> None:
        self._scorers: dict[str, Scorer] = dict(BUILTIN_SCORERS if builtins is None else builtins)
        self._pending: dict[str, EntryPoint] = {}
        # name -> where it comes from, fixed when it joins (so loading one on first use
        # leaves it as it was): what scores kept across builds are keyed by.
        self._origins: dict[str, tuple[str, ...]] = {
            name: ("scorer", type(s).__module__, type(s).__qualname__, str(s.version))
            for name, s in self._scorers.items()}
        for ep in plugins:
            if ep.name not in self._scorers and ep.name not in self._pending:
                self._pending[ep.name] = ep
                dist = getattr(ep, "dist", None)
                self._origins[ep.name] = ("entry point", ep.value, getattr(dist, "name", ""),
                                          getattr(dist, "version", ""))

    @classmethod
    def discover(cls) -> ScorerRegistry:
        """Built-ins plus the installed `okrsite.scorers` entry points (read now, not cached,
        so a test or a long-running server sees what is on sys.path at this call)."""
        return cls(plugins=entry_points(group=ENTRY_POINT_GROUP))

    def names(self) -> list[str]:
        return sorted({*self._scorers, *self._pending})

    def origins(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each scorer's name and where it comes from (its class and version, or its
        entry point and package version), without loading any plugin."""
        return tuple(sorted(self._origins.items()))

    def only_okrsites(self) -> bool:
        """Whether every scorer is okrsite's own. Their code is in `code_version`, so
        their scores may be kept on disk (okrsite.scoring.store); a plugin's code is not
        fingerprinted by its package version (an editable install changes under it)."""
        return not self._pending and all(type(s).__module__.startswith("okrsite.")
                                         for s in self._scorers.values())

    def __contains__(self, name: object) -> bool:
        return name in self._scorers or name in self._pending

    def register(self, scorer: Scorer) -> None:
        """Add a scorer object directly (programmatic use and tests)."""
        _validate(scorer, str(getattr(scorer, "name", "?")))
        self._scorers[scorer.name] = scorer
        self._pending.pop(scorer.name, None)
        self._origins[scorer.name] = ("scorer", type(scorer).__module__,
                                      type(scorer).__qualname__, str(scorer.version))

    def get(self, name: str) -> Scorer:
        if name in self._scorers:
            return self._scorers[name]
        ep = self._pending.get(name)
        if ep is None:
            raise UnknownScorerError(name, self.names())
        try:
            obj = ep.load()
            scorer = obj() if isinstance(obj, type) else obj
        except Exception as exc:  # a plugin can fail in any way; report it, do not crash
            raise ScorerLoadError(f"scorer {name!r} ({ep.value}) failed to load: {exc}") from exc
        _validate(scorer, name)
        self._scorers[name] = scorer
        del self._pending[name]
        return scorer


def _validate(scorer: object, name: str) -> None:
    if not isinstance(scorer, Scorer) or not isinstance(getattr(scorer, "version", None), str):
        raise ScorerLoadError(f"scorer {name!r} needs `name`, `version` (str) and `score()`")
    if scorer.name != name:
        raise ScorerLoadError(f"entry point {name!r} loads a scorer named {scorer.name!r}")


def scorer_name(kr: KeyResult, settings: ScoringSettings) -> str:
    """The KR's own `scorer:`, else the site default for its kind, else the built-in default."""
    if kr.scorer:
        return kr.scorer
    kind = kr.kind.value
    return settings.default_scorers.get(kind) or DEFAULT_BY_KIND[kind]
