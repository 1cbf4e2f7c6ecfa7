"""Settings: the `okrsite` block of `mkdocs.yml`, read and validated by the core.

The MkDocs plugin and every CLI command take their settings from here, so they
validate the same way, report the same messages and compute the same numbers.
MkDocs itself is never imported: a company can read its settings (and build its
pages) with another generator.

    config = read_config(Path("mkdocs.yml"))     # SiteConfig; raises SettingsError
    options = parse_options({"bands": {...}})     # Options; raises SettingsError

Every option and its default is documented in content/guide/settings.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from okrsite.errors import OkrsiteError
from okrsite.scoring.base import DEFAULT_SETTINGS, Bands, ScoringSettings, StatusRule

CONFIG_FILE = "mkdocs.yml"
PLUGIN_NAME = "okrsite"


class SettingsError(OkrsiteError):
    """A setting that cannot be used: names the option and, from a file, where it is."""

    def __init__(self, problems: list[tuple[str, str]], file: Path | None = None) -> None:
        self.problems = problems  # (option, message), e.g. ("bands", "bands need ...")
        self.file = file
        where = f"{file}: " if file is not None else ""
        super().__init__("; ".join(f"{where}plugins: okrsite: {key}: {message}"
                                   for key, message in problems))


@dataclass(frozen=True)
class Options:
    """The plugin block's values, validated. Paths are as written (relative to the
    config file); `Settings` is what a build runs with."""

    content_dir: str | None = None  # default: the docs_dir
    as_of: date | None = None  # default: SOURCE_DATE_EPOCH, then git, then the content
    fiscal_year_start: int = 1
    include_restricted: bool = False
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    history: bool = True
    cache_dir: str = ".cache/okrsite"  # "" keeps the parse cache in memory only
    downloads: tuple[str, ...] = ()  # docs files to publish as they are (okrsite.publish)


@dataclass(frozen=True)
class Settings:
    """What one build runs with (okrsite.pipeline.build)."""

    content_dir: Path
    as_of: date | None = None  # None: resolved by the build (okrsite.asof)
    fiscal_year_start: int = 1  # month 1..12
    include_restricted: bool = False  # an internal build shows restricted items
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    cache_dir: Path | None = None  # parse cache; never inside content_dir
    history: bool = True  # read git history for change logs and audit pages
    # Links between pages: `a/b/` (MkDocs' use_directory_urls, the default) or `a/b.html`.
    directory_urls: bool = True
    # The config file's directory: cache keys (`key`) take the paths relative to it.
    base: Path | None = field(default=None, repr=False)

    def but(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def key(self) -> str:
        """The settings as a cache key takes them. content_dir and cache_dir are
        relative to the config file's directory (without one, absolute as they are), so
        a checkout at another path, as a CI runner makes in its own workspace, finds
        what one here stored; a directory that moves relative to the config file still
        changes the key."""
        cache_dir = None if self.cache_dir is None else self.keyed(self.cache_dir)
        return repr(self.but(content_dir=self.keyed(self.content_dir), cache_dir=cache_dir))

    def keyed(self, path: Path) -> Path:
        """`path` as a cache key names it: from the config file's directory (`../x`
        when outside it); absolute without a config file."""
        if self.base is None:
            return path
        try:
            return Path(os.path.relpath(path, self.base))
        except ValueError:  # another drive on Windows: no relative path, absolute it stays
            return path


@dataclass(frozen=True)
class SiteConfig:
    """What okrsite reads of a `mkdocs.yml`: its okrsite block and the MkDocs settings
    the pages depend on."""

    file: Path | None  # None: no config file, every default
    options: Options
    docs_dir: Path
    directory_urls: bool = True
    enabled: bool = True  # the okrsite plugin is listed in `plugins`

    @property
    def base(self) -> Path:
        return self.file.parent if self.file is not None else Path.cwd()

    @property
    def content_dir(self) -> Path:
        if self.options.content_dir:
            return (self.base / self.options.content_dir).resolve()
        return self.docs_dir

    @property
    def cache_dir(self) -> Path | None:
        """The parse cache's folder, unless it is unset or would be published."""
        if not self.options.cache_dir or os.environ.get("OKRSITE_NO_CACHE"):
            return None
        directory = (self.base / self.options.cache_dir).resolve()
        if directory.is_relative_to(self.content_dir) or directory.is_relative_to(self.docs_dir):
            return None
        return directory

    def settings(self) -> Settings:
        o = self.options
        return Settings(self.content_dir, o.as_of, o.fiscal_year_start, o.include_restricted,
                        o.scoring, self.cache_dir, o.history, self.directory_urls,
                        self.base.resolve() if self.file is not None else None)


# -- the options ----------------------------------------------------------------------------


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"expected true or false, got {value!r}")


def _number(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"expected a number, got {value!r}")


def _whole(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected a whole number, got {value!r}")


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"expected text, got {value!r}")


def _month(value: object) -> int:
    month = _whole(value)
    if not 1 <= month <= 12:
        raise ValueError(f"expected a month from 1 to 12, got {month}")
    return month


def _days(value: object) -> int:
    days = _whole(value)
    if days < 1:
        raise ValueError("must be 1 or more days")
    return days


def _date(value: object) -> date | None:
    from okrsite.asof import AsOfError, parse_date

    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except AsOfError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")


def _patterns(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"expected a list of file patterns (like files/*.pdf), got {value!r}")


def _scorer_names(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a mapping of key result kind to scorer name, got {value!r}")
    return {str(k): _text(v) for k, v in value.items()}


# option -> (parse, default); sub-options are written `group.name`.
_SIMPLE: dict[str, tuple[Callable[[object], Any], Any]] = {
    "content_dir": (lambda v: _text(v) or None, None),
    "as_of": (_date, None),
    "fiscal_year_start": (_month, 1),
    "include_restricted": (_bool, False),
    "default_scorers": (_scorer_names, {}),
    "stale_after_days": (_days, DEFAULT_SETTINGS.stale_after_days),
    "cascade_rollup": (_bool, DEFAULT_SETTINGS.cascade),
    "history": (_bool, True),
    "cache_dir": (_text, ".cache/okrsite"),
    "downloads": (_patterns, ()),
}
_GROUPS: dict[str, dict[str, float]] = {
    "bands": {"yellow_from": DEFAULT_SETTINGS.bands.yellow_from,
              "green_from": DEFAULT_SETTINGS.bands.green_from},
    "expectations": {"committed": DEFAULT_SETTINGS.expectation("committed"),
                     "aspirational": DEFAULT_SETTINGS.expectation("aspirational")},
    "status": {"on_track_margin": DEFAULT_SETTINGS.status.on_track_margin,
               "at_risk_margin": DEFAULT_SETTINGS.status.at_risk_margin},
}
OPTION_NAMES = (*_SIMPLE, *_GROUPS)


def parse_options(raw: Mapping[str, Any] | None, base: Path | None = None,
                  known_scorers: tuple[str, ...] | None = None
                  ) -> tuple[Options, list[tuple[str, str]]]:
    """The plugin block as `Options`, and its warnings (unknown names). Raises
    `SettingsError` naming every option that is wrong. `base` is the config file's
    folder, which `content_dir` is relative to; `known_scorers` defaults to the
    installed scorers (okrsite.scoring.registry)."""
    raw = dict(raw or {})
    problems: list[tuple[str, str]] = []
    warnings = [(key, f"Unrecognised configuration name: {key}")
                for key in raw if key not in OPTION_NAMES and key != "enabled"]
    values: dict[str, Any] = {}
    for key, (parse, default) in _SIMPLE.items():
        try:
            values[key] = parse(raw[key]) if key in raw and raw[key] is not None else default
        except ValueError as exc:
            problems.append((key, str(exc)))
    groups: dict[str, dict[str, float]] = {}
    for group, defaults in _GROUPS.items():
        given = raw.get(group) or {}
        if not isinstance(given, Mapping):
            problems.append((group, f"expected a mapping of {', '.join(defaults)}, got {given!r}"))
            given = {}
        warnings += [(f"{group}.{k}", f"Unrecognised configuration name: {group}.{k}")
                     for k in given if k not in defaults]
        groups[group] = dict(defaults)
        for name in defaults:
            if name in given:
                try:
                    groups[group][name] = _number(given[name])
                except ValueError as exc:
                    problems.append((f"{group}.{name}", str(exc)))
    content_dir = values.get("content_dir")
    if content_dir and base is not None and not (base / content_dir).is_dir():
        problems.append(("content_dir", f"{content_dir} is not a directory (relative to "
                                        f"{base})"))
    if problems:
        raise SettingsError(problems)
    scoring = _scoring(values, groups, known_scorers, problems)
    if problems:
        raise SettingsError(problems)
    assert scoring is not None
    return Options(values["content_dir"], values["as_of"], values["fiscal_year_start"],
                   values["include_restricted"], scoring, values["history"],
                   values["cache_dir"], values["downloads"]), warnings


def _scoring(values: dict[str, Any], groups: dict[str, dict[str, float]],
             known_scorers: tuple[str, ...] | None,
             problems: list[tuple[str, str]]) -> ScoringSettings | None:
    """The scoring options together: what only makes sense in combination (band
    order, margin order, scorer names), reported against the option to fix."""
    try:
        bands = Bands(**groups["bands"])
    except ValueError as exc:
        problems.append(("bands", str(exc)))
    try:
        status = StatusRule(**groups["status"])
    except ValueError as exc:
        problems.append(("status", str(exc)))
    scorers = values["default_scorers"]
    if known_scorers is None:
        from okrsite.scoring.registry import ScorerRegistry

        known_scorers = tuple(ScorerRegistry.discover().names())
    unknown = sorted(set(scorers.values()) - set(known_scorers))
    if unknown:
        problems.append(("default_scorers", f"unknown scorer(s) {', '.join(unknown)}; known "
                                            f"scorers: {', '.join(known_scorers)}"))
    if problems:
        return None
    try:
        return ScoringSettings(default_scorers=scorers, bands=bands,
                               expectations=groups["expectations"], status=status,
                               stale_after_days=values["stale_after_days"],
                               cascade=values["cascade_rollup"])
    except ValueError as exc:
        problems.append(("default_scorers", str(exc)))
        return None


# -- mkdocs.yml -----------------------------------------------------------------------------


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml as MkDocs reads it, for the parts okrsite needs: `!ENV` is resolved,
    `!relative` is a path, and other tags (`!!python/name:` in Material's emoji
    setup) are read as nothing, since no okrsite setting can use them."""


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    # !ENV NAME, or !ENV [NAME, OTHER, default]: the first variable set, else the default.
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        items = loader.construct_sequence(node)  # type: ignore[arg-type]
        names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    for name in names:
        if isinstance(name, str) and name in os.environ:
            return yaml.safe_load(os.environ[name]) if os.environ[name] else ""
    return default


def _other_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node) if suffix == "relative" else None
    return None


_ConfigLoader.add_constructor("!ENV", _env_tag)
_ConfigLoader.add_multi_constructor("!", _other_tag)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", _other_tag)


def _load_yaml(file: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's mapping, with `INHERIT:` parents merged under it as MkDocs does."""
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_ConfigLoader)
    except OSError as exc:
        raise SettingsError([("config", f"cannot read the file: {exc.strerror}")], file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SettingsError([("config", f"not valid YAML{where}: "
                                        f"{getattr(exc, 'problem', exc)}")], file) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError([("config", "expected a mapping of settings")], file)
    parent = data.pop("INHERIT", None)
    if isinstance(parent, str):
        parent_file = (file.parent / parent).resolve()
        if parent_file in seen:
            raise SettingsError([("INHERIT", f"{parent} inherits from itself")], file)
        data = _merge(_load_yaml(parent_file, (*seen, parent_file)), data)
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def plugin_block(plugins: object) -> tuple[bool, dict[str, Any]]:
    """(listed, options) of the okrsite plugin in a `plugins:` value: a list of names
    and `{name: options}` items, or a mapping of name to options."""
    items: list[tuple[object, object]] = []
    if isinstance(plugins, dict):
        items = list(plugins.items())
    elif isinstance(plugins, list):
        for item in plugins:
            if isinstance(item, dict):
                items += list(item.items())
            else:
                items.append((item, None))
    for name, options in items:
        if name == PLUGIN_NAME:
            return True, dict(options) if isinstance(options, dict) else {}
    return False, {}


def read_config(file: Path | None, known_scorers: tuple[str, ...] | None = None
                ) -> tuple[SiteConfig, list[tuple[str, str]]]:
    """The settings in a `mkdocs.yml` (None: no file, every default), with warnings."""
    if file is None:
        return SiteConfig(None, Options(), (Path.cwd() / "content").resolve()), []
    file = file.resolve()
    data = _load_yaml(file)
    listed, block = plugin_block(data.get("plugins"))
    try:
        options, warnings = parse_options(block, file.parent, known_scorers)
    except SettingsError as exc:
        raise SettingsError(exc.problems, file) from None
    docs_dir = data.get("docs_dir") or "docs"
    directory_urls = data.get("use_directory_urls", True)
    return SiteConfig(file, options, (file.parent / str(docs_dir)).resolve(),
                      directory_urls is not False, listed), warnings
