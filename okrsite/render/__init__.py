"""Render: the content and its scorecard as pages for any site generator.

    view, withheld = public_view(content)          # a public build (the default)
    scorecard = score_content(view, settings.as_of, settings.scoring)
    pages = render_site(content, scorecard, settings)

or, the same in one call, `render_content(content, settings)`.

Pages and their paths (content/guide/site.md documents them for readers):

    index.md                          home: the current period at a glance      (nav)
    periods/index.md                  every period                              (nav)
    periods/<period>/index.md         one period: every unit's objectives       (nav)
    periods/<period>/<unit>/index.md  one unit in one period: OKRs in full
    cascade/<period>.md               alignment from the company down           (nav)
    kpis/index.md                     KPI catalogue                             (nav)
    kpis/<kpi>/index.md               one KPI: chart, health, key results
    units/index.md                    the organisation                          (nav)
    units/<unit>/index.md             one unit across periods

A listing page is `<section>/index.md` and a detail page `<section>/<id>/index.md`, one
directory deeper, so no id, not even `index`, can take a listing page's place. Page
titles are HTML-safe text without `<` or `>` (generators treat titles as HTML).

A page body is HTML (tables, lists, admonitions, `<details>`, inline SVG charts), with
headings that carry fixed ids and relative links between pages (`Settings.directory_urls`
picks `a/b/` or `a/b.html`). A generator needs no Markdown pass over it: the MkDocs
plugin hands it to MkDocs as the page's content, and `okrsite render --out` writes it
under YAML front matter, which any Markdown generator passes through as HTML. The
pages expect okrsite/assets/okrsite.css and okrsite.js on every page (chips, bars,
charts, sorting, printing) and take their typography from the theme (Material's
`md-typeset`: admonitions, `details`, cards).

The output is a pure function of (content, scorecard, settings): no clock, stable
order (periods chronologically, units in org order, objectives in file order, KPIs
by id) and fixed number formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING

from okrsite.model import Content
from okrsite.render.cascade import cascade
from okrsite.render.common import Site
from okrsite.render.home import current_period, home
from okrsite.render.kpi import kpi, kpis_index
from okrsite.render.page import Asset, Page
from okrsite.render.period import period, periods_index
from okrsite.render.safe import SafeMarkdown
from okrsite.render.unit import unit_overview, unit_period, units_index
from okrsite.render.visibility import PublicView, Withheld, WithheldCount, public_view
from okrsite.scoring import Scorecard, ScorerRegistry, score_content
from okrsite.settings import Settings

if TYPE_CHECKING:
    from okrsite.history import History

__all__ = [
    "Asset",
    "Page",
    "PublicView",
    "ScorecardMismatch",
    "Withheld",
    "WithheldCount",
    "iter_site",
    "public_view",
    "render_content",
    "render_outputs",
    "render_site",
]


class ScorecardMismatch(ValueError):
    """The scorecard was not computed from the content this build shows."""


def iter_site(content: Content, scorecard: Scorecard, settings: Settings,
              history: History | None = None) -> Iterator[Page]:
    """Every page of the site, in navigation order, one at a time: a generator can
    hand each page on (or write it) before the next is rendered.

    `content` is the full content. Unless `settings.include_restricted`, restricted
    objectives and KPIs (and key results using a restricted KPI) are withheld with
    `public_view`, and pages say how many items were left out. `scorecard` must be
    computed on exactly what is shown: on `public_view(content).content` for a public
    build (or a unit's score would still reflect its restricted objectives), on the
    full content for an internal one, and as of `settings.as_of`. Anything else raises
    `ScorecardMismatch` rather than risk a leak.
    """
    if settings.include_restricted:
        shown, withheld = content, Withheld()
    else:
        shown, withheld = public_view(content)
    _check(shown, scorecard, settings)
    site = Site(shown, scorecard, settings, withheld, SafeMarkdown(), history)
    return _pages(site, scorecard)


def _pages(site: Site, scorecard: Scorecard) -> Iterator[Page]:
    shown = site.content
    current = current_period(site)
    chronological = list(scorecard.periods)
    newest_first = chronological[::-1]

    yield home(site, current)
    yield periods_index(site, newest_first)
    yield from (period(site, p) for p in newest_first)
    yield from (cascade(site, p) for p in newest_first)
    yield kpis_index(site)
    yield units_index(site, current)
    for p in chronological:
        yield from (unit_period(site, p, u) for u in site.units if (p, u) in shown.okrs)
    yield from (kpi(site, k) for k in shown.kpis.values())
    yield from (unit_overview(site, u) for u in site.units if u in shown.org.units)


def render_site(content: Content, scorecard: Scorecard, settings: Settings,
                history: History | None = None) -> list[Page]:
    """Every page of the site, in navigation order: `iter_site` as a list."""
    return list(iter_site(content, scorecard, settings, history))



def render_outputs(content: Content, settings: Settings, history: History | None = None,
                   registry: ScorerRegistry | None = None
                   ) -> tuple[Iterator[Page], list[Asset]]:
    """The whole site: pages, plus with history the change log, the audit pages and
    their downloads (CSV, JSON, manifest). The pages come one at a time (`iter_site`),
    so a caller need not hold them all. `history` must be read with the same
    `include_restricted` as the build (okrsite.history.read_history)."""
    from okrsite.render.history import history_pages

    shown = content if settings.include_restricted else public_view(content).content
    card = score_content(shown, settings.as_of, settings.scoring, registry)
    pages = iter_site(content, card, settings, history)
    more: list[Page] = []
    assets: list[Asset] = []
    if history is not None:
        more, assets = history_pages(content, history, settings.as_of, settings.scoring,
                                     settings.include_restricted, settings.directory_urls)
    return chain(pages, more), assets


def render_content(content: Content, settings: Settings,
                   registry: ScorerRegistry | None = None) -> list[Page]:
    """Score what the build shows (the public view unless include_restricted), then
    render it: the whole render stage in one call. `registry` defaults to the
    built-in scorers plus the installed plugins."""
    return list(render_outputs(content, settings, None, registry)[0])


def _check(shown: Content, card: Scorecard, settings: Settings) -> None:
    if card.as_of != settings.as_of:
        raise ScorecardMismatch(f"the scorecard is as of {card.as_of.isoformat()}, the build "
                                f"as of {settings.as_of.isoformat()}")
    objectives = {str(o.ref) for o in shown.objectives()}
    extra = sorted(set(card.objectives) - objectives)
    missing = sorted(objectives - set(card.objectives))
    extra_kpis = sorted(set(card.kpis) - set(shown.kpis))
    missing_kpis = sorted(set(shown.kpis) - set(card.kpis))
    krs = {str(kr.ref) for o in shown.objectives() for kr in o.key_results}
    extra_krs = sorted(set(card.krs) - krs)
    if extra or extra_kpis or extra_krs:
        hint = ("score public_view(content).content for a public build"
                if not settings.include_restricted else "score the same content")
        raise ScorecardMismatch(
            f"the scorecard has {len(extra)} objective(s), {len(extra_krs)} key result(s) "
            f"and {len(extra_kpis)} KPI(s) this build does not show: {hint}")
    if missing or missing_kpis:
        raise ScorecardMismatch(
            f"the scorecard lacks {len(missing)} objective(s) and {len(missing_kpis)} KPI(s) "
            "of the content: score the content being rendered")
