"""What `okrsite check` reports about scoring: unknown scorers (OKR219), scorers that do
not fit their key result (OKR213 on a KPI's baseline, OKR230, OKR231), objectives
without key results once their period started (OKR232), and committed objectives
closed below 1.0 without a retrospective (OKR306)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from okrsite.diagnostics import Diagnostic, diag
from okrsite.model import Content, KeyResult, KRKind, Objective, Period, PeriodState, Source
from okrsite.numbers import fmt_num, fmt_score
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.builtin import kpi_direction_conflict, ratio_refuses
from okrsite.scoring.memo import ScoreMemo, context_key
from okrsite.scoring.registry import ScorerRegistry, scorer_name
from okrsite.scoring.rollup import Scorecard, key_result_input, score_content


def _where(content_root: Path, *sources: Source | None) -> tuple[str, tuple[int, int]]:
    for source in sources:
        if source is not None:
            return str(content_root / source.path), (source.line, source.col)
    return str(content_root), (1, 1)


def check_scoring(content: Content, settings: ScoringSettings, as_of: date,
                  content_root: Path, registry: ScorerRegistry | None = None,
                  scorecard: Scorecard | None = None,
                  memo: ScoreMemo | None = None) -> list[Diagnostic]:
    """Diagnostics sorted like `okrsite check` prints them; files are content_root / source.
    Pass the build's `scorecard` (same content, date and settings) to avoid scoring twice,
    or its `memo` (okrsite.scoring.memo): the key results' checks and scores are kept
    there by what they depend on."""
    registry = registry if registry is not None else ScorerRegistry.discover()
    memo = memo if memo is not None else ScoreMemo()
    context = context_key(settings, registry)
    kpi_keys: dict[str, str] = {}  # the KPIs' keys, made once
    period_keys: dict[str, str] = {}  # a closed period's repr holds its final record: once
    out: list[Diagnostic] = []
    for (period_id, _), up in content.okrs.items():
        period = content.period(period_id)
        period_key = period_keys.get(period_id)
        if period_key is None:
            period_key = period_keys[period_id] = repr((context, memo.shown(period), as_of))
        for objective in up.objectives:
            # A roll-up (`score_from: aligned`) is scored from other objectives: it may
            # have no key results of its own.
            if not objective.key_results and objective.score_from != "aligned" \
                    and period.state(as_of) is not PeriodState.PLANNING:
                file, pos = _where(content_root, objective.source, up.source)
                out.append(diag(file, pos, "OKR232",
                                f"objective {objective.ref} has no key results in a period "
                                f"that is {period.state(as_of).value}: its unit's mean "
                                "would count it as 0"))
            for kr in objective.key_results:
                if kr.kpi and kr.kpi not in kpi_keys:
                    kpi_keys[kr.kpi] = repr(content.kpis.get(kr.kpi))
            key = ("shape", period_key, memo.objective_key(objective, settings),
                   *(kpi_keys[k.kpi] for k in objective.key_results if k.kpi))
            found = memo.get(key, lambda o=objective, period=period: tuple(
                () if kr.kind not in (KRKind.NUMERIC, KRKind.THRESHOLD)
                or _unknown_scorer(kr, settings, registry)
                else _shape_problems(kr, period, content, as_of, settings)
                for kr in o.key_results))
            for kr, problems in zip(objective.key_results, found, strict=True):
                unknown = _unknown_scorer(kr, settings, registry)
                if unknown or problems:  # where only when needed: joining paths is not free
                    file, pos = _where(content_root, kr.source, objective.source, up.source)
                    out += [diag(file, pos, "OKR219", unknown)] if unknown else \
                        [diag(file, pos, *problem) for problem in problems]
    card = scorecard if scorecard is not None else score_content(
        _retrospective_candidates(content, as_of), as_of, settings, registry, memo=memo)
    for (period_id, _), up in content.okrs.items():
        if card.period_states.get(period_id) is not PeriodState.CLOSED:
            continue
        for objective in up.objectives:
            result = card.objectives.get(str(objective.ref))
            if result is not None and _needs_retrospective(objective, result.score):
                file, pos = _where(content_root, objective.source, up.source)
                out.append(diag(file, pos, "OKR306",
                                f"committed objective {objective.ref} closed at "
                                f"{fmt_score(result.score)} (below 1.0) without a "
                                "retrospective"))
    return sorted(out)


def _retrospective_candidates(content: Content, as_of: date) -> Content:
    """The content cut down to what OKR306 can be about: committed objectives without a
    retrospective, in periods that are (or may be) closed. Scores depend only on an
    objective's own key results, its period and the KPIs, so theirs do not change, and
    a check stops scoring every key result to report on a few."""
    okrs = {}
    for key, up in content.okrs.items():
        period = content.periods.get(key[0])
        if period is not None and period.state(as_of) is not PeriodState.CLOSED:
            continue
        objectives = [o for o in up.objectives if _needs_retrospective(o, 0.0)]
        if objectives:
            okrs[key] = replace(up, objectives=objectives)
    return replace(content, okrs=okrs)


Problem = tuple[str, str, str | None]  # code, message, hint: a diagnostic without a place


def _shape_problems(kr: KeyResult, period: Period, content: Content, as_of: date,
                    settings: ScoringSettings) -> tuple[Problem, ...]:
    """A scorer and a KR that do not fit, judged on the effective baseline (the KR's own
    or its KPI's): ratio on a falling KR (OKR230), a KPI baseline equal to the target
    (OKR213) or already past it (OKR231)."""
    if kr.kind not in (KRKind.NUMERIC, KRKind.THRESHOLD):
        return ()
    if kr.kpi is not None and kr.kpi not in content.kpis:
        return ()  # OKR207 says so
    data = key_result_input(kr, period, content, as_of, settings)
    name = scorer_name(kr, settings)
    out: list[Problem] = []
    refused = ratio_refuses(data) if name == "ratio" else ""
    if refused:
        how = ("Remove `scorer: ratio`" if kr.scorer else
               "Give it `scorer: linear` (ratio is the site's default_scorers choice)")
        out.append(("OKR230", f"key result {kr.ref}: {refused}",
                    f"{how}: linear scores (current - baseline) / (target - baseline), "
                    "which works both ways."))
    if kr.kpi is None or kr.kind is not KRKind.NUMERIC or data.baseline is None:
        return tuple(out)
    if kr.baseline is None and data.baseline == kr.target:
        out.append(("OKR213",
                    f"key result {kr.ref}: its baseline, {data.baseline_source}, is "
                    f"{fmt_num(data.baseline)}, equal to the target, so there is no "
                    "progress to measure",
                    "Give the key result its own `baseline:`, change the target, or "
                    "add `direction:` to keep a level."))
    conflict = kpi_direction_conflict(data)
    if conflict:
        out.append(("OKR231", f"key result {kr.ref}: {conflict}", None))
    return tuple(out)


def _unknown_scorer(kr: KeyResult, settings: ScoringSettings,
                    registry: ScorerRegistry) -> str | None:
    name = scorer_name(kr, settings)
    if name in registry:
        return None
    known = ", ".join(registry.names())
    if kr.scorer:
        return f"key result {kr.ref} names unknown scorer {name!r}; known scorers: {known}"
    return (f"key result {kr.ref} uses the site's default scorer {name!r} for "
            f"{kr.kind.value} key results (setting default_scorers), which is unknown; "
            f"known scorers: {known}")


def _needs_retrospective(objective: Objective, score: float) -> bool:
    # Rounded like the bands, so 0.9999999999 from float noise counts as 1.0.
    return (objective.committed and round(score, 9) < 1.0
            and not (objective.retrospective or "").strip())
