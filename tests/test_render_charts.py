"""Charts: well-formed, accessible SVG that scales, with a table saying the same."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from okrsite.render.charts import Bar, Chart, Point, kpi_chart, kr_chart, nice_ticks, trend_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'Evil </title><script>alert(1)</script> & "q"'


def parse(chart: Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    return root


def assert_accessible(chart: Chart, title: str) -> ET.Element:
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("aria-label") == title
    assert root.get("viewBox") == "0 0 640 260"
    assert root.get("width") is None and root.get("height") is None  # scales with CSS
    assert root.find(f"{SVG}title").text == title
    desc_id = root.get("aria-describedby")
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert not root.findall(f".//{SVG}script") and not root.findall(f".//{SVG}image")
    assert not root.findall(f".//{SVG}foreignObject")
    for el in root.iter():
        assert not any(k.startswith("on") for k in el.attrib), el.tag
        assert not any("href" in k for k in el.attrib), el.tag  # no links, no outside files
        assert "font-family" not in el.attrib  # the page's font, no web fonts
    return root


def table_rows(chart: Chart) -> list[list[str]]:
    table = ET.fromstring(chart.table)
    assert table.tag == "table"
    assert table.find("caption") is not None and table.find("thead") is not None
    return [["".join(td.itertext()) for td in tr] for tr in table.find("tbody")]


POINTS = [Point(date(2026, 10, 15), 20, "<p>New rota.</p>", 0.7),
          Point(date(2026, 11, 1), 18), Point(date(2026, 11, 20), 16.5, "", 0.6)]


def test_numeric_kr_chart() -> None:
    chart = kr_chart("kr-a_b-chart", "First response", POINTS, start=date(2026, 10, 1),
                     end=date(2026, 12, 31), as_of=date(2026, 11, 20), unit="h", baseline=24,
                     target=12, expected_end=1.0)
    root = assert_accessible(chart, "First response")
    assert len(root.findall(f".//{SVG}circle")) == 3
    assert root.find(f".//{SVG}polyline") is not None
    expected = root.find(f".//{SVG}line[@class='okr-c-expected']")
    assert expected is not None  # the expected-progress line
    # it runs from the baseline at the start to the target at the end (committed: 1.0)
    target_line = root.find(f".//{SVG}line[@class='okr-c-target']")
    assert expected.get("y2") == target_line.get("y1")
    assert root.find(f".//{SVG}line[@class='okr-c-asof']") is not None
    rows = table_rows(chart)
    # expected by then: 24 h falling linearly to 12 h over the 91 days of the quarter
    assert rows == [["2026-10-15", "20 h", "22.15 h", "70%", "New rota."],
                    ["2026-11-01", "18 h", "19.91 h", "–", ""],
                    ["2026-11-20", "16.5 h", "17.41 h", "60%", ""]]
    assert "First response" in chart.caption and "expected progress" in chart.caption


def test_aspirational_expected_line_stops_short_of_the_target() -> None:
    chart = kr_chart("c", "Grow", [Point(date(2026, 1, 31), 5)], start=date(2026, 1, 1),
                     end=date(2026, 3, 31), as_of=date(2026, 2, 1), baseline=0, target=10,
                     expected_end=0.7)
    root = parse(chart)
    expected = root.find(f".//{SVG}line[@class='okr-c-expected']")
    target_line = root.find(f".//{SVG}line[@class='okr-c-target']")
    assert float(expected.get("y2")) > float(target_line.get("y1"))  # lower on screen
    assert "70%" in chart.caption


def test_threshold_kr_chart_says_which_values_met_it() -> None:
    chart = kr_chart("c", "CSAT", [Point(date(2026, 10, 31), 92.5), Point(date(2026, 11, 30), 88)],
                     start=date(2026, 10, 1), end=date(2026, 12, 31), as_of=date(2026, 12, 1),
                     unit="%", target=90, direction="at_least")
    assert_accessible(chart, "CSAT")
    assert [r[2] for r in table_rows(chart)] == ["yes", "no"]
    assert "threshold ≥ 90%" in chart.caption
    assert "okr-c-expected" not in chart.svg


def test_kpi_chart_has_bands_and_target() -> None:
    points = [Point(date(2026, m, 28), v) for m, v in ((1, 30), (2, 40), (3, 47))]
    chart = kpi_chart("kpi-nps-chart", "NPS", points, as_of=date(2026, 3, 31), unit="points",
                      green=45, red=35, higher_is_better=True, target=50)
    root = assert_accessible(chart, "NPS")
    bands = {r.get("class").split("--")[1] for r in root.findall(f".//{SVG}rect")}
    assert bands == {"green", "yellow", "red"}
    assert all(r.find(f"{SVG}title") is not None for r in root.findall(f".//{SVG}rect"))
    assert root.find(f".//{SVG}line[@class='okr-c-target']") is not None
    assert [r[2] for r in table_rows(chart)] == ["unhealthy", "watch", "healthy"]
    assert "healthy: 45 points or more" in chart.caption


def test_kpi_chart_lower_is_better_puts_the_healthy_band_at_the_bottom() -> None:
    points = [Point(date(2026, 1, 31), 10), Point(date(2026, 2, 28), 30)]
    chart = kpi_chart("k", "Latency", points, as_of=date(2026, 3, 1), unit="ms", green=12,
                      red=25, higher_is_better=False)
    root = parse(chart)
    rects = {r.get("class").split("--")[1]: float(r.get("y"))
             for r in root.findall(f".//{SVG}rect")}
    assert rects["green"] > rects["red"]  # larger y is lower on screen
    assert [r[2] for r in table_rows(chart)] == ["healthy", "unhealthy"]


def test_trend_chart() -> None:
    bars = [Bar("2026-Q1", 0.82, "achieved", "green"), Bar("2026-Q2", None, "no data", None),
            Bar("2026-Q3", 1.3, "achieved", "green")]
    chart = trend_chart("trend-x", "Support by period", bars)
    root = assert_accessible(chart, "Support by period")
    rects = root.findall(f".//{SVG}rect")
    assert len(rects) == 3 and "okr-c-bar--none" in rects[1].get("class")
    assert float(rects[2].get("y")) >= 16  # an overachieved score stays inside the plot
    assert table_rows(chart) == [["2026-Q1", "0.82", "achieved"], ["2026-Q2", "no data",
                                                                   "no data"],
                                 ["2026-Q3", "1.30", "achieved"]]


@pytest.mark.parametrize("make", [
    lambda: kr_chart("c", HOSTILE, [Point(date(2026, 1, 1), 1, "<p>x &amp; y</p>")],
                     start=date(2026, 1, 1), end=date(2026, 3, 31), as_of=date(2026, 1, 1),
                     unit='<b>"u"</b>', baseline=0, target=2),
    lambda: kpi_chart("c", HOSTILE, [Point(date(2026, 1, 1), 1)], as_of=date(2026, 1, 1),
                      unit="&", green=1, red=0),
    lambda: trend_chart("c", HOSTILE, [Bar(HOSTILE, 0.5, HOSTILE, "yellow")]),
])
def test_hostile_text_is_escaped(make: object) -> None:
    chart = make()  # type: ignore[operator]
    root = assert_accessible(chart, HOSTILE)
    assert "<script" not in chart.svg and "<script" not in chart.table
    ET.fromstring(chart.table)
    figure = ET.fromstring(f"<div>{chart.html()}</div>")  # the whole block is well-formed
    assert figure.find("figure") is not None and figure.find("details") is not None
    assert root.find(f"{SVG}title").text == HOSTILE


@pytest.mark.parametrize("points", [
    [],
    [Point(date(2026, 2, 1), 5)],
    [Point(date(2026, 2, 1), 5), Point(date(2026, 2, 2), 5)],
    [Point(date(2026, 2, 1), -1e9), Point(date(2026, 3, 1), 1e9)],
    [Point(date(2026, 2, 1), 0.001), Point(date(2026, 3, 1), 0.0012)],
])
def test_edge_cases_stay_well_formed(points: list[Point]) -> None:
    for chart in (kr_chart("c", "t", points, start=date(2026, 1, 1), end=date(2026, 3, 31),
                           as_of=date(2026, 3, 1)),
                  kr_chart("c", "t", points, start=date(2026, 1, 1), end=date(2026, 3, 31),
                           as_of=date(2026, 3, 1), baseline=5, target=5),
                  kpi_chart("c", "t", points, as_of=date(2026, 3, 1))):
        root = assert_accessible(chart, "t")
        for el in root.iter():
            for name in ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"):
                if name in el.attrib:
                    value = float(el.get(name))
                    assert -1 <= value <= 641, (name, value)
        assert len(table_rows(chart)) == len(points)


def test_charts_are_deterministic() -> None:
    def make() -> str:
        return kr_chart("c", "t", POINTS, start=date(2026, 10, 1), end=date(2026, 12, 31),
                        as_of=date(2026, 11, 20), baseline=24, target=12).html()
    assert make() == make()


def test_nice_ticks() -> None:
    assert nice_ticks(0, 10) == [0, 2.5, 5, 7.5, 10]
    assert nice_ticks(87.1, 94.2)[0] <= 87.1 and nice_ticks(87.1, 94.2)[-1] >= 94.2
    assert nice_ticks(5, 5) == [4.5, 5, 5.5] or len(nice_ticks(5, 5)) >= 2
