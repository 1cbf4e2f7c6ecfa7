"""The cascade drawn (render/cascade.py): an inline SVG tree of objectives, each node a
link in its status's colour and symbol, that stays one screenful-sized drawing however
big the organisation is, with every unit still reachable from it by links."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import pytest
from helpers.checkkit import render_content

from okrsite.pipeline import load_content, run
from okrsite.render import iter_site
from okrsite.render.page import Page
from okrsite.settings import Settings

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from synth import generate  # noqa: E402

FIXTURE = Path(__file__).parents[1] / "fixtures" / "golden_company"
SVG = "{http://www.w3.org/2000/svg}"
DRAWING = re.compile(r'<svg [^>]*class="okr-cascade".*?</svg>', re.S)
LIMIT = 60  # objectives a drawing may hold (cascade.MAX_NODES, as the guide says)


def drawing(page: Page) -> ET.Element:
    found = DRAWING.findall(page.html)
    assert len(found) == 1, f"{page.path}: {len(found)} drawings"
    return ET.fromstring(found[0])  # well-formed XML, or this fails


def nodes(svg: ET.Element) -> list[ET.Element]:
    """The objectives drawn: links that are not a 'more beneath' link."""
    return [a for a in svg.iter(f"{SVG}a") if a.get("class") != "okr-k-more"]


def words(a: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in a.iter(f"{SVG}text")
                    if t.get("aria-hidden") != "true")


@pytest.fixture(scope="module")
def small() -> dict[str, Page]:
    content = load_content(FIXTURE).content
    pages = render_content(content, Settings(content_dir=FIXTURE, as_of=date(2030, 5, 15)))
    return {p.path: p for p in pages}


def test_every_objective_of_the_tree_is_a_node_with_colour_symbol_and_words(
        small: dict[str, Page]) -> None:
    svg = drawing(small["cascade/2030-Q2.md"])
    drawn = nodes(svg)
    titles = [words(a) for a in drawn]
    # the year's company objective first, the quarter's beneath it, down to the team
    assert titles[0].startswith("Grow revenue to 20M 2030 · Acme Corp · 37% · ")
    assert titles[1].startswith("Reach 15M revenue Acme Corp · 43% · on track")
    assert any(t.startswith("Lower the happiness index Index Team · ") for t in titles)
    for a in drawn:
        assert a.get("href", "").startswith("../../periods/"), a.get("href")
        rect = a.find(f"{SVG}rect")
        glyph = a.find(f"{SVG}text[@aria-hidden='true']")
        assert rect is not None and glyph is not None
        tone = rect.get("class", "").removeprefix("okr-k-")
        assert tone in ("green", "yellow", "red", "grey")
        assert glyph.text in ("✓", "!", "✗", "★", "○", "–", "◔")
    # the same tree in words below it: every drawn objective's link is in the list too
    html = small["cascade/2030-Q2.md"].html
    listed = html[html.index("<summary>The cascade as a list</summary>"):]
    assert all(f'href="{a.get("href")}"' in listed for a in drawn)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Page], set[str]]:
    root = tmp_path_factory.mktemp("synth")
    generate(root, units=200, periods=1)
    build = run(Settings(content_dir=root, as_of=date(2026, 2, 15), history=False))
    pages = {}
    for page in iter_site(build):  # pages come in nav order: the cascades before the units
        pages[page.path] = page
        if page.path == "kpis/index.md":
            break
    return pages, set(build.view.content.org.units)


def test_200_units_stay_a_bounded_drawing_and_every_unit_is_reachable_from_it(
        big: tuple[dict[str, Page], set[str]]) -> None:
    """200 units, 800 objectives in one period: no drawing holds more than 60
    objectives; following the drawings' links from the period's cascade (nodes to
    objectives, "more beneath" to a unit's cascade) reaches every unit."""
    pages, units = big
    assert len(units) == 200
    cascades = [p for p in pages if p.startswith("cascade/2026-Q1")]
    assert len(cascades) > 1  # the period's, and the units' it links to
    for path in cascades:
        assert 0 < len(nodes(drawing(pages[path]))) <= LIMIT, path

    reached: set[str] = set()
    seen, queue = set(), ["cascade/2026-Q1.md"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        base = "https://x/" + path.removesuffix(".md").removesuffix("index") + \
            ("" if path.endswith("index.md") else "/")
        for a in drawing(pages[path]).iter(f"{SVG}a"):
            target = urljoin(base, a.get("href", "")).removeprefix("https://x/")
            target = target.split("#")[0]
            if m := re.fullmatch(r"periods/2026-Q1/([^/]+)/", target):
                reached.add(m.group(1))
            else:
                assert a.get("class") == "okr-k-more", target
                source = target + "index.md" if target.count("/") > 2 else \
                    target.rstrip("/") + ".md"
                assert source in pages, f"{path}: broken link to {target}"
                queue.append(source)
    assert reached == units
