"""History on the site: the recent-changes page, change-log sections for unit pages,
objective revisions, and the audit page of a period with its downloads.

Every string that comes from YAML or git (titles, notes, reasons, author names,
commit subjects) is escaped with `esc` before it goes into a page: a commit
subject is as untrusted as a YAML title. Short shas are hex and dates ISO, which
we check before using them unescaped. Escaping is `okrsite.render.safe.inline`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from okrsite.history.audit import PeriodAudit, exports
from okrsite.history.text import describe, fmt
from okrsite.history.types import Change, History, HistoryEntry
from okrsite.model import FinalRecord
from okrsite.render.common import (
    asset_url,
    h1,
    heading,
    join_blocks,
    nested_list,
    para,
    pct,
    plural,
    status_chip,
    table,
)
from okrsite.render.page import Asset, Page
from okrsite.render.safe import inline

if TYPE_CHECKING:
    from okrsite.pipeline import Build

CHANGES_PATH = "changes.md"
RECENT_COMMITS = 100  # commits on the recent-changes page
CHANGES_PER_COMMIT = 20  # change lines under one commit before "and N more"

_EXTRA = str.maketrans({":": "&#58;", "@": "&#64;"})  # emoji `:x:`, magiclink `@user`
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


def esc(text: object) -> str:
    """Untrusted text as inert inline text (HTML, or Markdown for the PR summary), on
    one line: `safe.inline`, plus `:` and `@`, which the emoji and magiclink
    extensions would read."""
    return inline(text).translate(_EXTRA)


def _sha(sha: str) -> str:
    return f"<code>{sha}</code>" if _HEX.match(sha) else esc(sha)


def _entry_line(entry: HistoryEntry) -> str:
    c = entry.commit
    subject = esc(entry.subject) if entry.subject is not None else (
        "<em>(subject not shown: this commit also changed restricted items)</em>")
    return (f"<strong>{c.date.isoformat()}</strong> · {esc(c.author)} · {subject} · "
            f"{_sha(c.short)}")


def _change_line(change: Change, level: str, names: Mapping[str, str] | None = None) -> str:
    text = esc(describe(change, level, names))
    if change.goalpost:
        text += " — <strong>goalpost moved" + (", eased</strong>" if change.eased
                                               else "</strong>")
    if change.rewrites_history:
        text += " — <strong>past entry rewritten</strong>"
    return text


def _entry_items(entry: HistoryEntry, level: str, mark: str = "",
                 per_commit: int = CHANGES_PER_COMMIT,
                 names: Mapping[str, str] | None = None) -> list[tuple[int, str]]:
    """One commit and its changes, as (depth, HTML) items of a nested list."""
    items = [(0, _entry_line(entry) + mark)]
    if entry.boundary:
        items.append((1, "history starts here (shallow clone): "
                         f"{plural(len(entry.changes), 'item')} already present"))
        return items
    items += [(1, _change_line(change, level, names))
              for change in entry.changes[:per_commit]]
    if len(entry.changes) > per_commit:  # the rest one click away, not left out
        rest = entry.changes[per_commit:]
        more = "\n".join(f"<li>{_change_line(c, level, names)}</li>" for c in rest)
        items.append((1, f'<details class="okr-more"><summary>and '
                         f"{plural(len(rest), 'more change')}</summary>\n<ul>\n{more}\n</ul>"
                         "</details>"))
    if entry.withheld:
        s = "s" if entry.withheld != 1 else ""
        items.append((1, f"{entry.withheld} change{s} to restricted items not shown"))
    return items


def _entries(entries: Iterable[HistoryEntry], level: str,
             names: Mapping[str, str] | None = None) -> str:
    return nested_list(item for entry in entries
                       for item in _entry_items(entry, level, names=names))


def _horizon(history: History) -> str:
    return para(f"<em>{esc(history.horizon)}</em>")


def changes_page(history: History, limit: int = RECENT_COMMITS,
                 names: Mapping[str, str] | None = None) -> Page:
    """`changes.md`: the most recent commits that changed the content, site-wide, with
    units and KPIs by name (`names`: `unit:<id>`/`kpi:<id>` to the name pages use)."""
    blocks = [h1("Recent changes")]
    if not history.available:
        blocks.append(_horizon(history))
    elif not history.entries:
        blocks.append(para("No recorded changes yet."))
    else:
        shown = history.entries[:limit]
        recent = ("The most recent commit" if len(shown) == 1 else
                  f"The {len(shown)} most recent commits")
        blocks.append(para(f"{recent} that changed the OKRs and KPIs, newest first. "
                           "Goalpost changes (a key result's target, "
                           "baseline, direction or weight) and rewritten past entries are in "
                           "bold."))
        blocks.append(_entries(shown, "site", names))
        blocks.append(_horizon(history))
    return Page(CHANGES_PATH, "Recent changes", join_blocks(blocks),
                {"title": "Recent changes", "description": "What changed in the OKRs and "
                 "KPIs, commit by commit."}, in_nav=True)


def unit_period_history(history: History, period: str, unit: str) -> str:
    """The "Change log" section of a unit page: every commit that changed this unit's
    OKRs for the period (following renames of its file), newest first."""
    blocks = [heading(2, "Change log", "change-log")]
    if not history.available:
        blocks.append(_horizon(history))
        return join_blocks(blocks)
    entries = history.for_unit_period(period, unit)
    if not entries:
        blocks.append(para("No recorded changes." + (
            f" {esc(history.horizon)}" if history.shallow else "")))
        return join_blocks(blocks)
    blocks.append(_entries(entries, "unit"))
    if history.shallow:
        blocks.append(_horizon(history))
    return join_blocks(blocks)


# -- audit ------------------------------------------------------------------------------------


def audit_path(period: str) -> str:
    return f"audit/{period}.md"


def audit_assets(audit: PeriodAudit) -> list[Asset]:
    """`audit/<period>/okrs.csv`, `check-ins.csv`, `okrs.json`, `manifest.json`."""
    return [Asset(f"audit/{audit.period.id}/{name}", data)
            for name, data in exports(audit.record).items()]


def _score(value: float | None) -> str:
    return "–" if value is None else pct(value)


def audit_page(audit: PeriodAudit, directory_urls: bool = True) -> Page:
    p = audit.period
    path = audit_path(p.id)
    kind = "final" if audit.final else "current"
    m = audit.manifest
    downloads = " · ".join(
        f'<a href="{asset_url(path, f"audit/{p.id}/{name}", directory_urls)}">{name}</a>'
        for name in exports_names())
    blocks = [h1(f"Audit: {esc(p.title)}"),
              para(f"State <strong>{audit.state.value}</strong> as of "
                   f"{audit.as_of.isoformat()}: these are the {kind} scores. Period "
                   f"{p.start.isoformat()} to {p.end.isoformat()}"
                   + (f", closed on {p.closed_on.isoformat()}" if p.closed_on else "") + "."),
              para(f"Manifest digest: <code>{m['digest']}</code>"),
              para(f"Downloads: {downloads}"),
              heading(2, "Scores", "scores")]
    if not audit.objectives:
        blocks.append(para("No objectives."))
    else:
        rows = []
        final = p.final
        for o in audit.objectives:
            krs = "; ".join(f"{esc(k['id'])} {_score(k['score'])}" for k in o["key_results"])
            row = [esc(o["unit"]), esc(o["title"]), esc(o["type"])]
            if final is not None:  # the final record's figures beside what the content gives
                row += [_recorded(final, f"{o['unit']}/{o['id']}", at_close=True),
                        _recorded(final, f"{o['unit']}/{o['id']}", at_close=False)]
            rows.append([*row, _score(o["score"]),
                         status_chip(o["status"]) if o["status"] else "–", krs])
        head = ["Unit", "Objective", "Type"]
        if final is not None:
            head += ["At close", "After amendment" if final.at_close_digest else "Recorded"]
        blocks.append(table([*head, "Score now", "Status", "Key results"], rows,
                            cards=(len(head) + 1, 1)))
    blocks.append(heading(2, f"Changes after the period started ({p.start.isoformat()})",
                          "changes"))
    if not audit.history.available:
        blocks.append(_horizon(audit.history))
    elif not audit.changes:
        blocks.append(para("No change was committed after the period started."))
    else:
        goal = sum(len(a.goalposts) for a in audit.changes)
        eased = sum(1 for a in audit.changes for c in a.goalposts if c.eased)
        blocks.append(para(f"{plural(len(audit.changes), 'commit')}; "
                           f"{plural(goal, 'goalpost change')}, {eased} "
                           "of them eased (made easier to reach). Goalpost changes are in "
                           "bold; commits after the close are marked."))
        blocks.append(nested_list(
            item for a in audit.changes for item in _entry_items(
                a.entry, "period", " · <strong>after close</strong>" if a.after_close else "")))
        if audit.history.shallow:
            blocks.append(_horizon(audit.history))
    blocks.append(heading(2, "Amendments", "amendments"))
    if not audit.amendments:
        blocks.append(para("None recorded."))
    else:
        rows = []
        for rec in audit.amendments:
            a = rec.amendment
            made = ", ".join(f"{_sha(e.commit.short)} {e.commit.date.isoformat()} "
                             f"{esc(e.commit.author)}" for e in rec.commits
                             if not e.boundary) or (
                "–" if not audit.history.available else
                "attribution unknown: shallow clone" if audit.history.shallow else
                "not found in the history")
            rows.append([a.date.isoformat(), esc(a.by), esc(fmt(a.reason)), made])
        blocks.append(table(["Date", "By", "Reason", "Made in"], rows, cards=(None, 0)))
    blocks.append(heading(2, "Manifest", "manifest"))
    blocks.append(para(
        f"okrsite {esc(m['okrsite_version'])}; scorers "
        + (", ".join(f"{esc(k)} {esc(v)}" for k, v in m["scorers"].items()) or "none")
        + f"; as of {m['as_of']}; fiscal year starts in month {m['fiscal_year_start']}"
        + (f"; commit {_sha(m['commit'])}" if m.get("commit") else "") + "."))
    blocks.append(table(["File", "Git blob", "sha256"],
                        [[esc(f["path"]), f"<code>{f['git_blob']}</code>",
                          f"<code>{f['sha256']}</code>"] for f in m["files"]],
                       cards=(None, 0)))
    blocks.append(para("The digest is the sha256 of the manifest's canonical JSON (sorted "
                       "keys, no spaces) without <code>digest</code> and <code>commit</code>; "
                       "<code>okrsite export</code> rebuilds it."))
    return Page(path, f"Audit {p.id}", join_blocks(blocks),
                {"title": f"Audit {p.id}", "description": f"Scores, changes, amendments and "
                 f"manifest of {p.id}"})


def _recorded(final: FinalRecord, ref: str, at_close: bool) -> str:
    """An item's score in the final record: at close, or as last recorded."""
    items = {i.ref: i for i in final.items}
    if at_close:
        items |= {i.ref: i for i in final.at_close}
    item = items.get(ref)
    if item is None or item.score is None:
        return "–"
    return pct(item.score)


def exports_names() -> tuple[str, ...]:
    return ("okrs.csv", "check-ins.csv", "okrs.json", "manifest.json")


def history_pages(build: Build) -> tuple[list[Page], list[Asset]]:
    """Everything history adds to a site: `changes.md`, and for every period
    `audit/<period>.md` with its downloads (the build's records, never scored again)."""
    content = build.view.content
    names = {**{f"unit:{u.id}": u.name for u in content.org.units.values()},
             **{f"kpi:{k.id}": k.name for k in content.kpis.values()}}
    pages = [changes_page(build.history, names=names)]
    assets: list[Asset] = []
    for period in build.view.content.periods:
        audit = build.audits[period]
        pages.append(audit_page(audit, build.settings.directory_urls))
        assets += audit_assets(audit)
    return pages, assets
