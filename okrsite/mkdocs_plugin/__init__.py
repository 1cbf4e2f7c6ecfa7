"""The MkDocs adapter: the only part of okrsite that imports `mkdocs`.

It translates between MkDocs and the core's `Build` (okrsite.pipeline): the plugin
block becomes `Settings` (validated by okrsite.settings), a build is checked and
rendered by the core, and its pages are handed to MkDocs as generated files. No
loading, scoring or rendering happens here, so `okrsite render --out DIR` writes the
same pages for another site generator.

    plugins:
      - search
      - okrsite:
          as_of: 2026-11-15

    config.py   the plugin's Config: the block, validated by the core
    plugin.py   the hooks, each with one job and its priority documented
    page.py     GeneratedPage: a core page handed to MkDocs without a Markdown pass
    shell.py    the theme's template run once per page shape, filled in per page
    search.py   generated pages' search entries handed to Material's search plugin
    nav.py      the navigation when mkdocs.yml has none
    staging.py  build into a staging directory; swap in only a finished site

Every setting and its default is documented in content/guide/settings.md.
"""

from okrsite.mkdocs_plugin.plugin import OkrsitePlugin

__all__ = ["OkrsitePlugin"]
