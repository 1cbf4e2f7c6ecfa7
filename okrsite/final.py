"""Final records: what a closed period's results were, written at close, checked on
every build.

`okrsite close` writes the record into the period's period.yaml (`final:`): every
objective's and key result's score and status as of the close, the scorers and their
versions, the names and parents of the units, the period's `closed_on`, and one
digest. A build recomputes the record from the content and compares (`check_final`):
a closed period whose content no longer gives its record is an error (OKR401) naming
the item, until `okrsite amend` records the change and refreshes the record.

The digest depends only on what the period's scores use: its objectives and key
results (titles, types, grades, shapes, targets, weights, scorers, milestones), the
values each score used (its check-ins, or the KPI measurements it read, with the KPI
baseline), the period's dates, its `closed_on` and its as-of (the close, or its latest
amendment), the unit names and parents and the scorer versions. `parents` and
`closed_on` join it only when the record has them: records written before they were
kept verify as they are, and their next amendment adds them. A later check-in in
another period, a new unit, a comment or a measurement after the close leaves it
unchanged. It is the sha256 of the record's canonical JSON (sorted keys, no spaces)
without `digest` and `at_close`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from okrsite.diagnostics import Diagnostic, diag
from okrsite.model import Content, FinalItem, FinalRecord, Period, PeriodState, Source
from okrsite.scoring.base import ScoringSettings, fmt_score
from okrsite.scoring.memo import ScoreMemo
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.rollup import key_result_input, score_content

FINAL_FORMAT = 1
INPUTS_CHARS = 16  # of the sha256 of one item's inputs: enough to tell a change


def record_date(period: Period) -> date | None:
    """The day a closed period's record is for: its close, or its latest amendment."""
    if period.closed_on is None:
        return None
    return max([period.closed_on, *(a.date for a in period.amendments)])


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _short(data: Any) -> str:
    return hashlib.sha256(_canonical(data).encode()).hexdigest()[:INPUTS_CHARS]


def compute(content: Content, period_id: str, settings: ScoringSettings,
            registry: ScorerRegistry, as_of: date | None = None,
            kept: FinalRecord | None = None, memo: ScoreMemo | None = None) -> FinalRecord:
    """The record the content gives for a closed period, as of `as_of` (default: its
    record date). `kept`: the record whose unit names and parents (the org at close)
    to keep; without it, or for parents a record from before they were kept, the
    period's units and their ancestors as the org has them now. `closed_on` is always
    the content's: an amendment records a moved one."""
    period = content.period(period_id)
    closed_on = period.closed_on  # as the content says, pinned by the record
    day = as_of or record_date(period)
    if day is None:
        raise ValueError(f"{period_id} has no closed_on")
    if period.state(day) is not PeriodState.CLOSED:  # scored as the closed period it is
        period = replace(period, declared_state=PeriodState.CLOSED, closed_on=day)
        content = replace(content, periods={**content.periods, period_id: period})
    card = score_content(content, day, settings, registry, only=[period_id], memo=memo)
    items: list[FinalItem] = []
    scorers: dict[str, str] = {}
    named: dict[str, str] = {}
    for (pid, unit), up in content.okrs.items():
        if pid != period_id:
            continue
        named[unit] = content.org.units[unit].name if unit in content.org.units else unit
        for o in up.objectives:
            res = card.objectives[str(o.ref)]
            # Fields added later join the inputs only when set, so the records of
            # periods closed before them keep their digests.
            used_o: dict[str, Any] = {"type": o.type, "grade": o.grade}
            if o.weight != 1:
                used_o["weight"] = o.weight
            if o.score_from != "key_results":
                used_o.update(score_from=o.score_from, aligned=res.aligned)
            items.append(FinalItem(f"{unit}/{o.id}", o.title, round(res.score, 4), res.status,
                                   _short(used_o)))
            for k in o.key_results:
                kres = card.krs[str(k.ref)]
                scorers[kres.score.scorer] = kres.score.scorer_version
                data = key_result_input(k, period, content, period.scoring_date(day), settings)
                kr = data.kr
                used = {"kind": kr.kind.value, "baseline": data.baseline,
                        "baseline_source": data.baseline_source, "target": kr.target,
                        "direction": kr.direction, "unit": kr.unit, "kpi": kr.kpi,
                        "weight": kr.weight, "scorer": kres.score.scorer, "done": kr.done,
                        "milestones": [[m.title, m.done, m.weight] for m in kr.milestones],
                        "values": [[v.date.isoformat(), v.value] for v in data.values],
                        "extensions": {key: str(v) for key, v in sorted(kr.extensions.items())}}
                if k.grade is not None:
                    used["grade"] = k.grade
                items.append(FinalItem(f"{unit}/{o.id}/{k.id}", k.title,
                                       round(kres.score.value, 4), kres.status, _short(used)))
    if kept is not None and kept.parents is not None:
        names, parents = kept.units, kept.parents
    elif kept is not None:  # a record from before parents were kept gets today's
        now_names, parents = _org_at_close(content, named)
        names = {**now_names, **kept.units}
    else:
        names, parents = _org_at_close(content, named)
    record = FinalRecord(day, "", dict(sorted(scorers.items())), dict(sorted(names.items())),
                         items, parents=dict(sorted(parents.items())), closed_on=closed_on)
    return replace(record, digest=digest(period, record))


def _org_at_close(content: Content, named: dict[str, str]
                  ) -> tuple[dict[str, str], dict[str, str | None]]:
    """The period's units and their ancestors: unit -> name, unit -> parent. The pages
    of a closed period show its org as it was then (see `org_at_close`)."""
    org = content.org
    names = dict(named)
    for unit in list(named):
        if unit in org.units:
            names.update((a.id, a.name) for a in org.ancestors(unit))
    parents = {u: org.units[u].parent if u in org.units else None for u in names}
    return names, parents


@dataclass(frozen=True)
class OrgAtClose:
    """A closed period's units as its final record names them: the names, and the
    parents (records written before parents were kept have none: the org's now)."""

    names: dict[str, str]
    parents: dict[str, str | None]

    def name(self, unit: str, now: str) -> str:
        return self.names.get(unit, now)

    def parent(self, unit: str, now: str | None) -> str | None:
        return self.parents.get(unit, now)

    def children(self, unit: str, now: list[str]) -> list[str]:
        """The units beneath `unit` at close: those the record places there, then
        those of `now` it does not place elsewhere."""
        placed = [u for u, p in self.parents.items() if p == unit]
        return [*(u for u in now if u in placed or u not in self.parents),
                *(u for u in placed if u not in now)]


def org_at_close(period: Period) -> OrgAtClose | None:
    """The org of a closed period as its final record keeps it; None without one."""
    if period.final is None or period.closed_on is None:
        return None
    return OrgAtClose(dict(period.final.units), dict(period.final.parents or {}))


def digest(period: Period, record: FinalRecord) -> str:
    """sha256 of the record's canonical JSON without `digest` and `at_close`."""
    body = {"format": FINAL_FORMAT, "period": period.id, "start": period.start.isoformat(),
            "end": period.end.isoformat(), "as_of": record.as_of.isoformat(),
            "scorers": record.scorers, "units": record.units,
            "items": [[i.ref, i.title, i.score, i.status, i.inputs] for i in record.items]}
    if record.parents is not None:  # kept since records name the org at close
        body["parents"] = record.parents
    if record.closed_on is not None:  # kept since records pin closed_on
        body["closed_on"] = record.closed_on.isoformat()
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def to_data(record: FinalRecord) -> dict[str, Any]:
    """The `final:` block as YAML data (what `okrsite close` writes)."""
    def rows(items: list[FinalItem]) -> list[dict[str, Any]]:
        return [{"ref": i.ref, "title": i.title, "score": i.score, "status": i.status,
                 **({"inputs": i.inputs} if i.inputs else {})} for i in items]

    out: dict[str, Any] = {"as_of": record.as_of}
    if record.closed_on is not None:
        out["closed_on"] = record.closed_on
    out |= {"digest": record.digest, "scorers": dict(record.scorers),
            "units": dict(record.units)}
    if record.parents is not None:
        out["parents"] = dict(record.parents)
    out["items"] = rows(record.items)
    if record.at_close_digest is not None:
        out["at_close"] = {"digest": record.at_close_digest, "items": rows(record.at_close)}
    return out


def amended(old: FinalRecord, new: FinalRecord) -> FinalRecord:
    """`new`, keeping what `old` says of the close: for every item whose figures an
    amendment changed, its figures at close (score None: added after the close)."""
    kept = {i.ref: i for i in old.at_close}
    before = {i.ref: i for i in old.items}
    now = {i.ref: i for i in new.items}
    for ref in [*before, *(r for r in now if r not in before)]:
        if ref in kept:
            continue
        was, is_ = before.get(ref), now.get(ref)
        if was is None:
            kept[ref] = FinalItem(ref, is_.title if is_ else "", None, None)
        elif is_ is None or (was.score, was.status, was.title) != (is_.score, is_.status,
                                                                    is_.title):
            kept[ref] = replace(was, inputs="")
    order = [*before, *(r for r in now if r not in before)]
    return replace(new, at_close=[kept[r] for r in order if r in kept],
                   at_close_digest=old.at_close_digest or old.digest)


# -- comparison ---------------------------------------------------------------------------


@dataclass
class Difference:
    """One way the content no longer gives the record."""

    ref: str  # item ref, or "" for the period as a whole
    message: str
    source: Source | None = None


@dataclass
class FinalCheck:
    period: str
    recorded: FinalRecord
    now: FinalRecord
    differences: list[Difference] = field(default_factory=list)
    intact: bool = True  # the record's own digest matches its figures

    @property
    def ok(self) -> bool:
        return self.intact and not self.differences


def check_final(content: Content, period_id: str, settings: ScoringSettings,
                registry: ScorerRegistry, memo: ScoreMemo | None = None) -> FinalCheck | None:
    """The record of a period compared with what the content gives now; None when the
    period has no record. `memo`: the build's scores (okrsite.scoring.memo)."""
    period = content.period(period_id)
    recorded = period.final
    if recorded is None:
        return None
    day = record_date(period) or recorded.as_of
    now = compute(content, period_id, settings, registry, day, recorded, memo)
    result = FinalCheck(period_id, recorded, now,
                        intact=digest(period, recorded) == recorded.digest)
    result.differences = list(_differences(content, period, recorded, now))
    return result


def _differences(content: Content, period: Period, recorded: FinalRecord,
                 now: FinalRecord) -> Iterator[Difference]:
    if recorded.closed_on is not None and now.closed_on != recorded.closed_on:
        # Moving closed_on moves what counts as after the close, even when a later
        # amendment keeps the record's as-of where it was.
        was, is_ = recorded.closed_on.isoformat(), _iso(now.closed_on)
        yield Difference("", f"closed_on was {was} when the record was written, "
                         f"{is_} now", period.closed_on_source or period.source)
    elif now.as_of != recorded.as_of:
        yield Difference("", f"the record is as of {recorded.as_of.isoformat()}, but "
                         f"closed_on and the amendments now give {now.as_of.isoformat()}",
                         period.source)
    for name, version in recorded.scorers.items():
        if now.scorers.get(name, version) != version:
            yield Difference("", f"scorer {name} was version {version} at close, now "
                             f"{now.scorers[name]}", period.source)
    before = {i.ref: i for i in recorded.items}
    after = {i.ref: i for i in now.items}
    for ref, was in before.items():
        noun = "key result" if ref.count("/") == 2 else "objective"
        is_ = after.get(ref)
        if is_ is None:
            yield Difference(ref, f"{noun} {ref} ({was.title!r}) was removed; at close it "
                             f"scored {_fig(was)}", recorded.source)
            continue
        src = _source(content, period.id, ref)
        if (was.score, was.status) != (is_.score, is_.status):
            yield Difference(ref, f"{noun} {ref} scored {_fig(was)} at close, "
                             f"{_fig(is_)} now", src)
        elif was.title != is_.title:
            yield Difference(ref, f"{noun} {ref} was renamed from {was.title!r} to "
                             f"{is_.title!r}", src)
        elif was.inputs != is_.inputs:
            yield Difference(ref, f"what {noun} {ref} is scored from changed since the close "
                             f"(its score {_fig(is_)} is the same)", src)
    for ref, is_ in after.items():
        if ref not in before:
            noun = "key result" if ref.count("/") == 2 else "objective"
            yield Difference(ref, f"{noun} {ref} ({is_.title!r}) was added after the close",
                             _source(content, period.id, ref))


def _iso(day: date | None) -> str:
    return "none" if day is None else day.isoformat()


def _fig(item: FinalItem) -> str:
    if item.score is None:
        return "nothing (not there)"
    return f"{fmt_score(item.score)} ({(item.status or '').replace('_', ' ')})"


def _source(content: Content, period_id: str, ref: str) -> Source | None:
    parts = ref.split("/")
    up = content.okrs.get((period_id, parts[0]))
    if up is None:
        return None
    for o in up.objectives:
        if o.id == parts[1]:
            if len(parts) == 2:
                return o.source
            return next((k.source for k in o.key_results if k.id == parts[2]), o.source)
    return up.source


def final_diagnostics(check: FinalCheck, root: Path) -> list[Diagnostic]:
    """OKR401 for each difference, OKR404 for a record whose digest does not match it."""
    out = []
    pid = check.period
    if not check.intact:
        src = check.recorded.source or Source(f"periods/{pid}/period.yaml")
        out.append(diag(root / src.path, (src.line, src.col), "OKR404",
                        f"the final record of {pid} does not match its own digest: it was "
                        "edited by hand"))
    for d in check.differences:
        src = d.source or Source(f"periods/{pid}/period.yaml")
        out.append(diag(root / src.path, (src.line, src.col), "OKR401",
                        f"closed period {pid} no longer gives its final record: {d.message}",
                        f"Undo the change, or record it: okrsite amend {pid} --by NAME "
                        "--reason TEXT (it refreshes the record)."))
    return out
