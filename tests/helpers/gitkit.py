"""Helpers for the history tests: temporary git repositories built commit by commit.

Not a conftest (the suite keeps one): test modules import `GitRepo`, `base_files`
and `story` from here. Every commit sets its author, committer and dates through
the environment, so shas are the same on every run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        self.content.mkdir(parents=True, exist_ok=True)
        self.git("-c", "init.defaultBranch=main", "init", "-q")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        full.update({"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.root.parent),
                     "GIT_CONFIG_GLOBAL": os.devnull})
        full.update(env or {})
        done = subprocess.run(["git", *args], cwd=self.root, env=full, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        file = self.content / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(textwrap.dedent(text).lstrip("\n"))

    def edit(self, rel: str, old: str, new: str) -> None:
        file = self.content / rel
        text = file.read_text()
        assert old in text, f"{old!r} not in {rel}"
        file.write_text(text.replace(old, new, 1))

    def move(self, old: str, new: str) -> None:
        self.git("mv", f"content/{old}", f"content/{new}")

    def commit(self, message: str, when: str, author: str = "Ana Gomez",
               email: str = "ana@example.com") -> str:
        stamp = f"{when}T10:00:00+00:00"
        env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_NAME": author,
               "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": stamp}
        self.git("add", "-A")
        self.git("commit", "-q", "--no-gpg-sign", "-m", message, env=env)
        return self.git("rev-parse", "HEAD")


ORG = """
version: 1
kind: org
name: Test Co
units:
  - id: company
    name: Test Co
    lead: Morgan Lee
    reviewers: ["@testco/leads"]
  - id: support
    name: Support
    parent: company
    lead: Priya Raman
    reviewers: ["@testco/support-leads"]
  - id: sales
    name: Sales
    parent: company
    lead: Sam Seller
"""

KPI_FRT = """
version: 1
kind: kpi
id: frt
name: First response time
owner: support
unit: h
direction: lower_is_better
cadence: monthly
measurements:
  - {date: 2026-06-30, value: 20}
  - {date: 2026-07-31, value: 18}
"""

KPI_SECRET = """
version: 1
kind: kpi
id: pipeline-secret
name: Acquisition pipeline
owner: company
direction: higher_is_better
cadence: monthly
visibility: restricted
measurements:
  - {date: 2026-07-31, value: 3}
"""

Q2_PERIOD = """
version: 1
kind: period
id: 2026-Q2
state: closed
closed_on: 2026-07-05
"""

Q2_SUPPORT = """
version: 1
kind: okrs
unit: support
period: 2026-Q2
objectives:
  - id: answer-faster-q2
    title: Answer customers faster in Q2
    owner: Priya Raman
    aligns_to: company/customers
    key_results:
      - id: first-response
        title: Reduce first response time from 30h to 24h
        unit: h
        baseline: 30
        target: 24
        check_ins:
          - {date: 2026-05-15, value: 27}
          - {date: 2026-06-30, value: 25}
      - id: backlog
        title: Clear the backlog
        done: true
"""

Q2_COMPANY = """
version: 1
kind: okrs
unit: company
period: 2026-Q2
objectives:
  - id: customers
    title: Customers love us
    owner: Morgan Lee
    key_results:
      - id: nps
        title: Raise NPS from 30 to 40
        baseline: 30
        target: 40
        check_ins:
          - {date: 2026-06-30, value: 36}
      - id: churn
        title: Keep churn at 2% or lower
        target: 2
        direction: at_most
        check_ins:
          - {date: 2026-06-30, value: 1.8}
"""

Q3_COMPANY = """
version: 1
kind: okrs
unit: company
period: 2026-Q3
objectives:
  - id: customers
    title: Customers love us
    owner: Morgan Lee
    key_results:
      - id: nps
        title: Raise NPS from 36 to 45
        baseline: 36
        target: 45
        check_ins:
          - {date: 2026-07-31, value: 38}
      - id: churn
        title: Keep churn at 2% or lower
        target: 2
        direction: at_most
        check_ins:
          - {date: 2026-07-31, value: 1.9}
"""

Q3_SUPPORT = """
version: 1
kind: okrs
unit: support
period: 2026-Q3
objectives:
  - id: answer-faster
    title: Answer customers faster
    owner: Priya Raman
    type: committed
    aligns_to: company/customers
    key_results:
      - id: first-response
        title: Reduce first response time from 24h to 12h
        unit: h
        baseline: 24
        target: 12
        check_ins:
          - {date: 2026-07-15, value: 20, confidence: 0.7}
      - id: csat
        title: Keep CSAT at 90% or higher
        unit: "%"
        target: 90
        direction: at_least
        check_ins:
          - {date: 2026-07-31, value: 91}
  - id: secret-project
    title: Acquire Initech quietly
    owner: Priya Raman
    aligns_to: company/customers
    visibility: restricted
    key_results:
      - id: signed
        title: Sign the Initech term sheet
        done: false
      - id: bid
        title: Keep the bid at or below 40M
        target: 40
        direction: at_most
"""

Q3_SALES = """
version: 1
kind: okrs
unit: sales
period: 2026-Q3
objectives:
  - id: grow
    title: Grow new business
    owner: Sam Seller
    aligns_to: company/customers
    key_results:
      - id: deals
        title: Close 20 new deals, up from 10
        baseline: 10
        target: 20
        check_ins:
          - {date: 2026-07-31, value: 13}
      - id: demos
        title: Run 40 demos
        baseline: 0
        target: 40
"""


def base_files(repo: GitRepo) -> None:
    repo.write("org.yaml", ORG)
    repo.write("kpis/frt.yaml", KPI_FRT)
    repo.write("kpis/pipeline-secret.yaml", KPI_SECRET)
    repo.write("periods/2026-Q2/period.yaml", Q2_PERIOD)
    repo.write("periods/2026-Q2/company.yaml", Q2_COMPANY)
    repo.write("periods/2026-Q2/support.yaml", Q2_SUPPORT)
    repo.write("periods/2026-Q3/company.yaml", Q3_COMPANY)
    repo.write("periods/2026-Q3/support.yaml", Q3_SUPPORT)
    repo.write("periods/2026-Q3/sales.yaml", Q3_SALES)


EVIL_AUTHOR = "Mallory <img src=x onerror=alert(1)>"
EVIL_SUBJECT = "*pwned* [click](javascript:alert(1)) <script>alert(2)</script> :smile:"


def story(root: Path) -> tuple[GitRepo, dict[str, str]]:
    """A repository with every kind of change the history must report."""
    repo = GitRepo(root)
    shas: dict[str, str] = {}
    base_files(repo)
    shas["initial"] = repo.commit("Initial OKRs", "2026-06-01")
    repo.edit("periods/2026-Q3/support.yaml",
              "          - {date: 2026-07-15, value: 20, confidence: 0.7}\n",
              "          - {date: 2026-07-15, value: 20, confidence: 0.7}\n"
              "          - {date: 2026-07-29, value: 17, confidence: 0.8}\n")
    shas["check-in"] = repo.commit("Support check-in", "2026-07-30", "Bob Brown",
                                   "bob@example.com")
    repo.edit("periods/2026-Q3/support.yaml", "        target: 12\n", "        target: 15\n")
    shas["ease"] = repo.commit("Ease the first-response target", "2026-08-03", "Carol Chen",
                               "carol@example.com")
    repo.move("periods/2026-Q3/sales.yaml", "periods/2026-Q3/revenue.yaml")
    repo.edit("periods/2026-Q3/revenue.yaml", "unit: sales", "unit: revenue")
    repo.edit("org.yaml", "  - id: sales\n    name: Sales", "  - id: revenue\n    name: Revenue")
    shas["rename"] = repo.commit("Rename sales to revenue", "2026-08-04")
    repo.edit("periods/2026-Q3/support.yaml", "Keep the bid at or below 40M",
              "Keep the bid at or below 55M")
    repo.edit("periods/2026-Q3/support.yaml", "        target: 40\n", "        target: 55\n")
    shas["secret"] = repo.commit("Initech: raise the bid to 55M", "2026-08-05")
    repo.edit("periods/2026-Q3/company.yaml", "Customers love us", "Customers *really* love us")
    shas["evil"] = repo.commit(EVIL_SUBJECT, "2026-08-06", EVIL_AUTHOR, "m@example.com")
    repo.edit("periods/2026-Q2/support.yaml", "{date: 2026-06-30, value: 25}",
              "{date: 2026-06-30, value: 24}")
    shas["closed-edit"] = repo.commit("Fix the Q2 first-response figure", "2026-08-10",
                                      "Dave Diaz", "dave@example.com")
    repo.edit("periods/2026-Q2/period.yaml", "closed_on: 2026-07-05\n",
              "closed_on: 2026-07-05\namendments:\n  - date: 2026-08-11\n    by: Dave Diaz\n"
              "    reason: The June first-response figure was 24h, not 25h.\n")
    shas["amend"] = repo.commit("Record the Q2 amendment", "2026-08-11", "Dave Diaz",
                                "dave@example.com")
    return repo, shas
