"""Restricted items: withheld from a public build without a trace, shown in an internal one.

The fixture's restricted objective `acme/globex-deal` (2030-Q2, owner Gordon Gekko,
budget 4242) and restricted KPI `burn-rate-x9` (measurement 31337) must not appear
in any page of a public build: not their titles, ids, owners, values, nor the key
results that use the KPI (`product/evil/burn-777`), nor in a unit's score.
"""

from __future__ import annotations

import copy
import html
from datetime import date
from pathlib import Path

import pytest
from helpers.checkkit import render_content
from helpers.pagetext import page_text

from okrsite.model import Content
from okrsite.pipeline import from_content, load_content
from okrsite.render.page import Page
from okrsite.scoring.rollup import score_content
from okrsite.settings import Settings
from okrsite.visibility import WithheldCount, public_view

FIXTURE = Path(__file__).parents[1] / "fixtures" / "golden_company"
AS_OF = date(2030, 5, 15)
# Every trace of the restricted items: titles, ids, owner, numbers, names.
SECRETS = ["Globex", "globex-deal", "Gordon Gekko", "4242", "Burn rate X9", "burn-rate-x9",
           "31337", "burn-777", "Cut burn by 777", "Confidential"]


@pytest.fixture(scope="module")
def content() -> Content:
    loaded = load_content(FIXTURE)
    assert loaded.ok
    return loaded.content


def settings(internal: bool) -> Settings:
    return Settings(content_dir=FIXTURE, as_of=AS_OF, include_restricted=internal)


def everything(pages: list[Page]) -> str:
    """All a generator gets: paths, titles, metadata and the HTML body (as written, and
    with character references decoded, so an escaped secret is found too)."""
    return "\n".join(f"{p.path}\n{p.title}\n{p.meta!r}\n{p.html}\n{html.unescape(p.html)}"
                     for p in pages)


def texts(pages: list[Page]) -> dict[str, str]:
    """What a reader sees on each page, by path."""
    return {p.path: page_text(p.html) for p in pages}


def test_public_build_has_no_trace_of_restricted_items(content: Content) -> None:
    text = everything(render_content(content, settings(internal=False)))
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret


def test_internal_build_shows_restricted_items_marked(content: Content) -> None:
    pages = render_content(content, settings(internal=True))
    text = "\n".join(texts(pages).values())
    for secret in ("Acquire Globex quietly", "Gordon Gekko", "Burn rate X9", "31337",
                   "Cut burn by 777"):
        assert secret in text, secret
    assert "globex-deal" in everything(pages)  # its anchor and links
    unit = next(p for p in pages if p.path == "periods/2030-Q2/acme/index.md")
    assert "okr-chip--restricted" in unit.html
    assert "⊘ restricted" in page_text(unit.html)
    assert "internal build" in page_text(unit.html)
    assert "Not shown in this build" not in everything(pages)
    assert any(p.path == "kpis/burn-rate-x9/index.md" for p in pages)


def test_pages_say_what_was_withheld(content: Content) -> None:
    pages = texts(render_content(content, settings(internal=False)))
    acme = pages["periods/2030-Q2/acme/index.md"]
    assert "1 restricted objective is not shown in this build." in acme
    product = pages["periods/2030-Q2/product/index.md"]
    assert "1 key result that uses a restricted KPI is not shown in this build." in product
    assert "1 restricted KPI is not shown in this build." in pages["kpis/index.md"]
    period = pages["periods/2030-Q2/index.md"]
    assert "1 restricted objective is not shown in this build." in period
    assert "Not shown in this build" not in pages["periods/2030-Q1/index.md"]
    assert "Not shown in this build" not in pages["periods/2030-Q2/platform/index.md"]
    # the objective aligned to the restricted one says so without naming it
    assert "a restricted objective that is not shown in this build" in product


def test_public_view_counts_and_cuts(content: Content) -> None:
    before = copy.deepcopy(content)
    view, withheld = public_view(content)
    assert content == before  # the input is not changed
    assert withheld.by_unit_period == {("2030-Q2", "acme"): WithheldCount(1, 0),
                                       ("2030-Q2", "product"): WithheldCount(0, 1)}
    assert withheld.total == WithheldCount(1, 1)
    assert withheld.period("2030-Q1") == WithheldCount()
    assert withheld.kpis == 1
    assert withheld.hidden_alignments == {"2030-Q2:product/moonshot"}
    assert "burn-rate-x9" not in view.kpis
    assert [o.id for o in view.okrs[("2030-Q2", "acme")].objectives] == ["q2-grow"]
    evil = next(o for o in view.okrs[("2030-Q2", "product")].objectives if o.id == "evil")
    assert [kr.id for kr in evil.key_results] == ["quality"]
    moonshot = next(o for o in view.okrs[("2030-Q2", "product")].objectives
                    if o.id == "moonshot")
    assert moonshot.aligns_to is None
    # aligned to a withheld key result: now aligned to that key result's objective
    index = view.okrs[("2030-Q2", "index")].objectives[0]
    assert str(index.aligns_to) == "2030-Q2:product/evil"


def test_public_view_of_public_content_is_the_same(content: Content) -> None:
    view, _ = public_view(content)
    again, withheld = public_view(view)
    assert again == view and not withheld


def test_unit_scores_do_not_reflect_restricted_objectives(content: Content) -> None:
    public = render_content(content, settings(internal=False))
    internal = render_content(content, settings(internal=True))
    view = public_view(content).content
    public_card = score_content(view, AS_OF)
    full_card = score_content(content, AS_OF)
    assert public_card.units["2030-Q2:acme"].score != full_card.units["2030-Q2:acme"].score
    for pages, card in ((public, public_card), (internal, full_card)):
        lines = texts(pages)["periods/2030-Q2/acme/index.md"].splitlines()
        summary = lines[lines.index("Summary") + 1]  # the unit's score bar, in words
        assert summary.startswith(f"{card.units['2030-Q2:acme'].score * 100:.0f}% · "), summary


def test_a_public_build_scores_only_what_it_shows(content: Content) -> None:
    public = from_content(content, settings(internal=False))
    internal = from_content(content, settings(internal=True))
    restricted = {str(o.ref) for o in content.objectives() if o.restricted}
    assert restricted and not restricted & set(public.scorecard.objectives)
    assert restricted <= set(internal.scorecard.objectives)
    assert public.scorecard.as_of == internal.scorecard.as_of == AS_OF
