"""The theme's own template text without its indentation.

Material's templates are indented for their readers, and every `{% if %}` line leaves
its newline and indentation in the output: 5-6 KB of whitespace on every page (a
third of the page's chrome). A browser renders a run of whitespace between words or
tags as one space, or as nothing between blocks, so here each run of the template's
*literal text* that holds a line break becomes one line break, when the template is
compiled: nothing is done per page, and the page shell and the plain template path
(the same compiled templates) write the same bytes.

Left as they are: the inside of `<pre>`, `<code>`, `<kbd>`, `<textarea>`, `<script>`
and `<style>` (whitespace there is content), quoted attribute values, runs without a
line break, and everything a template writes from a variable (page content, titles).
Only templates read from Material's own directory and okrsite's are changed; a
company's `custom_dir` templates are compiled as they are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

# HTML tags whose text keeps its whitespace (also by Material's CSS: code, kbd, pre).
_KEEP = frozenset({"pre", "code", "kbd", "textarea", "script", "style"})
# What changes the scanner's state: a tag's start, its end, a quote, or a run of
# whitespace holding a line break.
_SCAN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)|>|\"|'|[ \t]*\n[ \t\n\r\f]*")


class _Scanner:
    """Where a template's literal text is (in text, in a tag, in a quoted attribute
    value, in an element that keeps its whitespace), across the data tokens between
    its variables and blocks."""

    def __init__(self) -> None:
        self.in_tag = False
        self.tag = ""  # the name of the tag being read ("/pre" for a closing one)
        self.quote = ""
        self.keep = ""  # the element whose text is kept, until its end tag

    def collapse(self, text: str) -> str:
        out: list[str] = []
        at = 0
        for m in _SCAN.finditer(text):
            s = m[0]
            if self.quote:
                if s == self.quote:
                    self.quote = ""
                continue
            if s[0] == "<":
                if self.in_tag:
                    continue
                name = m[2].lower()
                if self.keep and not (m[1] and name == self.keep):
                    continue  # `<` inside a script or pre
                self.in_tag, self.tag = True, ("/" if m[1] else "") + name
                continue
            if s == ">":
                if self.in_tag:
                    self.in_tag = False
                    if self.tag in _KEEP:
                        self.keep = self.tag
                    elif self.tag[1:] == self.keep:
                        self.keep = ""
                continue
            if s in "\"'":
                if self.in_tag:
                    self.quote = s
                continue
            if self.keep or len(s) < 2:
                continue
            out.append(text[at:m.start()])
            out.append("\n")
            at = m.end()
        if not out:
            return text
        out.append(text[at:])
        return "".join(out)


# An element whose text keeps its whitespace (left as it is: okrsite and the theme
# write their tags in lower case).
_KEPT = re.compile(r"(<(pre|code|kbd|textarea|script|style)[\s>].*?</\2\s*>)", re.DOTALL)
# A run of blank lines right after a tag or right before one: never inside an attribute
# value, where okrsite and the theme write no raw `<` or `>`. A run is all the
# whitespace from its first line break on, so a part of one is never found alone: its
# start is after whitespace, not `>`, and its end is where the run's is.
# (Written to begin with its `\n`: the regex engine then skips to each line break.)
_BLANK_BY_TAG = re.compile(r"\n(?:(?<=>\n)[ \t]*\n[ \t\n]*|[ \t]*\n[ \t\n]*(?=<))")


def _cut(text: str) -> str:
    """`text` with each run of blank lines next to a tag cut to one line break,
    outside the elements that keep their whitespace. Done by the regex engine alone
    (a plain replacement, no Python call per run): it was 200 calls a page. A kept
    element begins with `<` and ends with `>`, so the text between two of them is cut
    with those two characters around it, as it stands in the page."""
    if "\n" not in text:
        return text
    parts = _KEPT.split(text)  # text, kept element, its tag name, text, ...
    if len(parts) == 1:
        return _BLANK_BY_TAG.sub("\n", text)
    last = len(parts) - 1
    out = []
    for i in range(0, len(parts), 3):
        part = parts[i]
        if "\n" in part:
            before, after = (">" if i else ""), ("<" if i < last else "")
            part = _BLANK_BY_TAG.sub("\n", before + part + after)
            part = part[len(before):len(part) - len(after)]
        out.append(part)
        if i < last:
            out.append(parts[i + 1])
    return "".join(out)


def without_blank_lines(html: str) -> str:
    """A page with each run of blank lines next to a tag cut to one line break.
    Collapsing each data token leaves the breaks on both sides of a `{% if %}` (or of
    an empty variable): about 0.7 KB of blank lines a page, which a browser renders
    as the one space a line break is. The inside of `<pre>`, `<code>`, `<kbd>`,
    `<textarea>`, `<script>` and `<style>` and of tags is left as it is, and so is
    the page's `<article>` (its content, which has next to none: scanning it was
    most of the time)."""
    start, end = html.find("<article"), html.rfind("</article>")
    if start < 0 or end < start:
        return _cut(html)
    # the head with the `<` of `<article`, which tells a blank run before it is next to
    # a tag (and is cut off again)
    head = _cut(html[:start + 1])[:-1]
    return head + html[start:end] + _cut(html[end:])


class CollapseWhitespace(Extension):
    """A Jinja extension: the literal text of the templates under `roots` collapsed
    (see the module's docstring). `roots` is set on the environment as
    `okrsite_collapse_roots` (see `install`)."""

    def filter_stream(self, stream: TokenStream) -> Iterable[Token] | TokenStream:
        roots: tuple[str, ...] = getattr(self.environment, "okrsite_collapse_roots", ())
        filename = stream.filename or ""
        if not filename.endswith(".html") or not any(
                filename.startswith(root) for root in roots):
            return stream
        return _collapsed(stream)


def _collapsed(stream: TokenStream) -> Iterator[Token]:
    scanner = _Scanner()
    for token in stream:
        if token.type == "data":
            yield Token(token.lineno, "data", scanner.collapse(token.value))
        else:
            yield token


def install(env: object, roots: Iterable[Path]) -> None:
    """Collapse the literal text of the templates under `roots` in `env` (a Jinja
    Environment), before any of its templates is compiled (the cache is emptied, in
    case another plugin loaded one already)."""
    from jinja2 import Environment

    assert isinstance(env, Environment)
    env.okrsite_collapse_roots = tuple(  # type: ignore[attr-defined]
        str(root.resolve()) + "/" for root in roots)
    env.add_extension(CollapseWhitespace)
    if env.cache is not None:
        env.cache.clear()
