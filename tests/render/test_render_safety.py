"""Escaping: text from YAML shows literally, Markdown fields lose raw HTML and unsafe
links, and no page of the hostile fixture company contains markup an attacker wrote.

A page body is HTML, and reaches a browser two ways: as is (the MkDocs plugin hands
`Page.html` to MkDocs as the page's content), and through a Markdown generator that
reads `Page.source()` (`okrsite render --out`). Both are checked: the body, and the
body after python-markdown with the extensions the site enables (tables, attr_list,
md_in_html, admonition, pymdownx.details, toc). The HTML is read with html.parser,
which decodes character references like a browser, and every tag, attribute and URL
is checked; what a reader sees is checked with `pagetext.page_text`.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from helpers.checkkit import render_content
from helpers.pagetext import page_text
from hypothesis import given, settings
from hypothesis import strategies as st

from okrsite.pipeline import load_content
from okrsite.render.common import admonition, bullets, h1, heading, join_blocks, link, para, table
from okrsite.render.page import Page
from okrsite.render.safe import SafeMarkdown, clean, inline, title_text, url_kind
from okrsite.settings import Settings

EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "pymdownx.details", "toc"]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "golden_company"
EVIL_TITLE = "**x** [a](javascript:alert(1)) <script>alert(1)</script> {#id} | cell"
EVIL_OWNER = "Mallory <img src=x onerror=alert(2)>"
EVIL_UNIT = "Product & <b>Design</b>"


def to_html(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


def views(body: str) -> list[tuple[str, str]]:
    """A page body as browsers get it: as is, and after a Markdown generator's pass."""
    return [("html", body), ("markdown pass", to_html(body))]


class Page_(HTMLParser):
    """Tags, attributes and text of an HTML fragment, decoded as a browser would."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join("".join(self.text).split())


class Cells(HTMLParser):
    """The text of each table cell (`<td>`), decoded."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.inside = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td":
            self.cells.append("")
            self.inside = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.cells[-1] += data


def browser_scheme(url: str) -> str | None:
    """The scheme a browser reads from an attribute value (already entity-decoded)."""
    u = re.sub(r"[\t\n\r]", "", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c"
                                            "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18"
                                            "\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    if u.replace("\\", "/").startswith("//"):
        return "//"
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", u)
    return m[1].lower() if m else None


FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "form", "input", "base",
                  "meta", "link", "frame", "frameset", "applet", "textarea", "button"}


def assert_safe_html(html: str, where: str = "") -> Page_:
    parsed = Page_(html)
    for tag, attrs in parsed.tags:
        assert tag not in FORBIDDEN_TAGS, f"{where}: <{tag}>"
        for name, val in attrs.items():
            assert not name.startswith("on"), f"{where}: <{tag} {name}=...>"
            assert name not in ("srcdoc", "formaction", "action"), f"{where}: {name}"
            if name in ("href", "src", "xlink:href", "poster", "background"):
                scheme = browser_scheme(val or "")
                assert scheme in (None, "http", "https", "mailto"), f"{where}: {name}={val!r}"
                if tag == "img" or name == "src":
                    assert scheme is None, f"{where}: remote image {val!r}"
            if name == "style":
                assert "url(" not in (val or "") and "expression" not in (val or ""), where
    return parsed


# -- plain text ------------------------------------------------------------------------------

HOSTILE = [
    EVIL_TITLE,
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    "![img](https://evil.example/x.png)",
    "<https://evil.example>",
    "*em* _em_ **strong** __strong__ `code` ~~del~~ ==mark== ^sup^",
    "x { #id .cls onclick=alert(1) }",
    "{: onclick=alert(1) }",
    "&lt;script&gt; &amp; &#60;b&#62; &#x3C;",
    "a | b | c",
    "1. not a list",
    "# not a heading",
    "> not a quote",
    "- not a list",
    "O'Brien \"quoted\" & co",
    "line one\nline two\n\n# three",
    "trailing backslash \\",
    "[^1] footnote *[HTML]: abbr",
    '!!! note "x"',
    "<div markdown>**x**</div>",
    "$x$ :smile: @user",
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("context", ["paragraph", "cell", "heading", "link", "item", "title"])
def test_inline_text_renders_literally(text: str, context: str) -> None:
    safe = inline(text)
    body = {  # every place a page puts text from YAML, made the way pages make it
        "paragraph": para(f"Said: {safe}"),
        "cell": table(["A", "B"], [[safe, "end"]]),
        "heading": heading(2, safe, "anchor"),
        "link": para(link("a/index.md", "b/index.md", safe)),
        "item": bullets([f"Said: {safe}"]),
        "title": admonition("note", safe, para("body")),
    }[context]
    allowed = {"paragraph": {"p"}, "cell": {"table", "thead", "tbody", "tr", "th", "td"},
               "heading": {"h2"}, "link": {"p", "a"}, "item": {"ul", "li"},
               "title": {"div", "p"}}[context]
    for view, html in views(body):
        parsed = assert_safe_html(html, f"{context}, {view}")
        assert clean(text) in parsed.words, view
        assert clean(text) in page_text(html), view
        assert {t for t, _ in parsed.tags} <= allowed, (view, parsed.tags)
    if context == "link":
        assert [a for t, a in Page_(body).tags if t == "a"] == [{"href": "../b/"}]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_text_renders_literally(text: str) -> None:
    for view, html in views(para(f"Said: {inline(text)}")):
        parsed = assert_safe_html(html, view)
        assert parsed.words == " ".join(f"Said: {clean(text)}".split()), view
        assert {t for t, _ in parsed.tags} <= {"p"}, view


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_in_a_table_cell_stays_in_its_cell(text: str) -> None:
    for view, html in views(table(["A", "B"], [[inline(text), "end"]])):
        parsed = assert_safe_html(html, view)
        assert [t for t, _ in parsed.tags].count("td") == 2, view
        assert Cells(html).cells == [clean(text), "end"], view


def test_titles_have_no_angle_brackets_and_are_escaped() -> None:
    assert title_text('</title><script>alert(1)</script> & "q"') == \
        "‹/title›‹script›alert(1)‹/script› &amp; &quot;q&quot;"
    for text in HOSTILE:
        assert "<" not in title_text(text) and ">" not in title_text(text)


# -- Markdown fields -------------------------------------------------------------------------

MARKDOWN_PAYLOADS = [
    "<script>alert(1)</script>",
    "<b onclick=alert(1)>x</b>",
    "<iframe src=https://evil.example></iframe>",
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](java\tscript:alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](&#x6A;avascript&colon;alert(1))",
    "[a](  javascript:alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](//evil.example/x)",
    "[a](\\\\evil.example/x)",
    "[a](/\\evil.example/x)",
    "[a][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![i](https://evil.example/p.png)",
    "![i](http://evil.example/p.png)",
    "![i](//evil.example/p.png)",
    "![i](data:image/png;base64,AAAA)",
    "![i][r]\n\n[r]: https://evil.example/p.png",
    '[a](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "```html\n<script>alert(1)</script>\n```",
    "    <script>indented code</script>",
    "<svg onload=alert(1)>",
    "x {: onclick=alert(1) }",
]


@pytest.mark.parametrize("text", MARKDOWN_PAYLOADS)
def test_markdown_fields_are_sanitised(text: str) -> None:
    md = SafeMarkdown()
    block = md.block(text)
    assert_safe_html(block, "field alone")
    # and once embedded in a page, as is and after a Markdown generator's pass
    for view, html in views(join_blocks([h1("Page"), block, para("After.")])):
        assert_safe_html(html, f"field in a page, {view}")


def test_markdown_fields_keep_safe_markup_and_links() -> None:
    md = SafeMarkdown()
    html = md.html("**bold** [web](https://example.com/a_b?x=1&y=2) [mail](mailto:a@b.example) "
                   "[page](../other.md#x) ![local](img/a.png)\n\n- one\n- two")
    parsed = assert_safe_html(html)
    hrefs = [a.get("href") for t, a in parsed.tags if t == "a"]
    assert hrefs == ["https://example.com/a_b?x=1&y=2", "mailto:a@b.example", "../other.md#x"]
    assert ("img", {"alt": "local", "src": "img/a.png"}) in parsed.tags
    assert "strong" in {t for t, _ in parsed.tags} and "li" in {t for t, _ in parsed.tags}


def test_remote_images_become_links() -> None:
    parsed = Page_(SafeMarkdown().html("![chart](https://evil.example/c.png)"))
    assert ("a", {"class": "okr-remote-image", "href": "https://evil.example/c.png"}) \
        in parsed.tags
    assert not [t for t, _ in parsed.tags if t == "img"]
    assert "chart (image)" in parsed.words


def test_blank_lines_inside_code_do_not_end_the_raw_block() -> None:
    field = SafeMarkdown().block("```\na\n\n\nb\n```")
    assert "a\n\n\nb" in "".join(Page_(field).text)  # as the browser gets it
    block = Page("a.md", "A", field).source().split("\n---\n\n", 1)[1]  # as a file
    assert "\n\n" not in block
    assert "a\n\n\nb" in "".join(Page_(block).text)
    html = to_html(f"{block}\n\n*after*")
    assert "a\n\n\nb" in Page_(html).text[0] + "".join(Page_(html).text[1:])


@pytest.mark.parametrize("url,kind", [
    ("https://example.com", "remote"), ("HTTP://example.com", "remote"),
    ("mailto:a@b.c", "mailto"), ("../x.md", "relative"), ("/abs/path", "relative"),
    ("#frag", "relative"), ("?q=1", "relative"), ("", "relative"),
    ("javascript:alert(1)", "unsafe"), (" javascript:x", "unsafe"), ("java\nscript:x", "unsafe"),
    ("&#106;avascript:x", "unsafe"), ("data:x", "unsafe"), ("vbscript:x", "unsafe"),
    ("//evil.example", "unsafe"), ("\\\\evil.example", "unsafe"), ("/\\evil.example", "unsafe"),
    ("https:evil.example", "unsafe"), ("file:///etc/passwd", "unsafe"),
])
def test_url_kinds(url: str, kind: str) -> None:
    assert url_kind(url) == kind


# -- the hostile fixture company, page by page ------------------------------------------------


@pytest.fixture(scope="module", params=["public", "internal"])
def pages(request: pytest.FixtureRequest) -> list[Page]:
    loaded = load_content(FIXTURE)
    settings_ = Settings(content_dir=FIXTURE, as_of=date(2030, 5, 15),
                         include_restricted=request.param == "internal")
    return render_content(loaded.content, settings_)


def test_no_page_contains_hostile_markup(pages: list[Page]) -> None:
    for page in pages:
        for view, html in views(page.html):
            assert_safe_html(html, f"{page.path}, {view}")
            assert "<script" not in html.lower(), (page.path, view)
        assert "<" not in page.title and ">" not in page.title
        assert "<script" not in str(page.meta).lower()


def test_hostile_strings_show_literally(pages: list[Page]) -> None:
    unit_page = next(p for p in pages if p.path == "periods/2030-Q2/product/index.md")
    period = next(p for p in pages if p.path == "periods/2030-Q2/index.md")
    for view, html in views(unit_page.html):
        words = page_text(html)
        assert EVIL_TITLE in words.splitlines(), view  # the objective's heading
        assert f"owner {EVIL_OWNER}" in words, view
        assert EVIL_UNIT in words, view
        assert "<img src=x onerror=alert(7)>" in words, view  # a check-in note's raw HTML
        assert "Keep NPS at 40 or more <em>always</em>" in words.splitlines(), view
    for view, html in views(period.html):
        assert EVIL_TITLE in page_text(html), view


def test_javascript_links_are_dropped(pages: list[Page]) -> None:
    for page in pages:
        for view, html in views(page.html):
            for tag, attrs in Page_(html).tags:
                for name in ("href", "src", "xlink:href"):
                    assert browser_scheme(attrs.get(name) or "") not in (
                        "javascript", "vbscript", "data"), (page.path, view, tag, attrs)
    kpi = next(p for p in pages if p.path == "kpis/revenue/index.md")
    parsed = Page_(kpi.html)
    assert "bad" in parsed.words  # the link text stays, without its target
    assert '<span class="okr-link-removed">bad</span>' in kpi.html
    assert ("a", {"href": "https://example.com/method"}) in parsed.tags
    product = next(p for p in pages if p.path == "periods/2030-Q2/product/index.md")
    hrefs = [a.get("href") for t, a in Page_(product.html).tags if t == "a"]
    assert "https://example.com/ok" in hrefs  # the description's good link stays
    assert not [h for h in hrefs if "alert" in (h or "") or "msgbox" in (h or "")]


def test_no_page_requests_another_host(pages: list[Page]) -> None:
    for page in pages:
        for tag, attrs in Page_(page.html).tags:
            if tag in ("img", "script", "link", "iframe", "source", "video", "audio"):
                assert browser_scheme(attrs.get("src") or attrs.get("href") or "") is None, \
                    (page.path, tag, attrs)
            if tag == "svg":
                assert set(attrs) >= {"viewbox", "role"}
        # every drawing has an accessible name: an aria-label, or (a chart) its <title>
        for svg in re.findall(r"<svg [^>]*>(?:<title>[^<]+</title>)?", page.html):
            assert "aria-label=" in svg or "<title>" in svg, (page.path, svg)


PROSE = st.lists(st.sampled_from([
    *"abcXYZ019 ,.;:'\"?()%/-éÀÿ", "1. ", "- ", "  ", "--", "...", "(a)", "1) ", "2026-10-31",
    "a:b", "http://x.y", "#", "*", "<b>", "&amp;", "[x](y)", "\n", "\n\n", "    "]),
    min_size=1, max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(PROSE)
def test_plain_notes_take_a_shortcut_with_the_same_result(text: str) -> None:
    """One line of plain prose skips python-markdown; the HTML must be what it makes."""
    fast = SafeMarkdown()
    slow = SafeMarkdown()
    slow._md.reset()
    expected = slow._md.convert(text).strip() if text.strip() else ""
    assert fast.html(text) == expected
    assert fast.html(text) == expected  # and again, from the cache


@settings(max_examples=500, deadline=None)
@given(PROSE.map(lambda t: t + "\n"))
def test_a_block_scalar_s_final_newline_takes_the_shortcut_with_the_same_result(
        text: str) -> None:
    """A `description: |` field ends in a newline: one line of prose and its newline
    skip python-markdown too, and must give what it makes."""
    slow = SafeMarkdown()
    slow._md.reset()
    expected = slow._md.convert(text).strip() if text.strip() else ""
    assert SafeMarkdown().html(text) == expected
