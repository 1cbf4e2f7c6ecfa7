"""Real `mkdocs build`s of a content directory in tmp_path.

`build_site` runs MkDocs through its API (load_config + build) the way the
`mkdocs build` command does, with the plugin's startup and shutdown events, and
captures every record of the `mkdocs` logger. A WARNING or ERROR that the test
did not declare fails the test: a site that builds with warnings is broken.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO_CONTENT = REPO / "content"
FIXTURE_SITES = REPO / "tests" / "fixtures" / "sites"
DEMO_AS_OF = "2026-11-20"


@dataclass
class Built:
    """A finished build: where it is and what MkDocs logged."""

    root: Path  # holds mkdocs.yml, content/ and site/
    records: list[logging.LogRecord] = field(default_factory=list)

    @property
    def site(self) -> Path:
        return self.root / "site"

    def html(self, url_path: str = "") -> str:
        """The HTML of a page by its URL path, e.g. "" or "periods/2026-Q4/"."""
        return (self.site / url_path / "index.html").read_text(encoding="utf-8")

    def messages(self, level: int = logging.INFO) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def site_config(extra_config: dict[str, Any] | None = None,
                okrsite: dict[str, Any] | None = None) -> dict[str, Any]:
    """The mkdocs.yml of a test site: Material, search and okrsite as of DEMO_AS_OF,
    merged with extra_config; `okrsite` options go over the plugin's (None removes one)."""
    cfg: dict[str, Any] = {
        "site_name": "Test OKRs",
        "docs_dir": "content",
        "site_dir": "site",
        "theme": {"name": "material"},
        "plugins": ["search", "okrsite"],
    }
    cfg = _merge(cfg, extra_config or {})
    plugins = []
    for plugin in cfg["plugins"]:
        name = plugin if isinstance(plugin, str) else next(iter(plugin))
        if name == "okrsite":
            options = {"as_of": DEMO_AS_OF, **(plugin[name] if isinstance(plugin, dict) else {}),
                       **(okrsite or {})}
            plugin = {name: {k: v for k, v in options.items() if v is not None}}
        plugins.append(plugin)
    cfg["plugins"] = plugins
    return cfg


def prepare_site(root: Path, content_dir: Path, extra_config: dict[str, Any] | None = None,
                 okrsite: dict[str, Any] | None = None) -> Path:
    """Copy the content into root/content (nothing writes into the repository) and
    write root/mkdocs.yml. Returns the config file."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "content").exists():
        shutil.copytree(content_dir, root / "content")
    config_file = root / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(site_config(extra_config, okrsite), sort_keys=False),
                           encoding="utf-8")
    return config_file


def run_build(config_file: Path, *, command: str = "build",
              allowed: Iterable[str] = (), strict: bool = False) -> Built:
    """`mkdocs build` of config_file through the API; raises what MkDocs raises
    (click's Abort for a failed build). Fails on unexpected warnings."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    capture = _Capture()
    logger = logging.getLogger("mkdocs")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(capture)
    built = Built(config_file.parent, capture.records)
    try:
        config = load_config(str(config_file), strict=strict)
        config.plugins.on_startup(command=command, dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    finally:
        logger.removeHandler(capture)
        logger.setLevel(old_level)
    assert_no_unexpected_warnings(built.records, allowed)
    return built


def assert_no_unexpected_warnings(records: list[logging.LogRecord],
                                  allowed: Iterable[str] = ()) -> None:
    patterns = [re.compile(p) for p in allowed]
    unexpected = [r.getMessage() for r in records if r.levelno >= logging.WARNING
                  and not any(p.search(r.getMessage()) for p in patterns)]
    assert not unexpected, "unexpected MkDocs warnings:\n" + "\n".join(unexpected)


def build_site(tmp_path: Path, content_dir: Path, extra_config: dict[str, Any] | None = None,
               *, okrsite: dict[str, Any] | None = None, allowed: Iterable[str] = (),
               command: str = "build") -> Built:
    """Build a site from a copy of content_dir in tmp_path; see `site_config`."""
    config_file = prepare_site(tmp_path, content_dir, extra_config, okrsite)
    return run_build(config_file, command=command, allowed=allowed)


def site_files(site: Path) -> dict[str, bytes]:
    """Every output file by its path relative to the site, with its bytes."""
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def demo_mkdocs_config() -> dict[str, Any]:
    """This repository's own mkdocs.yml (theme, custom_dir, extensions), moved to tmp."""
    cfg = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    cfg["theme"]["custom_dir"] = str(REPO / "theme")
    cfg["docs_dir"], cfg["site_dir"] = "content", "site"
    return cfg


# A check-in of the demo's active quarter (periods/2026-Q4/onboarding.yaml), and the
# same check-in edited, with a note: the edit a CI rebuild or a serve save is tested with.
DEMO_CHECK_IN = "{date: 2026-11-20, value: 8, confidence: 0.6}"
DEMO_CHECK_IN_EDITED = "{date: 2026-11-20, value: 7.5, confidence: 0.6, note: Slower week}"


def quiet_mkdocs() -> Iterator[None]:
    """MkDocs' log at ERROR while a test runs (the body of an autouse fixture)."""
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    yield
    logging.getLogger("mkdocs").setLevel(logging.NOTSET)


def count_pools(monkeypatch: Any) -> list[int]:
    """A list that gains an item each time the render pool starts its workers."""
    from okrsite.render import pool

    started: list[int] = []
    real_pool = pool._pooled

    def counted(*args: object) -> object:
        started.append(1)
        return real_pool(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pool, "_pooled", counted)
    return started


def git_as_priya(root: Path, *args: str, when: str = "2026-11-10T10:00:00") -> None:
    """git in root as one author and committer (Priya Raman), dated `when`."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "Priya Raman", "GIT_AUTHOR_EMAIL": "p@example.com",
           "GIT_COMMITTER_NAME": "Priya Raman", "GIT_COMMITTER_EMAIL": "p@example.com",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=root, env=env,
                   check=True, capture_output=True)


def fresh_process_build(config_file: Path) -> tuple[Any, dict[str, bytes]]:
    """One `mkdocs build` as a new CI process runs it (site_dir emptied first): the
    okrsite plugin, for what it did, and the site's files."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    plugin = config.plugins["okrsite"]
    site = Path(config.site_dir)
    shutil.rmtree(site, ignore_errors=True)
    build(config)
    config.plugins.on_shutdown()
    return plugin, site_files(site)
