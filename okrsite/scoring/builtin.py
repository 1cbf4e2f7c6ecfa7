"""The built-in scorers: linear, ratio, threshold, milestones, binary."""

from __future__ import annotations

from datetime import date, timedelta

from okrsite.model import KRKind
from okrsite.numbers import fmt_num
from okrsite.scoring.base import BaseScorer, Score, ScoreInput


def _no_value(data: ScoreInput, scorer: BaseScorer) -> Score:
    return scorer.no_data(f"no data on or before {data.as_of.isoformat()}", data)


def _baseline_note(data: ScoreInput) -> str:
    return "" if data.baseline_source in ("key result", "none") else \
        f"baseline: {data.baseline_source}"


def kpi_direction_conflict(data: ScoreInput) -> str:
    """Why a KPI-linked numeric KR cannot be scored: its baseline is already at or past
    its target in the KPI's better direction (NPS, higher is better, from 52 to 50), so
    progress would mean getting worse. Empty when there is no conflict."""
    kpi, baseline, target = data.kpi, data.baseline, data.kr.target
    if kpi is None or baseline is None or target is None or baseline == target:
        return ""
    if (target > baseline) == kpi.higher_is_better:
        return ""
    better = "higher" if kpi.higher_is_better else "lower"
    return (f"baseline {fmt_num(baseline)} ({data.baseline_source}) is already past the "
            f"target {fmt_num(target)} of KPI {kpi.id}, where {better} is better")


def ratio_refuses(data: ScoreInput) -> str:
    """`ratio` scores current / target, which grows as the value rises: it cannot score
    a KR that should fall (baseline above target) or stay at or below a level."""
    kr, baseline = data.kr, data.baseline
    if kr.direction == "at_most":
        return "ratio (current / target) cannot score an at_most key result"
    if kr.direction is None and baseline is not None and kr.target is not None \
            and baseline > kr.target:
        return "ratio (current / target) cannot score a falling key result"
    return ""


class LinearScorer(BaseScorer):
    """(current - baseline) / (target - baseline): rising or falling by their order."""

    name = "linear"
    version = "1"
    kinds = (KRKind.NUMERIC.value,)

    def score(self, data: ScoreInput) -> Score:
        target, baseline, current = data.kr.target, data.baseline, data.current
        if target is None:
            return self.no_data("no target", data)
        if baseline is None:
            return self.no_data("no baseline: give `baseline:` or a KPI value before the "
                                "period starts", data, {"target": target})
        if baseline == target:
            return self.no_data("baseline equals target", data,
                                {"baseline": baseline, "target": target})
        wrong_way = kpi_direction_conflict(data)
        if wrong_way:
            return self.no_data(wrong_way, data, {"baseline": baseline, "target": target})
        if current is None:
            return _no_value(data, self)
        raw = (current.value - baseline) / (target - baseline)
        inputs: dict[str, object] = {
            "baseline": baseline, "baseline_source": data.baseline_source, "target": target,
            "current": current.value, "current_date": current.date.isoformat()}
        formula = (f"({fmt_num(current.value)} - {fmt_num(baseline)}) / "
                   f"({fmt_num(target)} - {fmt_num(baseline)})")
        return self.result(raw, inputs, formula, data, _baseline_note(data))


class RatioScorer(BaseScorer):
    """current / target (50 of 100 customers: 0.5); opt in with `scorer: ratio`."""

    name = "ratio"
    version = "1"
    kinds = (KRKind.NUMERIC.value, KRKind.THRESHOLD.value)

    def score(self, data: ScoreInput) -> Score:
        target, current = data.kr.target, data.current
        if not target:  # None or 0: the ratio is undefined
            return self.no_data("ratio needs a non-zero target", data, {"target": target})
        if ratio_refuses(data):  # current / target would reward a rising value
            return self.no_data(ratio_refuses(data), data, {"target": target})
        if current is None:
            return _no_value(data, self)
        inputs: dict[str, object] = {"target": target, "current": current.value,
                                     "current_date": current.date.isoformat()}
        return self.result(current.value / target, inputs,
                           f"{fmt_num(current.value)} / {fmt_num(target)}", data)


class ThresholdScorer(BaseScorer):
    """The share of the elapsed period spent inside the bound.

    Each value stands from its date until the next one; the first also stands for the
    days before it, and a closing value dated after the period's end for its last day.
    Counting days, not check-ins, means checking in more often does not change the score,
    and two values on one date count once (the later one in the file)."""

    name = "threshold"
    version = "2"
    kinds = (KRKind.THRESHOLD.value,)
    pace = "level"  # keeping a level: the share should be high all along, not grow

    def score(self, data: ScoreInput) -> Score:
        target, direction = data.kr.target, data.kr.direction or "at_least"
        if target is None:
            return self.no_data("no target", data)
        if not data.values:
            return _no_value(data, self)
        start, end = data.period.start, data.period.end
        last_day = max(start, min(data.as_of, end))
        # the value standing on each day: by date, clamped into the period
        by_day: dict[date, float] = {}
        for p in data.values:
            by_day[min(max(p.date, start), end)] = p.value
        changes = sorted(by_day.items())
        days = (last_day - start).days + 1
        met, i, value = 0, 0, changes[0][1]
        for n in range(days):
            day = start + timedelta(days=n)
            while i < len(changes) and changes[i][0] <= day:
                value = changes[i][1]
                i += 1
            met += value <= target if direction == "at_most" else value >= target
        sign = "<=" if direction == "at_most" else ">="
        noun = data.value_noun if len(data.values) != 1 else data.value_noun[:-1]
        inputs: dict[str, object] = {"target": target, "direction": direction,
                                     "days_met": met, "days": days,
                                     "count": len(data.values)}
        return self.result(met / days, inputs,
                           f"{met} of {days} days {sign} {fmt_num(target)}", data,
                           f"{len(data.values)} {noun}")


class MilestonesScorer(BaseScorer):
    """Done weight / total weight."""

    name = "milestones"
    version = "1"
    kinds = (KRKind.MILESTONES.value,)

    def score(self, data: ScoreInput) -> Score:
        milestones = data.kr.milestones
        total = sum(m.weight for m in milestones)
        if not milestones or total <= 0:
            return self.no_data("no milestones", data)
        done = sum(m.weight for m in milestones if m.done)
        count = sum(m.done for m in milestones)
        inputs: dict[str, object] = {"done_weight": done, "total_weight": total,
                                     "done": [m.title for m in milestones if m.done]}
        return self.result(done / total, inputs,
                           f"done weight {fmt_num(done)} / {fmt_num(total)}", data,
                           f"{count} of {len(milestones)} milestones done")


class BinaryScorer(BaseScorer):
    """1 if done, else 0."""

    name = "binary"
    version = "1"
    kinds = (KRKind.BINARY.value,)

    def score(self, data: ScoreInput) -> Score:
        done = data.kr.done
        if done is None:
            return self.no_data("not reported as done or not done", data)
        return self.result(1.0 if done else 0.0, {"done": done},
                           "done" if done else "not done", data)


BUILTIN_SCORERS: dict[str, BaseScorer] = {
    s.name: s for s in (LinearScorer(), RatioScorer(), ThresholdScorer(),
                        MilestonesScorer(), BinaryScorer())
}

# The scorer each KR shape uses unless the KR or the site settings say otherwise.
DEFAULT_BY_KIND: dict[str, str] = {
    KRKind.NUMERIC.value: "linear",
    KRKind.THRESHOLD.value: "threshold",
    KRKind.MILESTONES.value: "milestones",
    KRKind.BINARY.value: "binary",
}
