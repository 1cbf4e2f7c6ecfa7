"""The plugin's settings and what `on_config` does to a site's configuration.

Whole builds are in test_plugin_build.py; these load configurations only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.sites import FIXTURE_SITES, prepare_site
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils.meta import get_data

from okrsite.mkdocs_plugin import OkrsitePlugin, page, plugin
from okrsite.mkdocs_plugin.nav import auto_nav
from okrsite.render.page import Page
from okrsite.scoring.base import Bands, ScoringSettings, StatusRule
from okrsite.settings import Options

MINIMAL = FIXTURE_SITES / "minimal" / "content"


def load_plugin(options: dict[str, Any], tmp_path: Path) -> tuple[OkrsitePlugin, list, list]:
    plugin = OkrsitePlugin()
    errors, warnings = plugin.load_config(options, config_file_path=str(tmp_path / "mkdocs.yml"))
    return plugin, errors, warnings


def configured(tmp_path: Path, extra: dict[str, Any] | None = None,
               okrsite: dict[str, Any] | None = None, command: str = "build") -> MkDocsConfig:
    """A site's config after every plugin's on_config, as `mkdocs build` runs it."""
    config = load_config(str(prepare_site(tmp_path, MINIMAL, extra, okrsite)))
    config.plugins.on_startup(command=command, dirty=False)
    return config.plugins.on_config(config)


# -- settings -------------------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    plugin, errors, warnings = load_plugin({}, tmp_path)
    assert (errors, warnings) == ([], [])
    assert plugin.config.options == Options()
    assert plugin.config.options.scoring == ScoringSettings()


def test_settings_map_onto_scoring_settings(tmp_path: Path) -> None:
    plugin, errors, _ = load_plugin({
        "bands": {"yellow_from": 0.3, "green_from": 0.8},
        "default_scorers": {"numeric": "ratio"},
        "expectations": {"committed": 0.9},
        "status": {"on_track_margin": 0.05, "at_risk_margin": 0.2},
        "stale_after_days": 30,
        "cascade_rollup": True,
    }, tmp_path)
    assert errors == []
    scoring = plugin.config.options.scoring
    assert scoring.bands == Bands(0.3, 0.8)
    assert dict(scoring.default_scorers) == {"numeric": "ratio"}
    assert dict(scoring.expectations) == {"committed": 0.9, "aspirational": 0.7}
    assert scoring.status == StatusRule(0.05, 0.2)
    assert scoring.stale_after_days == 30
    assert scoring.cascade is True


@pytest.mark.parametrize(("value", "expected"), [
    (date(2026, 11, 15), date(2026, 11, 15)),  # YAML reads a bare date as a date
    ("2026-11-15", date(2026, 11, 15)),  # quoted, or from !ENV
    ("", None),
    (None, None),
])
def test_as_of_accepts_a_date(tmp_path: Path, value: object, expected: date | None) -> None:
    plugin, errors, _ = load_plugin({"as_of": value}, tmp_path)
    assert errors == []
    assert plugin.config.options.as_of == expected


@pytest.mark.parametrize(("options", "key", "words"), [
    ({"as_of": "2026-13-01"}, "as_of", "not a calendar date"),
    ({"as_of": "15.11.2026"}, "as_of", "YYYY-MM-DD"),
    ({"as_of": 20261115}, "as_of", "YYYY-MM-DD"),
    ({"fiscal_year_start": 13}, "fiscal_year_start", "expected a month from 1 to 12, got 13"),
    ({"include_restricted": "yes"}, "include_restricted", "expected true or false, got 'yes'"),
    ({"bands": {"green_from": "high"}}, "bands.green_from", "expected a number, got 'high'"),
    ({"bands": {"yellow_from": 0.8, "green_from": 0.7}}, "bands", "yellow_from <= green_from"),
    ({"status": {"on_track_margin": 0.3, "at_risk_margin": 0.2}}, "status",
     "on_track_margin <= at_risk_margin"),
    ({"default_scorers": {"numeric": "no-such-scorer"}}, "default_scorers",
     "unknown scorer(s) no-such-scorer; known scorers: binary"),
    ({"default_scorers": {"numbers": "linear"}}, "default_scorers", "unknown key result kind"),
    ({"stale_after_days": 0}, "stale_after_days", "1 or more"),
    ({"content_dir": "no-such-dir"}, "content_dir", "no-such-dir is not a directory"),
])
def test_invalid_settings_name_the_option(tmp_path: Path, options: dict[str, Any], key: str,
                                          words: str) -> None:
    _, errors, _ = load_plugin(options, tmp_path)
    assert [k for k, _ in errors] == [key]
    assert words in str(errors[0][1])


def test_an_invalid_setting_fails_the_site_config(tmp_path: Path) -> None:
    from mkdocs.exceptions import Abort

    with pytest.raises(Abort):
        load_config(str(prepare_site(tmp_path, MINIMAL, okrsite={"fiscal_year_start": 0})))


def test_unknown_option_is_a_warning(tmp_path: Path) -> None:
    _, errors, warnings = load_plugin({"include_restriced": True}, tmp_path)
    assert errors == []
    assert [k for k, _ in warnings] == ["include_restriced"]


# -- on_config ------------------------------------------------------------------------------


def test_the_authors_markdown_extensions_are_left_alone(tmp_path: Path) -> None:
    """Generated pages are HTML already: the plugin needs no Markdown extension."""
    wanted = ["markdown.extensions.admonition", {"toc": {"permalink": True}}, "footnotes"]
    config = configured(tmp_path, {"markdown_extensions": wanted})
    before = load_config(str(prepare_site(tmp_path / "plain", MINIMAL,
                                          {"markdown_extensions": wanted})))
    assert config.markdown_extensions == before.markdown_extensions
    assert "md_in_html" not in config.markdown_extensions
    assert config.mdx_configs["toc"] == {"permalink": True}


def test_permalinks_are_written_as_the_toc_extension_writes_them(tmp_path: Path) -> None:
    config = configured(tmp_path, {"markdown_extensions": [{"toc": {
        "permalink": "&sect; <b>", "permalink_title": 'Link "here"', "permalink_class": "pl"}}]})
    link = page.permalink_of(config)
    assert link is not None
    body = page._with_permalinks('<h2 id="summary">Summary</h2><p>x</p>', link)
    assert body == ('<h2 id="summary">Summary<a class="pl" href="#summary" '
                    'title="Link &quot;here&quot;">&sect; &lt;b&gt;</a></h2><p>x</p>')
    plain = configured(tmp_path / "b", {"markdown_extensions": ["toc"]})
    assert page.permalink_of(plain) is None


def test_web_fonts_are_off_unless_the_author_chose_a_font(tmp_path: Path) -> None:
    assert configured(tmp_path / "a").theme["font"] is False
    chosen = {"text": "Inter", "code": "JetBrains Mono"}
    config = configured(tmp_path / "b", {"theme": {"name": "material", "font": chosen}})
    assert config.theme["font"] == chosen


def test_templates_come_after_custom_dir_and_before_the_theme(tmp_path: Path) -> None:
    custom = tmp_path / "overrides"
    custom.mkdir()
    config = configured(tmp_path, {"theme": {"name": "material", "custom_dir": str(custom)}})
    dirs = config.theme.dirs
    if not plugin.TEMPLATES_DIR.is_dir():
        pytest.skip("the package ships no templates")
    ours = dirs.index(str(plugin.TEMPLATES_DIR))
    assert dirs[ours - 1] == str(custom)
    assert "material" in Path(dirs[ours + 1]).parts


def test_assets_are_linked_once(tmp_path: Path) -> None:
    config = configured(tmp_path, {"extra_css": ["brand.css"]})
    assets = sorted(p.name for p in plugin.ASSETS_DIR.glob("*.*"))
    for name in assets:
        uri = plugin.ASSETS_URI + name
        links = [*config.extra_css, *map(str, config.extra_javascript)]
        assert links.count(uri) == (1 if name.endswith((".css", ".js")) else 0)
    if any(n.endswith(".css") for n in assets):
        # okrsite.css comes first, so the author's stylesheets override it
        assert config.extra_css[-1] == "brand.css"
    config = config.plugins.on_config(config)  # a second run changes nothing
    assert len(config.extra_css) == 1 + sum(n.endswith(".css") for n in assets)


def test_serve_watches_a_content_dir_outside_the_docs(tmp_path: Path) -> None:
    outside = tmp_path / "okrs"
    outside.mkdir()
    config = configured(tmp_path, okrsite={"content_dir": str(outside)}, command="serve")
    assert str(outside.resolve()) in config.watch
    config = configured(tmp_path / "x", okrsite={"content_dir": str(outside)})
    assert str(outside.resolve()) not in config.watch  # `build` watches nothing


def test_one_parse_cache_per_session(tmp_path: Path) -> None:
    first = configured(tmp_path).plugins["okrsite"]
    cache = first.parse_cache
    assert cache is not None and cache.directory == (tmp_path / ".cache" / "okrsite").resolve()
    again = configured(tmp_path).plugins["okrsite"]  # `serve` reloads the config per rebuild
    assert again is first and again.parse_cache is cache


def test_a_cache_dir_inside_the_content_is_not_used(tmp_path: Path) -> None:
    config = configured(tmp_path, okrsite={"cache_dir": "content/.cache"})
    assert config.plugins["okrsite"].parse_cache.directory is None


def test_cache_dir_empty_means_memory_only(tmp_path: Path) -> None:
    config = configured(tmp_path, okrsite={"cache_dir": ""})
    assert config.plugins["okrsite"].parse_cache.directory is None


# -- pages and navigation -------------------------------------------------------------------


def test_page_meta_becomes_front_matter() -> None:
    page = Page("periods/2026-Q4/index.md", "2026-Q4: Ünits & \"quotes\"",
                "<h1>Heading</h1>\n<p>Body</p>\n",
                {"description": "Q4 of 2026", "hide": ["toc"], "search": {"boost": 2}})
    body, meta = get_data(page.source())
    assert meta == {"title": "2026-Q4: Ünits & \"quotes\"", "description": "Q4 of 2026",
                    "hide": ["toc"], "search": {"boost": 2}}
    assert body == "<h1>Heading</h1>\n<p>Body</p>\n"


def test_meta_title_wins_over_page_title() -> None:
    _, meta = get_data(Page("a.md", "Long title", "x", {"title": "Short"}).source())
    assert meta["title"] == "Short"


def _files(tmp_path: Path, paths: dict[str, InclusionLevel]) -> Files:
    return Files([File(p, src_dir=str(tmp_path), dest_dir=str(tmp_path / "site"),
                       use_directory_urls=True, inclusion=i) for p, i in paths.items()])


def test_auto_nav_puts_generated_pages_first_in_the_renderers_order(tmp_path: Path) -> None:
    pages = [
        Page("index.md", "Home", "", in_nav=True),
        Page("periods/index.md", "Periods", "", in_nav=True),
        Page("periods/2026-Q4/index.md", "2026-Q4", "", in_nav=True),
        Page("periods/2026-Q4/sales.md", "Sales", "", in_nav=False),
        Page("cascade.md", "Cascade", "", in_nav=True),
        Page("kpis/index.md", "KPIs", "", in_nav=True),
        Page("kpis/nps.md", "NPS", "", in_nav=True),
    ]
    included, hidden = InclusionLevel.UNDEFINED, InclusionLevel.NOT_IN_NAV
    files = _files(tmp_path, {
        "guide/settings.md": included, "guide/index.md": included, "about.md": included,
        **{p.path: included if p.in_nav else hidden for p in pages}})
    assert auto_nav(pages, files) == [
        "index.md",
        {"Periods": ["periods/index.md", "periods/2026-Q4/index.md"]},
        "cascade.md",
        {"KPIs": ["kpis/index.md", "kpis/nps.md"]},
        {"Guide": ["guide/index.md", "guide/settings.md"]},
        "about.md",
    ]


def test_front_matter_is_yaml_safe() -> None:
    source = Page("a.md", "a: b", "x", {"tags": ["!x", "*y"]}).source()
    assert yaml.safe_load(source.split("---")[1]) == {"title": "a: b", "tags": ["!x", "*y"]}
