"""The audit of one period: its scores, every change made after it started, its
amendments beside the commits that made them, and a manifest that pins it all.

The manifest's `digest` is the sha256 of its canonical JSON: the period's dates and
the day it is scored for (a closed period: its close or latest amendment), the
scorers and their versions, the names of its units, its final record's digest
(okrsite.final) and the sha256 of each download (okrs.csv, check-ins.csv, okrs.json;
`sha256sum` checks them). It also lists the content files the figures come from,
with their git blob sha, outside the digest: a closed period's digest is the same
after unrelated commits and for any later as-of, with or without git.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from okrsite import __version__
from okrsite.history import types as t
from okrsite.history.downloads import cached_downloads
from okrsite.history.git import blob_sha
from okrsite.history.types import (
    Backdated,
    Change,
    History,
    HistoryEntry,
    records_state,
)
from okrsite.model import Amendment, Content, KeyResult, Period, PeriodState
from okrsite.scoring.kpis import kpi_baseline, kpi_values
from okrsite.scoring.rollup import Scorecard

MANIFEST_FORMAT = "okrsite-audit-manifest/2"
GOALPOST_KINDS = (t.KR_CHANGED,)


@dataclass
class AuditedChange:
    """A commit's changes to the period made on or after its start.

    `after_close` judges by when the commit can have been made (History.made_on): a
    commit backdated before the close, on top of later ones, is still after it.
    After the close, a commit either only records the period's state (closing it,
    adding an amendment: `records`), or is covered by the first amendment added in it
    or in a later commit (`amended_by`), or has no amendment at all: the audit page
    flags those."""

    entry: HistoryEntry
    after_close: bool  # committed after the period closed
    backdated: Backdated | None = None  # dated earlier than a commit before it
    records: bool = False  # only records the close or an amendment
    amended_by: Amendment | None = None
    adds: Amendment | None = None  # the amendment this commit adds

    @property
    def goalposts(self) -> list[Change]:
        return [c for c in self.entry.changes if c.goalpost]

    @property
    def unamended(self) -> bool:
        """Changed the closed period with no amendment in it or after it."""
        return self.after_close and not self.records and self.amended_by is None


@dataclass
class AmendmentRecord:
    amendment: Amendment
    commits: list[HistoryEntry] = field(default_factory=list)  # those that added it


@dataclass(frozen=True)
class PeriodRecord:
    """A period's figures as one build computed them: the rows of its downloads and
    the manifest that pins their inputs. Made from the build's view and scorecard,
    never scored again."""

    period: Period
    state: PeriodState
    as_of: date
    card: Scorecard
    objectives: list[dict[str, Any]]  # the export rows, see `export_data`
    kpis: list[str]  # the KPIs its key results read
    manifest: dict[str, Any]
    include_restricted: bool = False
    # okrs.csv, check-ins.csv and okrs.json, as the manifest pins them: made once, for
    # the manifest's sha256s, and written as they are (`exports`).
    downloads: dict[str, bytes] = field(default_factory=dict)


@dataclass
class PeriodAudit:
    record: PeriodRecord  # the downloads; the fields below repeat its figures for pages
    period: Period
    state: PeriodState
    as_of: date
    history: History
    card: Scorecard
    objectives: list[dict[str, Any]]  # the export rows, see `export_data`
    changes: list[AuditedChange]
    amendments: list[AmendmentRecord]
    manifest: dict[str, Any]
    include_restricted: bool = False
    # The oldest commit of a shallow clone, when it is dated on or after the period's
    # start: what it "adds" was there already, made by someone this clone cannot name.
    boundary: HistoryEntry | None = None

    @property
    def final(self) -> bool:
        return self.state is PeriodState.CLOSED

    @property
    def after_close(self) -> list[AuditedChange]:
        return [a for a in self.changes if a.after_close]


def period_record(view: Content, card: Scorecard, period_id: str, include_restricted: bool,
                  head: str | None = None, files: dict[str, bytes] | None = None,
                  cache_dir: Path | None = None) -> PeriodRecord:
    """The period's downloads from what a build shows (`view`) and its `card`. `files`
    maps relpaths to bytes (default: read from `view.root`); `head` is the commit,
    named in the manifest outside its digest; `cache_dir`: where the downloads of the
    same figures are kept (history.downloads)."""
    period = view.period(period_id)
    objectives = export_data(view, period_id, card, include_restricted)
    kpis = _period_kpis(view, period_id, include_restricted)
    facts = download_facts(period, card.as_of)
    downloads = cached_downloads(cache_dir, f"{period.id}\0{include_restricted}", facts,
                                 objectives, lambda: data_downloads(facts, objectives))
    manifest = build_manifest(view, period, card.as_of, card, include_restricted, kpis, files,
                              head, downloads)
    return PeriodRecord(period, period.state(card.as_of), card.as_of, card, objectives, kpis,
                        manifest, include_restricted, downloads)


def period_audit(record: PeriodRecord, history: History) -> PeriodAudit:
    """The record with every change made to the period after it started, and its
    amendments beside the commits that added them. `history` has its eased goalposts
    resolved (okrsite.pipeline.Build.history)."""
    period = record.period
    changes = audited_changes(history, period, record.kpis)
    boundary = next((a.entry for a in changes if a.entry.boundary), None)
    changes = [a for a in changes if not a.entry.boundary]
    amendments = [AmendmentRecord(a, _added_by(history, period.id, a))
                  for a in period.amendments]
    _cover(changes, amendments)
    return PeriodAudit(record, period, record.state, record.as_of, history, record.card,
                       record.objectives, changes, amendments, record.manifest,
                       record.include_restricted, boundary)


def _cover(changes: list[AuditedChange], amendments: list[AmendmentRecord]) -> None:
    """Set `amended_by` of each commit after the close: the first amendment added in
    it or in a later commit (`changes` are newest first, as git lists them)."""
    added = {e.commit.sha: rec.amendment for rec in amendments for e in rec.commits}
    pending: list[AuditedChange] = []
    for a in reversed(changes):  # oldest first: an amendment covers what came before it
        own = added.get(a.entry.commit.sha)
        a.adds = own
        if a.after_close and (not a.records or own is not None):
            pending.append(a)
        if own is not None:
            for p in pending:
                p.amended_by = own
            pending = []


def _period_kpis(content: Content, period_id: str, include_restricted: bool) -> list[str]:
    ids = sorted({k.kpi for o in content.objectives(period_id) for k in o.key_results
                  if k.kpi and (include_restricted or not o.restricted)})
    return [i for i in ids if i in content.kpis
            and (include_restricted or not content.kpis[i].restricted)]


def audited_changes(history: History, period: Period, kpis: list[str]) -> list[AuditedChange]:
    """Changes to the period's files, and to its KPIs' measurements dated inside it,
    committed on or after the period started; newest first."""
    closed_on = period.closed_on or period.end
    start, end = period.start.isoformat(), period.end.isoformat()

    def keep(c: Change, now: str) -> bool:
        if c.period == period.id or now.startswith(f"periods/{period.id}/"):
            return True
        return bool(c.kpi in kpis and c.date and start <= c.date <= end)

    out = []
    for entry in history.select(keep):
        made = history.made_on(entry.commit)
        if made >= period.start:
            records = all(records_state(c) for c in entry.changes)
            out.append(AuditedChange(entry, made > closed_on,
                                     history.dated_before.get(entry.commit.sha), records))
    return out


def _added_by(history: History, period_id: str, a: Amendment) -> list[HistoryEntry]:
    found = []
    for entry in history.for_period(period_id):
        for c in entry.changes:
            if c.kind == t.AMENDMENT_ADDED and c.date == a.date.isoformat() and c.title == a.by:
                found.append(entry)
                break
    return found


# -- exports ----------------------------------------------------------------------------------


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def export_data(content: Content, period_id: str, card: Scorecard | None,
                include_restricted: bool) -> list[dict[str, Any]]:
    """The period's objectives with their key results, scores and check-ins."""
    out = []
    for (p, _unit), up in content.okrs.items():
        if p != period_id:
            continue
        for o in up.objectives:
            if o.restricted and not include_restricted:
                continue
            res = card.objectives.get(str(o.ref)) if card is not None else None
            krs = []
            for k in o.key_results:
                kres = card.krs.get(str(k.ref)) if card is not None else None
                values = _values_used(content, period_id, k, card, include_restricted)
                krs.append({
                    "id": k.id, "ref": str(k.ref), "title": k.title, "kind": k.kind.value,
                    "baseline": k.baseline, "target": k.target, "direction": k.direction,
                    "unit": k.unit, "kpi": k.kpi, "weight": k.weight, "reason": k.reason,
                    "score": _round(kres.score.value) if kres else None,
                    "raw": _round(kres.score.raw) if kres else None,
                    "no_data": kres.score.no_data if kres else None,
                    "status": kres.status if kres else None,
                    "scorer": kres.score.scorer if kres else None,
                    "scorer_version": kres.score.scorer_version if kres else None,
                    "explanation": kres.score.explanation if kres else None,
                    "milestones": [{"title": m.title, "done": m.done, "weight": m.weight}
                                   for m in k.milestones],
                    "done": k.done,
                    "check_ins": values})
            out.append({
                "period": p, "unit": o.unit, "id": o.id, "ref": str(o.ref), "title": o.title,
                "type": o.type, "owner": o.owner, "visibility": o.visibility,
                "aligns_to": str(o.aligns_to) if o.aligns_to else None,
                "carried_from": str(o.carried_from) if o.carried_from else None,
                "score": _round(res.score) if res else None,
                "status": res.status if res else None,
                "band": res.band if res else None, "grade": o.grade,
                "key_results": krs})
    return out


def _values_used(content: Content, period_id: str, k: KeyResult, card: Scorecard | None,
                 include_restricted: bool) -> list[dict[str, Any]]:
    """Every value the KR's score used, as its scorer saw them: its check-ins, or its
    KPI's measurements inside the period and its closing days, with the KPI value the
    baseline came from; none dated after the day the period is scored for (a closed
    period: its close or latest amendment). An auditor recomputes the score from them."""
    period = content.period(period_id)
    day = period.scoring_date(card.as_of) if card is not None else date.max
    out: list[dict[str, Any]] = [
        {"date": c.date.isoformat(), "value": c.value, "confidence": c.confidence,
         "note": c.note, "source": "check-in"} for c in k.check_ins if c.date <= day]
    kpi = content.kpis.get(k.kpi) if k.kpi else None
    if kpi is None or (kpi.restricted and not include_restricted):
        return out
    written = {m.date: m for m in kpi.measurements}  # values as written: 43, not 43.0
    if k.baseline is None:
        before = kpi_baseline(kpi, period, day)
        if before is not None:
            out.append({"date": before.date.isoformat(), "value": before.value,
                        "confidence": None, "note": before.note,
                        "source": f"kpi:{kpi.id} baseline"})
    out += [{"date": v.date.isoformat(), "value": written[v.date].value, "confidence": None,
             "note": written[v.date].note, "source": f"kpi:{kpi.id}"}
            for v in kpi_values(kpi, period, day)]
    return out


CSV_COLUMNS = ("period", "unit", "objective", "objective_title", "type", "objective_score",
               "objective_status", "key_result", "key_result_title", "kind", "baseline",
               "target", "direction", "measure", "kpi", "weight", "score", "raw", "status",
               "scorer", "scorer_version", "check_ins", "latest_date", "latest_value")
CHECK_IN_COLUMNS = ("period", "unit", "objective", "key_result", "date", "value",
                    "confidence", "note", "source")


def _cell(value: Any) -> Any:
    """A CSV cell. Text that a spreadsheet would run as a formula gets a leading `'`."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")


def okrs_csv(objectives: list[dict[str, Any]]) -> bytes:
    rows = []
    for o in objectives:
        for k in o["key_results"] or [{}]:
            values = [c for c in k.get("check_ins", []) if c["value"] is not None]
            latest = max(values, key=lambda c: c["date"]) if values else {}
            rows.append([o["period"], o["unit"], o["id"], o["title"], o["type"], o["score"],
                         o["status"], k.get("id"), k.get("title"), k.get("kind"),
                         k.get("baseline"), k.get("target"), k.get("direction"), k.get("unit"),
                         k.get("kpi"), k.get("weight"), k.get("score"), k.get("raw"),
                         k.get("status"), k.get("scorer"), k.get("scorer_version"),
                         len(k.get("check_ins", [])), latest.get("date"),
                         latest.get("value")])
    return _csv(CSV_COLUMNS, rows)


def check_ins_csv(objectives: list[dict[str, Any]]) -> bytes:
    rows = [[o["period"], o["unit"], o["id"], k["id"], c["date"], c["value"],
             c["confidence"], c["note"], c["source"]]
            for o in objectives for k in o["key_results"] for c in k["check_ins"]]
    return _csv(CHECK_IN_COLUMNS, rows)


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


Facts = tuple[str, str, str, str | None]  # period, state, as-of, final digest: okrs.json's


def download_facts(period: Period, as_of: date) -> Facts:
    """What the downloads say of the period besides its rows."""
    return (period.id, period.state(as_of).value, period.scoring_date(as_of).isoformat(),
            period.final.digest if period.final else None)


def okrs_json(facts: Facts, objectives: list[dict[str, Any]]) -> bytes:
    """The period's figures as JSON. Nothing in it but what the content and the as-of
    give (no okrsite version, no commit): the manifest's digest covers its sha256."""
    period, state, as_of, final_digest = facts
    return _json({"period": period, "state": state, "as_of": as_of,
                  "final_digest": final_digest, "objectives": objectives})


def data_downloads(facts: Facts, objectives: list[dict[str, Any]]) -> dict[str, bytes]:
    """okrs.csv, check-ins.csv and okrs.json: the downloads the manifest pins (made of
    `facts` and the rows alone: history.downloads keeps them by those)."""
    return {"okrs.csv": okrs_csv(objectives), "check-ins.csv": check_ins_csv(objectives),
            "okrs.json": okrs_json(facts, objectives)}


def exports(audit: PeriodRecord) -> dict[str, bytes]:
    """File name -> bytes of the downloads: okrs.csv, check-ins.csv, okrs.json,
    manifest.json (the first three as the record made them for its manifest)."""
    made = audit.downloads or data_downloads(
        (audit.period.id, audit.state.value, audit.manifest["as_of"],
         audit.manifest["final_digest"]), audit.objectives)
    return {**made, "manifest.json": _json(audit.manifest)}


def write_exports(audit: PeriodRecord, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in exports(audit).items():
        file = out_dir / name
        file.write_bytes(data)
        written.append(file)
    return written


# -- the manifest -----------------------------------------------------------------------------


def input_files(content: Content, period_id: str, kpis: list[str]) -> list[str]:
    """The content files a period's scores depend on, sorted."""
    files = {up.source.path for (p, _), up in content.okrs.items() if p == period_id}
    period = content.periods.get(period_id)
    if period is not None and period.source is not None:
        files.add(period.source.path)
    if content.org.units:
        files.add(content.org.source.path)
    for kid in kpis:
        kpi = content.kpis[kid]
        files.add(kpi.source.path if kpi.source else f"kpis/{kid}.yaml")
    return sorted(files)


def build_manifest(content: Content, period: Period, as_of: date, card: Scorecard | None,
                   include_restricted: bool, kpis: list[str],
                   files: dict[str, bytes] | None = None,
                   commit: str | None = None,
                   downloads: dict[str, bytes] | None = None) -> dict[str, Any]:
    """The manifest. Its digest covers what the period's figures are and what they come
    from: the period's dates and scoring day, the scorers, the unit names, the final
    record's digest and the sha256 of each download. Not the okrsite version, the
    commit or the input files (listed, for finding them in git): a closed period's
    digest stays the same after unrelated commits and for any later as-of."""
    entries = []
    for rel in input_files(content, period.id, kpis):
        raw = files.get(rel) if files is not None else _read(content, rel)
        if raw is None:
            continue
        entries.append({"path": rel, "git_blob": blob_sha(raw),
                        "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)})
    scorers: dict[str, str] = {}
    if card is not None:
        prefix = f"{period.id}:"
        for ref, k in card.krs.items():
            if ref.startswith(prefix):
                scorers[k.score.scorer] = k.score.scorer_version
    units = {u: (content.org.units[u].name if u in content.org.units else u)
             for (p, u) in content.okrs if p == period.id}
    body: dict[str, Any] = {
        "format": MANIFEST_FORMAT, "period": period.id, "start": period.start.isoformat(),
        "end": period.end.isoformat(), "as_of": period.scoring_date(as_of).isoformat(),
        "state": period.state(as_of).value, "fiscal_year_start": content.fiscal_year_start,
        "scorers": dict(sorted(scorers.items())), "units": dict(sorted(units.items())),
        "include_restricted": include_restricted,
        "final_digest": period.final.digest if period.final else None,
        "downloads": [{"name": name, "sha256": hashlib.sha256(data).hexdigest(),
                       "bytes": len(data)} for name, data in (downloads or {}).items()]}
    body["digest"] = manifest_digest(body)
    body["okrsite_version"] = __version__
    body["commit"] = commit
    body["files"] = entries
    return body


_UNCOVERED = ("digest", "commit", "okrsite_version", "files")


def manifest_digest(manifest: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of the manifest without `digest`, `commit`,
    `okrsite_version` and `files`."""
    covered = {k: v for k, v in manifest.items() if k not in _UNCOVERED}
    text = json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(content: Content, rel: str) -> bytes | None:
    if not content.root:
        return None
    try:
        return (Path(content.root) / rel).read_bytes()
    except OSError:
        return None
