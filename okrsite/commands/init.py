"""`okrsite init [DIR] --name NAME [--period ID]`: a company's OKR repository in one command.

Writes the four-line `mkdocs.yml`, a `content/` with the organisation's root unit,
one period and one example objective (commented, so that a reader learns the
format from it), a `.gitignore`, `requirements.txt` (the okrsite CI installs), the
GitHub workflow, a `.gitlab-ci.yml` and a `.pre-commit-config.yaml`. The result
passes `okrsite check --strict` and `mkdocs build --strict` as written. Nothing is
ever written over an existing file (see newfiles.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import metadata, resources
from pathlib import Path

from okrsite import __version__
from okrsite.commands.newfiles import Written, write_new
from okrsite.errors import OkrsiteError
from okrsite.periods import is_period_id, span

ROOT_UNIT = "company"


class InitError(OkrsiteError, ValueError):
    """The arguments cannot make a repository (a bad name or period id)."""


@dataclass(frozen=True)
class Scaffold:
    name: str
    period: str
    requirement: str  # the line of requirements.txt that installs okrsite


def _scaffold(name: str) -> bytes:
    return (resources.files("okrsite") / "scaffold" / name).read_bytes()


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's too)."""
    return json.dumps(text, ensure_ascii=False)


def requirement() -> str:
    """How CI installs this okrsite: the git URL and commit it came from when it was
    installed from one, else this version from the package index."""
    try:
        direct = metadata.distribution("okrsite").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct = None
    if direct:
        info = json.loads(direct)
        vcs = info.get("vcs_info", {})
        if vcs.get("vcs") == "git" and info.get("url"):
            return f"okrsite @ git+{info['url']}@{vcs.get('commit_id', '')}".rstrip("@")
    return f"okrsite=={__version__}"


def quarter_of(day: date) -> str:
    """The calendar quarter of a day, the default period: `init` is the one command
    that asks the clock (through the CLI), since it starts from nothing."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def check_arguments(name: str, period: str) -> None:
    if not name.strip():
        raise InitError("--name is empty: give the company's name, e.g. --name \"Acme Inc.\"")
    if not name.isprintable() or len(name) > 200:
        raise InitError("--name must be one line of at most 200 printable characters")
    if not is_period_id(period):
        raise InitError(f"--period {period!r} is not a period id: write YYYY-Q1 to "
                        "YYYY-Q4, YYYY-H1, YYYY-H2 or YYYY")


def files(target: Path, s: Scaffold) -> dict[Path, bytes]:
    """Every file `init` writes, by path."""
    check_arguments(s.name, s.period)
    dates = span(s.period)
    name = _quoted(s.name)
    text = {
        "mkdocs.yml": f"""\
site_name: {_quoted(s.name + " OKRs")}
docs_dir: content
theme: {{name: material}}
plugins: [search, okrsite]
""",
        "requirements.txt": f"""\
# The okrsite that CI, pre-commit and you install: pip install -r requirements.txt
# Before okrsite is on the package index, name a git revision instead, e.g.
#   okrsite @ git+https://github.com/OWNER/okrsite@v0.1.0
{s.requirement}
""",
        "content/org.yaml": f"""\
# yaml-language-server: $schema=../schema/v1/org.schema.json
# The organisation: every unit that has OKRs or owns a KPI. Exactly one unit has
# no `parent`: the root. Add teams below it, each with `parent: <unit id>`:
#
#   - id: sales
#     name: Sales
#     parent: {ROOT_UNIT}
#     lead: Sam Seller
#     reviewers: ["@acme/sales-leads"]  # who approves changes (okrsite codeowners)
version: 1
kind: org
name: {name}
units:
  - id: {ROOT_UNIT}
    name: {name}
    lead: Your Name
""",
        f"content/periods/{s.period}/period.yaml": f"""\
# yaml-language-server: $schema=../../../schema/v1/period.schema.json
# A period's state: planning, then active while it runs ({dates.start} to
# {dates.end}), then closed with `closed_on:`. Changes after closing are recorded
# under `amendments:`. Without this file the period is active during its dates.
version: 1
kind: period
id: {s.period}
state: planning
""",
        f"content/periods/{s.period}/{ROOT_UNIT}.yaml": f"""\
# yaml-language-server: $schema=../../../schema/v1/okrs.schema.json
# One unit's objectives and key results for one period: the file's folder is the
# period, its name the unit. `okrsite check` says what is wrong, with the line and
# the fix; the guide (`mkdocs serve`, then Guide) describes every field.
version: 1
kind: okrs
unit: {ROOT_UNIT}
period: {s.period}
objectives:
  - id: example-objective          # unique in this file; used in URLs and references
    title: Replace this example with your first objective
    description: |                 # Markdown
      What the objective is for, in a sentence or two. Keep 3 to 5 objectives
      per unit and period, each measured by 2 to 5 key results.
    owner: Your Name
    type: aspirational             # or committed: expected to reach 1.0
    key_results:
      - id: customers              # numeric: from a baseline to a target
        title: Grow active customers from 100 to 150
        baseline: 100
        target: 150
        check_ins:                 # progress as the period runs: the latest counts
          - {{date: {dates.start.isoformat()}, value: 100, note: Where we start.}}
          # - {{date: YYYY-MM-DD, value: 112, confidence: 0.6}}  # 0..1: will we make it?
      - id: onboarding             # milestones: done weight over total weight
        title: Launch the new onboarding
        milestones:
          - {{title: Design the first-week emails, done: false}}
          - {{title: Ship the in-app checklist, done: false, weight: 2}}
""",
    }
    out = {target / rel: body.encode("utf-8") for rel, body in text.items()}
    out[target / ".gitignore"] = _scaffold("gitignore")
    out[target / ".github" / "workflows" / "okrs.yml"] = _scaffold("github-workflow.yml")
    out[target / ".gitlab-ci.yml"] = _scaffold("gitlab-ci.yml")
    out[target / ".pre-commit-config.yaml"] = _scaffold("pre-commit-config.yaml")
    return out


def init(target: Path, name: str, period: str) -> Written:
    """Write the repository into `target` (created when missing), with the schemas
    under schema/ for editors."""
    from okrsite.commands.schemaexport import schema_files

    scaffold = Scaffold(name, period, requirement())
    wanted = {**files(target, scaffold), **schema_files(target / "schema")}
    return write_new(wanted, "okrsite init")
