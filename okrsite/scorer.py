"""The API for scorer authors: everything a scorer plugin may import from okrsite.

    from okrsite.scorer import BaseScorer, Score, ScoreInput, fmt_num

    class Ratio(BaseScorer):
        name, version, kinds = "my-ratio", "1", ("numeric",)

        def score(self, data: ScoreInput) -> Score:
            if data.current is None or not data.kr.target:
                return self.no_data("no value yet", data)
            raw = data.current.value / data.kr.target
            return self.result(raw, {"current": data.current.value},
                               f"{fmt_num(data.current.value)} / {fmt_num(data.kr.target)}",
                               data)

A scorer is published through the `okrsite.scorers` entry-point group; the guide's
"How scores are computed" page documents each name here. Every other module of
okrsite is internal and may change without notice.
"""

from okrsite.model import KPI, KeyResult, KRKind, Period
from okrsite.numbers import fmt_num, fmt_score
from okrsite.scoring.base import (
    BaseScorer,
    DataPoint,
    Score,
    ScoreInput,
    Scorer,
)
from okrsite.scoring.registry import ENTRY_POINT_GROUP

__all__ = [
    "ENTRY_POINT_GROUP",
    "KPI",
    "BaseScorer",
    "DataPoint",
    "KRKind",
    "KeyResult",
    "Period",
    "Score",
    "ScoreInput",
    "Scorer",
    "fmt_num",
    "fmt_score",
]
