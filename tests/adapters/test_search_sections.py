"""okrsite's search sections (okrsite/mkdocs_plugin/search.py) are the ones Material's
search parser makes, for every page of the demo and for HTML written to find the
corners of the parser's rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers.checkkit import render_content
from helpers.sites import DEMO_CONTENT
from material.plugins.search.plugin import Parser

from okrsite.mkdocs_plugin import search
from okrsite.pipeline import load_content
from okrsite.render.page import searchable
from okrsite.settings import Settings


def _theirs(text: str) -> list[tuple[Any, ...]]:
    parser = Parser()
    parser.feed(text)
    parser.close()
    return [_shape(s) for s in parser.data]


def _ours(text: str) -> list[tuple[Any, ...]] | None:
    made = search._sections(text)
    return None if made is None else [_shape(s) for s in made]


def _shape(section: Any) -> tuple[Any, ...]:
    return (section.el.tag, section.el.attrs, section.id, section.depth, section.title,
            section.text, section.is_excluded())


CORNERS = [
    "",
    "plain text only",
    "<h1>Title</h1>\n<p>One &amp; two &lt;three&gt;</p>",
    '<h2 id="a">A</h2><p></p><p>  </p><p>kept</p>',
    '<p>before</p><h3 id="b">B &quot;q&quot;</h3>\n\n  <ul>\n<li>x</li>\n<li> </li></ul>',
    '<h2 id="c">C</h2><pre><code>line 1\n\n  line 2</code></pre> after',
    '<h2 id="d">D<code>x</code></h2><h2>no id</h2><p>text</p><h1 id="e">E</h1>t',
    '<ol><li><p>nested</p></li></ol></p></li><p class="okr-meta" data-x="1">m</p>',
    '<h4 id="f">F</h4><p>a\nb</p>\n \n<p><code></code></p>',
    '<pre>a<p> </p>\n<p> </p>\n<p>b</p></pre><p> </p>\n<p> </p>\n',  # blanks kept in <pre>
]


@pytest.mark.parametrize("text", CORNERS)
def test_the_sections_of_crafted_html_are_material_s(text: str) -> None:
    assert _ours(text) == _theirs(text)


@pytest.mark.parametrize("text", ['<p data-search-exclude>x</p>', "a < b",
                                  '<div class="linenodiv">1</div>', "<script>x</script>"])
def test_html_the_parser_treats_specially_is_left_to_it(text: str) -> None:
    assert _ours(text) is None
    assert [_shape(s) for s in search.sections(text)] == _theirs(text)


def test_the_sections_of_every_demo_page_are_material_s() -> None:
    loaded = load_content(DEMO_CONTENT)
    settings = Settings(content_dir=DEMO_CONTENT, as_of=date(2026, 11, 20))
    pages = render_content(loaded.content, settings)
    assert len(pages) > 100
    for page in pages:
        text = searchable(page.html)
        assert _ours(text) == _theirs(text), page.path
