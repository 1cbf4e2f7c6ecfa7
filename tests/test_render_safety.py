"""Escaping: text from YAML shows literally, Markdown fields lose raw HTML and unsafe
links, and no page of the hostile fixture company contains markup an attacker wrote.

Pages are turned into HTML the way the MkDocs adapter does it: python-markdown with
exactly the extensions it enables (tables, attr_list, md_in_html, admonition,
pymdownx.details, toc). The HTML is then read with html.parser, which decodes
character references like a browser, and every tag, attribute and URL is checked.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrsite.pipeline import load_content
from okrsite.render import render_content
from okrsite.render.page import Page
from okrsite.render.safe import SafeMarkdown, clean, inline, title_text, url_kind
from okrsite.settings import Settings

EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "pymdownx.details", "toc"]
FIXTURE = Path(__file__).parent / "fixtures" / "golden_company"
EVIL_TITLE = "**x** [a](javascript:alert(1)) <script>alert(1)</script> {#id} | cell"
EVIL_OWNER = "Mallory <img src=x onerror=alert(2)>"
EVIL_UNIT = "Product & <b>Design</b>"


def to_html(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


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
    source = {
        "paragraph": f"Said: {safe}",
        "cell": f"| A | B |\n| --- | --- |\n| {safe} | end |",
        "heading": f"## {safe} {{ #anchor }}",
        "link": f"[{safe}](target.md)",
        "item": f"- Said: {safe}",
        "title": f'!!! note "{safe}"\n    body',
    }[context]
    parsed = assert_safe_html(to_html(source), context)
    assert clean(text) in parsed.words
    allowed = {"paragraph": {"p"}, "cell": {"table", "thead", "tbody", "tr", "th", "td"},
               "heading": {"h2"}, "link": {"p", "a"}, "item": {"ul", "li"},
               "title": {"div", "p"}}[context]
    assert {t for t, _ in parsed.tags} <= allowed, parsed.tags


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_text_renders_literally(text: str) -> None:
    parsed = assert_safe_html(to_html(f"Said: {inline(text)}"))
    assert parsed.words == " ".join(f"Said: {clean(text)}".split())
    assert {t for t, _ in parsed.tags} <= {"p"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_in_a_table_cell_stays_in_its_cell(text: str) -> None:
    html = to_html(f"| A | B |\n| --- | --- |\n| {inline(text)} | end |")
    parsed = assert_safe_html(html)
    assert [t for t, _ in parsed.tags].count("td") == 2


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
    # and once embedded in a page that the site's Markdown pass renders again
    assert_safe_html(to_html(f"# Page\n\n{block}\n\nAfter."), "field in a page")


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
    block = SafeMarkdown().block("```\na\n\n\nb\n```")
    assert "\n\n" not in block
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
        assert_safe_html(to_html(page.markdown), page.path)
        assert "<" not in page.title and ">" not in page.title
        assert "<script" not in str(page.meta).lower()


def test_hostile_strings_show_literally(pages: list[Page]) -> None:
    unit_page = next(p for p in pages if p.path == "periods/2030-Q2/product/index.md")
    words = Page_(to_html(unit_page.markdown)).words
    assert EVIL_TITLE in words
    assert f"owner {EVIL_OWNER}" in words
    assert EVIL_UNIT in words
    assert "<img src=x onerror=alert(7)>" in words  # a check-in note's raw HTML, as text
    period = next(p for p in pages if p.path == "periods/2030-Q2/index.md")
    assert EVIL_TITLE in Page_(to_html(period.markdown)).words


def test_javascript_links_are_dropped(pages: list[Page]) -> None:
    for page in pages:
        html = to_html(page.markdown)
        for tag, attrs in Page_(html).tags:
            if tag == "a":
                assert browser_scheme(attrs.get("href") or "") != "javascript", page.path
    kpi = next(p for p in pages if p.path == "kpis/revenue/index.md")
    parsed = Page_(to_html(kpi.markdown))
    assert "bad" in parsed.words  # the link text stays, without its target
    assert ("a", {"href": "https://example.com/method"}) in parsed.tags


def test_no_page_requests_another_host(pages: list[Page]) -> None:
    for page in pages:
        for tag, attrs in Page_(to_html(page.markdown)).tags:
            if tag in ("img", "script", "link", "iframe", "source", "video", "audio"):
                assert browser_scheme(attrs.get("src") or attrs.get("href") or "") is None, \
                    (page.path, tag, attrs)
            if tag == "svg":
                assert set(attrs) >= {"viewbox", "role", "aria-label"}


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
