"""`okrsite close`, `okrsite amend` and `okrsite verify`: closed periods as facts.

    close_period(settings, period, on, by)      state: closed, closed_on, closed_by and
                                                the final record, in period.yaml
    amend_period(settings, period, by, reason)  a new amendment, the record refreshed
    verify(build, periods)                      each record recomputed and compared

The editing commands check everything before they write: on any refusal no file is
touched. They edit period.yaml as text, top-level key by key, so comments and the
style of the other keys stay as they were, then write it atomically (a temporary file
beside it, renamed over it), after checking that the new text loads and that the
content reproduces the new record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from okrsite.diagnostics import Diagnostic, format_text
from okrsite.errors import OkrsiteError
from okrsite.final import FinalCheck, amended, check_final, compute, record_date, to_data
from okrsite.loader import Snapshot
from okrsite.model import Amendment, Content, FinalRecord, PeriodState
from okrsite.output import write_atomically
from okrsite.periods import is_period_id
from okrsite.pipeline import Build, run
from okrsite.settings import Settings
from okrsite.yamlparse import YamlError, parse


class ClosingError(OkrsiteError, ValueError):
    """The command refuses: nothing was written."""


@dataclass
class Closed:
    period: str
    file: Path
    record: FinalRecord
    changed: list[str] = field(default_factory=list)  # refs whose figures the amendment changed


# Where a key goes when period.yaml does not have it yet: after the last of these present.
_ORDER = ("version", "kind", "id", "name", "start", "end", "state", "closed_on", "closed_by",
          "amendments", "final")
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)")


def _chunks(text: str, rel: str) -> tuple[str, list[tuple[str, str]]]:
    """(text before the first key, [(key, its lines)]) of a block-style mapping."""
    head: list[str] = []
    chunks: list[tuple[str, list[str]]] = []
    for line in text.splitlines(keepends=True):
        match = _KEY.match(line)
        if match:
            chunks.append((match[1], [line]))
        elif chunks:
            # A block list may start at the key's own column (`amendments:` then
            # `- date: ...`, as yaml.safe_dump and so `amend` write it).
            if (line[:1] not in (" ", "\t", "#", "\n", "\r", "") and line.strip()
                    and not re.match(r"-(?:[ \t]|$)", line)):
                raise ClosingError(f"{rel}: cannot edit line {line.strip()!r}; write the "
                                   "period as a plain `key: value` mapping")
            chunks[-1][1].append(line)
        elif line.strip() in ("", "---") or line.lstrip().startswith("#"):
            head.append(line)
        else:
            raise ClosingError(f"{rel}: cannot edit a period.yaml written in flow style; "
                               "write it as a plain `key: value` mapping")
    return "".join(head), [(k, "".join(lines)) for k, lines in chunks]


def _join(head: str, chunks: list[tuple[str, str]]) -> str:
    parts = [head]
    for _, body in chunks:
        parts.append(body if body.endswith("\n") else body + "\n")
    return "".join(parts)


def _split_tail(body: str) -> tuple[str, str]:
    """(the key's lines, the blank and comment lines after them, which lead the next key)."""
    lines = body.splitlines(keepends=True)
    end = len(lines)
    while end > 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return "".join(lines[:end]), "".join(lines[end:])


def _put(chunks: list[tuple[str, str]], key: str, body: str) -> list[tuple[str, str]]:
    """Replace the key's lines, or add them where the key belongs."""
    out = list(chunks)
    for i, (k, old) in enumerate(out):
        if k == key:
            out[i] = (key, body + _split_tail(old)[1])
            return out
    rank = _ORDER.index(key)
    at = len(out)
    for i, (k, _) in enumerate(out):
        if k in _ORDER and _ORDER.index(k) > rank:
            at = i
            break
    if at > 0:  # a file may end without a newline
        k, prev = out[at - 1]
        out[at - 1] = (k, prev if prev.endswith("\n") else prev + "\n")
    out.insert(at, (key, body))
    return out


def _dump(value: Any, flow: bool | None = False) -> str:
    """YAML in block style; `flow=None`: innermost mappings on one line (the record)."""
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True,
                          width=88 if flow is False else 400,
                          default_flow_style=flow)


def _scalar(key: str, value: Any) -> str:
    return _dump({key: value})


def _final_text(record: FinalRecord) -> str:
    first, rest = _dump({"final": to_data(record)}, None).split("\n", 1)
    return f"{first}  # written by okrsite close and amend; do not edit\n{rest}"


def _add_amendment(chunks: list[tuple[str, str]], a: Amendment) -> list[tuple[str, str]]:
    item = _dump([{"date": a.date, "by": a.by, "reason": a.reason}])
    for key, body in chunks:
        if key != "amendments":
            continue
        first = body.split("\n", 1)
        if first[0].split("#", 1)[0].strip() != "amendments:":
            break  # flow style (`amendments: []`): written afresh below
        dash = re.search(r"^([ \t]*)- ", first[1] if len(first) > 1 else "", re.M)
        indent = dash[1] if dash else "  "
        core, tail = _split_tail(body)
        body = core.rstrip("\n") + "\n" + "".join(indent + line for line in
                                                   item.splitlines(keepends=True)) + tail
        return [(k, body if k == "amendments" else b) for k, b in chunks]
    return chunks  # caller writes the key from the parsed data


# -- the commands -------------------------------------------------------------------------


def _build(settings: Settings) -> Build:
    return run(settings.but(history=False, include_restricted=True))


# A closed period whose content no longer gives its final record (OKR401) is fixed by
# amending it; other periods' such errors must not stop the close or amendment of
# this one (after an okrsite upgrade that changes a scorer, every closed period has
# them, and each is amended on its own).
_AMENDABLE = ("OKR401",)


def _refuse_errors(build: Build) -> None:
    errors = [d for d in build.diagnostics if d.is_error and d.code not in _AMENDABLE]
    if errors:
        raise ClosingError("the content has errors; fix them first (nothing was written):\n"
                           + format_text(errors))


def _period_file(build: Build, period: str) -> tuple[Path, str]:
    file = build.content_dir / "periods" / period / "period.yaml"
    for path in (file, file.with_suffix(".yml")):
        if path.is_file():
            return path, path.read_text(encoding="utf-8")
    return file, f'version: 1\nkind: period\nid: "{period}"\n'


def close_period(settings: Settings, period: str, on: date, by: str) -> Closed:
    """Close `period` on `on`: state, closed_on, closed_by and the final record."""
    if not is_period_id(period):
        raise ClosingError(f"not a period id: {period!r} (use YYYY, YYYY-H1 or YYYY-Q3)")
    if not by.strip():
        raise ClosingError("--by needs the name of the person closing the period")
    build = _build(settings)
    _refuse_errors(build)
    content = build.content
    if not any(p == period for p, _ in content.okrs):
        raise ClosingError(f"{period} has no OKRs to close")
    p = content.period(period)
    if p.final is not None:
        raise ClosingError(f"{period} was closed on {p.closed_on} and has its final record; "
                           f"record a change with `okrsite amend {period}`")
    if p.declared_state is PeriodState.CLOSED and p.closed_on not in (None, on):
        raise ClosingError(f"{period} says it closed on {p.closed_on}; pass --on {p.closed_on}"
                           " to write its final record")
    if on < p.end:
        raise ClosingError(f"{period} ends on {p.end}: it cannot close on {on}, before its "
                           "last day")
    if any(a.date < on for a in p.amendments):
        raise ClosingError(f"{period} has amendments dated before {on}")
    file, text = _period_file(build, period)
    rel = file.relative_to(build.content_dir).as_posix()
    head, chunks = _chunks(text, rel)
    chunks = _put(chunks, "state", _scalar("state", "closed"))
    chunks = _put(chunks, "closed_on", _scalar("closed_on", on))
    chunks = _put(chunks, "closed_by", _scalar("closed_by", by.strip()))
    closed = replace(p, declared_state=PeriodState.CLOSED, closed_on=on, closed_by=by.strip())
    content = replace(content, periods={**content.periods, period: closed})
    record = compute(content, period, build.settings.scoring, build.registry)
    chunks = _put(chunks, "final", _final_text(record))
    _write_checked(build, file, rel, _join(head, chunks), period, record)
    return Closed(period, file, record)


def amend_period(settings: Settings, period: str, by: str, reason: str,
                 on: date | None = None) -> Closed:
    """Record an amendment of a closed period and refresh its final record."""
    if not by.strip() or not reason.strip():
        raise ClosingError("--by and --reason must say who changed the period and why")
    build = _build(settings)
    _refuse_errors(build)
    content = build.content
    p = content.periods.get(period)
    if p is None or p.final is None or p.closed_on is None:
        raise ClosingError(f"{period} has no final record to amend; close it first with "
                           f"`okrsite close {period} --on DATE --by NAME`")
    if on is None:
        as_of = build.as_of
        if as_of is None:
            raise ClosingError("no date for the amendment: pass --on YYYY-MM-DD")
        on = as_of.date
    last = record_date(p)
    if last is not None and on < last:
        raise ClosingError(f"the amendment would be dated {on}, before {period}'s latest "
                           f"record date {last}; pass --on YYYY-MM-DD")
    if any(a.reason.strip() == reason.strip() for a in p.amendments):
        raise ClosingError("an amendment of this period already gives that reason; say "
                           "what this change is")
    file, text = _period_file(build, period)
    rel = file.relative_to(build.content_dir).as_posix()
    head, chunks = _chunks(text, rel)
    a = Amendment(on, by.strip(), reason.strip())
    added = _add_amendment(chunks, a)
    if added is chunks:  # no block-style list yet
        items = [{"date": x.date, "by": x.by, "reason": x.reason} for x in [*p.amendments, a]]
        added = _put(chunks, "amendments", _dump({"amendments": items}))
    new_period = replace(p, amendments=[*p.amendments, a])
    content = replace(content, periods={**content.periods, period: new_period})
    fresh = compute(content, period, build.settings.scoring, build.registry,
                    kept=p.final)
    record = amended(p.final, fresh)
    chunks = _put(added, "final", _final_text(record))
    _write_checked(build, file, rel, _join(head, chunks), period, record)
    before = {i.ref: (i.score, i.status, i.title) for i in p.final.items}
    changed = [i.ref for i in record.items if before.get(i.ref) != (i.score, i.status, i.title)]
    changed += [r for r in before if r not in {i.ref for i in record.items}]
    return Closed(period, file, record, changed)


def _write_checked(build: Build, file: Path, rel: str, text: str, period: str,
                   record: FinalRecord) -> None:
    """Write `text` over `file` only if it parses and the content with it gives no
    error and reproduces `record`."""
    try:
        parse(text.encode("utf-8"))
    except YamlError as exc:  # a bug here must not reach the file
        raise ClosingError(f"internal error: the new {rel} would not parse: {exc}") from None
    trial = _with_file(build.snapshot, file, rel, text.encode("utf-8"))
    check = Build(build.settings, trial, None, build.registry)
    before = {_key(d) for d in build.diagnostics if d.is_error}
    errors = [d for d in check.diagnostics if d.is_error and _key(d) not in before]
    if errors:
        raise ClosingError("the new period.yaml would not check (nothing was written):\n"
                           + format_text(errors))
    found: FinalCheck | None = check.finals.get(period)
    if found is None or not found.ok or found.recorded.digest != record.digest:
        raise ClosingError("internal error: the new record does not reproduce; nothing "
                           "was written")
    write_atomically(file, text.encode("utf-8"))


def _key(d: Diagnostic) -> tuple[str, int, str, str]:
    return (d.file, d.line, d.code, d.message)


def _with_file(snap: Snapshot, file: Path, rel: str, raw: bytes) -> Snapshot:
    import hashlib

    entries = [e for e in snap.entries if e[1] != rel]
    entries.append((file, rel, "period", raw, hashlib.sha256(raw).hexdigest()))
    entries.sort(key=lambda e: e[1])
    return Snapshot(entries, list(snap.diagnostics))


# -- verify -------------------------------------------------------------------------------


@dataclass
class Verified:
    period: str
    check: FinalCheck | None  # None: closed without a final record

    @property
    def ok(self) -> bool:
        return self.check is not None and self.check.ok


def verify(build: Build, periods: list[str] | None = None) -> list[Verified]:
    """Every period with a final record (or closed without one), or the ones named;
    `KeyError` for a named period that does not exist."""
    content: Content = build.content
    if periods:
        unknown = [p for p in periods if p not in content.periods]
        if unknown:
            raise KeyError(f"unknown period(s) {', '.join(unknown)}; periods: "
                           f"{', '.join(content.periods) or 'none'}")
        chosen = periods
    else:
        chosen = [pid for pid, p in content.periods.items()
                  if p.final is not None or p.declared_state is PeriodState.CLOSED]
    out = []
    for pid in chosen:
        found = build.finals.get(pid)
        if found is None and content.periods[pid].final is not None:
            found = check_final(content, pid, build.settings.scoring, build.registry)
        out.append(Verified(pid, found))
    return out
