"""The cyclic garbage collector during a build: the one module that switches it.

A build's data (parse results, the model, the checks, the scores) are trees: reference
counting frees them, the cyclic collector finds nothing in them. But they are millions
of objects, and every full collection walks all of them (at 5,000 pages, a second or
more each), so the collector's cost grows faster than the site. Three tools:

- `paused()`: the collector is off while a content's data is built (nested and
  concurrent pauses end together; the collector resumes only if it was on);
- `build()`: for the length of a site build, whatever a pause built is then frozen
  (`gc.freeze`: out of the collector's reach) instead of handed to the collector
  all at once; at the end of the outermost build everything frozen is unfrozen, so
  garbage the build left is collected as before (`mkdocs serve` builds again and
  again in one process);
- `frozen()`: everything alive now is frozen for a while (forked render workers share
  the model: frozen, their collectors never touch, and so never copy, its memory);
  unfrozen at its end unless a `build()` is still under way.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0  # paused() under way
_was_on = False  # whether the collector ran when the first of them began
_holds = 0  # build() and frozen() under way: gc.unfreeze() when the last ends
_builds = 0  # build() under way


@contextmanager
def paused() -> Iterator[None]:
    """Hold the collector off while a content's data is built (see the module)."""
    global _pauses, _was_on
    with _lock:
        if _pauses == 0:
            _was_on = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0:
                if _builds:  # what the pause built lives as long as the build
                    gc.freeze()
                if _was_on:
                    gc.enable()


@contextmanager
def frozen() -> Iterator[None]:
    """Everything alive now out of the collector's reach until the last hold ends."""
    _hold()
    try:
        yield
    finally:
        _release()


@contextmanager
def build() -> Iterator[None]:
    """One site build: what a pause builds meanwhile is frozen (see the module)."""
    global _builds
    with _lock:
        _builds += 1
    _hold()
    try:
        yield
    finally:
        with _lock:
            _builds -= 1
        _release()


def _hold() -> None:
    global _holds
    with _lock:
        _holds += 1
        gc.freeze()


def _release() -> None:
    global _holds
    with _lock:
        _holds -= 1
        if _holds == 0:
            gc.unfreeze()
