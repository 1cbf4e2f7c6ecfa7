"""History on the site: the recent-changes page, change-log sections for unit pages,
objective revisions, and the audit page of a period with its downloads.

Every string that comes from YAML or git (titles, notes, reasons, author names,
commit subjects) is escaped with `esc` before it goes into Markdown: a commit
subject is as untrusted as a YAML title. Short shas are hex and dates ISO, which
we check before using them unescaped. Escaping is `okrsite.render.safe.inline`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from okrsite.history.audit import PeriodAudit, exports, period_audit
from okrsite.history.text import describe, fmt
from okrsite.history.types import Change, History, HistoryEntry
from okrsite.model import Content
from okrsite.render.page import Asset, Page
from okrsite.render.safe import inline

CHANGES_PATH = "changes.md"
RECENT_COMMITS = 100  # commits on the recent-changes page
CHANGES_PER_COMMIT = 20  # change lines under one commit before "and N more"

_EXTRA = str.maketrans({":": "&#58;", "@": "&#64;"})  # emoji `:x:`, magiclink `@user`
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


def esc(text: object) -> str:
    """Untrusted text as inert Markdown inline text, on one line: `safe.inline`, plus
    `:` and `@`, which the emoji and magiclink extensions would read."""
    return inline(text).translate(_EXTRA)


def _sha(sha: str) -> str:
    return f"`{sha}`" if _HEX.match(sha) else esc(sha)


def _entry_line(entry: HistoryEntry) -> str:
    c = entry.commit
    subject = esc(entry.subject) if entry.subject is not None else (
        "*(subject not shown: this commit also changed restricted items)*")
    return f"**{c.date.isoformat()}** · {esc(c.author)} · {subject} · {_sha(c.short)}"


def _change_line(change: Change, level: str) -> str:
    text = esc(describe(change, level))
    if change.goalpost:
        text += " — **goalpost moved" + (", eased**" if change.eased else "**")
    if change.rewrites_history:
        text += " — **past entry rewritten**"
    return text


def _entries_md(entries: Iterable[HistoryEntry], level: str,
                per_commit: int = CHANGES_PER_COMMIT) -> list[str]:
    lines: list[str] = []
    for entry in entries:
        lines.append(f"- {_entry_line(entry)}")
        if entry.boundary:
            lines.append(f"    - history starts here (shallow clone): {len(entry.changes)} "
                         "items already present")
            continue
        for change in entry.changes[:per_commit]:
            lines.append(f"    - {_change_line(change, level)}")
        if len(entry.changes) > per_commit:
            lines.append(f"    - and {len(entry.changes) - per_commit} more changes")
        if entry.withheld:
            s = "s" if entry.withheld != 1 else ""
            lines.append(f"    - {entry.withheld} change{s} to restricted items not shown")
    return lines


def _unavailable(history: History) -> str:
    return f"*{esc(history.horizon)}*"


def changes_page(history: History, limit: int = RECENT_COMMITS) -> Page:
    """`changes.md`: the most recent commits that changed the content, site-wide."""
    lines = ["# Recent changes", ""]
    if not history.available:
        lines += [_unavailable(history), ""]
    elif not history.entries:
        lines += ["No recorded changes yet.", ""]
    else:
        shown = history.entries[:limit]
        lines += [f"The {len(shown)} most recent commits that changed the OKRs and KPIs, "
                  "newest first. Goalpost changes (a key result's target, baseline, "
                  "direction or weight) and rewritten past entries are in bold.", ""]
        lines += _entries_md(shown, "site")
        lines += ["", f"*{esc(history.horizon)}*", ""]
    return Page(CHANGES_PATH, "Recent changes", "\n".join(lines),
                {"title": "Recent changes", "description": "What changed in the OKRs and "
                 "KPIs, commit by commit."}, in_nav=True)


def unit_period_history_md(history: History, period: str, unit: str,
                           heading: str = "## Change log") -> str:
    """A Markdown section: every commit that changed this unit's OKRs for the period
    (following renames of its file), newest first. For the unit page."""
    lines = [heading, ""] if heading else []
    if not history.available:
        return "\n".join([*lines, _unavailable(history), ""])
    entries = history.for_unit_period(period, unit)
    if not entries:
        lines.append("No recorded changes." + (
            f" {esc(history.horizon)}" if history.shallow else ""))
        return "\n".join([*lines, ""])
    lines += _entries_md(entries, "unit")
    if history.shallow:
        lines += ["", f"*{esc(history.horizon)}*"]
    return "\n".join([*lines, ""])


def objective_revisions_md(history: History, period: str, unit: str, objective: str,
                           heading: str = "### Revisions") -> str:
    """A Markdown section: the commits that changed one objective or its key results."""
    lines = [heading, ""] if heading else []
    if not history.available:
        return "\n".join([*lines, _unavailable(history), ""])
    entries = history.for_objective(period, unit, objective)
    if not entries:
        return "\n".join([*lines, "No recorded revisions.", ""])
    lines += _entries_md(entries, "objective")
    return "\n".join([*lines, ""])


# -- audit ------------------------------------------------------------------------------------


def audit_path(period: str) -> str:
    return f"audit/{period}.md"


def audit_assets(audit: PeriodAudit) -> list[Asset]:
    """`audit/<period>/okrs.csv`, `check-ins.csv`, `okrs.json`, `manifest.json`."""
    return [Asset(f"audit/{audit.period.id}/{name}", data)
            for name, data in exports(audit).items()]


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def audit_page(audit: PeriodAudit) -> Page:
    p = audit.period
    kind = "final" if audit.final else "current"
    m = audit.manifest
    lines = [f"# Audit: {esc(p.title)}", "",
             f"State **{audit.state.value}** as of {audit.as_of.isoformat()}: these are the "
             f"{kind} scores. Period {p.start.isoformat()} to {p.end.isoformat()}"
             + (f", closed on {p.closed_on.isoformat()}" if p.closed_on else "") + ".", "",
             f"Manifest digest: `{m['digest']}`", "",
             "Downloads: " + " · ".join(f"[{name}]({p.id}/{name})"
                                         for name in exports_names()), ""]
    lines += ["## Scores", ""]
    if not audit.objectives:
        lines += ["No objectives.", ""]
    else:
        lines += ["| Unit | Objective | Type | Score | Status | Key results |",
                  "| --- | --- | --- | ---: | --- | --- |"]
        for o in audit.objectives:
            krs = "; ".join(f"{esc(k['id'])} {_score(k['score'])}" for k in o["key_results"])
            status = (o["status"] or "").replace("_", " ")
            lines.append(f"| {esc(o['unit'])} | {esc(o['title'])} | {esc(o['type'])} | "
                         f"{_score(o['score'])} | {esc(status)} | {krs} |")
        lines.append("")
    lines += [f"## Changes after the period started ({p.start.isoformat()})", ""]
    if not audit.history.available:
        lines += [_unavailable(audit.history), ""]
    elif not audit.changes:
        lines += ["No change was committed after the period started.", ""]
    else:
        goal = sum(len(a.goalposts) for a in audit.changes)
        eased = sum(1 for a in audit.changes for c in a.goalposts if c.eased)
        lines += [f"{len(audit.changes)} commits; {goal} goalpost changes, {eased} of them "
                  "eased (made easier to reach). Goalpost changes are in bold; "
                  "commits after the close are marked.", ""]
        for a in audit.changes:
            mark = " · **after close**" if a.after_close else ""
            lines.append(f"- {_entry_line(a.entry)}{mark}")
            for c in a.entry.changes[:CHANGES_PER_COMMIT]:
                lines.append(f"    - {_change_line(c, 'period')}")
            if len(a.entry.changes) > CHANGES_PER_COMMIT:
                lines.append(f"    - and {len(a.entry.changes) - CHANGES_PER_COMMIT} more")
            if a.entry.withheld:
                lines.append(f"    - {a.entry.withheld} changes to restricted items not shown")
        lines.append("")
        if audit.history.shallow:
            lines += [f"*{esc(audit.history.horizon)}*", ""]
    lines += ["## Amendments", ""]
    if not audit.amendments:
        lines += ["None recorded.", ""]
    else:
        lines += ["| Date | By | Reason | Made in |", "| --- | --- | --- | --- |"]
        for rec in audit.amendments:
            a = rec.amendment
            made = ", ".join(f"{_sha(e.commit.short)} {e.commit.date.isoformat()} "
                             f"{esc(e.commit.author)}" for e in rec.commits) or (
                "not found in the history" if audit.history.available else "–")
            lines.append(f"| {a.date.isoformat()} | {esc(a.by)} | {esc(fmt(a.reason))} | "
                         f"{made} |")
        lines.append("")
    lines += ["## Manifest", "",
              f"okrsite {esc(m['okrsite_version'])}; scorers "
              + (", ".join(f"{esc(k)} {esc(v)}" for k, v in m["scorers"].items()) or "none")
              + f"; as of {m['as_of']}; fiscal year starts in month {m['fiscal_year_start']}"
              + (f"; commit {_sha(m['commit'])}" if m.get("commit") else "") + ".", "",
              "| File | Git blob | sha256 |", "| --- | --- | --- |"]
    for f in m["files"]:
        lines.append(f"| {esc(f['path'])} | `{f['git_blob']}` | `{f['sha256']}` |")
    lines += ["", "The digest is the sha256 of the manifest's canonical JSON (sorted keys, "
              "no spaces) without `digest` and `commit`; `okrsite export` rebuilds it.", ""]
    return Page(audit_path(p.id), f"Audit {p.id}", "\n".join(lines),
                {"title": f"Audit {p.id}", "description": f"Scores, changes, amendments and "
                 f"manifest of {p.id}"})


def exports_names() -> tuple[str, ...]:
    return ("okrs.csv", "check-ins.csv", "okrs.json", "manifest.json")


def history_pages(content: Content, history: History, as_of: date, settings: Any = None,
                  include_restricted: bool = False) -> tuple[list[Page], list[Asset]]:
    """Everything history adds to a site: `changes.md`, and for every period
    `audit/<period>.md` with its downloads. `history` should be read with the same
    `include_restricted`."""
    history.resolve({k.id: k.direction for k in content.kpis.values()})
    pages = [changes_page(history)]
    assets: list[Asset] = []
    for period in content.periods:
        audit = period_audit(content, period, history, as_of, settings, include_restricted)
        pages.append(audit_page(audit))
        assets += audit_assets(audit)
    return pages, assets
