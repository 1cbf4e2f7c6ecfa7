"""What needs attention: the check-ins page (`checkins/index.md`), every key result of
the active periods whose check-in is due or stale, by owner and by unit; and the box at
the top of the home page and the period pages. Both only display `Build.attention`."""

from __future__ import annotations

from okrsite.attention import DueKR, OwnerGroup
from okrsite.render.common import (
    CHECKINS,
    RESTRICTED_CHIP,
    Site,
    admonition,
    bullets,
    day,
    h1,
    heading,
    join_blocks,
    kr_anchor,
    para,
    period_page,
    plural,
    score,
    seg,
    status_chip,
    table,
    unit_period_page,
    withheld_note,
)
from okrsite.render.page import Page
from okrsite.render.page import Searched as S
from okrsite.render.safe import inline
from okrsite.visibility import WithheldCount

TITLE = "Check-ins due"
MAX_LISTED = 10  # items in the box on the home and period pages; the rest are one link away


def checkins(site: Site) -> Page:
    path = CHECKINS
    found = site.attention
    blocks = [h1(TITLE)]
    periods = ", ".join(site.link(path, period_page(p), inline(site.periods[p].title))
                        for p in found.periods)
    blocks.append(site.as_of_line(f"active: {periods}" if periods else "no active period"))
    withheld = sum((site.withheld.period(p) for p in found.periods), WithheldCount())
    blocks.append(withheld_note(withheld))
    stale, due = len(found.stale()), len(found.due())
    blocks.append(para(
        "The key results of the active periods whose check-in is <strong>stale</strong> "
        "(the latest value is older than the key result's staleness window) or "
        "<strong>due</strong> (no value yet, and the first one is due). A key result whose "
        "values come from a KPI is brought up to date by measuring the KPI."))
    if not found.key_results:
        blocks.append(para("Every key result of the active periods is up to date."
                           if found.periods else "No period is active."))
        return _page(blocks)
    blocks.append(para(f"{plural(stale, 'key result')} stale, {due} due."))

    blocks.append(heading(2, "By owner", "by-owner"))
    for group in found.owners:
        blocks.append(heading(3, _owner(site, path, group), _owner_anchor(group)))
        blocks.append(table([S("Key result"), "Period", S("Unit"), "Check-in"],
                            [[_kr_link(site, path, d), d.period,
                              site.unit_link(path, d.unit, d.period), _why(d)]
                             for d in group.key_results]))

    blocks.append(heading(2, "By unit", "by-unit"))
    for unit, items in found.by_unit():
        blocks.append(heading(3, inline(site.unit_name(unit)), f"unit-{seg(unit)}"))
        blocks.append(table([S("Key result"), "Period", S("Owner"), "Check-in"],
                            [[_kr_link(site, path, d), d.period,
                              site.person_link(path, d.owner) if d.owner else "–",
                              _why(d)] for d in items]))
    return _page(blocks)


def _page(blocks: list[str]) -> Page:
    return Page(CHECKINS, TITLE, join_blocks(blocks), {"okrsite": {"kind": "checkins"}},
                in_nav=True)


def _owner(site: Site, path: str, group: OwnerGroup) -> str:
    if group.owner is None:
        return "No owner"
    return site.person_link(path, group.owner)


def _owner_anchor(group: OwnerGroup) -> str:
    # `_` is in no id and in no `seg` slug: these cannot collide with an owner's.
    if group.person is not None:
        return f"owner-{seg(group.person)}"
    return f"owner-{seg(group.owner)}" if group.owner else "owner_none"


def _kr_link(site: Site, path: str, d: DueKR) -> str:
    target = site.url(path, unit_period_page(d.period, d.unit),
                      kr_anchor(d.objective.id, d.kr.id))
    text = f'<a href="{target}">{inline(d.kr.title)}</a>'
    return text + " " + RESTRICTED_CHIP if d.result.restricted else text


def _why(d: DueKR) -> str:
    """Stale since the last update (its date and age), or due without any value. Also
    one column so that a phone shows it beside the key result."""
    if d.reason == "due" or d.age_days is None:
        return "due: no value yet"
    return (f"{status_chip('stale')} · last value {day(d.last_update)} "
            f"({plural(d.age_days, 'day')} ago)")


def attention_box(site: Site, path: str, period: str | None = None) -> str:
    """At the top of the home page (every active period) and of an active period's page:
    the committed objectives off track and the stale key results, linked; "" for a
    period that is not active."""
    found = site.attention
    if period is not None and period not in found.periods:
        return ""
    if not found.periods:
        return ""
    off = found.objectives_off_track(period)
    stale = found.stale(period)
    due = found.due(period)
    more = site.link(path, CHECKINS, TITLE.lower())
    if not off and not stale:
        tail = f" {plural(len(due), 'key result')} still {'has' if len(due) == 1 else 'have'} " \
               f"no value yet: see {more}." if due else ""
        return para("Nothing needs attention: no committed objective is off track and no "
                    f"key result is stale.{tail}", "okr-attention")
    parts = []
    if off:
        parts.append(para(f"<strong>{plural(len(off), 'committed objective')} off "
                          "track</strong>"))
        parts.append(bullets(
            f"{site.objective_link(path, o.objective, context=True)}: "
            f"{score(o.result.score)}, expected {score(o.result.expected)} by now"
            for o in off[:MAX_LISTED]))
        if len(off) > MAX_LISTED:
            parts.append(para(f"and {len(off) - MAX_LISTED} more."))
    if stale:
        parts.append(para(f"<strong>{plural(len(stale), 'stale key result')}</strong>"))
        parts.append(bullets(_stale_item(site, path, d) for d in stale[:MAX_LISTED]))
        if len(stale) > MAX_LISTED:
            parts.append(para(f"and {len(stale) - MAX_LISTED} more."))
    total = len(stale) + len(due)
    parts.append(para(f"{site.link(path, CHECKINS, TITLE)}: "
                      f"{plural(total, 'key result')} stale or due."))
    return admonition("warning okr-attention", "Needs attention", "\n".join(parts))


def _stale_item(site: Site, path: str, d: DueKR) -> str:
    owner = f", owner {site.person_link(path, d.owner)}" if d.owner else ""
    return (f"{_kr_link(site, path, d)} ({inline(site.unit_name(d.unit))} · {d.period}): "
            f"last value {day(d.last_update)}{owner}")
