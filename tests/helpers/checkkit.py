"""Helpers for the `okrsite check` tests: tiny content repositories built in tmp_path.

Import with the tests dir on sys.path (each test module inserts it):

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from helpers.checkkit import Repo, valid_repo
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from okrsite.diagnostics import Diagnostic
from okrsite.loader import ParseCache
from okrsite.pipeline import from_content, load_content, run
from okrsite.render import Page, render_pages
from okrsite.scoring.base import ScoringSettings
from okrsite.settings import Settings


def check(root: Path, as_of: date | None, cache_dir: Path | None = None,
          fiscal_year_start: int = 1, scoring: ScoringSettings | None = None
          ) -> list[Diagnostic]:
    """What `okrsite check` reports for a content dir: the build's diagnostics."""
    settings = Settings(root, as_of, fiscal_year_start, scoring=scoring or ScoringSettings(),
                        cache_dir=cache_dir, history=False)
    return list(run(settings).diagnostics)


def render_content(content: Any, settings: Settings) -> list[Page]:
    """The site's pages (without history) of a model in memory."""
    return render_pages(from_content(content, settings.but(history=False)))

def one_unit_pages(root: Path, okrs: str, as_of: date, period: str = "2026-Q2"
                   ) -> list[Page]:
    """The pages of a company of one unit, `company`, whose `period` file is `okrs`."""
    (root / "periods" / period).mkdir(parents=True)
    (root / "org.yaml").write_text("version: 1\nkind: org\nname: Acme\nunits:\n"
                                   "  - {id: company, name: Acme}\n")
    (root / "periods" / period / "company.yaml").write_text(okrs)
    return render_pages(run(Settings(content_dir=root, as_of=as_of, cache_dir=None)))


ROOT = Path(__file__).resolve().parents[2]  # the repository (for subprocess runs)
AS_OF = date(2026, 6, 30)

# A small repository that passes with no warning at all. Every rule test copies
# it, breaks one thing, and looks for exactly the diagnostic that names it.
ORG: dict[str, Any] = {
    "version": 1,
    "kind": "org",
    "name": "Acme",
    "units": [
        {"id": "company", "name": "Acme", "lead": "Ada Lovelace"},
        {"id": "sales", "name": "Sales", "parent": "company", "lead": "Sam Seller"},
        {"id": "support", "name": "Support", "parent": "company", "lead": "Pat Helper"},
    ],
}

KPI_NPS: dict[str, Any] = {
    "version": 1,
    "kind": "kpi",
    "id": "nps",
    "name": "Net Promoter Score",
    "owner": "support",
    "unit": "points",
    "direction": "higher_is_better",
    "cadence": "monthly",
    "target": 50,
    "thresholds": {"green": 45, "red": 35},
    "measurements": [
        {"date": "2025-12-31", "value": 40},
        {"date": "2026-01-31", "value": 42},
    ],
}

COMPANY_2026: dict[str, Any] = {
    "version": 1,
    "kind": "okrs",
    "unit": "company",
    "period": 2026,  # a bare year is read as a number, and accepted
    "objectives": [
        {
            "id": "grow",
            "title": "Grow the business",
            "owner": "Ada Lovelace",
            "key_results": [
                {"id": "arr", "title": "ARR from 1M to 2M", "unit": "M", "baseline": 1,
                 "target": 2, "check_ins": [{"date": "2026-03-31", "value": 1.2}]},
                {"id": "launch", "title": "Launch the new plan", "done": False},
            ],
        }
    ],
}

COMPANY_Q1: dict[str, Any] = {
    "version": 1,
    "kind": "okrs",
    "unit": "company",
    "period": "2026-Q1",
    "objectives": [
        {
            "id": "q1-grow",
            "title": "Grow in Q1",
            "owner": "Ada Lovelace",
            "aligns_to": "2026:company/grow",
            "key_results": [
                {"id": "deals", "title": "Close 10 deals", "baseline": 0, "target": 10,
                 "check_ins": [{"date": "2026-02-15", "value": 4}]},
                {"id": "hire", "title": "Hire a sales lead", "done": True},
            ],
        }
    ],
}

SALES_Q1: dict[str, Any] = {
    "version": 1,
    "kind": "okrs",
    "unit": "sales",
    "period": "2026-Q1",
    "objectives": [
        {
            "id": "win",
            "title": "Win more deals",
            "owner": "Sam Seller",
            "aligns_to": "company/q1-grow",
            "key_results": [
                {"id": "win-rate", "title": "Keep the win rate at 30% or more", "unit": "%",
                 "target": 30, "direction": "at_least",
                 "check_ins": [{"date": "2026-01-31", "value": 31, "confidence": 0.8},
                               {"date": "2026-03-31", "value": 33}]},
                {"id": "playbook", "title": "Write the playbook",
                 "milestones": [{"title": "Draft", "done": True},
                                {"title": "Review", "done": False, "weight": 2}]},
            ],
        }
    ],
}

SUPPORT_Q1: dict[str, Any] = {
    "version": 1,
    "kind": "okrs",
    "unit": "support",
    "period": "2026-Q1",
    "objectives": [
        {
            "id": "happy",
            "title": "Happier customers",
            "owner": "Pat Helper",
            "aligns_to": "2026:company/grow/arr",
            "key_results": [
                {"id": "nps", "title": "NPS from 40 to 50", "kpi": "nps", "baseline": 40,
                 "target": 50},
                {"id": "response", "title": "First response from 24h to 12h", "unit": "h",
                 "baseline": 24, "target": 12,
                 "check_ins": [{"date": "2026-04-10", "value": 14, "note": "closing"}]},
            ],
        }
    ],
}

PERIOD_Q1: dict[str, Any] = {
    "version": 1,
    "kind": "period",
    "id": "2026-Q1",
    "state": "closed",
    "closed_on": "2026-04-05",
    "amendments": [{"date": "2026-04-10", "by": "Ada Lovelace",
                    "reason": "Late closing check-in from support."}],
}

VALID: dict[str, Any] = {
    "org.yaml": ORG,
    "kpis/nps.yaml": KPI_NPS,
    "periods/2026/company.yaml": COMPANY_2026,
    "periods/2026-Q1/period.yaml": PERIOD_Q1,
    "periods/2026-Q1/company.yaml": COMPANY_Q1,
    "periods/2026-Q1/sales.yaml": SALES_Q1,
    "periods/2026-Q1/support.yaml": SUPPORT_Q1,
}


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=1000)


class Repo:
    """A content directory in tmp_path. `files` maps relpath -> dict | str | bytes | None
    (None deletes). Dicts are written as YAML; str and bytes as they are."""

    def __init__(self, root: Path, files: dict[str, Any] | None = None) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.docs: dict[str, Any] = {}
        if files:
            self.write(files)

    def write(self, files: dict[str, Any]) -> Repo:
        for rel, value in files.items():
            path = self.root / rel
            if value is None:
                path.unlink(missing_ok=True)
                self.docs.pop(rel, None)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(value, bytes):
                path.write_bytes(value)
            elif isinstance(value, str):
                path.write_text(value, encoding="utf-8")
            else:
                self.docs[rel] = value
                path.write_text(dump(value), encoding="utf-8")
        return self

    def doc(self, rel: str) -> Any:
        """The dict written at rel, to change and write again with `save`."""
        return self.docs[rel]

    def save(self, *rels: str) -> Repo:
        return self.write({rel: self.docs[rel] for rel in rels or list(self.docs)})

    def text(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def pos(self, rel: str, needle: str, nth: int = 1) -> tuple[int, int]:
        """1-based (line, col) of the nth occurrence of needle in the file."""
        text = self.text(rel)
        at = -1
        for _ in range(nth):
            at = text.index(needle, at + 1)
        line = text.count("\n", 0, at) + 1
        return line, at - (text.rfind("\n", 0, at) + 1) + 1

    def line(self, rel: str, needle: str, nth: int = 1) -> int:
        return self.pos(rel, needle, nth)[0]

    def load(self, cache: ParseCache | None = None) -> list[Diagnostic]:
        return load_content(self.root, cache).diagnostics

    def check(self, as_of: date = AS_OF, cache_dir: Path | None = None) -> list[Diagnostic]:
        return check(self.root, as_of, cache_dir)

    def rel(self, d: Diagnostic) -> str:
        return Path(d.file).relative_to(self.root.resolve()).as_posix()


def valid_repo(root: Path) -> Repo:
    return Repo(root, copy.deepcopy(VALID))


def codes(diags: Iterable[Diagnostic]) -> list[str]:
    return sorted(d.code for d in diags)


def only(diags: Iterable[Diagnostic], code: str) -> Diagnostic:
    """The one diagnostic with this code (fails listing all of them otherwise)."""
    diags = list(diags)
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, f"expected one {code}, got: {show(diags)}"
    return found[0]


def show(diags: Iterable[Diagnostic]) -> str:
    return "\n".join(f"{d.file}:{d.line}:{d.col}: {d.code} {d.message}" for d in diags) or "none"


def assert_one(repo: Repo, diags: list[Diagnostic], code: str, rel: str,
               line: int | None = None, col: int | None = None) -> Diagnostic:
    """Exactly one diagnostic with `code`, in `rel`, at `line` (and `col`)."""
    d = only(diags, code)
    assert repo.rel(d) == rel, show(diags)
    if line is not None:
        assert d.line == line, show(diags)
    if col is not None:
        assert d.col == col, show(diags)
    assert d.message and d.hint, d
    return d


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str | None] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m okrsite.cli ARGS` in a subprocess, with okrsite importable from ROOT."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH",)}
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    full_env.setdefault("OKRSITE_NO_CACHE", "1")
    if env:
        full_env.update(env)
    full_env = {k: v for k, v in full_env.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "okrsite.cli", *args], cwd=cwd or ROOT,
                          env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)
