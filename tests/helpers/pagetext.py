"""Page bodies as a reader sees them, for tests that assert words rather than markup.

`page_text(html)` drops the tags and decodes entities; each block (paragraph, heading,
table row, list item, labelled fact) is a line of its own, list items start with `- `
indented two spaces per level, table cells are separated by ` | ` and a fact of a `<dl>`
reads `label: value`.
"""

from __future__ import annotations

from html.parser import HTMLParser

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "table", "thead", "tbody", "tr",
           "ul", "ol", "details", "summary", "figure", "figcaption", "pre", "hr", "caption",
           "svg", "section", "dl"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line = ""
        self.depth = 0  # list nesting
        self.cells = 0
        self.skip = 0  # inside <svg>: chart markup, not words on the page

    def _end_line(self) -> None:
        if self.line.strip():
            self.lines.append(self.line.rstrip())
        self.line = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.skip += 1
        if tag in ("ul", "ol"):
            self._end_line()
            self.depth += 1
        elif tag == "li":
            self._end_line()
            self.line = "  " * (self.depth - 1) + "- "
        elif tag == "tr":
            self._end_line()
            self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.line += " | "
            self.cells += 1
        elif tag == "dt":
            self._end_line()
        elif tag == "dd":
            self.line += ": "
        elif tag == "br" or tag in _BLOCKS:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.skip -= 1
        if tag in ("ul", "ol"):
            self._end_line()
            self.depth -= 1
        elif tag == "li" or tag in _BLOCKS:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = " ".join(data.split())
        if not text:
            if data and self.line and not self.line.endswith((" ", "- ")):
                self.line += " "
            return
        if data[:1].isspace() and self.line and not self.line.endswith((" ", "- ")):
            self.line += " "
        self.line += text
        if data[-1:].isspace():
            self.line += " "


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._end_line()
    return "\n".join(parser.lines) + "\n"
