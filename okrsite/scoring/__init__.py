"""Scoring: key results by pluggable scorers, rolled up to objectives and units, with
statuses and KPI health, all as of one date. See content/guide/scoring.md."""

from okrsite.scoring.base import (
    DEFAULT_SETTINGS,
    Bands,
    BaseScorer,
    DataPoint,
    Score,
    ScoreInput,
    Scorer,
    ScoringSettings,
    StatusRule,
)
from okrsite.scoring.builtin import BUILTIN_SCORERS, DEFAULT_BY_KIND
from okrsite.scoring.checks import check_scoring
from okrsite.scoring.kpis import KPIHealth, kpi_health
from okrsite.scoring.registry import (
    ENTRY_POINT_GROUP,
    ScorerLoadError,
    ScorerRegistry,
    UnknownScorerError,
    scorer_name,
)
from okrsite.scoring.report import format_table, rows, to_json
from okrsite.scoring.rollup import (
    KRResult,
    ObjectiveResult,
    Scorecard,
    UnitResult,
    key_result_input,
    score_content,
    score_key_result,
)
from okrsite.scoring.status import STATUS_LABELS, STATUSES

__all__ = [
    "BUILTIN_SCORERS",
    "DEFAULT_BY_KIND",
    "DEFAULT_SETTINGS",
    "ENTRY_POINT_GROUP",
    "STATUSES",
    "STATUS_LABELS",
    "Bands",
    "BaseScorer",
    "DataPoint",
    "KPIHealth",
    "KRResult",
    "ObjectiveResult",
    "Score",
    "ScoreInput",
    "Scorecard",
    "Scorer",
    "ScorerLoadError",
    "ScorerRegistry",
    "ScoringSettings",
    "StatusRule",
    "UnitResult",
    "UnknownScorerError",
    "check_scoring",
    "format_table",
    "key_result_input",
    "kpi_health",
    "rows",
    "score_content",
    "score_key_result",
    "scorer_name",
    "to_json",
]
