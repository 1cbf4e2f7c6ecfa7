"""What a generated page's HTML keeps of what only the build reads: nothing. The search
markers the renderer puts on table columns and repeated blocks are read for the index
and left out of the page; an inline `<svg>` has no `xmlns` (HTML implies it)."""

from __future__ import annotations

import html
import json

from helpers.sites import Built


def _index_text(site: Built, prefix: str) -> str:
    index = json.loads((site.site / "search" / "search_index.json").read_text("utf-8"))
    return html.unescape(" ".join(d["title"] + " " + d["text"] for d in index["docs"]
                                  if d["location"].startswith(prefix)))


def test_a_unit_page_is_written_without_search_markers_or_svg_namespaces(
        demo_site: Built) -> None:
    page = demo_site.html("periods/2026-Q1/engineering/")
    # what the page shows: the latest check-in lines, the check-in tables' note
    # column, the theme's icons and the key results' charts
    latest = '<p class="okr-checkin">Latest check-in 2026-03-31: '
    assert f"{latest}Remaining time is the end-to-end suite." in page
    assert "<th>Note" in page
    assert page.count("<svg ") > 5 and '<figure class="okr-chart">' in page
    assert "data-search" not in page
    assert 'xmlns="http://www.w3.org/2000/svg"' not in page
    # ...while the index was made of the marked content: the latest note is in it
    # once (from its table: the line that repeats it is marked as said already), the
    # tables' numbers are not
    text = _index_text(demo_site, "periods/2026-Q1/engineering/")
    assert text.count("Remaining time is the end-to-end suite.") == 1
    assert "Expected by then" not in text
    # an older note, which the page shows only in its table, is found too
    assert "Connection pooling rolled out; errors at 0.4%." in _index_text(
        demo_site, "periods/2026-Q4/platform/")
