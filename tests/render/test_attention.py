"""What needs attention: the check-ins page lists the active periods' key results whose
check-in is stale or due, by owner (linked to the person) and by unit, with the date of
the last update; the home page and an active period's page show the committed
objectives off track and the stale key results at the top. A public build lists no
restricted item."""

from __future__ import annotations

from datetime import date

import pytest
from helpers.checkkit import Repo
from helpers.pagetext import page_text

from okrsite.pipeline import Build, run
from okrsite.render import render_pages
from okrsite.render.page import Page
from okrsite.settings import Settings

AS_OF = date(2026, 5, 20)  # 2026-Q2 is active, 49 days in; 2026-Q1 is closed

ORG = {"version": 1, "kind": "org", "name": "Acme", "units": [
    {"id": "company", "name": "Acme", "lead": "Ada Lovelace"},
    {"id": "sales", "name": "Sales", "parent": "company", "lead": "Sam Seller"},
    {"id": "support", "name": "Support", "parent": "company", "lead": "Pat Helper"}]}

PEOPLE = {"version": 1, "kind": "people", "people": [
    {"id": "ada-lovelace", "name": "Ada Lovelace"},
    {"id": "sam-seller", "name": "Sam Seller"},
    {"id": "pat-helper", "name": "Pat Helper"}]}


def _kr(kid: str, title: str, *check_ins: tuple[str, float], **more: object) -> dict:
    return {"id": kid, "title": title, "baseline": 0, "target": 100,
            "check_ins": [{"date": d, "value": v} for d, v in check_ins], **more}


SALES_Q2 = {"version": 1, "kind": "okrs", "unit": "sales", "period": "2026-Q2", "objectives": [
    {"id": "win", "title": "Win the market", "owner": "Sam Seller", "type": "committed",
     "key_results": [
         # 40 days old: stale; a later check-in with only a note keeps nothing fresh
         {**_kr("pipeline", "Build the pipeline", ("2026-04-10", 5)),
          "check_ins": [{"date": "2026-04-10", "value": 5},
                        {"date": "2026-05-12", "note": "Still counting"}]},
         _kr("fresh", "Fresh numbers", ("2026-05-15", 20))]},
    {"id": "dream", "title": "Dream big", "owner": "Sam Seller",  # aspirational, off track
     "key_results": [_kr("moon", "Reach the moon", ("2026-05-18", 1))]}]}

SUPPORT_Q2 = {"version": 1, "kind": "okrs", "unit": "support", "period": "2026-Q2",
              "objectives": [
    {"id": "happy", "title": "Happier customers", "owner": "Pat Helper", "key_results": [
        # owner by id: the same person as "Sam Seller" above
        _kr("response", "Answer faster", owner="sam-seller"),  # no value yet: due
        _kr("calls", "More calls", ("2026-05-19", 50))]},
    {"id": "secret", "title": "Buy ZETASECRET", "owner": "Pat Helper",
     "visibility": "restricted",
     "key_results": [_kr("zeta", "ZETASECRET signed", ("2026-04-02", 50))]}]}

SALES_Q1 = {"version": 1, "kind": "okrs", "unit": "sales", "period": "2026-Q1", "objectives": [
    {"id": "old", "title": "Last quarter", "owner": "Sam Seller", "type": "committed",
     "key_results": [_kr("ancient", "An old number", ("2026-01-10", 5))]}]}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return Repo(tmp_path_factory.mktemp("attention") / "content", {
        "org.yaml": ORG, "people.yaml": PEOPLE,
        "periods/2026-Q1/sales.yaml": SALES_Q1,
        "periods/2026-Q2/sales.yaml": SALES_Q2, "periods/2026-Q2/support.yaml": SUPPORT_Q2})


def _build(repo: Repo, internal: bool = False) -> Build:
    return run(Settings(content_dir=repo.root, as_of=AS_OF, history=False,
                        include_restricted=internal, cache_dir=None))


def _pages(build: Build) -> dict[str, Page]:
    return {p.path: p for p in render_pages(build)}


def _section(text: str, start: str, end: str | None) -> str:
    body = text.split(f"\n{start}\n", 1)[1]
    return body.split(f"\n{end}\n", 1)[0] if end else body


def test_the_content_passes_check(repo):
    assert [d for d in _build(repo).diagnostics if d.is_error] == []


def test_checkins_page_lists_stale_and_due_key_results_by_owner_and_by_unit(repo):
    page = _pages(_build(repo))["checkins/index.md"]
    assert page.title == "Check-ins due"
    text = page_text(page.html)
    assert "1 key result stale, 1 due." in text
    by_owner = _section(text, "By owner", "By unit")
    assert by_owner == (
        "Sam Seller\n"
        "Key result | Period | Unit | Check-in\n"
        "Build the pipeline | 2026-Q2 | Sales | ◔ stale · last value 2026-04-10 (40 days ago)\n"
        "Answer faster | 2026-Q2 | Support | due: no value yet")
    by_unit = _section(text, "By unit", None)
    assert by_unit == (
        "Sales\n"
        "Key result | Period | Owner | Check-in\n"
        "Build the pipeline | 2026-Q2 | Sam Seller | ◔ stale · last value 2026-04-10 "
        "(40 days ago)\n"
        "Support\n"
        "Key result | Period | Owner | Check-in\n"
        "Answer faster | 2026-Q2 | Sam Seller | due: no value yet\n")
    # The owner links to the person, the key result to its card.
    assert '<h3 id="owner-sam-seller"><a href="../people/sam-seller/">Sam Seller</a></h3>' \
        in page.html
    assert '<a href="../periods/2026-Q2/sales/#kr-win_pipeline">Build the pipeline</a>' \
        in page.html
    assert page.in_nav


def test_home_and_the_active_period_show_off_track_committed_objectives_and_stale_krs(repo):
    pages = _pages(_build(repo))
    for path in ("index.md", "periods/2026-Q2/index.md"):
        text = page_text(pages[path].html)
        # home: at the top; a period: on its dashboard, beside the counts, above the units
        top = text.split("\nUnits\n" if "periods/" in path else "\nCompany objectives", 1)[0]
        box = top.split("Needs attention\n", 1)[1]
        assert box == (
            "1 committed objective off track\n"
            "- Win the market (Sales · 2026-Q2): 12%, expected 54% by now\n"
            "1 stale key result\n"
            "- Build the pipeline (Sales · 2026-Q2): last value 2026-04-10, owner Sam Seller\n"
            "Check-ins due: 2 key results stale or due."), path
    # The closed quarter's old check-in is not stale, and its page has no box.
    q1 = page_text(pages["periods/2026-Q1/index.md"].html)
    assert "Needs attention" not in q1 and "Nothing needs attention" not in q1
    assert "An old number" not in page_text(pages["checkins/index.md"].html)


def test_a_public_build_lists_no_restricted_item_and_an_internal_one_marks_it(repo):
    public = _pages(_build(repo))
    for path in ("checkins/index.md", "index.md", "periods/2026-Q2/index.md",
                 "people/pat-helper/index.md", "people/index.md"):
        assert "ZETASECRET" not in public[path].html, path
    assert "1 restricted objective is not shown" in page_text(public["checkins/index.md"].html)
    internal = _pages(_build(repo, internal=True))
    text = page_text(internal["checkins/index.md"].html)
    assert "Pat Helper\nKey result | Period | Unit | Check-in\n" \
           "ZETASECRET signed ⊘ restricted | 2026-Q2 | Support | ◔ stale · last value " \
           "2026-04-02 (48 days ago)\n" in text


def test_pages_display_the_one_attention_list_of_the_build(repo):
    build = _build(repo)
    found = build.attention
    assert [(str(d.kr.ref), d.reason) for d in found.key_results] == [
        ("2026-Q2:sales/win/pipeline", "stale"), ("2026-Q2:support/happy/response", "due")]
    assert [str(o.objective.ref) for o in found.off_track] == ["2026-Q2:sales/win"]
    assert found.periods == ("2026-Q2",)
    # The people page counts the same key results.
    people = page_text(_pages(build)["people/index.md"].html)
    assert "Sam Seller | – | 3 | 5 | 0 | 2\n" in people


def test_nothing_to_attend_to_is_said_in_words(tmp_path):
    calm = {**SALES_Q2, "objectives": [{**SALES_Q2["objectives"][0], "key_results": [
        _kr("fresh", "Fresh numbers", ("2026-05-15", 60))]}]}
    repo = Repo(tmp_path / "content", {"org.yaml": ORG, "people.yaml": PEOPLE,
                                       "periods/2026-Q2/sales.yaml": calm})
    pages = _pages(_build(repo))
    assert "Nothing needs attention: no committed objective is off track and no key " \
           "result is stale." in page_text(pages["index.md"].html)
    assert "Every key result of the active periods is up to date." in \
        page_text(pages["checkins/index.md"].html)
