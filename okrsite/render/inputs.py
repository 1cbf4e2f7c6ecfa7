"""What each page renders from, as one digest per page (okrsite.pagecache keys on it).

A page's digest covers:

- what every page shows or is shaped by (`base`): the okrsite version, the settings
  (visibility, URL style and scoring included), the as-of date, the scorers and their
  versions, the org, people and period files, which unit periods and KPIs exist, the
  withheld counts, and with history the commit the content is at;
- the unit periods it shows (`unit_period`): the file's bytes, the files of the KPIs
  its key results read, and its unit's and objectives' results (which a cascade or an
  aligned roll-up takes from other units);
- for a unit period's page also the unit periods it links with their titles or
  scores (the objectives it aligns to, those aligned to it, the one it was carried
  from, the units beneath), and its unit's sandbagging signal;
- for a unit's page also the KPIs it owns (their names are listed), and for a
  person's the KPIs they own;
- the attention list, for the pages that show it (home, check-ins, people, and an
  active period's page).

A frozen period's pages (closed, with a final record: `frozen`) show neither the
build's as-of nor its commit: they are as of the period's scoring date (its close or
latest amendment, Site.period_as_of), and a unit-period page's change log, goalposts
and authors are those of its own entries. So their digest (`frozen_base` instead of
`base`) holds that date, every period's state and, with history, exactly what the page
shows of it: a CI build on a later day or a new commit takes them from cache_dir.

The listing pages (home, check-ins, periods, KPIs, units, people) take every unit
period: an edit re-renders them, which is one page each.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from okrsite.digest import code_version, digest_of
from okrsite.model import PeriodState
from okrsite.render.common import Site

if TYPE_CHECKING:
    from okrsite.pipeline import Build


class PageInputs:
    """The digests of one build's pages, each part computed once."""

    def __init__(self, build: Build, site: Site) -> None:
        self.build, self.site = build, site
        self.files = {rel: sha for _, rel, _, _, sha in build.snapshot.entries}
        self._up: dict[tuple[str, str], str] = {}

    @cached_property
    def _common(self) -> str:
        """What every page is shaped by, but the as-of and the commit."""
        b, site = self.build, self.site
        # Where the cache is changes no page; the as-of is in `base`, not frozen_base.
        settings = b.settings.but(cache_dir=None, as_of=None)
        shared = sorted((rel, sha) for rel, sha in self.files.items()
                        if not rel.startswith(("periods/", "kpis/"))
                        or rel.endswith(("/period.yaml", "/period.yml")))
        scorers = sorted({(r.score.scorer, r.score.scorer_version)
                          for r in site.card.krs.values()})
        return digest_of(code_version(), settings.key(), scorers, b.registry.names(), shared,
                         sorted(site.content.okrs), sorted(site.content.kpis), repr(site.withheld))

    @cached_property
    def base(self) -> str:
        b = self.build
        head = b.head if b.settings.history else None
        return digest_of(self._common, self.site.as_of.isoformat(), head)

    def frozen_base(self, period: str) -> str:
        """`base` for a frozen period's pages: its scoring date for the as-of, and every
        period's state (a linked objective's period may close), not the commit."""
        site = self.site
        return digest_of(self._common, "frozen", site.period_as_of(period).isoformat(),
                         sorted((p, s.value) for p, s in site.card.period_states.items()))

    def _history(self, period: str, unit: str) -> str:
        """What a frozen unit-period page shows of the history: its change log (or
        why there is none), its key results' goalpost moves and who made their latest
        updates."""
        site = self.site
        if site.history is None:
            return ""
        h = site.history
        up = site.content.okrs[(period, unit)]
        krs = [kr for o in up.objectives for kr in o.key_results]
        log = repr(h.for_unit_period(period, unit)) if h.available else ""
        latest = []
        for kr in krs:
            res = site.card.krs.get(str(kr.ref))
            latest.append(repr(site.latest_update(kr, res.last_check_in))
                          if res is not None else "")
        return digest_of("history", h.available, h.shallow, h.horizon, log,
                         [repr(site.goalposts.get(str(kr.ref), [])) for kr in krs], latest)

    def _kpi(self, kpi: str) -> str:
        found = self.site.content.kpis.get(kpi)
        source = found.source.path if found is not None and found.source else kpi
        return self.files.get(source, "") + repr(self.site.card.kpis.get(kpi))

    def unit_period(self, period: str, unit: str) -> str:
        """One unit period: its file, the KPIs it reads, and its results."""
        key = (period, unit)
        if key not in self._up:
            site = self.site
            up = site.content.okrs.get(key)
            if up is None:
                self._up[key] = ""
                return ""
            kpis = sorted({k.kpi for o in up.objectives for k in o.key_results if k.kpi})
            self._up[key] = digest_of(self.files.get(up.source.path, ""),
                                      [self._kpi(k) for k in kpis],
                                      repr(site.unit_result(period, unit)),
                                      [repr(site.card.objectives.get(str(o.ref)))
                                       for o in up.objectives])
        return self._up[key]

    @cached_property
    def everything(self) -> str:
        """Every unit period, KPI and the attention list: the listing pages'."""
        content = self.site.content
        return digest_of(self.base, [self.unit_period(p, u) for p, u in sorted(content.okrs)],
                         [self._kpi(k) for k in sorted(content.kpis)], self.attention)

    @cached_property
    def attention(self) -> str:
        """The attention list (okrsite.attention): which key results and objectives it
        names and why, each with its unit period's digest (its titles and results); the
        by-owner groups follow from those. Its own repr cost seconds at 1,000 pages."""
        att = self.site.attention
        return digest_of("attention", att.periods,
                         [(str(d.kr.ref), d.reason, d.owner, d.person, d.age_days,
                           self.unit_period(d.objective.period, d.objective.unit))
                          for d in att.key_results],
                         [(str(o.objective.ref), self.unit_period(o.objective.period,
                                                                  o.objective.unit))
                          for o in att.off_track])

    def _of(self, kind: str, *parts: object) -> str:
        return digest_of(kind, self.base, *parts)

    def _of_period(self, period: str, kind: str, *parts: object) -> str:
        """A digest of a page of `period`: on `frozen_base` if it is frozen."""
        if self.frozen(period):
            return digest_of(kind, self.frozen_base(period), *parts)
        return self._of(kind, *parts)

    def _ups(self, keys: Iterable[tuple[str, str]]) -> list[str]:
        return [self.unit_period(p, u) for p, u in sorted(set(keys))]

    # -- the pages -------------------------------------------------------------------------

    def listing(self, path: str) -> str:
        return self._of(path, self.everything)

    def period(self, period: str) -> str:
        site = self.site
        active = site.state(period) is PeriodState.ACTIVE  # only then it shows attention
        return self._of_period(period, "period", period,
                               self._ups(k for k in site.content.okrs if k[0] == period),
                               self.attention if active else "")

    def cascade(self, period: str) -> str:
        """The period's cascade pages (its own and its units'): its objectives, the ones
        they align to, and the company's of the periods containing it (a year's: not the
        other units' of that year, which the cascade shows only if aligned to)."""
        site = self.site
        keys = {k for k in site.content.okrs if k[0] == period}
        for o in site.content.objectives(period):
            parent = site.parent_ref(o)
            while parent is not None:
                target = site.objectives[parent]
                keys.add((target.period, target.unit))
                parent = site.parent_ref(target)
        this, root = site.periods[period], site.root
        keys.update(k for k in site.content.okrs if k[0] != period and k[1] == root
                    and k[0] in site.periods and site.periods[k[0]].contains(this))
        return self._of_period(period, "cascade", period, self._ups(keys))

    def unit_period_page(self, period: str, unit: str) -> str:
        site = self.site
        up = site.content.okrs[(period, unit)]
        linked: set[tuple[str, str]] = {(period, unit)}
        for o in up.objectives:
            parent = site.parent_ref(o)
            if parent is not None:
                target = site.objectives[parent]
                linked.add((target.period, target.unit))
            for b in site.beneath.get(str(o.ref), []):
                linked.add((b.period, b.unit))
            if o.carried_from is not None:
                carried = site.objectives.get(str(o.carried_from))
                if carried is not None:
                    linked.add((carried.period, carried.unit))
        linked.update((period, c.id) for c in site.content.org.children(unit))
        return self._of_period(period, "unit-period", period, unit, self._ups(linked),
                               repr(site.card.sandbagging.get(unit)),
                               self._history(period, unit) if self.frozen(period) else "")

    def kpi(self, kpi: str) -> str:
        site = self.site
        feeds = [k for k, up in site.content.okrs.items()
                 if any(kr.kpi == kpi for o in up.objectives for kr in o.key_results)]
        return self._of("kpi", kpi, self._kpi(kpi), self._ups(feeds))

    def unit(self, unit: str) -> str:
        site = self.site
        return self._of("unit", unit, self._ups(k for k in site.content.okrs if k[1] == unit),
                        repr(site.card.sandbagging.get(unit)),
                        [self._kpi(k.id) for k in site.content.kpis.values() if k.owner == unit])

    def person(self, person: str) -> str:
        owned = self.site.people.people[person]
        keys = [(o.period, o.unit) for o in owned.objectives]
        keys += [(o.period, o.unit) for o, _ in owned.key_results]
        return self._of("person", person, self._ups(keys),
                        [self._kpi(k.id) for k in owned.kpis], self.attention)

    def frozen(self, period: str) -> bool:
        """A closed period with a final record: its pages can be kept on disk."""
        p = self.site.periods.get(period)
        return p is not None and p.final is not None and \
            self.site.state(period) is PeriodState.CLOSED
