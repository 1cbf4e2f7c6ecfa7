"""`okrsite checkin REF VALUE` and `okrsite measure KPI VALUE`: the weekly update, written
into the right file without touching anything else in it (see okrsite.commands.edit).

    checkin(settings, "2026-Q4:company/customer-love/first-response", "13.2",
            day=date(2026, 12, 4), confidence=0.6, note="Two agents started.")
    measure(settings, "nps", "48", day=date(2026, 12, 31))

A check-in goes at the end of the key result's `check_ins` (the list is made when it
has none); a binary key result takes `done` or `open` (its `done:` is set too); a
milestones key result takes `--milestone TITLE`, which marks that milestone done. A
measurement goes at the end of the KPI's `measurements`.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from okrsite.commands.edit import (
    EditError,
    Outcome,
    Refused,
    RoundTrip,
    block_seq,
    commit,
    flow_map,
)
from okrsite.diagnostics import Diagnostic, diag
from okrsite.model import KPI, Content, KeyResult, KRKind, Ref, Source
from okrsite.periods import CLOSING_GRACE
from okrsite.pipeline import run
from okrsite.settings import Settings

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")
BINARY_WORDS = {"done": True, "open": False}


def parse_number(text: str, what: str = "VALUE") -> int | float:
    """A number as a person types it: `13`, `13.5`, `-2`, `1e6`; an integer stays one."""
    text = text.strip()
    if not _NUMBER.match(text):
        raise EditError(f"{what} {text!r} is not a number")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    number = float(text)
    if not math.isfinite(number):
        raise EditError(f"{what} {text!r} is too large")
    return number


@dataclass(frozen=True)
class CheckInRequest:
    ref: str  # PERIOD:UNIT/OBJECTIVE/KR
    value: str | None  # a number, `done`/`open` (binary), or None with a milestone
    day: date
    confidence: float | None = None
    note: str | None = None
    milestone: str | None = None
    by: str | None = None


def checkin(settings: Settings, request: CheckInRequest) -> Outcome:
    """Append one check-in; `Refused` with check's errors (nothing written) when the
    content would not pass `okrsite check` afterwards."""
    ref = _kr_ref(request.ref)
    build = run(settings)
    content = build.content
    kr = _find_kr(content, ref, build)
    period = content.period(ref.period or "")
    closed = _closed(content, period.id, request.day, "check-in")
    if closed:
        raise Refused([closed])
    same_day = next((c for c in kr.check_ins if c.date == request.day), None)
    if same_day is not None:
        raise Refused([_same_date(content, same_day.source, request.day,
                                  f"key result `{ref}`", "check-in")])

    up = content.okrs[(ref.period or "", ref.unit)]
    doc = RoundTrip(Path(content.root) / up.source.path, up.source.path)
    o_at = _index(doc.expected["objectives"], ref.objective)
    k_at = _index(doc.expected["objectives"][o_at]["key_results"], ref.key_result or "")
    node = doc.data["objectives"][o_at]["key_results"][k_at]
    plain = doc.expected["objectives"][o_at]["key_results"][k_at]

    value: int | float | None = None
    what = ""
    if kr.kind is KRKind.BINARY:
        word = (request.value or "").strip().casefold()
        if word not in BINARY_WORDS:
            raise EditError(f"`{ref}` is a binary key result: VALUE is `done` or `open`, "
                            f"not {request.value!r}")
        if request.milestone:
            raise EditError(f"`{ref}` has no milestones: leave out --milestone")
        if plain.get("done") is not BINARY_WORDS[word]:
            doc.set_value(node, "done", BINARY_WORDS[word], plain)
        what = word
    elif kr.kind is KRKind.MILESTONES:
        if not request.milestone:
            raise EditError(f"`{ref}` is a milestones key result: name the milestone done "
                            "with --milestone TITLE (VALUE is left out)")
        if request.value is not None:
            raise EditError(f"`{ref}` is a milestones key result: it takes no VALUE, only "
                            "--milestone TITLE")
        m_at = _milestone(plain["milestones"], request.milestone, ref)
        milestone, m_plain = node["milestones"][m_at], plain["milestones"][m_at]
        if "done" in m_plain:
            doc.set_value(milestone, "done", True, m_plain)
        else:
            doc.add_key(milestone, "done", True, m_plain)
        what = f"milestone {m_plain['title']!r} done"
    else:
        if request.milestone:
            raise EditError(f"`{ref}` has no milestones: leave out --milestone")
        if request.value is None:
            raise EditError(f"`{ref}` needs a VALUE, a number")
        value = parse_number(request.value)
        what = str(request.value).strip()

    item = flow_map(("date", request.day), ("value", value),
                    ("confidence", request.confidence), ("note", request.note),
                    ("by", request.by))
    if "check_ins" in plain:
        doc.append(node["check_ins"], item, plain["check_ins"])
    else:
        doc.add_key(node, "check_ins", block_seq(item), plain)
    written = commit(settings, [doc])
    return Outcome(written, [f"{up.source.path}: check-in {request.day.isoformat()} on "
                             f"{ref}: {what}"])


@dataclass(frozen=True)
class MeasureRequest:
    kpi: str
    value: str
    day: date
    note: str | None = None


def measure(settings: Settings, request: MeasureRequest) -> Outcome:
    """Append one measurement to a KPI; refused like a check-in."""
    build = run(settings)
    content = build.content
    kpi = find_kpi(content, request.kpi, build)
    closed = _closed_for_kpi(content, kpi, request.day)
    if closed:
        raise Refused([closed])
    same_day = next((m for m in kpi.measurements if m.date == request.day), None)
    if same_day is not None:
        raise Refused([_same_date(content, same_day.source, request.day,
                                  f"KPI `{kpi.id}`", "measurement")])
    value = parse_number(request.value)
    doc = kpi_document(content, kpi)
    append_measurements(doc, [flow_map(("date", request.day), ("value", value),
                                       ("note", request.note))])
    written = commit(settings, [doc])
    return Outcome(written, [f"{doc.relpath}: measurement {request.day.isoformat()} of "
                             f"{kpi.id}: {request.value.strip()}"])


def kpi_document(content: Content, kpi: KPI) -> RoundTrip:
    rel = kpi.source.path if kpi.source else f"kpis/{kpi.id}.yaml"
    return RoundTrip(Path(content.root) / rel, rel)


def append_measurements(doc: RoundTrip, items: list[Any]) -> None:
    if "measurements" in doc.expected:
        for item in items:
            doc.append(doc.data["measurements"], item, doc.expected["measurements"])
    else:
        doc.add_key(doc.data, "measurements", block_seq(*items), doc.expected)


# -- finding what to edit -----------------------------------------------------------------


def _kr_ref(text: str) -> Ref:
    try:
        ref = Ref.parse(text.strip())
    except ValueError:
        ref = None
    if ref is None or ref.period is None or ref.key_result is None:
        raise EditError(f"{text!r} is not a key result reference: write "
                        "PERIOD:UNIT/OBJECTIVE/KR, e.g. 2026-Q4:support/faster/first-response")
    return ref


def _content_errors(build: Any) -> Refused | None:
    errors = [d for d in build.diagnostics if d.is_error]
    return Refused(errors) if errors else None


def _find_kr(content: Content, ref: Ref, build: Any) -> KeyResult:
    kr = content.key_result(ref)
    if kr is not None:
        return kr
    broken = _content_errors(build)
    if broken is not None:  # the file may be left out of the model: say why
        raise broken
    period = ref.period or ""
    if (period, ref.unit) not in content.okrs:
        units = [u for p, u in content.okrs if p == period]
        known = "" if units else f"; periods with OKRs: {', '.join(_periods(content))}"
        raise EditError(f"no OKRs of unit `{ref.unit}` in {period}{_mean(ref.unit, units)}"
                        f"{known}")
    objective = content.objective(ref)
    if objective is None:
        ids = [o.id for o in content.okrs[(period, ref.unit)].objectives]
        raise EditError(f"{ref.unit} has no objective `{ref.objective}` in {period}"
                        f"{_mean(ref.objective, ids)}")
    ids = [k.id for k in objective.key_results]
    raise EditError(f"objective `{ref.objective}` has no key result `{ref.key_result}`"
                    f"{_mean(ref.key_result or '', ids)}; it has {', '.join(ids)}")


def find_kpi(content: Content, kpi_id: str, build: Any) -> KPI:
    kpi = content.kpis.get(kpi_id)
    if kpi is not None:
        return kpi
    broken = _content_errors(build)
    if broken is not None:
        raise broken
    raise EditError(f"no KPI `{kpi_id}` under kpis/{_mean(kpi_id, list(content.kpis))}")


def _periods(content: Content) -> list[str]:
    return list(dict.fromkeys(p for p, _ in content.okrs))


def _mean(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _index(items: list[dict[str, Any]], ident: str) -> int:
    return next(i for i, item in enumerate(items) if item.get("id") == ident)


def _milestone(milestones: list[dict[str, Any]], title: str, ref: Ref) -> int:
    titles = [m["title"] for m in milestones]
    for exact in (True, False):
        for i, t in enumerate(titles):
            if t == title if exact else t.strip().casefold() == title.strip().casefold():
                if milestones[i].get("done") is True:
                    raise EditError(f"milestone {t!r} of `{ref}` is already done")
                return i
    close = difflib.get_close_matches(title, titles, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise EditError(f"`{ref}` has no milestone {title!r}{hint}; its milestones: "
                    + "; ".join(repr(t) for t in titles))


# -- refusals that are facts about the edit itself ----------------------------------------


def _closed(content: Content, period_id: str, day: date, what: str) -> Diagnostic | None:
    """A period recorded as closed takes no new entry: its final record is a fact, and
    a correction is an amendment (OKR401, as `check --base` reports it)."""
    period = content.periods.get(period_id)
    if period is None or period.closed_on is None:
        return None
    src = period.source or Source(f"periods/{period_id}/period.yaml")
    return diag(Path(content.root) / src.path, (src.line, src.col), "OKR401",
                f"{period_id} was closed on {period.closed_on.isoformat()}: a {what} dated "
                f"{day.isoformat()} would change its final record")


def _closed_for_kpi(content: Content, kpi: KPI, day: date) -> Diagnostic | None:
    """A measurement dated inside a closed period that a key result there takes from
    this KPI would change that period's final record."""
    for period in content.periods.values():
        if period.closed_on is None or not period.start <= day <= period.end + CLOSING_GRACE:
            continue
        if any(k.kpi == kpi.id for o in content.objectives(period.id) for k in o.key_results):
            return _closed(content, period.id, day, f"measurement of `{kpi.id}`")
    return None


def _same_date(content: Content, src: Source | None, day: date, owner: str,
               what: str) -> Diagnostic:
    src = src or Source("")
    return diag(Path(content.root) / src.path, (src.line, src.col), "OKR222",
                f"{owner} already has a {what} dated {day.isoformat()}")
