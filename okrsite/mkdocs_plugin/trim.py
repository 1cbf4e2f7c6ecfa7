"""A generated page's HTML as written: without what only the build reads.

- The search markers (okrsite.render.page: `<th data-search="yes">` on a table's word
  columns, `data-search="no"` on a block the index has already): `searchable` reads
  them from the content before the page is written; a browser has no use for them
  (0.44 KB a unit page).
- The `xmlns` of an inline `<svg>` (the theme's icons, a cascade chart): the HTML
  parser puts an `<svg>` element in the SVG namespace by itself (35 bytes an icon,
  0.24 KB a page).

Each is replaced only as a tag's own text (`<th ...>`, `<svg ...`, `...">`): in a page's
text a `<` is always `&lt;` and a `>` `&gt;`, so no text is touched. Run on the written
page, the shell's and the plain path's alike, after the search plugin had the content.
"""

from __future__ import annotations

from okrsite.render.page import SEARCH_ATTR, UNSEARCHED

_XMLNS = '<svg xmlns="http://www.w3.org/2000/svg" '


def trimmed(html: str) -> str:
    """`html` without search markers and inline SVGs' `xmlns`."""
    if SEARCH_ATTR in html:
        html = html.replace(f"<th{SEARCH_ATTR}>", "<th>")
    if UNSEARCHED in html:
        html = html.replace(f"{UNSEARCHED}>", ">")
    if _XMLNS in html:
        html = html.replace(_XMLNS, "<svg ")
    return html
