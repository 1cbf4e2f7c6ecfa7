"""A period's table of objectives, written compact (a row an objective: 2,500 rows at
5,000 units): its cells carry no label or class of their own; okrsite.css labels them
on a phone's cards by column, so the labels there must be the table's headers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from helpers.checkkit import render_content

from okrsite.pipeline import load_content
from okrsite.render.page import Page
from okrsite.settings import Settings

FIXTURE = Path(__file__).parents[1] / "fixtures" / "golden_company"
CSS = (Path(__file__).resolve().parents[2] / "okrsite" / "assets" / "okrsite.css"
       ).read_text(encoding="utf-8")
TABLE = re.compile(r'<div class="[^"]*okr-objectives[^"]*">\s*<table>(.*?)</table>', re.S)


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    content = load_content(FIXTURE).content
    rendered = render_content(content, Settings(content_dir=FIXTURE, as_of=date(2030, 5, 15)))
    return {p.path: p for p in rendered}


def css_labels() -> dict[int, str]:
    """Column -> the label okrsite.css writes before a period card's cell."""
    return {int(n): label for n, label in re.findall(
        r'\.okr-objectives td:nth-child\((\d+)\)::before\s*\{\s*content:\s*"([^"]*): ";', CSS)}


def test_a_phone_card_labels_each_cell_with_its_column_header(pages: dict[str, Page]) -> None:
    """In the closed quarter (with its Grade column): every column but the title and
    the status (which lead the card) is labelled with its header's words."""
    html = pages["periods/2030-Q1/index.md"].html
    tables = TABLE.findall(html)
    assert len(tables) == 1
    headers = [re.sub(r"<[^>]*>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", tables[0])]
    assert headers == ["Unit", "Objective", "Owner", "Type", "Score", "Status", "Grade"]
    labelled = {i + 1: h for i, h in enumerate(headers) if h not in ("Objective", "Status")}
    assert css_labels() == labelled
    rows = re.findall(r"<tr>(.*?)</tr>", tables[0].partition("</thead>")[2], re.S)
    assert rows and all(len(re.findall(r"<td[ >]", r)) == len(headers) for r in rows)


def test_the_score_cell_sorts_by_the_score_not_its_rounded_words(
        pages: dict[str, Page]) -> None:
    """okrsite.js sorts by a cell's own data-sort: the score to four places, -1 for no
    data (the words "no data" sort before every score)."""
    html = pages["periods/2030-Q2/index.md"].html
    cells = re.findall(r'<td data-sort="([^"]+)">([^<]*)</td>', TABLE.findall(html)[0])
    assert cells
    for sort, words in cells:
        if words == "no data":
            assert sort == "-1"
        else:
            assert f"{round(float(sort) * 100)}%" == words
