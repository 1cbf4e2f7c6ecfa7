"""What a page hands the search index (`okrsite.render.page.searchable`): a table's word
columns are the ones its renderer marked, whatever their headers say, and a note the page
shows twice (the latest check-in, also in its table of check-ins) is indexed once."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from okrsite.render.charts import Point, kr_chart
from okrsite.render.common import table
from okrsite.render.page import Searched, searchable

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers.checkkit import one_unit_pages


def test_a_word_column_is_searched_by_its_mark_not_its_header() -> None:
    marked = table([Searched("Remark"), "Score"], [["Courier tried twice", "33%"]])
    assert "Courier tried twice" in searchable(marked)  # a header renamed stays searched
    assert "33%" not in searchable(marked)
    unmarked = table(["Note", "Score"], [["Courier tried twice", "33%"]])
    assert "Courier tried twice" not in searchable(unmarked)  # the words alone do nothing


def test_a_chart_s_table_keeps_its_notes_searchable() -> None:
    chart = kr_chart("kr", "Deals", [Point(date(2026, 4, 10), 2, "<p>First call</p>"),
                                     Point(date(2026, 4, 24), 5, "<p>Two big ones</p>")],
                     start=date(2026, 4, 1), end=date(2026, 6, 30), as_of=date(2026, 5, 1),
                     baseline=0, target=20)
    words = searchable(f"<details class=\"okr-how\">\n<summary>How</summary>\n"
                       f"{chart.table}\n</details>")
    assert "First call" in words and "Two big ones" in words
    assert "2026-04-10" not in words  # dates and numbers are not what a reader searches


OKRS = """
version: 1
kind: okrs
unit: company
period: 2026-Q2
objectives:
  - id: grow
    title: Grow
    owner: Ada Lovelace
    key_results:
      - id: deals
        title: Close 20 deals
        baseline: 0
        target: 20
        check_ins:
          - {date: 2026-04-10, value: 2, note: Courier DEALSONE tried.}
          - {date: 2026-04-24, value: 5, note: Two DEALSTWO ones.}
      - id: calls
        title: Make 100 calls
        baseline: 0
        target: 100
        check_ins:
          - {date: 2026-04-17, value: 30, note: First CALLSONE half}
"""


def test_the_latest_check_in_note_is_indexed_once(tmp_path: Path) -> None:
    page = next(p for p in one_unit_pages(tmp_path, OKRS, date(2026, 5, 1))
                if p.path == "periods/2026-Q2/company/index.md")
    # On the page: the latest note on the key result's card and in its table.
    assert page.html.count("Two DEALSTWO ones.") == 2
    words = searchable(page.html)
    assert words.count("Two DEALSTWO ones.") == 1
    assert words.count("Courier DEALSONE tried.") == 1  # an older note: in the table only
    # A key result without a chart (one value) has no table: its card's note is searched.
    assert page.html.count("First CALLSONE half") == 1
    assert words.count("First CALLSONE half") == 1
