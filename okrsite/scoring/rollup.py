"""From key results to objectives to units: the scorecard, computed once per build.

Every result is keyed by its `ref` string and stored in dicts filled in a
stable order (periods chronologically, units in org order, objectives and key
results in file order, KPIs by id), so whatever iterates a scorecard is
deterministic without sorting again.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import date

from okrsite.model import Content, KeyResult, KRKind, Objective, ObjectiveType, Period, PeriodState
from okrsite.numbers import fmt_num, fmt_score
from okrsite.periods import KIND_ORDER
from okrsite.scoring.base import (
    DEFAULT_SETTINGS,
    DataPoint,
    Score,
    ScoreInput,
    ScoringSettings,
    clamp01,
    scorer_pace,
)
from okrsite.scoring.builtin import BUILTIN_SCORERS
from okrsite.scoring.kpis import KPIHealth, kpi_baseline, kpi_health, kpi_values
from okrsite.scoring.memo import ScoreMemo, context_key
from okrsite.scoring.registry import (
    ScorerLoadError,
    ScorerRegistry,
    UnknownScorerError,
    scorer_name,
)
from okrsite.scoring.status import (
    STATUSES,
    Band,
    ConfidenceFlag,
    Status,
    confidence_flag,
    data_due,
    expected_score,
    grade_mismatch,
    is_stale,
    stale_after_days,
    status_of,
)


@dataclass
class KRResult:
    ref: str
    objective: str  # the objective's ref
    score: Score
    status: Status
    expected: float  # score expected by the as-of date
    confidence: float | None  # of the latest check-in that gave one
    last_check_in: date | None  # latest check-in or KPI value on or before as of
    stale: bool
    band: Band | None  # None without data
    weight: float = 1.0
    kpi: str | None = None  # the KPI its values come from
    restricted: bool = False
    # Every confidence given on or before as of, oldest first: check-ins' and the
    # KR's `confidence:` list (the list wins on a shared date).
    confidence_trend: list[tuple[date, float]] = field(default_factory=list)
    confidence_flag: ConfidenceFlag | None = None  # status and confidence disagree
    grade: float | None = None  # the owner's grade at close
    grade_mismatch: bool = False
    # Active period, no value yet although its first one is due (its staleness window
    # has passed since the start): a check-in is overdue, as for a stale one.
    due: bool = False
    last_value: date | None = None  # latest value on or before as of (what ages: `stale`)


@dataclass
class ObjectiveResult:
    ref: str
    period: str
    unit: str
    type: ObjectiveType
    score: float
    raw: float | None  # weighted mean of the KRs' unclamped progress
    no_data: bool
    band: Band | None
    status: Status
    expected: float
    end_expectation: float
    grade: float | None
    grade_mismatch: bool
    explanation: str
    key_results: list[str] = field(default_factory=list)
    restricted: bool = False
    weight: float = 1.0  # in its unit's mean and in a roll-up above it
    # Which rule gave the score: `key_results` (the default: its own key results) or
    # `aligned` (opt-in `score_from: aligned`: the objectives aligned to it).
    score_from: str = "key_results"
    aligned: list[str] = field(default_factory=list)  # the aligned objectives counted


@dataclass
class UnitResult:
    ref: str  # "<period>:<unit>"
    period: str
    unit: str
    score: float
    no_data: bool
    band: Band | None
    status: Status
    expected: float
    counts: dict[str, int]  # objectives by status, every status present
    kr_counts: dict[str, int]  # key results by status
    explanation: str
    objectives: list[str] = field(default_factory=list)
    # Optional cascade roll-up (setting `cascade`): own objectives plus those aligned
    # beneath them, transitively. A separate number so it is never mistaken for the score.
    cascade_score: float | None = None
    cascade_objectives: list[str] = field(default_factory=list)  # the aligned ones counted
    cascade_explanation: str | None = None


@dataclass
class Scorecard:
    as_of: date
    settings: ScoringSettings
    periods: list[str]  # chronological
    period_states: dict[str, PeriodState]
    krs: dict[str, KRResult] = field(default_factory=dict)
    objectives: dict[str, ObjectiveResult] = field(default_factory=dict)
    units: dict[str, UnitResult] = field(default_factory=dict)
    kpis: dict[str, KPIHealth] = field(default_factory=dict)
    # unit -> its aspirational objectives that closed at 1.0, when they did so in
    # SANDBAG_PERIODS or more periods: a sign the unit aims too low (Google's guidance).
    sandbagging: dict[str, list[str]] = field(default_factory=dict)


SANDBAG_PERIODS = 2  # closed periods with an aspirational objective at 1.0


def _sandbagging(card: Scorecard) -> dict[str, list[str]]:
    full: dict[str, list[str]] = {}
    for o in card.objectives.values():
        if (o.type == "aspirational" and not o.no_data and o.score >= 1.0 - 1e-9
                and card.period_states.get(o.period) is PeriodState.CLOSED):
            full.setdefault(o.unit, []).append(o.ref)
    return {unit: refs for unit, refs in full.items()
            if len({r.split(":", 1)[0] for r in refs}) >= SANDBAG_PERIODS}


# -- key results --------------------------------------------------------------------------

DATED_KINDS = (KRKind.NUMERIC, KRKind.THRESHOLD)


def key_result_input(kr: KeyResult, period: Period, content: Content, as_of: date,
                     settings: ScoringSettings = DEFAULT_SETTINGS) -> ScoreInput:
    """The values a KR's scorer sees: its KPI's or its own, never any dated after as of."""
    kpi = content.kpis.get(kr.kpi) if kr.kpi else None
    if kpi is not None:
        values = kpi_values(kpi, period, as_of)
    else:
        values = tuple(DataPoint(c.date, float(c.value), "check-in")
                       for c in sorted(kr.check_ins, key=lambda c: c.date)
                       if c.value is not None and c.date <= as_of)
    baseline, source = kr.baseline, "key result"
    if baseline is None and kpi is not None:
        before = kpi_baseline(kpi, period, as_of)
        if before is not None:
            baseline, source = float(before.value), f"kpi:{kpi.id} on {before.date.isoformat()}"
    if baseline is None:
        source = "none"
    return ScoreInput(known_as_of(kr, as_of), as_of, period, values, baseline, source, kpi,
                      dict(kr.extensions))


def known_as_of(kr: KeyResult, as_of: date) -> KeyResult:
    """The KR as it stood on `as_of`: a milestone or a binary KR done later (`done_on`)
    is not done yet. Scorers read `done` and need not know the date."""
    if kr.done_on is None and all(m.done_on is None for m in kr.milestones):
        return kr  # nothing is dated: the common case, without copying the milestones

    def later(done: bool | None, on: date | None) -> bool:
        return bool(done) and on is not None and on > as_of

    milestones = [replace(m, done=False) if later(m.done, m.done_on) else m
                  for m in kr.milestones]
    if not later(kr.done, kr.done_on) and milestones == kr.milestones:
        return kr
    return replace(kr, done=False if later(kr.done, kr.done_on) else kr.done,
                   milestones=milestones)


def score_key_result(data: ScoreInput, settings: ScoringSettings,
                     registry: ScorerRegistry) -> tuple[Score, str]:
    """The KR's score and its scorer's pace. Problems (unknown scorer, wrong shape, a
    failing plugin) give a no-data score that says why; `okrsite check` reports them."""
    name = scorer_name(data.kr, settings)
    as_of = {"as_of": data.as_of.isoformat()}
    try:
        scorer = registry.get(name)
    except (UnknownScorerError, ScorerLoadError) as exc:
        return Score(0.0, None, True, name, "", as_of, str(exc)), "linear"
    version = scorer.version
    kinds = getattr(scorer, "kinds", ())
    if kinds and data.kr.kind.value not in kinds:
        return Score(0.0, None, True, name, version, as_of,
                     f"scorer {name!r} cannot score a {data.kr.kind.value} key result"), "linear"
    if name in BUILTIN_SCORERS:
        result = scorer.score(data)  # a failure here is a bug: let it surface
    else:
        try:
            result = scorer.score(data)
        except Exception as exc:  # a plugin's failure must not take the whole site down
            return Score(0.0, None, True, name, version, as_of,
                         f"scorer {name!r} failed: {exc}"), scorer_pace(scorer)
    if not isinstance(result, Score):
        return Score(0.0, None, True, name, version, as_of,
                     f"scorer {name!r} returned {type(result).__name__}, not a Score"), "linear"
    if not 0.0 <= result.value <= 1.0:  # hold plugins to the 0..1 contract
        result = replace(result, value=clamp01(result.value))
    return result, scorer_pace(scorer)


def _last_update(kr: KeyResult, values: Sequence[DataPoint], as_of: date) -> date | None:
    dates = [c.date for c in kr.check_ins if c.date <= as_of] + [p.date for p in values]
    return max(dates) if dates else None


def _confidence_trend(kr: KeyResult, as_of: date) -> list[tuple[date, float]]:
    """Confidence by date, from check-ins and from the KR's `confidence:` list; one
    value per date (the list's, given apart from values, wins), none after as of."""
    by_day: dict[date, float] = {c.date: float(c.confidence) for c in kr.check_ins
                                 if c.confidence is not None and c.date <= as_of}
    by_day.update((e.date, float(e.value)) for e in kr.confidence if e.date <= as_of)
    return sorted(by_day.items())


def _kr_result(kr: KeyResult, objective: Objective, period: Period, content: Content,
               as_of: date, settings: ScoringSettings, registry: ScorerRegistry) -> KRResult:
    data = key_result_input(kr, period, content, as_of, settings)
    score, pace = score_key_result(data, settings, registry)
    state = period.state(as_of)
    end = settings.expectation(objective.type)
    expected = expected_score(period, as_of, end, pace)
    last = _last_update(kr, data.values, as_of)
    window = stale_after_days(kr, data.kpi, settings, period)
    if score.no_data and state is PeriodState.ACTIVE and not data_due(period, as_of, window):
        expected = 0.0  # no value is due yet: it must not pull its objective off track
    # Milestones and `done` are read from the file, not from dated values: they cannot age.
    # Only a value updates the measure: a check-in with just a note or a confidence does
    # not keep a key result from going stale.
    last_value = data.values[-1].date if data.values else None
    stale = kr.kind in DATED_KINDS and is_stale(state, last_value, as_of, window)
    status = status_of(state, score.value, expected, end, settings.status,
                       no_data=score.no_data, stale=stale)
    if score.no_data and state is PeriodState.CLOSED:
        score = replace(score, explanation=f"{score.explanation}; no data by the close, "
                        "so missed (counted as 0)")
    band = _band(score.value, score.no_data, state, settings)
    trend = _confidence_trend(kr, as_of)
    confidence = trend[-1][1] if trend else None
    mismatch = state is PeriodState.CLOSED and grade_mismatch(kr.grade, score.value,
                                                              settings.grade_tolerance)
    missing = last_value is None if kr.kind in DATED_KINDS else score.no_data
    due = missing and state is PeriodState.ACTIVE and data_due(period, as_of, window)
    return KRResult(str(kr.ref), str(objective.ref), score, status, expected,
                    confidence, last, stale, band, kr.weight, kr.kpi,
                    objective.restricted, trend, confidence_flag(status, confidence),
                    kr.grade, mismatch, due, last_value)


def _scored(objective: Objective, period: Period, content: Content, day: date,
            settings: ScoringSettings, registry: ScorerRegistry
            ) -> tuple[list[KRResult], ObjectiveResult]:
    """An objective's own result and its key results' (before any roll-up)."""
    krs = [_kr_result(kr, objective, period, content, day, settings, registry)
           for kr in objective.key_results]
    return krs, _objective_result(objective, krs, period, day, settings)


# -- objectives and units -----------------------------------------------------------------


def _band(score: float, no_data: bool, state: PeriodState,
          settings: ScoringSettings) -> str | None:
    # No colour before the period starts or, while it runs, without data: nothing is
    # failing yet. At the close, no data is a miss and gets the colour of its 0.
    if state is PeriodState.PLANNING or (no_data and state is not PeriodState.CLOSED):
        return None
    return settings.bands.of(score)


def _counts(statuses: Sequence[str]) -> dict[str, int]:
    seen = Counter(statuses)
    return {s: seen.get(s, 0) for s in STATUSES}


def _objective_result(objective: Objective, krs: list[KRResult], period: Period,
                      as_of: date, settings: ScoringSettings) -> ObjectiveResult:
    end = settings.expectation(objective.type)
    total = sum(k.weight for k in krs)
    no_data = total <= 0 or all(k.score.no_data for k in krs)
    if total > 0:
        score = sum(k.weight * k.score.value for k in krs) / total
        expected = sum(k.weight * k.expected for k in krs) / total
        raws = [k.score.raw for k in krs]
        raw = None if all(r is None for r in raws) else \
            sum(k.weight * (k.score.raw or 0.0) for k in krs) / total
    else:
        score, raw, expected = 0.0, None, expected_score(period, as_of, end)
    state = period.state(as_of)
    status = status_of(state, score, expected, end, settings.status, no_data=no_data)
    mismatch = state is PeriodState.CLOSED and grade_mismatch(objective.grade, score,
                                                              settings.grade_tolerance)
    text = _mean_text("weighted mean", "key result", [(k.score.value, k.weight) for k in krs])
    missing = sum(k.score.no_data for k in krs)
    if missing and not no_data:
        text += f" ({missing} without data counted as 0)"
    if mismatch and objective.grade is not None:
        text += (f"; owner's grade {fmt_score(objective.grade)} differs by more than "
                 f"{fmt_num(settings.grade_tolerance)}")
    return ObjectiveResult(
        str(objective.ref), objective.period, objective.unit, objective.type, score, raw,
        no_data, _band(score, no_data, state, settings), status, expected, end,
        objective.grade, mismatch, text, [k.ref for k in krs], objective.restricted,
        objective.weight)


def _aligned_result(objective: Objective, plain: ObjectiveResult,
                    children: list[ObjectiveResult], period: Period, as_of: date,
                    settings: ScoringSettings) -> ObjectiveResult:
    """`score_from: aligned`: the weighted mean (by their `weight`) of the objectives
    aligned to it whose period has started, each judged at its own pace; its own key
    results are scored and shown, not counted."""
    end = settings.expectation(objective.type)
    state = period.state(as_of)
    total = sum(c.weight for c in children)
    if not children or total <= 0:
        score, raw, expected, no_data = 0.0, None, expected_score(period, as_of, end), True
        text = "score_from aligned: no aligned objective has started, score 0"
    else:
        score = sum(c.weight * c.score for c in children) / total
        expected = sum(c.weight * c.expected for c in children) / total
        raws = [c.raw for c in children]
        raw = None if all(r is None for r in raws) else \
            sum(c.weight * (c.raw or 0.0) for c in children) / total
        no_data = all(c.no_data for c in children)
        text = "score_from aligned: " + _mean_text(
            "weighted mean", "aligned objective", [(c.score, c.weight) for c in children])
    if plain.key_results:
        text += f" (its own {plural_kr(len(plain.key_results))} shown, not counted)"
    status = status_of(state, score, expected, end, settings.status, no_data=no_data)
    mismatch = state is PeriodState.CLOSED and grade_mismatch(objective.grade, score,
                                                              settings.grade_tolerance)
    if mismatch and objective.grade is not None:
        text += (f"; owner's grade {fmt_score(objective.grade)} differs by more than "
                 f"{fmt_num(settings.grade_tolerance)}")
    return replace(plain, score=score, raw=raw, no_data=no_data,
                   band=_band(score, no_data, state, settings), status=status,
                   expected=expected, grade_mismatch=mismatch, explanation=text,
                   score_from="aligned", aligned=[c.ref for c in children])


def plural_kr(n: int) -> str:
    return f"{n} key result{'s' if n != 1 else ''}"


def _roll_up(card: Scorecard, content: Content, ordered: list[Objective],
             settings: ScoringSettings) -> None:
    """Re-score every `score_from: aligned` objective from the objectives aligned to it,
    children first, so a roll-up of roll-ups uses their rolled-up scores. Alignment
    cycles are an error (OKR211); here a cycle only stops the walk."""
    beneath: dict[str, list[str]] = {}
    for o in ordered:
        if o.aligns_to is not None:
            parent = str(o.aligns_to.in_period(o.period).objective_ref)
            beneath.setdefault(parent, []).append(str(o.ref))
    by_ref = {str(o.ref): o for o in ordered}
    done: set[str] = set()
    for top in (o for o in ordered if o.score_from == "aligned"):
        stack: list[tuple[str, bool]] = [(str(top.ref), False)]
        on_path: set[str] = set()
        while stack:
            ref, children_done = stack.pop()
            if ref in done:
                continue
            if not children_done:
                if ref in on_path:
                    continue  # a cycle
                on_path.add(ref)
                stack.append((ref, True))
                stack.extend((c, False) for c in beneath.get(ref, []) if c not in done)
                continue
            done.add(ref)
            objective = by_ref[ref]
            if objective.score_from != "aligned":
                continue
            period = content.period(objective.period)
            children = [card.objectives[c] for c in beneath.get(ref, [])
                        if c in card.objectives
                        and card.period_states.get(card.objectives[c].period)
                        is not PeriodState.PLANNING]
            card.objectives[ref] = _aligned_result(
                objective, card.objectives[ref], children, period,
                period.scoring_date(card.as_of), settings)


def _mean_text(label: str, noun: str, parts: list[tuple[float, float]]) -> str:
    """'weighted mean of 2 key results: (0.50 x 1 + 1.00 x 2) / 3 = 0.83'."""
    n = len(parts)
    if n == 0:
        return f"no {noun}s: score 0"
    total = sum(w for _, w in parts)
    if total <= 0:
        return f"{label} of {n} {noun}s: total weight 0, score 0"
    weighted = any(w != 1 for _, w in parts)
    terms = " + ".join(f"{fmt_score(s)} x {fmt_num(w)}" if weighted else fmt_score(s)
                       for s, w in parts)
    value = sum(s * w for s, w in parts) / total
    return (f"{label if weighted else 'mean'} of {n} {noun}{'s' if n != 1 else ''}: "
            f"({terms}) / {fmt_num(total)} = {fmt_score(value)}")


def _unit_result(period_id: str, unit: str, objectives: list[ObjectiveResult],
                 krs: list[KRResult], period: Period, as_of: date,
                 settings: ScoringSettings) -> UnitResult:
    # The mean of its objectives, weighted by their `weight` (default 1: the plain mean).
    n = sum(o.weight for o in objectives)
    no_data = n <= 0 or all(o.no_data for o in objectives)
    score = sum(o.weight * o.score for o in objectives) / n if n > 0 else 0.0
    expected = sum(o.weight * o.expected for o in objectives) / n if n > 0 else 0.0
    end = sum(o.weight * o.end_expectation for o in objectives) / n if n > 0 \
        else settings.expectation("")
    state = period.state(as_of)
    status = status_of(state, score, expected, end, settings.status, no_data=no_data)
    text = _mean_text("weighted mean", "objective", [(o.score, o.weight) for o in objectives])
    # A unit has not achieved its period while a commitment was missed, whatever its mean.
    broken = [o.ref.split("/", 1)[1] for o in objectives
              if o.type == "committed" and o.status == "missed"]
    if status == "achieved" and broken:
        status = "missed"
        text += (f"; missed: committed objective{'s' if len(broken) > 1 else ''} "
                 f"{', '.join(broken)} missed")
    return UnitResult(
        f"{period_id}:{unit}", period_id, unit, score, no_data,
        _band(score, no_data, state, settings), status, expected,
        _counts([o.status for o in objectives]), _counts([k.status for k in krs]),
        text, [o.ref for o in objectives])


def _add_cascade(card: Scorecard, content: Content, ordered: list[Objective]) -> None:
    """Each unit's cascade score: the mean over its objectives and every objective aligned
    beneath them (transitively), leaving out objectives whose period has not started."""
    beneath: dict[str, list[str]] = {}
    for o in ordered:
        if o.aligns_to is not None:
            parent = str(o.aligns_to.in_period(o.period).objective_ref)
            beneath.setdefault(parent, []).append(str(o.ref))
    for unit in card.units.values():
        seen: dict[str, None] = dict.fromkeys(unit.objectives)  # ordered set
        queue = deque(unit.objectives)
        while queue:
            for child in beneath.get(queue.popleft(), []):
                if child not in seen:
                    seen[child] = None
                    queue.append(child)
        aligned = [r for r in seen if r not in unit.objectives
                   and card.period_states.get(card.objectives[r].period)
                   is not PeriodState.PLANNING]
        counted = [*unit.objectives, *aligned]
        if not counted:
            continue
        unit.cascade_score = sum(card.objectives[r].score for r in counted) / len(counted)
        unit.cascade_objectives = aligned
        unit.cascade_explanation = (
            f"cascade: mean of {len(unit.objectives)} own and {len(aligned)} aligned "
            f"objectives = {fmt_score(unit.cascade_score)}")


# -- the whole content --------------------------------------------------------------------


def ordered_periods(content: Content) -> list[str]:
    ids = {*content.periods, *(p for p, _ in content.okrs)}
    periods = [content.period(p) for p in ids]
    periods.sort(key=lambda p: (p.start, KIND_ORDER.get(p.kind, 9), p.id))
    return [p.id for p in periods]


def score_content(content: Content, as_of: date,
                  settings: ScoringSettings = DEFAULT_SETTINGS,
                  registry: ScorerRegistry | None = None,
                  only: Sequence[str] | None = None,
                  memo: ScoreMemo | None = None) -> Scorecard:
    """Score every key result, objective, unit and KPI as of one date (`only`: the key
    results, objectives and units of these periods and the periods inside them, for
    roll-ups, and no KPI). A closed period
    is scored as of the day it closed (Period.scoring_date). `memo`: results kept by
    what they depend on (okrsite.scoring.memo), shared by the build's scorings."""
    registry = registry if registry is not None else ScorerRegistry.discover()
    memo = memo if memo is not None else ScoreMemo()
    context = context_key(settings, registry)
    kpi_keys: dict[str | None, str | None] = {None: None}

    def kpi_key(kpi_id: str | None) -> str | None:
        if kpi_id not in kpi_keys:
            found = content.kpis.get(kpi_id)
            kpi_keys[kpi_id] = "missing" if found is None else repr(found)
        return kpi_keys[kpi_id]

    periods = ordered_periods(content)
    card = Scorecard(as_of, settings, periods,
                     {p: content.period(p).state(as_of) for p in periods})
    if only is not None:  # a roll-up may count objectives of the periods inside these
        wanted = [content.period(p) for p in only]
        only = [p for p in periods if any(w.contains(content.period(p)) for w in wanted)]
    ordered: list[Objective] = []
    units: list[tuple[str, str, list[Objective], list[KRResult], tuple[Hashable, ...]]] = []
    unit_order = content.ordered_units()
    for period_id in periods:
        if only is not None and period_id not in only:
            continue
        period = content.period(period_id)
        day = period.scoring_date(as_of)
        # The state too: it moves with the as-of after a period's end, its day may not.
        period_key = repr((context, memo.shown(period), day, period.state(as_of)))
        for unit in unit_order:
            up = content.okrs.get((period_id, unit))
            if up is None:
                continue
            unit_krs: list[KRResult] = []
            keys: list[Hashable] = []
            for objective in up.objectives:
                ordered.append(objective)
                key = ("objective", period_key, memo.objective_key(objective, settings),
                       *(kpi_key(k.kpi) for k in objective.key_results if k.kpi))
                keys.append(key)
                krs, result = memo.get(key, lambda o=objective, p=period, d=day: _scored(
                    o, p, content, d, settings, registry))
                unit_krs += krs
                card.objectives[result.ref] = result
                card.krs.update((k.ref, k) for k in krs)
            units.append((period_id, unit, up.objectives, unit_krs, tuple(keys)))
    if any(o.score_from == "aligned" for o in ordered):
        _roll_up(card, content, ordered, settings)
    for period_id, unit, objectives, unit_krs, keys in units:  # after the roll-ups
        period = content.period(period_id)

        def unit_result(p: Period = period, pid: str = period_id, u: str = unit,
                        objectives: list[Objective] = objectives,
                        krs: list[KRResult] = unit_krs) -> UnitResult:
            return _unit_result(pid, u, [card.objectives[str(o.ref)] for o in objectives],
                                krs, p, p.scoring_date(as_of), settings)

        if any(o.score_from == "aligned" for o in objectives):
            result = unit_result()  # from other units' objectives: not kept
        else:  # copied: the cascade score is set on it below
            # Keyed by the period too: a unit without objectives has no objective key
            # to carry the settings, the period and its day.
            result = copy(memo.get(("unit", period_key, unit, keys), unit_result))
        card.units[result.ref] = result
    if only is not None:
        return card
    card.sandbagging = _sandbagging(card)
    if settings.cascade:
        _add_cascade(card, content, ordered)
    linked: dict[str, list[str]] = {}
    for k in card.krs.values():
        if k.kpi is not None:
            linked.setdefault(k.kpi, []).append(k.ref)
    for kpi_id in sorted(content.kpis):
        card.kpis[kpi_id] = kpi_health(content.kpis[kpi_id], as_of, settings,
                                       linked.get(kpi_id, []))
    return card
