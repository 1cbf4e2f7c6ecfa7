"""Escaping for everything that comes from YAML, and a safe Markdown renderer.

Two kinds of text reach a page:

- *Plain text* (titles, names, owners, notes of amendments, ids): `inline()` turns it
  into Markdown that renders as exactly that text. HTML's `& < > " '` become
  entities, and so does every character Markdown (or an enabled extension) could read
  as syntax, so `**x** [a](javascript:alert(1)) <script>` shows literally, in a
  paragraph, a table cell, a heading or a link text alike. Whitespace (newlines
  included) collapses to single spaces, so a value can never start a new block.
- *Markdown fields* (descriptions, retrospectives, check-in and measurement notes, KPI
  descriptions): `SafeMarkdown.html()` renders them with python-markdown, raw HTML
  shown as text, links kept only for http, https, mailto and relative URLs, and
  images only from this site (a remote image becomes a link to it, so a page makes
  no request to another host). The result goes into the page's HTML as it is.

Page titles go to site generators that treat them as HTML and sometimes strip and
unescape them (Material's `<title>{{ page.title | striptags }}`): `title_text()`
returns text with no `<` or `>` at all, so no unescaping can make a tag of it.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from okrsite.limits import markdown_problem

# Characters that are HTML or Markdown syntax somewhere: HTML's five, then the ones
# python-markdown and the extensions the site enables (tables, attr_list, md_in_html,
# admonition, toc) or commonly add (pymdownx tilde/caret/mark, emoji) give a meaning.
_INLINE = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    "\\": "&#92;", "`": "&#96;", "*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;",
    "{": "&#123;", "}": "&#125;", "#": "&#35;", "|": "&#124;", "~": "&#126;",
    "^": "&#94;", "=": "&#61;", "$": "&#36;",
}
_INLINE_TABLE = str.maketrans(_INLINE)
# Any of them: most text has none, and a search is several times cheaper than a translate.
_INLINE_ANY = re.compile("[" + re.escape("".join(_INLINE)) + "]")
# C0/C1 controls (not valid in XML, meaningless in a title), except tab/newline/CR.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_URL_NOISE = re.compile(r"[\t\n\r]")
# One line of prose without any Markdown or HTML syntax (most check-in notes): it
# renders as one paragraph of itself, so python-markdown can be skipped.
_PLAIN = re.compile(r"^(?!\d+[.)]( |$))[A-Za-z0-9À-ÿ][A-Za-z0-9À-ÿ ,.;:'\"?()%/-]*(?<! )\Z")


def clean(text: object) -> str:
    """A value as one line of plain text: controls dropped, whitespace collapsed."""
    text = str(text)
    if text.isprintable() and "  " not in text and text == text.strip():
        return text  # the common case, without the regular expressions
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def inline(text: object) -> str:
    """Plain text as HTML (and Markdown) that renders as exactly this text (one line)."""
    text = clean(text)
    return text.translate(_INLINE_TABLE) if _INLINE_ANY.search(text) else text


def attr(text: object) -> str:
    """Text for an HTML attribute value or element content in raw HTML/SVG (XML-safe)."""
    return html.escape(clean(text), quote=True)


def title_text(text: object) -> str:
    """A page title for generators that treat titles as HTML: escaped, and without
    `<`/`>` (shown as ‹ ›), so stripping tags and unescaping cannot produce a tag."""
    return html.escape(clean(text).replace("<", "‹").replace(">", "›"), quote=True)


# -- URLs ---------------------------------------------------------------------------------


def url_kind(url: str) -> str:
    """How a browser would read a link target: "relative" (same site), "remote"
    (http/https), "mailto", or "unsafe" (any other scheme, or a host-relative `//x`).

    The URL is judged as the browser sees it: entities decoded (`&#106;avascript:`),
    tabs and newlines removed, surrounding spaces and controls stripped, and `\\`
    read as `/` (`\\\\evil.example` is a host-relative URL)."""
    u = _URL_NOISE.sub("", html.unescape(url)).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                                                      "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                      "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                                      "\x1e\x1f \x7f")
    if _CONTROL.search(u):
        return "unsafe"
    slashed = u.replace("\\", "/")
    if slashed.startswith("//"):
        return "unsafe"  # another host with this page's scheme: only explicit http(s)
    match = _SCHEME.match(u)
    if match is None:
        return "relative"
    scheme = match[1].lower()
    if scheme in ("http", "https"):
        try:
            host = urlsplit(slashed).netloc
        except ValueError:
            return "unsafe"
        return "remote" if host else "unsafe"
    return "mailto" if scheme == "mailto" else "unsafe"


def _real(url: str) -> str:
    """An attribute as python-markdown will write it (it keeps `&` of entities aside)."""
    return url.replace(AMP_SUBSTITUTE, "&")


class _UrlFilter(Treeprocessor):
    """Links: only http, https, mailto and relative URLs keep their target. Images:
    only this site's; a remote one becomes a link to it, any other is dropped (its
    alt text stays)."""

    def run(self, root: etree.Element) -> None:
        found = [(parent, el) for parent in root.iter() for el in parent
                 if el.tag in ("a", "img")]
        for parent, el in found:
            if el.tag == "a":
                if url_kind(_real(el.get("href", ""))) == "unsafe":
                    self._unlink(el)
            else:
                self._image(parent, list(parent).index(el), el)

    @staticmethod
    def _unlink(el: etree.Element) -> None:
        el.tag = "span"
        for name in list(el.attrib):
            del el.attrib[name]
        el.set("class", "okr-link-removed")

    @staticmethod
    def _image(parent: etree.Element, index: int, el: etree.Element) -> None:
        src = _real(el.get("src", ""))
        alt = el.get("alt") or el.get("title") or "image"
        kind = url_kind(src)
        if kind == "relative":
            return
        new = etree.Element("a" if kind == "remote" else "span")
        if kind == "remote":
            new.set("href", src)
            new.set("class", "okr-remote-image")
            new.text = f"{alt} (image)"
        else:
            new.set("class", "okr-link-removed")
            new.text = alt
        new.tail = el.tail
        parent.remove(el)
        parent.insert(index, new)


class SafeMarkdown:
    """Markdown fields to HTML: no raw HTML, no unsafe links, no remote images.

    One instance renders many fields (it is reset between them); not thread-safe.
    """

    EXTENSIONS = ("fenced_code", "tables", "sane_lists")  # never attr_list or md_in_html

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        md = markdown.Markdown(extensions=list(self.EXTENSIONS), output_format="html")
        md.preprocessors.deregister("html_block")  # block HTML is shown as text
        md.inlinePatterns.deregister("html")  # and so is inline HTML
        md.treeprocessors.register(_UrlFilter(md), "okrsite_url_filter", 15)  # after inline
        self._md = md

    def html(self, text: str | None) -> str:
        """The field as HTML ("" for an empty field)."""
        if text is None:
            return ""
        # Keyed by the field as written: fields repeat (notes, descriptions), and a
        # repeat then costs one look-up.
        key = text if type(text) is str else str(text)
        found = self._cache.get(key)
        if found is not None:
            return found
        text = key if key.isprintable() else _CONTROL.sub("", key)  # printable: no controls
        line = text.rstrip("\n")  # a YAML block scalar's (`|`) final newline
        if not text.strip():
            found = ""
        elif _PLAIN.match(line):  # one line of prose: what python-markdown would make
            found = f"<p>{line}</p>"
        elif markdown_problem(text):
            # `check` refuses such a field (OKR221); shown as text, it costs time in
            # proportion to its length instead of hanging or crashing the build.
            found = _as_text(text)
        else:
            self._md.reset()
            found = self._md.convert(text).strip()
        self._cache[key] = found
        return found

    def block(self, text: str | None, css: str = "okr-md") -> str:
        """The field as a block of a page, in a `<div class="okr-md">` ("" if empty).
        (`Page.source` keeps blank lines out of page files, for Markdown readers.)"""
        body = self.html(text)
        if not body:
            return ""
        return f'<div class="{css}">\n{body}\n</div>'


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _as_text(text: str) -> str:
    """Markdown that python-markdown cannot render in linear time, as its plain text:
    one paragraph per blank-line-separated block, escaped as `inline` escapes."""
    return "\n".join(f"<p>{inline(part)}</p>"
                     for part in _BLANK_LINE.split(text) if part.strip())
