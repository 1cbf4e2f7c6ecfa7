"""The page `mkdocs serve` shows while the content has errors."""

from __future__ import annotations

import html

from okrsite.diagnostics import Diagnostic
from okrsite.render.common import plural
from okrsite.render.page import Page


def error_pages(errors: list[Diagnostic], paths: list[str]) -> list[Page]:
    """In `mkdocs serve`: the error list on the home page and in place of every page of
    the last good build, so the open browser tab shows what to fix, and the real page
    comes back on the first rebuild after the fix."""
    lines = []
    for d in errors:
        lines.append(f"{d.shown_path()}:{d.line}:{d.col}: {d.code} {d.message}")
        if d.hint:
            lines.append(f"    fix: {d.hint}")
    body = (
        "<h1>The OKR content has errors</h1>\n"
        f"<p>okrsite found {plural(len(errors), 'error')}. Fix them and save: this page "
        "reloads with the site.</p>\n"
        f'<pre class="okrsite-errors">{html.escape(chr(10).join(lines))}</pre>\n')
    return [Page(path, "Content errors", body, in_nav=path == "index.md")
            for path in dict.fromkeys(["index.md", *paths])]
