"""What a one-off site build lets go of as it goes: a 5,000-page build's peak memory
(issue 17) is what is alive at once, so data only an earlier stage reads must not
live on while MkDocs writes the pages."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import pytest
from helpers.sites import DEMO_CONTENT, build_site

from okrsite import checkcache, pipeline
from okrsite.mkdocs_plugin import plugin as mkdocs_plugin
from okrsite.model import UnitPeriod


def _watch_pieces(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[Any]]:
    """Weak references to every OKR file's model piece the load builds."""
    pieces: list[weakref.ref[Any]] = []
    store = checkcache.CheckCache.store_pieces

    def watched(self: checkcache.CheckCache, *args: Any, **kwargs: Any) -> None:
        pieces.extend(weakref.ref(p) for p in self.pieces.values() if isinstance(p, UnitPeriod))
        store(self, *args, **kwargs)

    monkeypatch.setattr(checkcache.CheckCache, "store_pieces", watched)
    return pieces


def _alive_while_pages_are_written(monkeypatch: pytest.MonkeyPatch,
                                   pieces: list[weakref.ref[Any]]) -> list[int]:
    """How many of `pieces` are alive when each page is written (on_post_page)."""
    alive: list[int] = []
    post_page = mkdocs_plugin.OkrsitePlugin.on_post_page

    def counted(self: Any, output: str, **kwargs: Any) -> str:
        alive.append(sum(ref() is not None for ref in pieces))
        return post_page(self, output, **kwargs)

    monkeypatch.setattr(mkdocs_plugin.OkrsitePlugin, "on_post_page", counted)
    return alive


def test_a_build_lets_go_of_the_model_before_mkdocs_writes_the_pages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session's check cache held every OKR file's model piece (so the whole
    model) to the build's end; a one-off build needs them only while it loads."""
    pieces = _watch_pieces(monkeypatch)
    alive = _alive_while_pages_are_written(monkeypatch, pieces)
    build_site(tmp_path, DEMO_CONTENT)
    assert len(pieces) > 5  # the demo's OKR files were built
    assert alive and set(alive) == {0}


def test_the_parses_and_the_bytes_are_let_go_of_once_the_content_is_loaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parses and the documents' bytes are let go of before the scoring checks
    run (the bytes were held to the build's end, the parses to after the checks)."""
    builds: list[Any] = []
    held: list[tuple[int, int]] = []
    run, scoring = mkdocs_plugin.run, pipeline.scoring_diagnostics

    def started(*args: Any, **kwargs: Any) -> Any:
        builds.append(run(*args, **kwargs))
        return builds[-1]

    def scored(*args: Any, **kwargs: Any) -> Any:
        build = builds[-1]
        held.append((len(build.parse_cache.memory),
                     sum(len(raw) for _, _, _, raw, _ in build.snapshot.entries)))
        return scoring(*args, **kwargs)

    monkeypatch.setattr(mkdocs_plugin, "run", started)
    monkeypatch.setattr(pipeline, "scoring_diagnostics", scored)
    build_site(tmp_path, DEMO_CONTENT)
    assert held == [(0, 0)]
