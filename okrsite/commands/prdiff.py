"""`okrsite diff BASE [HEAD]`: the semantic diff of a change (a pull request), grouped
by period and unit, with its score impact, as Markdown for a PR comment or JSON.

Both sides are scored as of the same date, so a difference in score comes from the
change and not from time passing. Restricted objectives and KPIs are left out
(and counted) unless asked for: a PR comment may be read more widely than the YAML.
An item restricted on either side or in the working tree is withheld on both sides,
with every change naming it (history.restrict), and so is its score.

Between two revisions (what CI runs on every push), a change of a few files loads
only what can move a score (subset_versions): on each side the changed files, the OKR
files of every objective a changed one aligns to (transitively) and of every objective
a roll-up among those counts, and the org, periods, KPIs and people. Every other
document is known by its summary (commands/blobindex.py: what it restricts, how its
objectives align), cached in cache_dir by git blob sha, so a warm run parses nothing it
does not show. When that cannot be exact (org.yaml or a period file changed, one
unit-period in two files) both sides are loaded in full; against the working tree the
base side is the head's model with the changed documents swapped (spliced_version).
`pr_diff(..., fast=False)` always loads both in full, and tests hold the fast paths to
the same output.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from okrsite.build import ordered_okrs
from okrsite.commands.blobindex import BlobIndex, Summary, summarize
from okrsite.doccheck import load
from okrsite.history.diff import diff_document_sets
from okrsite.history.git import (
    GitError,
    Repo,
    blob_sha,
    check_rev,
    find_repo,
    git_path,
    read_blobs,
    run_git,
    tree_at,
    tree_files,
)
from okrsite.history.restrict import Mark, Restricted, document_marks, split_hidden
from okrsite.history.text import describe
from okrsite.history.types import Change, resolve_eased
from okrsite.loader import ParseCache, Snapshot, expected_kind, snapshot
from okrsite.model import Content
from okrsite.numbers import fmt_score
from okrsite.periods import is_period_id
from okrsite.periods import sort_key as period_sort_key
from okrsite.pipeline import load_content
from okrsite.render.common import is_are, plural
from okrsite.render.history import esc as md_esc
from okrsite.render.safe import clean
from okrsite.scoring.base import DEFAULT_SETTINGS, ScoringSettings
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.rollup import Scorecard, score_content
from okrsite.settings import Settings
from okrsite.visibility import public_view

SCORE_EPSILON = 0.005  # smaller score differences are not shown


@dataclass
class Version:
    label: str  # the revision as given, or "working tree"
    sha: str | None
    content: Content
    data: dict[str, Any]  # relpath -> parsed data (None: unreadable)
    blobs: dict[str, str] = field(default_factory=dict)  # relpath -> git blob sha


@dataclass
class ScoreChange:
    ref: str
    title: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float:
        return (self.after or 0.0) - (self.before or 0.0)


@dataclass
class PRDiff:
    base: Version
    head: Version
    as_of: date
    changes: list[Change]
    withheld: int
    scores: list[ScoreChange] = field(default_factory=list)
    scoring_error: str | None = None


def load_version(repo: Repo, content_dir: Path, rev: str | None, fy: int,
                 cache: ParseCache) -> Version:
    content_dir = content_dir.resolve()
    if rev is None:
        snap = snapshot(content_dir)
        label, sha = "working tree", None
    else:
        sha = check_rev(repo, rev)
        files = tree_files(repo, sha)
        blobs = read_blobs(repo, files.values())
        entries = []
        for rel, blob in sorted(files.items()):
            raw = blobs.get(blob)
            kind = expected_kind(rel)
            if raw is not None and kind is not None:
                entries.append((content_dir / rel, rel, kind, raw,
                                hashlib.sha256(raw).hexdigest()))
        snap, label = Snapshot(entries, []), rev
    loaded = load_content(content_dir, cache, fy, snap)
    return Version(label, sha, loaded.content, _data(snap, loaded.documents),
                   {rel: blob_sha(raw) for _, rel, _, raw, _ in snap.entries})


def _data(snap: Snapshot, documents: list[Any]) -> dict[str, Any]:
    data: dict[str, Any] = {rel: None for _, rel, _, _, _ in snap.entries}
    for doc in documents:
        data[doc.relpath] = doc.data if isinstance(doc.data, dict) else None
    return data


def working_tree_data(content_dir: Path, cache: ParseCache) -> dict[str, Any]:
    """Every document of the working tree, parsed (for what it restricts): no model."""
    snap = snapshot(content_dir.resolve())
    return _data(snap, load(snap, cache)[0])


# Kinds of document whose change alters how every other document is read (units) or
# scored (period dates): the base side is then loaded in full.
_SHARED = ("org", "period")


def spliced_version(repo: Repo, content_dir: Path, rev: str, other: Version, fy: int,
                    cache: ParseCache) -> tuple[Version, set[str]] | None:
    """The version at `rev` made from `other` (its model and data) with only the
    documents that differ replaced: each document is built on its own from its file
    and the org, so the rest of `other`'s model is the same at `rev`. Loaded: the
    changed documents, and the KPI, people and period files (few; the KPIs' values feed
    key results anywhere). None when that cannot be exact: the caller loads in full.
    Also returns the changed paths (either side)."""
    content_dir = content_dir.resolve()
    sha = check_rev(repo, rev)
    files = tree_files(repo, sha)
    changed = {rel for rel in {*files, *other.blobs} if files.get(rel) != other.blobs.get(rel)}
    if any(expected_kind(rel) in _SHARED for rel in changed):
        return None
    wanted = {rel for rel in files
              if rel in changed or expected_kind(rel) in ("kpi", "people", "period", "org")}
    blobs = read_blobs(repo, (files[rel] for rel in wanted))
    entries = []
    for rel in sorted(wanted):
        raw, kind = blobs.get(files[rel]), expected_kind(rel)
        if raw is not None and kind is not None:
            entries.append((content_dir / rel, rel, kind, raw, hashlib.sha256(raw).hexdigest()))
    snap = Snapshot(entries, [])
    small = load_content(content_dir, cache, fy, snap)
    mine = other.content
    okrs = {k: up for k, up in mine.okrs.items() if up.source.path not in changed}
    if any(k in okrs for k in small.content.okrs):
        return None  # two files for one unit-period: the full build decides which wins
    okrs.update(small.content.okrs)
    okrs = ordered_okrs(okrs, small.content.org, fy)
    period_ids = {*small.content.periods, *(p for p, _ in okrs)}
    periods = {p: small.content.periods[p] if p in small.content.periods else mine.periods[p]
               for p in sorted(period_ids, key=lambda p: period_sort_key(p, fy))}
    content = replace(mine, org=small.content.org, periods=periods, okrs=okrs,
                      kpis=small.content.kpis, people=small.content.people)
    data = {rel: other.data[rel] for rel in files if rel not in changed and rel in other.data}
    data.update(_data(snap, small.documents))
    data = {rel: data[rel] for rel in sorted(data)}
    return Version(rev, sha, content, data, files), changed


def scored_periods(old: Content, new: Content, changed: set[str]) -> list[str] | None:
    """The periods in which a score can differ between the two sides when only
    `changed` files differ: theirs and the periods containing them (an aligned
    objective rolls up the periods inside its own). None (score everything) when a
    KPI changed, or when an objective aligns to one outside the periods containing
    its own (a roll-up across periods)."""
    if any(expected_kind(rel) == "kpi" for rel in changed):
        return None
    mine: set[str] = set()
    for rel in changed:
        parts = rel.split("/")
        if expected_kind(rel) == "okrs":
            mine.add(parts[1])
    for content in (old, new):
        for up in content.okrs.values():
            if up.source.path in changed:
                mine.add(up.period)
        for o in content.objectives():
            if o.aligns_to is None:
                continue
            target = o.aligns_to.in_period(o.period).period
            if target != o.period and (
                    target not in content.periods or o.period not in content.periods
                    or not content.periods[target].contains(content.periods[o.period])):
                return None
    out = set(mine)
    for content in (old, new):
        for pid, period in content.periods.items():
            if any(q in content.periods and period.contains(content.periods[q])
                   for q in mine):
                out.add(pid)
    return sorted(out)


# A document the diff needs no data of: unchanged, and readable on both sides.
_SAME: dict[str, Any] = {}


class _Graph:
    """One side's objectives as the summaries tell them: in which file each is, what it
    aligns to, and which roll up the objectives aligned to them."""

    def __init__(self, files: dict[str, str], summaries: dict[tuple[str, str], Summary]):
        self.file_of: dict[str, str] = {}
        self.refs_in: dict[str, list[str]] = {}
        self.parent: dict[str, str] = {}
        self.children: dict[str, list[str]] = {}
        self.rolls: set[str] = set()
        self.ambiguous = False  # one unit-period in two files: the full build decides
        keys: dict[tuple[str, str], str] = {}
        for rel, blob in files.items():
            summary = summaries[rel, blob]
            if summary.key is None:
                continue
            if keys.setdefault(summary.key, rel) != rel:
                self.ambiguous = True
            self.refs_in[rel] = [ref for ref, _, _ in summary.objectives]
            for ref, parent, rolls in summary.objectives:
                if self.file_of.setdefault(ref, rel) != rel:
                    self.ambiguous = True
                if parent is not None:
                    self.parent[ref] = parent
                    self.children.setdefault(parent, []).append(ref)
                if rolls:
                    self.rolls.add(ref)


def subset_versions(repo: Repo, settings: Settings, base: str, head: str, cache: ParseCache,
                    tree: Snapshot | None = None
                    ) -> tuple[Version, Version, set[Mark], list[str]] | None:
    """Both sides of `base`..`head` as far as the change can move a score: the changed
    OKR files, those of every objective a changed one (or a key result of a changed KPI)
    aligns to, transitively, and of every objective a roll-up among those counts, with
    the org, periods, KPIs and people; every other document only by its summary
    (blobindex: what it restricts, how it aligns), read from cache_dir by blob sha.
    Also returns every mark (both sides and the working tree) and the periods to score.
    None when that cannot be exact (org.yaml or a period file changed, one unit-period
    in two files): the caller loads in full."""
    content_dir = settings.content_dir.resolve()
    shas = (check_rev(repo, base), check_rev(repo, head))
    sides = (tree_at(repo, shas[0]), tree_at(repo, shas[1]))
    changed = {rel for rel in {*sides[0], *sides[1]} if sides[0].get(rel) != sides[1].get(rel)}
    if any(expected_kind(rel) in _SHARED for rel in changed):
        return None
    index = BlobIndex(settings.cache_dir)
    raws: dict[str, bytes] = {}
    parsed: dict[tuple[str, str], Any] = {}  # (rel, blob) -> data, of what was parsed here
    wanted = [(rel, blob) for files in sides for rel, blob in files.items()]
    missing = [(rel, blob) for rel, blob in wanted if index.get(rel, blob) is None]
    if missing:  # a cold run: every blob not summarized yet
        raws.update(read_blobs(repo, {blob for _, blob in missing}))
    work: list[tuple[str, str]] = []
    if not settings.include_restricted:  # what the working tree restricts now
        tree = tree if tree is not None else snapshot(content_dir)
        for _, rel, _, raw, _ in tree.entries:
            blob = blob_sha(raw)
            raws.setdefault(blob, raw)
            work.append((rel, blob))
            if index.get(rel, blob) is None:
                missing.append((rel, blob))
    parsed.update(_parse(content_dir, dict.fromkeys(missing), raws, cache))
    for rel, blob in dict.fromkeys(missing):
        index.add(rel, blob, summarize(rel, parsed.get((rel, blob))))
    summaries = {k: index.get(*k) for k in (*wanted, *work)}
    index.save(summaries)
    graphs = [_Graph(files, summaries) for files in sides]
    # Seeds: the objectives of changed files, and those whose key results use a changed KPI.
    seeds: set[str] = set()
    kpis: set[str] = set()
    for files in sides:
        for rel in changed & set(files):
            summary = summaries[rel, files[rel]]
            seeds.update(ref for ref, _, _ in summary.objectives)
            if expected_kind(rel) == "kpi":
                kpis.add(summary.kpi or rel.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    for files in sides:
        for rel, blob in files.items():
            seeds.update(f"{m[1]}:{m[2]}/{m[3]}" for m in summaries[rel, blob].marks
                         if m[0] == "u" and m[5] in kpis)
    needed = _closure(seeds, graphs)
    if any(g.ambiguous for g in graphs):
        return None
    shared = ("kpi", "people", "period", "org")
    loads = [sorted({g.file_of[r] for r in needed if r in g.file_of} | (changed & set(files))
                    | {rel for rel in files if expected_kind(rel) in shared})
             for files, g in zip(sides, graphs, strict=True)]
    unread = {files[rel] for files, rels in zip(sides, loads, strict=True) for rel in rels
              } - set(raws)
    if unread:  # one `git cat-file --batch` for both sides
        raws.update(read_blobs(repo, unread))
    versions = []
    for files, rels, sha, rev in zip(sides, loads, shas, (base, head), strict=True):
        entries = []
        for rel in rels:
            raw = raws.get(files[rel])
            if raw is not None:
                entries.append((content_dir / rel, rel, expected_kind(rel) or "", raw,
                                hashlib.sha256(raw).hexdigest()))
        snap = Snapshot(entries, [])
        small = load_content(content_dir, cache, settings.fiscal_year_start, snap)
        loaded = _data(snap, small.documents)
        data = {rel: loaded[rel] if rel in changed else
                (_SAME if summaries[rel, blob].readable else None)
                for rel, blob in sorted(files.items())}
        versions.append(Version(rev, sha, small.content, data, files))
    marks = {m for k in summaries for m in summaries[k].marks}
    periods = sorted({p for v in versions for p, _ in v.content.okrs})
    return versions[0], versions[1], marks, periods


def _closure(seeds: set[str], graphs: list[_Graph]) -> set[str]:
    """The objectives whose scores must be computed, on either side: the seeds and what
    they align to (transitively: a roll-up of a roll-up moves too), every objective in the
    same files (they are loaded anyway, and must be scored right), and every objective a
    roll-up among them counts, again with their files."""
    needed = set(seeds)
    stack = list(seeds)
    while stack:
        ref = stack.pop()
        for g in graphs:
            parent = g.parent.get(ref)
            if parent is not None and parent not in needed:
                needed.add(parent)
                stack.append(parent)
    stack = list(needed)
    while stack:
        ref = stack.pop()
        more: list[str] = []
        for g in graphs:
            rel = g.file_of.get(ref)
            if rel is not None:
                more += g.refs_in[rel]
            if ref in g.rolls:
                more += g.children.get(ref, [])
        for r in more:
            if r not in needed:
                needed.add(r)
                stack.append(r)
    return needed


def _parse(content_dir: Path, wanted: dict[tuple[str, str], None], raws: dict[str, bytes],
           cache: ParseCache) -> dict[tuple[str, str], Any]:
    """Parsed data (None: unreadable) of (rel, blob) pairs, through the parse cache."""
    entries = []
    for rel, blob in wanted:
        raw, kind = raws.get(blob), expected_kind(rel)
        if raw is not None and kind is not None:
            entries.append((content_dir / rel, rel, kind, raw, hashlib.sha256(raw).hexdigest()))
    if not entries:
        return {}
    documents = {(d.relpath, d.sha256): d.data for d in load(Snapshot(entries, []), cache)[0]}
    out: dict[tuple[str, str], Any] = {}
    for (rel, blob), (_, _, _, _, sha) in zip(
            [(rel, blob) for rel, blob in wanted
             if raws.get(blob) is not None and expected_kind(rel) is not None],
            entries, strict=True):
        out[rel, blob] = documents.get((rel, sha))
    return out


def renames_between(repo: Repo, base: str, head: str | None) -> dict[str, str]:
    args = ["diff", "-M", "--name-status", "-z", "--no-color", base]
    if head is not None:
        args.append(head)
    tokens = run_git(repo.root, *args, "--", repo.pathspec).split(b"\0")
    out: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        status = tokens[i].decode("ascii", "replace")
        if status.startswith("R") and i + 2 < len(tokens):
            old = repo.to_content(git_path(tokens[i + 1]))
            new = repo.to_content(git_path(tokens[i + 2]))
            if old and new:
                out[old] = new
            i += 3
        elif status.startswith("C"):
            i += 3
        else:
            i += 2
    return out


def pr_diff(settings: Settings, base: str, head: str | None = None,
            as_of: date | None = None, fast: bool = True,
            tree: Snapshot | None = None) -> PRDiff:
    """The diff of `base`..`head` (None: the working tree) of `settings.content_dir`,
    both sides scored with the site's settings. Raises GitError. `fast=False` loads and
    scores both sides in full (what the fast path must equal). `tree`: the working
    tree's snapshot, when the caller has taken one (it is not read again)."""
    content_dir, fiscal_year_start = settings.content_dir, settings.fiscal_year_start
    include_restricted = settings.include_restricted
    repo, why = find_repo(content_dir)
    if repo is None:
        raise GitError(why)
    cache = ParseCache(settings.cache_dir)
    if fast and head is not None:
        quick = subset_versions(repo, settings, base, head, cache, tree)
        if quick is not None:
            before, after, marks, periods = quick
            return _finish(settings, repo, base, before, after, as_of, marks, periods)
    after = load_version(repo, content_dir, head, fiscal_year_start, cache)
    spliced = (spliced_version(repo, content_dir, base, after, fiscal_year_start, cache)
               if fast else None)
    only: list[str] | None = None
    if spliced is None:
        before = load_version(repo, content_dir, base, fiscal_year_start, cache)
    else:
        before, changed = spliced
        only = scored_periods(before.content, after.content, changed)
    versions = [before.data, after.data]
    if head is not None and not include_restricted:  # what the working tree restricts now
        versions.append(working_tree_data(content_dir, cache))
    marks = {m for data in versions for rel, doc in data.items() for m in document_marks(rel, doc)}
    return _finish(settings, repo, base, before, after, as_of, marks, only)


def _finish(settings: Settings, repo: Repo, base: str, before: Version, after: Version,
            as_of: date | None, marks: set[Mark], only: list[str] | None) -> PRDiff:
    """The changes between two versions, what is withheld of them, and the scores."""
    include_restricted = settings.include_restricted
    renames = renames_between(repo, before.sha or base, after.sha)
    changes = diff_document_sets(before.data, after.data, renames)
    resolve_eased(changes, {k.id: k.direction for k in after.content.kpis.values()})
    restricted = Restricted.of(marks, renames)
    shown, hidden = split_hidden(changes, restricted, include_restricted)
    result = PRDiff(before, after, as_of or date.min, shown, len(hidden))
    if as_of is not None:
        try:
            result.scores = score_changes(before.content, after.content, as_of, shown,
                                          include_restricted, settings.scoring, restricted,
                                          only)
        except Exception as exc:  # scoring a broken side must not hide the diff
            result.scoring_error = f"{type(exc).__name__}: {exc}"
    return result


def score_changes(old: Content, new: Content, as_of: date, changes: list[Change],
                  include_restricted: bool, scoring: ScoringSettings = DEFAULT_SETTINGS,
                  restricted: Restricted | None = None, only: list[str] | None = None
                  ) -> list[ScoreChange]:
    """Objectives whose score moved or that a change touched. `only`: the periods a
    score can move in (scored_periods); None scores everything."""
    registry = ScorerRegistry.discover()  # once for both sides: it reads entry points

    def score(content: Content) -> Scorecard:
        shown = content if include_restricted else public_view(content).content
        return score_content(shown, as_of, scoring, registry, only=only)

    if not include_restricted and restricted:  # scored as items stand now, on both sides
        old, new = as_restricted(old, restricted), as_restricted(new, restricted)
    a, b = score(old), score(new)
    touched = {f"{c.period}:{c.unit}/{c.objective}" for c in changes if c.objective}
    titles = {str(o.ref): o.title for o in old.objectives()}
    titles.update({str(o.ref): o.title for o in new.objectives()})
    hidden = {str(o.ref) for c in (old, new) for o in c.objectives() if o.restricted}
    out = []
    for ref in [*b.objectives, *(r for r in a.objectives if r not in b.objectives)]:
        if ref in hidden and not include_restricted:
            continue
        before = a.objectives[ref].score if ref in a.objectives else None
        after = b.objectives[ref].score if ref in b.objectives else None
        moved = (before is None) != (after is None) or (
            before is not None and after is not None and abs(after - before) >= SCORE_EPSILON)
        if ref in touched or moved:
            out.append(ScoreChange(ref, titles.get(ref, ref), before, after))
    return out


def as_restricted(content: Content, restricted: Restricted) -> Content:
    """The content with every objective and KPI that `restricted` names marked restricted,
    so that its public view leaves them out, and without the key results that use such
    a KPI on any side (the public view only sees the KPI they use on this one)."""
    if not restricted:
        return content
    okrs = {}
    for key, up in content.okrs.items():
        objectives = []
        for o in up.objectives:
            if (o.period, o.unit, o.id) in restricted.objectives:
                o = replace(o, visibility="restricted")
            krs = [k for k in o.key_results
                   if (o.period, o.unit, o.id, k.id) not in restricted.krs]
            objectives.append(o if len(krs) == len(o.key_results)
                              else replace(o, key_results=krs))
        okrs[key] = replace(up, objectives=objectives)
    kpis = {k: replace(kpi, visibility="restricted") if k in restricted.kpis else kpi
            for k, kpi in content.kpis.items()}
    return replace(content, okrs=okrs, kpis=kpis)


# -- output -----------------------------------------------------------------------------------


def _group(c: Change) -> tuple[int, Any, str, str]:
    """Sort key and heading: periods in order (units in file order), then KPIs, org."""
    if c.period and is_period_id(c.period):
        key = period_sort_key(c.period)
        if c.unit and not c.kind.startswith(("period", "amendment")):
            return (0, key, c.unit, f"{c.period} · {c.unit}")
        return (0, key, "", f"{c.period} · period")
    if c.kpi:
        return (1, (), "", "KPIs")
    if c.kind.startswith("unit"):
        return (2, (), "", "Organisation")
    return (3, (), "", "Other files")


def _score(x: float | None) -> str:
    return "–" if x is None else fmt_score(x)


def to_text(d: PRDiff) -> str:
    """The summary for a terminal: the Markdown's lines, with no entity-escaping or bold
    (which only a Markdown renderer undoes); still one line per item, controls dropped."""
    return to_markdown(d, plain=True)


def to_markdown(d: PRDiff, plain: bool = False) -> str:
    esc = clean if plain else md_esc
    bold = "" if plain else "**"
    head = esc(d.head.label)
    lines = [f"## OKR changes: {esc(d.base.label)} → {head}", ""]
    if not d.changes:
        lines.append("No changes to OKRs or KPIs.")
        if d.withheld:
            lines.append(f"({plural(d.withheld, 'change')} to restricted items "
                         f"{is_are(d.withheld)} not shown.)")
        return "\n".join([*lines, ""])
    goal = [c for c in d.changes if c.goalpost]
    rewritten = [c for c in d.changes if c.rewrites_history]
    summary = plural(len(d.changes), "change")
    if goal:
        summary += f", {len(goal)} goalpost ({sum(1 for c in goal if c.eased)} eased)"
    if rewritten:
        summary += f", {plural(len(rewritten), 'rewritten past entry', 'rewritten past entries')}"
    if d.withheld:
        summary += f"; {plural(d.withheld, 'change')} to restricted items not shown"
    lines += [summary + (f". Scores as of {d.as_of.isoformat()}." if d.scores else "."), ""]
    by_objective = {s.ref: s for s in d.scores}
    groups: dict[tuple[int, Any, str, str], list[Change]] = {}
    order = _unit_order(d)
    for c in d.changes:
        g = _group(c)
        groups.setdefault((g[0], g[1], order.get(g[2], (len(order), g[2])), g[3]),
                          []).append(c)
    shown_scores: set[str] = set()
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2])):
        items = groups[key]
        lines += [f"### {esc(key[3])}", ""]
        refs = list(dict.fromkeys(f"{c.period}:{c.unit}/{c.objective}" for c in items
                                  if c.objective))
        impact = [by_objective[r] for r in refs if r in by_objective]
        if impact:
            lines += ["| Objective | Score before | Score after |", "| --- | ---: | ---: |"]
            for s in impact:
                shown_scores.add(s.ref)
                arrow = " ▲" if s.delta >= SCORE_EPSILON else (
                    " ▼" if s.delta <= -SCORE_EPSILON else "")
                lines.append(f"| {esc(s.ref.split(':', 1)[1])} {esc('“' + s.title + '”')} | "
                             f"{_score(s.before)} | {_score(s.after)}{arrow} |")
            lines.append("")
        level = "unit" if key[0] == 0 and key[2] else "period"
        for c in items:
            text = esc(describe(c, level))
            if c.goalpost:
                text += f" — {bold}goalpost moved" + (", eased" if c.eased else "") + bold
            if c.rewrites_history:
                text += f" — {bold}past entry rewritten{bold}"
            lines.append(f"- {text}")
        lines.append("")
    rest = [s for s in d.scores if s.ref not in shown_scores]
    if rest:
        lines += ["### Other score changes", "",
                  "| Objective | Score before | Score after |", "| --- | ---: | ---: |"]
        for s in rest:
            lines.append(f"| {esc(s.ref)} | {_score(s.before)} | {_score(s.after)} |")
        lines.append("")
    if d.scoring_error:
        em = "" if plain else "*"
        lines += [f"{em}Scores not shown: {esc(d.scoring_error)}{em}", ""]
    return "\n".join(lines)


def cut_markdown(text: str, limit: int) -> str:
    """The Markdown diff cut to at most `limit` characters at a section boundary (a
    `### ` heading), with a last line saying how much was left out. Text that fits
    is returned as it is."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("### ")] or [len(lines)]
    sections = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    kept = lines[:starts[0]]
    for n, section in enumerate(sections):
        note = _cut_note(len(sections) - n)
        if len("\n".join([*kept, *section])) + 1 + len(note) > limit:
            return "\n".join([*kept, note, ""])[:limit]
        kept += section
    return "\n".join(kept)  # pragma: no cover - the whole text fit after all


def _cut_note(left: int) -> str:
    return (f"*Cut to fit: {plural(left, 'more section')} not shown "
            "(`okrsite diff` shows the whole diff).*")


def _unit_order(d: PRDiff) -> dict[str, tuple[int, str]]:
    units = list(d.head.content.org.units) + [
        u for u in d.base.content.org.units if u not in d.head.content.org.units]
    return {u: (i, u) for i, u in enumerate(units)}


def to_json(d: PRDiff) -> str:
    return json.dumps({
        "base": {"rev": d.base.label, "sha": d.base.sha},
        "head": {"rev": d.head.label, "sha": d.head.sha},
        "as_of": d.as_of.isoformat() if d.scores else None,
        "withheld": d.withheld,
        "changes": [{**c.to_json(), "text": describe(c)} for c in d.changes],
        "scores": [{"ref": s.ref, "before": _r(s.before), "after": _r(s.after)}
                   for s in d.scores],
    }, indent=2, ensure_ascii=False)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
