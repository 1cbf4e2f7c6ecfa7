"""Raw HTML blocks are lifted out of Markdown conversion without changing any page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import markdown
import pytest

from okrsite.pipeline import load_content
from okrsite.render import render_content
from okrsite.render.page import lift_raw_blocks
from okrsite.settings import Settings

REPO = Path(__file__).parent.parent
EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "toc", "pymdownx.details"]


@pytest.fixture(scope="module")
def demo_pages():
    content = load_content(REPO / "content").content
    return render_content(content, Settings(REPO / "content", date(2026, 11, 20)))


def test_lifting_changes_no_page(demo_pages):
    md = markdown.Markdown(extensions=EXTENSIONS)
    lifted_any = 0
    for page in demo_pages:
        md.reset()
        whole = md.convert(page.markdown)
        lifted = lift_raw_blocks(page.markdown)
        lifted_any += len(lifted.blocks)
        md.reset()
        html = lifted.restore(lifted.restore(md.convert(lifted.skeleton), heavy=False),
                              heavy=True)
        assert html == whole, page.path
    assert lifted_any > 100  # charts, data tables and fields really were lifted


def test_only_self_contained_blocks_are_lifted():
    text = ('<div class="a">\nx\n</div>\n\n<details markdown>\n<summary>s</summary>\n\n'
            '**bold**\n\n</details>\n\n<div class="open">\nno end\n\n</div>')
    lifted = lift_raw_blocks(text)
    assert lifted.blocks == ('<div class="a">\nx\n</div>',)
    assert "**bold**" in lifted.skeleton and "no end" in lifted.skeleton


def test_search_index_has_words_but_no_charts(demo_site):
    index = json.loads((demo_site.site / "search" / "search_index.json").read_text())
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "<svg" not in text and "okr-chart" not in text
    # an objective description (a lifted field block) is still searchable
    assert "Customers say support is slow and unclear" in text
