"""The cyclic collector during a build (okrsite.gcpolicy): a site build's data, once
built, is out of the collector's reach (frozen) for the rest of the build, so full
collections do not walk the whole model again and again; nothing stays frozen after
a build, however it ends, so a serve session's garbage is still collected."""

from __future__ import annotations

import gc
import zlib
from pathlib import Path
from typing import Any

import pytest
from helpers.sites import FIXTURE_SITES, prepare_site, run_build
from mkdocs.exceptions import Abort

from okrsite import forking, gcpolicy
from okrsite.mkdocs_plugin import background, plugin

MINIMAL = FIXTURE_SITES / "minimal" / "content"


class Tree:  # tracked by the collector, as the model's objects are
    pass


def _tracked(obj: object) -> bool:
    """Whether a collection would walk obj (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_what_a_pause_builds_during_a_build_is_frozen_until_the_build_ends() -> None:
    with gcpolicy.build():
        with gcpolicy.paused():
            model = [Tree() for _ in range(3)]
        assert not _tracked(model)
        later = [Tree()]  # built outside a pause: the collector's as usual
        assert _tracked(later)
    assert _tracked(model) and gc.get_freeze_count() == 0


def test_outside_a_build_a_pause_freezes_nothing() -> None:
    with gcpolicy.paused():
        model = [Tree()]
    assert _tracked(model) and gc.get_freeze_count() == 0


def test_the_render_workers_freeze_ends_with_the_build_not_before() -> None:
    with gcpolicy.build():
        shared = [Tree()]  # the model as the workers are forked
        with gcpolicy.frozen():
            assert not _tracked(shared)
        assert not _tracked(shared)  # the build still holds it
    assert _tracked(shared) and gc.get_freeze_count() == 0
    alone = [Tree()]
    with gcpolicy.frozen():
        assert not _tracked(alone)
    assert _tracked(alone) and gc.get_freeze_count() == 0


def test_the_background_search_process_leaves_the_build_frozen(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "workers_for", lambda _: 2)  # fork for one page
    with gcpolicy.build():
        with gcpolicy.paused():
            model = [Tree()]
        started = background.Background.start([("a.md", zlib.compress(b"<p>Hi</p>"), False)])
        assert started is not None
        assert not _tracked(model)  # forking it did not hand the model back
        assert background.decode(started.take()["a.md"])[2]
    assert _tracked(model) and gc.get_freeze_count() == 0


def test_a_failing_build_leaves_nothing_frozen() -> None:
    with pytest.raises(RuntimeError), gcpolicy.build():
        with gcpolicy.paused():
            model = [Tree()]
        raise RuntimeError
    assert _tracked(model) and gc.get_freeze_count() == 0 and gc.isenabled()


def _spy_on_render(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the model (a unit's OKRs, built during the load's pause) is out of the
    collector's reach when the plugin starts rendering."""
    seen: list[bool] = []
    real = plugin.render_outputs

    def spy(build: Any, *args: object, **kwargs: object) -> object:
        seen.append(not _tracked(next(iter(build.content.okrs.values()))))
        return real(build, *args, **kwargs)

    monkeypatch.setattr(plugin, "render_outputs", spy)
    return seen


def test_an_mkdocs_build_freezes_the_model_and_unfreezes_at_the_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "MIN_PARALLEL", 10**9)  # no workers: their freeze is apart
    seen = _spy_on_render(monkeypatch)
    built = run_build(prepare_site(tmp_path, MINIMAL))
    assert (built.site / "index.html").is_file()
    assert seen == [True]
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_content_error_ends_the_build_with_nothing_frozen(tmp_path: Path) -> None:
    config = prepare_site(tmp_path, MINIMAL)
    unit = tmp_path / "content" / "periods" / "2026-Q1" / "acme.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace(
        "kpi: weekly-orders", "kpi: weekly-ordres", 1), encoding="utf-8")
    with pytest.raises(Abort):
        run_build(config, allowed=["OKR207", "error in the content"])
    assert gc.get_freeze_count() == 0 and gc.isenabled()
