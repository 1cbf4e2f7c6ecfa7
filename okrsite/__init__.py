"""okrsite: OKRs and KPIs as versioned YAML, validated, scored and published."""

__version__ = "0.1.0"
