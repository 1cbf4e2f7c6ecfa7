"""The one run of the pipeline: load -> validate -> model -> score -> history, as a `Build`.

    build = run(settings)          # settings: okrsite.settings (from mkdocs.yml)
    build.diagnostics              # what `okrsite check` prints
    build.view, build.scorecard    # what the site, `score` and `export` show
    build.history, build.audit(p)  # change logs, audit pages and downloads

Every adapter (the MkDocs plugin, each CLI command) presents one `Build`; none chains
the stages itself, so they cannot disagree. A stage runs at most once per build, on
first use: `check` never scores what it does not report on, and never reads git.

`load_content` (the load, validate and model stages alone) is for commands that read
other revisions than the working tree (diff, change control, new-period).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from okrsite.asof import AsOf, AsOfError, Latest, latest_entry, resolve_as_of
from okrsite.attention import Attention, needs_attention
from okrsite.build import build as build_model
from okrsite.checkcache import CheckCache, final_inputs, session
from okrsite.diagnostics import Diagnostic, diag, has_errors
from okrsite.digest import code_version
from okrsite.doccheck import check_documents
from okrsite.final import FinalCheck, check_final, final_diagnostics
from okrsite.gcpolicy import paused as paused_gc
from okrsite.history.audit import PeriodAudit, PeriodRecord, period_audit, period_record
from okrsite.history.authors import EntryAuthors, entry_authors
from okrsite.history.git import head_of, read_history
from okrsite.history.goalposts import Goalpost, goalposts
from okrsite.history.restrict import content_marks, withhold
from okrsite.history.types import History
from okrsite.loader import Document, ParseCache, Snapshot, snapshot
from okrsite.model import Content, Source
from okrsite.output import KEPT_STATES, keep_newest, write_cache
from okrsite.people import PeopleIndex, people_index
from okrsite.rules import Unbuilt, content_rules
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.checks import check_scoring
from okrsite.scoring.keystore import KeyStore
from okrsite.scoring.memo import ScoreMemo, context_key
from okrsite.scoring.registry import ScorerRegistry
from okrsite.scoring.rollup import Scorecard, score_content
from okrsite.scoring.store import store_for
from okrsite.settings import Settings
from okrsite.visibility import PublicView, Withheld, public_view


@dataclass
class Loaded:
    content: Content
    diagnostics: list[Diagnostic]
    snapshot: Snapshot
    documents: list[Document] = field(default_factory=list)
    unbuilt: Unbuilt = field(default_factory=Unbuilt)  # documents left out of the model

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def load_content(content_dir: Path, cache: ParseCache | None = None,
                 fiscal_year_start: int = 1, snap: Snapshot | None = None,
                 checks: CheckCache | None = None) -> Loaded:
    """The content dir's model, with every diagnostic found on the way; never raises
    on bad content. `checks`: documents' problems found before (okrsite.checkcache)."""
    content_dir = content_dir.resolve()
    snap = snap if snap is not None else snapshot(content_dir)
    with paused_gc():  # thousands of documents stay alive: see paused_gc
        return _load(content_dir, snap, cache, fiscal_year_start, checks)


def _load(content_dir: Path, snap: Snapshot, cache: ParseCache | None,
          fiscal_year_start: int, checks: CheckCache | None = None) -> Loaded:
    checked = check_documents(snap, cache, checks)  # parse and validate, on every core
    diagnostics, unbuilt = checked.diagnostics, checked.unbuilt
    parsed = {d.relpath for d in checked.documents} | {b.relpath for b in checked.built}
    for _, rel, kind, _, _ in snap.entries:
        if rel not in parsed:
            unbuilt.add(rel, kind)
    if not any(kind == "org" for _, _, kind, _, _ in snap.entries):
        diagnostics.append(diag(content_dir / "org.yaml", (1, 1), "OKR010",
                                f"no org.yaml in {content_dir}"))
    good = sorted(checked.good, key=lambda d: d.relpath)  # the model is built in file order
    content = build_model(good, content_dir, fiscal_year_start,
                          checks.pieces if checks is not None else None)
    if checks is not None:
        checks.store_pieces(checked.notes, checked.built)
    diagnostics += content_rules(content, unbuilt)
    return Loaded(content, unbuilt.note(diagnostics, content_dir), snap, checked.documents,
                  unbuilt)


def scoring_diagnostics(loaded: Loaded, settings: ScoringSettings, as_of: date,
                        root: Path, registry: ScorerRegistry | None = None,
                        memo: ScoreMemo | None = None) -> list[Diagnostic]:
    """OKR219 and OKR306, in the same pass as every other error. On content with errors
    an unknown scorer is still found in every document that was built; OKR306 leaves out
    what a document left out of the model would change (a KPI's values, a period's
    dates), so that it never warns because of another file's error."""
    found = check_scoring(loaded.content, settings, as_of, root, registry, memo=memo)
    if loaded.ok:
        return found
    scorable = _scorable(loaded.content, loaded.unbuilt)
    return sorted([d for d in found if d.code != "OKR306"] +
                  [d for d in check_scoring(scorable, settings, as_of, root, registry,
                                            memo=memo)
                   if d.code == "OKR306"])


def _scorable(content: Content, unbuilt: Unbuilt) -> Content:
    okrs = {}
    for key, up in content.okrs.items():
        if key[0] in unbuilt.periods:
            continue
        objectives = [o for o in up.objectives
                      if all(k.kpi is None or k.kpi in content.kpis for k in o.key_results)]
        okrs[key] = replace(up, objectives=objectives)
    return replace(content, okrs=okrs)


class HistoryCache:
    """Git history kept across the builds of one `mkdocs serve` session: read again
    only when HEAD moved (edits to files do not change what git has recorded)."""

    def __init__(self) -> None:
        self._key: tuple[str | None, bool] | None = None
        self._history: History | None = None

    def get(self, settings: Settings, head: str | None) -> History:
        key = (head, settings.include_restricted)
        if self._history is None or self._key != key:
            self._history = read_history(settings.content_dir, cache_dir=settings.cache_dir,
                                         include_restricted=settings.include_restricted,
                                         enabled=settings.history)
            self._key = key
        return self._history


@dataclass(frozen=True)
class Build:
    """One build of one content directory, as of one date, with one set of settings.

    Each stage is computed once, when first asked for, and kept: the view and the
    scorecard that the pages show are the ones `score` and `export` print.
    """

    settings: Settings
    snapshot: Snapshot
    parse_cache: ParseCache | None = None
    registry: ScorerRegistry = field(default_factory=ScorerRegistry.discover)
    history_cache: HistoryCache | None = None
    # Scores by what they depend on (okrsite.scoring.memo): the checks, the scorecard
    # and the final records share them; a serve session keeps them across builds.
    score_memo: ScoreMemo = field(default_factory=ScoreMemo)

    @property
    def content_dir(self) -> Path:
        return self.settings.content_dir

    @cached_property
    def _loaded(self) -> tuple[Content, tuple[Diagnostic, ...], Unbuilt]:
        loaded = load_content(self.content_dir, self.parse_cache,
                              self.settings.fiscal_year_start, self.snapshot, self._checks)
        # The parsed documents and their positions are not kept: the checks are done.
        return loaded.content, tuple(loaded.diagnostics), loaded.unbuilt

    @property
    def content(self) -> Content:
        """The whole content, restricted items included (what `check` checks)."""
        return self._loaded[0]

    @cached_property
    def _as_of(self) -> AsOf | AsOfError:
        try:
            return resolve_as_of(self.settings.as_of, self.content_dir, os.environ,
                                 latest=self._latest_entry, cache_dir=self.settings.cache_dir)
        except AsOfError as exc:
            return exc

    def _latest_entry(self) -> Latest:
        """The content's latest dated entry (the as-of date outside git). Cached on disk
        by the content's digest, so a warm `check` does not load the content for it."""
        file = self._cache_file("asof", "")
        if file is not None and file.exists():
            try:
                data = json.loads(file.read_text())
                if data is None:
                    return None
                where = Source(data["path"], data["line"]) if data["path"] else None
                return date.fromisoformat(data["date"]), where
            except (OSError, ValueError, TypeError, KeyError):
                pass  # damaged: recompute
        found = latest_entry(self.content)
        if file is not None:
            day, where = found if found is not None else (None, None)
            _write_json(file, None if day is None else {
                "date": day.isoformat(), "path": where.path if where else None,
                "line": where.line if where else None})
        return found

    @property
    def as_of(self) -> AsOf | None:
        """The day every score and state is for, and where it came from; None when
        nothing gives one (a new repository without commits or dated entries)."""
        found = self._as_of
        return found if isinstance(found, AsOf) else None

    def require_as_of(self) -> AsOf:
        """The as-of date, or the `AsOfError` that says why there is none."""
        found = self._as_of
        if isinstance(found, AsOfError):
            raise found
        return found

    @cached_property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic: the documents', the model's, and the scoring rules' (those
        only with an as-of date). Cached on disk by the content's digest."""
        as_of = self.as_of.date if self.as_of else None
        result_file = self._result_file(as_of)
        if result_file is not None and result_file.exists():
            try:
                kept = _stored(json.loads(result_file.read_text()), self.content_dir)
                if kept is not None:
                    return kept
            except (OSError, ValueError, TypeError, KeyError):
                pass  # damaged: recompute
        content, found, unbuilt = self._loaded
        diagnostics = list(found)
        if as_of is not None:  # beside the other errors: one pass fixes them all
            loaded = Loaded(content, diagnostics, self.snapshot, unbuilt=unbuilt)
            self._keys  # noqa: B018 (the kept objective keys, before any scoring)
            with paused_gc():  # the scores are trees: see paused_gc
                diagnostics += scoring_diagnostics(loaded, self.settings.scoring, as_of,
                                                   self.content_dir, self.registry,
                                                   self.score_memo)
            self.score_memo.save()
        for check in self.finals.values():  # no as-of needed: a record is for its close
            diagnostics += final_diagnostics(check, self.content_dir)
        if result_file is not None:
            _store(result_file, diagnostics, self.content_dir)
        return tuple(diagnostics)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    @cached_property
    def finals(self) -> dict[str, FinalCheck]:
        """Each closed period's final record compared with what the whole content gives
        now (okrsite.final), restricted items included. A period that a document left
        out of the model touches is not compared: its error comes first."""
        content, _, unbuilt = self._loaded
        if unbuilt.org or unbuilt.kpis:
            return {}
        out = {}
        for pid, period in content.periods.items():
            if period.final is None or pid in unbuilt.periods or any(
                    p == pid for p, _ in unbuilt.okrs):
                continue
            # A clean check is kept by the digest of its inputs; one with problems is
            # never kept, so it is found and reported on every build.
            key = final_inputs(self.snapshot.entries, content, pid, self.settings.scoring,
                               self.registry) if self.snapshot.entries else None
            if key is not None and self._checks.final_ok(key):
                # What the content gives is, by that check, the record itself.
                out[pid] = FinalCheck(pid, period.final, period.final)
                continue
            self._keys  # noqa: B018 (see `_keys`)
            found = check_final(content, pid, self.settings.scoring, self.registry,
                                self.score_memo)
            if found is not None:
                out[pid] = found
                if key is not None and found.ok:
                    self._checks.put_final_ok(key)
        self._checks.flush("finals")
        self.score_memo.save()
        return out

    @cached_property
    def _checks(self) -> CheckCache:
        """Check results of unchanged documents and closed periods (okrsite.checkcache):
        kept with the parse cache, so across the builds of a serve session."""
        return session(self.parse_cache, self.settings.cache_dir)

    @cached_property
    def view(self) -> PublicView:
        """What this build shows: the content without restricted items for a public
        build (the default), all of it for an internal one."""
        if self.settings.include_restricted:
            return PublicView(self.content, Withheld())
        return public_view(self.content)

    @cached_property
    def people(self) -> PeopleIndex:
        """Each person of people.yaml with what they own in the view (the person pages)."""
        return people_index(self.view.content)

    @cached_property
    def scorecard(self) -> Scorecard:
        """Scores of what the build shows (a unit's score never reflects its withheld
        objectives), as of the build's date."""
        as_of = self.require_as_of().date
        keys = self._keys
        with paused_gc():  # the scores are trees: see paused_gc
            card = score_content(self.view.content, as_of, self.settings.scoring,
                                 self.registry, memo=self.score_memo)
        # To cache_dir: the next CI build scores only what changed. The checks and the
        # finals have scored before: this build is done scoring.
        self.score_memo.save(release=True)
        keys.save(self.content, self.score_memo)
        return card

    @cached_property
    def _keys(self) -> KeyStore:
        """The objective keys of unchanged OKR files from cache_dir, given to the memo
        before the first scoring (okrsite.scoring.keystore); kept again by `scorecard`."""
        directory = self.settings.cache_dir if self.snapshot.entries else None
        keys = KeyStore(directory, {rel: sha for _, rel, _, _, sha in self.snapshot.entries},
                        self.settings.scoring)
        if directory is not None:
            keys.prefill(self.content, self.score_memo)
        return keys

    @cached_property
    def attention(self) -> Attention:
        """What needs attention: the active periods' key results whose check-in is due or
        stale, and their committed objectives off track (the check-ins page, the top of
        the home and period pages). Of the view, so a public build's holds no restricted
        item."""
        return needs_attention(self.view.content, self.scorecard)

    @cached_property
    def head(self) -> str | None:
        """The commit the content is at (named in manifests, outside their digest)."""
        return head_of(self.content_dir)

    @cached_property
    def history(self) -> History:
        """The change history from git (`History.unavailable` when turned off or
        outside a repository), with eased goalposts decided by today's KPIs, and
        without what is restricted now or was in any version (history.restrict)."""
        if self.history_cache is not None:
            history = self.history_cache.get(self.settings, self.head)
        else:
            history = read_history(self.content_dir, cache_dir=self.settings.cache_dir,
                                   include_restricted=self.settings.include_restricted,
                                   enabled=self.settings.history)
        if not self.settings.include_restricted:
            # Also what the content restricts now: the working tree may restrict an item
            # that every commit still shows (a new History; the cached one is kept).
            history = withhold(history, content_marks(self.content))
        history.resolve({k.id: k.direction for k in self.content.kpis.values()})
        return history

    @cached_property
    def goalposts(self) -> dict[str, list[Goalpost]]:
        """Each key result's goalpost moves after its period started (from `history`),
        for the KR card, the audit page and the score JSON."""
        return goalposts(self.history, self.content)

    @cached_property
    def entry_authors(self) -> EntryAuthors | None:
        """Who committed each check-in and measurement (the KR cards' "by" when a
        check-in has no `by:`); None without history."""
        return entry_authors(self.history) if self.history.available else None

    @cached_property
    def records(self) -> dict[str, PeriodRecord]:
        """Each period's final figures and manifest: the audit downloads."""
        return {p: period_record(self.view.content, self.scorecard, p,
                                 self.settings.include_restricted, self.head,
                                 cache_dir=self.settings.cache_dir)
                for p in self.scorecard.periods}

    def record(self, period: str) -> PeriodRecord:
        """One period's record; `KeyError` names the known periods."""
        if period not in self.records:
            raise KeyError(f"unknown period {period!r}; periods: "
                           f"{', '.join(self.records) or 'none'}")
        return self.records[period]

    @cached_property
    def audits(self) -> dict[str, PeriodAudit]:
        """Each period's record with the changes made to it and its amendments."""
        return {p: period_audit(record, self.history)
                for p, record in self.records.items()}

    def _result_file(self, as_of: object) -> Path | None:
        # Installing a scorer plugin changes what OKR219 says, so the scorers are in the
        # key. Diagnostics name absolute files: kept relative to the content (_store).
        s = self.settings
        return self._cache_file("check", f"{as_of}-{s.scoring!r}-{self.registry.names()}")

    def _cache_file(self, kind: str, extra: str) -> Path | None:
        """A file in cache_dir/<kind> keyed by the content's digest and `extra`; None
        without a cache dir, or for a build from a model in memory (no snapshot)."""
        cache_dir = self.settings.cache_dir
        if cache_dir is None or not self.snapshot.entries:
            return None
        import hashlib

        # The content_dir from the config file's: a checkout at another path hits.
        key = (f"{code_version()}\0{self.settings.keyed(self.content_dir)}-"
               f"{self.snapshot.digest}-"
               f"{self.settings.fiscal_year_start}-{extra}")
        return cache_dir / kind / f"{hashlib.sha256(key.encode()).hexdigest()}.json"


def run(settings: Settings, parse_cache: ParseCache | None = None,
        registry: ScorerRegistry | None = None,
        history_cache: HistoryCache | None = None,
        score_memo: ScoreMemo | None = None) -> Build:
    """The build of `settings.content_dir`. Nothing is read but the file list until a
    stage is asked for; bad content is reported in `diagnostics`, never raised.
    `score_memo`: a serve session's, kept across its builds (scores of what an edit did
    not change are reused); by default each build has its own."""
    settings = settings.but(content_dir=settings.content_dir.resolve())
    cache_dir = settings.cache_dir
    if cache_dir is not None and cache_dir.resolve().is_relative_to(settings.content_dir):
        settings = settings.but(cache_dir=None)  # never write into the content it describes
    if parse_cache is None:
        parse_cache = ParseCache(settings.cache_dir)
    registry = registry if registry is not None else ScorerRegistry.discover()
    if score_memo is None:
        score_memo = ScoreMemo()
    else:
        score_memo.next_build()  # drops what the previous build did not use
    # Scores kept in cache_dir too (okrsite.scoring.store), by settings and scorers;
    # with a plugin scorer, in memory only (its code may change under its version).
    kept_scores = settings.cache_dir if registry.only_okrsites() else None
    score_memo.use_disk(store_for(kept_scores,
                                  context_key(settings.scoring, registry), score_memo.disk))
    return Build(settings, snapshot(settings.content_dir), parse_cache, registry,
                 history_cache, score_memo)


def from_content(content: Content, settings: Settings,
                 registry: ScorerRegistry | None = None,
                 diagnostics: tuple[Diagnostic, ...] = ()) -> Build:
    """The build of a model already in memory (made by a test, or by a tool that
    loads content its own way): no file is read, `diagnostics` are taken as given."""
    build = Build(settings, Snapshot([], []), None,
                  registry if registry is not None else ScorerRegistry.discover())
    build.__dict__["_loaded"] = (content, tuple(diagnostics), Unbuilt())  # the load, done
    return build


def _store(file: Path, diagnostics: list[Diagnostic], content_dir: Path) -> None:
    """The diagnostics with their files relative to the content, for a checkout at
    another path; bound to this content_dir if one names a file outside it, or the
    directory in its text."""
    inside, rows = str(content_dir) + os.sep, []
    bound = False
    for d in diagnostics:
        row = asdict(d)
        if d.file.startswith(inside):
            row["file"] = d.file[len(inside):]
        else:
            bound = True
        bound = bound or str(content_dir) in d.message or str(content_dir) in d.hint
        rows.append(row)
    if bound:
        rows = [asdict(d) for d in diagnostics]
    _write_json(file, {"content_dir": str(content_dir) if bound else None,
                       "diagnostics": rows})


def _stored(data: Any, content_dir: Path) -> tuple[Diagnostic, ...] | None:
    """What `_store` kept, naming this content_dir's files; None if bound to another."""
    bound = data["content_dir"]
    if bound is not None:
        return tuple(Diagnostic(**d) for d in data["diagnostics"]) \
            if bound == str(content_dir) else None
    return tuple(Diagnostic(**{**d, "file": str(content_dir / d["file"])})
                 for d in data["diagnostics"])


def _write_json(file: Path, data: object) -> None:
    write_cache(file, json.dumps(data).encode())
    keep_newest(file.parent, KEPT_STATES)
