"""The demo site in headless Chromium, as a person sees it.

The built demo is served by a local http.server on 127.0.0.1; every request the
pages make is recorded and must stay on that host (no web fonts, no CDN). Each
page is checked for what a reader looks for (scores, progress, a chart), search
is used like a person uses it, and screenshots (a 1366 px laptop and a 390 px phone,
light and dark) go to a temporary directory and to /tmp/okrsite-shots/ for people to
look at.

On a phone the status of every row is on the screen (no sideways scrolling), chart text
is at least 11 px tall, the cascade is drawn, the audit page prints on A4 without
anything wider than the paper, and axe-core (from npm: tests/run.sh installs it into
tests/.node) finds no serious or critical violation on six kinds of page, light and dark.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers.sites import Built

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / ".node" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path("/tmp/okrsite-shots")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
    from playwright.sync_api import expect as _expect
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(sync_playwright is None, reason="playwright (python) is not installed"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(demo_site: Built) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(demo_site.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("shots")
    yield directory
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in directory.glob("*.png"):
        shutil.copy2(shot, SHOTS / shot.name)


class Visit:
    """One browser page with every request and console error recorded."""

    def __init__(self, browser: Browser, viewport: dict[str, int],
                 color_scheme: str = "light") -> None:
        self.context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
        self.requests: list[str] = []
        self.errors: list[str] = []
        # Anything for another host is recorded and refused, so a test never waits on it.
        self.context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"),
                           lambda route: route.abort())
        self.page: Page = self.context.new_page()
        self.page.on("request", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {message.location}")

    def open(self, url: str) -> Page:
        self.page.goto(url, wait_until="networkidle")
        return self.page

    def close(self) -> None:
        self.context.close()

    def assert_clean(self) -> None:
        outside = [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob")
                   and urlsplit(u).hostname != "127.0.0.1"]
        assert not outside, f"requests to other hosts: {outside}"
        assert not self.errors, self.errors


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    v = Visit(browser, DESKTOP)
    yield v
    v.close()


def shoot(page: Page, shots: Path, name: str) -> Path:
    """The whole page, and what the first screen shows (`-top`), which is easier to read."""
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.screenshot(path=str(shots / f"{name}-top.png"))
    return path


def article_text(page: Page) -> str:
    return page.locator("article").inner_text()


def first_page(site: Path, pattern: str) -> str:
    """URL path (relative) of the first built page matching a glob, e.g. "kpis/*/"."""
    found = sorted(site.glob(pattern + "index.html"))
    assert found, f"no page matches {pattern}"
    return found[0].parent.relative_to(site).as_posix() + "/"


def assert_reader_sees_scores(page: Page) -> None:
    text = article_text(page)
    assert re.search(r"\b[01]\.\d\d\b|\b\d{1,3}\s?%", text), text[:500]  # a score or progress
    assert re.search(r"[Aa]s of\s+\d{4}-\d\d-\d\d", page.locator("body").inner_text())
    chart = page.locator("article svg").first
    _expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 8


# -- pages ----------------------------------------------------------------------------------


def test_home_page(visit: Visit, server: str, shots: Path) -> None:
    page = visit.open(server)
    assert "Tech Solutions" in page.title()
    assert_reader_sees_scores(page)
    shoot(page, shots, "home-desktop")
    visit.assert_clean()


def test_unit_page(visit: Visit, server: str, shots: Path, demo_site: Built) -> None:
    page = visit.open(server + unit_path(demo_site))
    assert_reader_sees_scores(page)
    shoot(page, shots, "unit-desktop")
    visit.assert_clean()


def test_a_unit_page_s_chart_points_show_their_values_on_hover(
        visit: Visit, server: str, demo_site: Built) -> None:
    """A unit page writes each check-in's value once, in the table under its chart;
    okrsite.js gives every dot its tooltip from its row: "date: value unit"."""
    page = visit.open(server + unit_path(demo_site))
    charts = page.eval_on_selector_all("figure.okr-chart:has(g.okr-c-point)", """figs =>
        figs.map(f => ({
          tips: [...f.querySelectorAll("g.okr-c-point > path")].map(
            d => d.querySelector("title") ? d.querySelector("title").textContent : null),
          rows: [...f.nextElementSibling.querySelectorAll("tbody tr")].map(
            r => [r.cells[0].textContent, r.cells[1].textContent]),
          unit: f.querySelector("thead th:nth-child(2)") ? null :
            f.nextElementSibling.querySelector("thead th:nth-child(2)").textContent,
        }))""")
    assert charts, "no chart with points on the unit page"
    for chart in charts:
        header = chart["unit"]  # "Value (h)" or "Value"
        unit = header[len("Value ("):-1] if header.startswith("Value (") else ""
        suffix = "" if not unit else unit if unit in ("%", "‰") else " " + unit
        expected = [f"{day}: {value}{suffix}" for day, value in chart["rows"]]
        assert chart["tips"] == expected
    visit.assert_clean()


def unit_path(demo_site: Built) -> str:
    return first_page(demo_site.site, "periods/2026-Q4/customer-success/")


def cascade_path(demo_site: Built) -> str:
    return first_page(demo_site.site, "cascade/2026-Q4/")


def kpi_path(demo_site: Built) -> str:
    return first_page(demo_site.site, "kpis/nps/")


def test_cascade_page(visit: Visit, server: str, shots: Path, demo_site: Built) -> None:
    page = visit.open(server + cascade_path(demo_site))
    text = article_text(page)
    assert "Customer Success" in text and "Engineering" in text
    shoot(page, shots, "cascade-desktop")
    visit.assert_clean()


def test_kpi_page(visit: Visit, server: str, shots: Path, demo_site: Built) -> None:
    page = visit.open(server + kpi_path(demo_site))
    text = article_text(page)
    assert "Net Promoter Score" in text and "46" in text  # the latest measurement
    chart = page.locator("article svg").first
    _expect(chart).to_be_visible()
    shoot(page, shots, "kpi-desktop")
    visit.assert_clean()


def test_search_finds_an_objective_by_a_word_of_its_title(visit: Visit, server: str,
                                                           shots: Path) -> None:
    page = visit.open(server)
    box = page.locator("input.md-search__input")
    box.click()  # the search field in the header (a phone opens it with the 🔍 button)
    _expect(box).to_be_focused()
    box.press_sequentially("recommend", delay=40)
    results = page.locator(".md-search-result__item")
    _expect(results.first).to_be_visible(timeout=15_000)
    # the People objective "End the year as a place people recommend" (2026-Q4)
    _expect(page.locator(".md-search-result")).to_contain_text("place people recommend")
    shoot(page, shots, "search-desktop")
    visit.assert_clean()


# -- phone and dark mode --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "unit", "kpi"])
def test_phone_layout(browser: Browser, server: str, shots: Path, demo_site: Built,
                      name: str) -> None:
    """At 390 px nothing is wider than the screen (tables and charts scroll or shrink)
    and the scores are still there."""
    path = {"home": "", "unit": unit_path(demo_site), "kpi": kpi_path(demo_site)}[name]
    v = Visit(browser, PHONE)
    try:
        page = v.open(server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= PHONE["width"], f"page is {overflow}px wide on a 390px screen"
        chart = page.locator("article svg").first
        _expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        shoot(page, shots, f"{name}-phone")
        v.assert_clean()
    finally:
        v.close()


def test_dark_mode(browser: Browser, server: str, shots: Path, demo_site: Built) -> None:
    v = Visit(browser, DESKTOP, color_scheme="dark")
    try:
        page = v.open(server + unit_path(demo_site))
        scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert scheme == "slate"
        shoot(page, shots, "unit-dark")
        v.assert_clean()
    finally:
        v.close()


# -- people ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_person_page(browser: Browser, server: str, shots: Path, demo_site: Built,
                     viewport: str) -> None:
    """A person's page lists their key results with status and latest check-in; at
    390 px the page is no wider than the screen (the table scrolls)."""
    size = DESKTOP if viewport == "desktop" else PHONE
    v = Visit(browser, size)
    try:
        page = v.open(server + first_page(demo_site.site, "people/ana-gomez/"))
        text = article_text(page)
        assert "Ana Gomez" in text and "Key results" in text
        assert "Reduce first response time from 15h to 12h" in text
        assert "Holiday peak ahead" in text  # the latest check-in's note
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= size["width"], f"page is {overflow}px wide"
        # the owner on a unit page leads here
        shoot(page, shots, f"person-{viewport}")
        v.assert_clean()
    finally:
        v.close()


# -- at a glance: status on screen, readable charts, accessibility, print -----------------


def audit_path(demo_site: Built) -> str:
    return first_page(demo_site.site, "audit/2026-Q3/")


def period_path(demo_site: Built) -> str:
    return first_page(demo_site.site, "periods/2026-Q4/")


def page_of(name: str, demo_site: Built) -> str:
    return {"home": "", "period": period_path(demo_site), "unit": unit_path(demo_site),
            "cascade": cascade_path(demo_site), "kpi": kpi_path(demo_site),
            "kpis": "kpis/", "audit": audit_path(demo_site)}[name]


# Each row's status: chips (status, KPI health) and the words of a progress bar.
STATUS = ("article .okr-chip[data-status], article .okr-chip[data-health], "
          "article .okr-progress")


@pytest.mark.parametrize("name", ["period", "unit", "audit", "kpi", "kpis"])
def test_status_is_on_a_phone_screen_without_scrolling_sideways(
        browser: Browser, server: str, shots: Path, demo_site: Built, name: str) -> None:
    """Every status chip of the page lies within the 390 px screen: none hides behind
    a table's horizontal scroll (a cell scrolled out of view lies right of it)."""
    v = Visit(browser, PHONE)
    try:
        page = v.open(server + page_of(name, demo_site))
        boxes = page.eval_on_selector_all(STATUS, """els => els.map(e => {
            const r = e.getBoundingClientRect();
            return [e.textContent.trim(), Math.round(r.left), Math.round(r.right)]; })""")
        assert len(boxes) >= 3, f"too few statuses on the {name} page: {boxes}"
        off = [b for b in boxes if b[1] < 0 or b[2] > PHONE["width"]]
        assert not off, f"statuses off a 390 px screen on the {name} page: {off[:5]}"
        shoot(page, shots, f"{name}-phone-status")
        v.assert_clean()
    finally:
        v.close()


@pytest.mark.parametrize("name", ["home", "unit", "kpi"])
def test_chart_text_is_readable_on_a_phone(browser: Browser, server: str, demo_site: Built,
                                           name: str) -> None:
    """Text in a chart scales with the chart; at 390 px it is still 11 px or more."""
    v = Visit(browser, PHONE)
    try:
        page = v.open(server + page_of(name, demo_site))
        sizes = page.eval_on_selector_all("article svg.okr-chart__svg text", """els =>
            els.map(t => {
              const svg = t.ownerSVGElement;
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale];
            })""")
        assert sizes, f"no chart text on the {name} page"
        small = [(text, round(px, 1)) for text, px in sizes if px < 11]
        assert not small, f"chart text under 11 px at 390 px on the {name} page: {small[:5]}"
    finally:
        v.close()


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
          .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3)
            .map(n => n.target.join(" ")).join(", ")); }""")
    return list(found)


@pytest.mark.skipif(not AXE.exists(), reason=f"axe-core is not installed at {AXE} "
                    "(tests/run.sh installs it with npm)")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["home", "period", "unit", "cascade", "kpi", "audit"])
def test_no_serious_accessibility_violation(browser: Browser, server: str, shots: Path,
                                            demo_site: Built, name: str, scheme: str) -> None:
    """axe-core on six kinds of page, in both colour schemes, at both widths: no
    serious or critical violation anywhere on the page (links look like links,
    contrast, names of dialogs and scrolling regions, ...)."""
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        v = Visit(browser, viewport, color_scheme=scheme)
        try:
            page = v.open(server + page_of(name, demo_site))
            if size == "desktop" or name in ("home", "unit"):
                shoot(page, shots, f"{name}-{size}-{scheme}")
            violations = axe_violations(page)
            assert not violations, f"{name} ({size}, {scheme}): {violations}"
            v.assert_clean()
        finally:
            v.close()


# A4 less okrsite.css's @page margins (12 mm each side), in CSS px (96 per inch).
A4_CONTENT_PX = int((210 - 2 * 12) / 25.4 * 96)
A4_HEIGHT_PX = int((297 - 2 * 12) / 25.4 * 96)


def test_audit_page_prints_on_a4_without_anything_wider(browser: Browser, server: str,
                                                        demo_site: Built) -> None:
    """Printed (print styles, the A4 content width), no element of the audit page is
    wider than the paper or scrolls a column out of sight, the summary is on the first
    page, and the PDF is made."""
    v = Visit(browser, {"width": A4_CONTENT_PX, "height": 1000})
    try:
        page = v.open(server + audit_path(demo_site))
        page.emulate_media(media="print")
        wide = page.evaluate("""limit => Array.from(document.querySelectorAll("article *"))
            .map(e => [e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
                         ? "." + e.className : ""), e.getBoundingClientRect()])
            .filter(([, r]) => r.width > 0 && (r.right > limit + 1 || r.left < -1))
            .map(([name, r]) => name + " " + Math.round(r.left) + ".." + Math.round(r.right))
            """, A4_CONTENT_PX)
        assert not wide, f"wider than an A4 page: {wide[:8]}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= A4_CONTENT_PX, f"the printed page is {width}px wide"
        # Nothing scrolls inside itself either: a scrolled-away column is clipped on paper.
        clipped = page.evaluate("""limit => Array.from(document.querySelectorAll("article *"))
            .filter(e => e.scrollWidth > limit + 1 || e.scrollWidth > e.clientWidth + 1
                         && getComputedStyle(e).overflowX !== "visible")
            .map(e => e.tagName.toLowerCase() + " " + e.scrollWidth + ">" + e.clientWidth)
            """, A4_CONTENT_PX)
        assert not clipped, f"clipped when printed: {clipped[:8]}"
        # The summary ends within the first sheet's printable height.
        summary = page.evaluate("""() => {
            const top = document.querySelector("article").getBoundingClientRect().top;
            const r = document.querySelector("article .okr-audit-summary")
              .getBoundingClientRect();
            return [r.height, r.bottom - top]; }""")
        assert summary[0] > 100, f"no summary on the audit page: {summary}"
        assert summary[1] <= A4_HEIGHT_PX, f"the summary ends {summary[1]:.0f}px down the " \
            f"printout, past the first page ({A4_HEIGHT_PX}px)"
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")
    finally:
        v.close()
# -- check-ins due --------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_checkins_page(browser: Browser, server: str, shots: Path, demo_site: Built,
                       viewport: str) -> None:
    """The check-ins page lists the stale and due key results by owner and by unit with
    the date of the last update; an owner leads to their page; at 390 px the page is no
    wider than the screen. The home page starts with what needs attention."""
    size = DESKTOP if viewport == "desktop" else PHONE
    v = Visit(browser, size)
    try:
        home = v.open(server)
        box = home.locator("article .okr-attention").first
        _expect(box).to_be_visible()
        _expect(box).to_contain_text("Needs attention")
        home.locator("article .okr-attention a", has_text="Check-ins due").first.click()
        home.wait_for_load_state("networkidle")
        text = article_text(home)
        assert "By owner" in text and "By unit" in text
        assert "Raise the referral share of hires from 27% to 35%" in text
        assert "2026-10-31" in text  # its last update
        overflow = home.evaluate("document.documentElement.scrollWidth")
        assert overflow <= size["width"], f"page is {overflow}px wide"
        shoot(home, shots, f"checkins-{viewport}")
        home.locator("article h3 a", has_text="Oluwaseun Adeyemi").first.click()
        home.wait_for_load_state("networkidle")
        assert home.locator("article h1").inner_text() == "Oluwaseun Adeyemi"
        v.assert_clean()
    finally:
        v.close()


# -- the cascade drawn, the period's dashboard, a printed unit page ------------------------


def test_the_cascade_is_drawn(visit: Visit, server: str, shots: Path, demo_site: Built) -> None:
    """An SVG tree of the objectives: each node a link a keyboard reaches, named by its
    title, unit, score and status in words; the status's symbol shown beside it."""
    page = visit.open(server + cascade_path(demo_site))
    svg = page.locator("article svg.okr-cascade")
    _expect(svg).to_be_visible()
    links = svg.get_by_role("link")
    assert links.count() >= 20  # the demo's 2026-Q4 tree
    # named as the list in words says it: title, then unit, score and status
    listed = page.evaluate("""() => Array.from(document.querySelectorAll(
        "article details.okr-data li")).map(li => li.firstChild.textContent + "|" +
        li.querySelector("a").textContent + "|" + li.childNodes[2].textContent.split("\\n")[0] +
        "|" + li.querySelector("a").href)
        .find(t => t.includes("Improve customer satisfaction"))""")
    head, title, facts, href = listed.split("|")
    unit = head.split(" · ", 1)[1].rstrip(": ")
    name = f"{title} {unit} · {facts.removeprefix(' — ').strip()}"
    assert re.fullmatch(r"Improve customer satisfaction Customer Success · \d+% · [a-z ]+", name)
    node = svg.get_by_role("link", name=name, exact=True)
    _expect(node).to_be_visible()
    node.click()
    page.wait_for_load_state("networkidle")
    assert page.url == href and "/periods/2026-Q4/customer-success/#o-" in href, page.url
    page.go_back(wait_until="networkidle")
    # the status symbols are drawn, readable (at least 11 px), beside each node
    glyphs = page.eval_on_selector_all("article svg.okr-cascade .okr-k-glyph", """els =>
        els.map(t => [t.textContent, t.getBoundingClientRect().height])""")
    assert len(glyphs) == links.count()
    assert {g for g, _ in glyphs} <= {"✓", "!", "✗", "★", "○", "–", "◔"}
    assert {"✓", "!", "✗"} <= {g for g, _ in glyphs}
    assert min(h for _, h in glyphs) >= 11
    # Tab reaches the drawing's links
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('svg.okr-cascade')"):
            break
    else:
        pytest.fail("no link of the drawing is reachable with the Tab key")
    shoot(page, shots, "cascade-drawn-desktop")
    visit.assert_clean()


def test_cascade_fits_a_phone_and_its_text_is_readable(browser: Browser, server: str,
                                                       shots: Path, demo_site: Built) -> None:
    v = Visit(browser, PHONE)
    try:
        page = v.open(server + cascade_path(demo_site))
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= PHONE["width"], f"page is {overflow}px wide on a 390px screen"
        box = page.locator("article svg.okr-cascade").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        sizes = page.eval_on_selector_all("article svg.okr-cascade text", """els =>
            els.map(t => {
              const svg = t.ownerSVGElement;
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale];
            })""")
        assert len(sizes) > 20
        small = [(text, round(px, 1)) for text, px in sizes if px < 11]
        assert not small, f"cascade text under 11 px at 390 px: {small[:5]}"
        shoot(page, shots, "cascade-phone")
        v.assert_clean()
    finally:
        v.close()


def test_a_period_s_objectives_sort_by_score_and_label_their_cells_on_a_phone(
        browser: Browser, server: str, shots: Path, demo_site: Built) -> None:
    """Clicking Score twice sorts the period's objectives by score, highest first (the
    score itself: 53.3% before 52.8%, both "53%"); on a phone each card labels its
    cells with their column's header."""
    v = Visit(browser, DESKTOP)
    try:
        page = v.open(server + period_path(demo_site))
        table = page.locator("article .okr-objectives table")
        header = table.locator("th", has_text="Score")
        header.click()
        header.click()
        assert header.get_attribute("aria-sort") == "descending"
        scores = table.locator("tbody tr td:nth-child(5)").evaluate_all(
            "cells => cells.map(c => [c.textContent, parseFloat(c.dataset.sort)])")
        values = [s for _, s in scores]
        assert len(values) >= 20 and values == sorted(values, reverse=True), scores
        words = [w for w, _ in scores]
        assert len(set(words)) < len(set(values))  # some differ only past the rounding
        v.assert_clean()
    finally:
        v.close()
    v = Visit(browser, PHONE)
    try:
        page = v.open(server + period_path(demo_site))
        labels = page.locator("article .okr-objectives tbody tr").first.locator(
            "td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
        assert labels == ['"Unit: "', "none", '"Owner: "', '"Type: "', '"Score: "', "none"]
        shoot(page, shots, "period-objectives-phone")
        v.assert_clean()
    finally:
        v.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_period_dashboard_cards(browser: Browser, server: str, shots: Path, demo_site: Built,
                                viewport: str) -> None:
    """A card a unit with its bar's words and its objectives by status; at 390 px every
    card is on the screen (no sideways scroll), at 1366 px they share rows."""
    size = DESKTOP if viewport == "desktop" else PHONE
    v = Visit(browser, size)
    try:
        page = v.open(server + period_path(demo_site))
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= size["width"], f"page is {overflow}px wide"
        cards = page.eval_on_selector_all("article .okr-unit-cards > ul > li", """els =>
            els.map(e => { const r = e.getBoundingClientRect();
              return {left: r.left, right: r.right, top: Math.round(r.top),
                      name: e.querySelector("strong a").textContent,
                      bar: e.querySelector(".okr-progress").textContent,
                      counts: e.querySelector(".okr-counts").textContent.trim()}; })""")
        assert len(cards) == 17  # every unit of the demo with OKRs in 2026-Q4
        assert all(c["left"] >= 0 and c["right"] <= size["width"] for c in cards), cards[:3]
        # each count is a chip with its status's symbol: one symbol for one status
        symbols = {"off track": "✗", "at risk": "!", "on track": "✓", "stale": "◔",
                   "no data": "–", "achieved": "★", "missed": "✗", "planned": "○"}
        for c in cards:
            for chip in re.findall(r"(\S) (\d+) ([a-z ]+?)(?= \S \d|$)", c["counts"]):
                assert symbols[chip[2]] == chip[0], c
        # a card says what its unit's page says
        success = next(c for c in cards if c["name"] == "Customer Success")
        unit = Visit(browser, size)
        try:
            there = unit.open(server + unit_path(demo_site))
            assert there.locator("article .okr-progress").first.inner_text() == \
                success["bar"]
            summary = there.locator("article .okr-facts dd").first.inner_text()
            assert success["counts"] == " ".join(
                f"{symbols[words]} {n} {words}" for n, words in
                (part.split(" ", 1) for part in summary.split(", ")))
        finally:
            unit.close()
        rows = len({c["top"] for c in cards})
        if viewport == "desktop":
            assert rows <= 6, f"{rows} rows of cards at 1366 px"
        else:
            assert rows == 17, "a phone shows one card a row"
        shoot(page, shots, f"period-dashboard-{viewport}")
        v.assert_clean()
    finally:
        v.close()


def _pdf_text_per_page(pdf: bytes) -> list[int]:
    """How many text-showing operators (Tj, TJ) each page of Chromium's PDF has."""
    import zlib

    objects = {int(m.group(1)): m.group(2)
               for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)}
    counts = []
    for _, body in sorted(objects.items()):
        if not re.search(rb"/Type\s*/Page\b", body):
            continue
        refs = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", body)
        assert refs is not None
        total = 0
        for ref in re.findall(rb"(\d+) 0 R", refs.group(1)):
            stream = objects[int(ref)]
            data = stream[stream.index(b"stream") + 6:].lstrip(b"\r\n")
            data = data[:data.rindex(b"endstream")]
            if b"/FlateDecode" in stream[:stream.index(b"stream")]:
                data = zlib.decompress(data)
            total += len(re.findall(rb"T[jJ]\b", data))
        counts.append(total)
    return counts


def test_unit_page_prints_on_a4_with_full_pages(browser: Browser, server: str,
                                                demo_site: Built) -> None:
    """Printed, a unit page starts with its summary on a full first sheet, no sheet but
    the last is left half empty, and nothing is wider than the paper."""
    v = Visit(browser, {"width": A4_CONTENT_PX, "height": 1000})
    try:
        page = v.open(server + unit_path(demo_site))
        page.emulate_media(media="print")
        wide = page.evaluate("""limit => Array.from(document.querySelectorAll("article *"))
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width > 0 && (r.right > limit + 1 || r.left < -1); })
            .map(e => e.tagName)""", A4_CONTENT_PX)
        assert not wide, f"wider than an A4 page: {wide[:8]}"
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        text = _pdf_text_per_page(pdf)
        assert len(text) >= 3, text
        full = sorted(text[:-1])[len(text[:-1]) // 2]  # the median sheet
        assert text[0] >= full * 0.6, f"first sheet nearly empty: {text}"
        assert all(t >= full * 0.4 for t in text[:-1]), f"a half-empty sheet: {text}"
    finally:
        v.close()
