"""Scoring: key results by pluggable scorers, rolled up to objectives and units, with
statuses and KPI health, all as of one date. See content/guide/scoring.md.

    base.py      what a scorer sees and returns; the scoring settings
    builtin.py   the built-in scorers        registry.py  scorers by name (entry points)
    rollup.py    score_content -> Scorecard  status.py    on track, at risk, ...
    kpis.py      KPI health and trend        checks.py    OKR219, OKR306
    report.py    `okrsite score` as a table or JSON

Scorer plugins import from `okrsite.scorer`, the one public API; these modules are
internal.
"""
