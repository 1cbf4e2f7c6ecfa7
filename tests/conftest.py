"""Shared fixtures: the demo site built once per session, the demo's config, and a
clean SOURCE_DATE_EPOCH. The helpers they use are in tests/helpers/sites.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers.sites import DEMO_CONTENT, Built, build_site, demo_mkdocs_config


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The demo (content/) built once for the session, as of DEMO_AS_OF, public only."""
    return build_site(tmp_path_factory.mktemp("demo"), DEMO_CONTENT,
                      demo_mkdocs_config(), okrsite={"include_restricted": False})


@pytest.fixture
def demo_config() -> dict[str, Any]:
    return demo_mkdocs_config()


@pytest.fixture
def no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield
