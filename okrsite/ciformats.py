"""`okrsite check --format gitlab|sarif`: diagnostics as the reports other CIs read.

- GitLab Code Quality (a JSON list of issues; the merge request widget shows new and
  fixed ones by comparing `fingerprint`s between the branch and its target).
- SARIF 2.1.0 (GitHub code scanning, and most other code-scanning tools).

Both need a fingerprint that survives unrelated edits, so it is made from the code,
the file and the message, never the line: a problem that moves down because lines
were added above it is the same problem. Identical problems in one file are told
apart by their order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from okrsite import __version__
from okrsite.diagnostics import CODES, Diagnostic, sort_key

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
# GitLab's severities are info, minor, major, critical and blocker: an error fails
# the check (major), a warning does not (minor), as ESLint's and ruff's reports do.
_GITLAB_SEVERITY = {"error": "major", "warning": "minor"}


def _path(d: Diagnostic) -> str:
    """The file relative to the working directory (the repository root in CI), with /."""
    return PurePath(d.shown_path()).as_posix()


def fingerprints(diags: Iterable[Diagnostic]) -> list[tuple[Diagnostic, str]]:
    """Each diagnostic (in report order) with its line-free fingerprint."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for d in sorted(diags, key=sort_key):
        key = (d.code, _path(d), d.message)
        n = seen.get(key, 0)
        seen[key] = n + 1
        text = "\x00".join((*key, str(n)))
        out.append((d, hashlib.sha256(text.encode("utf-8")).hexdigest()))
    return out


def _description(d: Diagnostic) -> str:
    return d.message + (f" Fix: {d.hint}" if d.hint else "")


def format_gitlab(diags: Iterable[Diagnostic]) -> str:
    """GitLab Code Quality JSON: declare it as `artifacts: reports: codequality:`."""
    issues = [{
        "type": "issue",
        "description": _description(d),
        "check_name": d.code,
        "categories": ["Style" if not d.is_error else "Bug Risk"],
        "fingerprint": fingerprint,
        "severity": _GITLAB_SEVERITY[d.severity.value],
        "location": {"path": _path(d), "lines": {"begin": max(d.line, 1)}},
    } for d, fingerprint in fingerprints(diags)]
    return json.dumps(issues, indent=2, ensure_ascii=False)


def _rule(code: str) -> dict[str, Any]:
    c = CODES[code]
    return {
        "id": c.code,
        "name": "".join(w[:1].upper() + w[1:] for w in c.title.replace("`", "").split()),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": f"{c.title}. {c.fix}"},
        "help": {"text": c.fix, "markdown": c.fix},
        "defaultConfiguration": {"level": c.severity.value},
        "properties": {"tags": ["okrsite"]},
    }


def format_sarif(diags: Iterable[Diagnostic]) -> str:
    """SARIF 2.1.0, one run: every diagnostic code is a rule with its help text, every
    problem a result at its file, line and column."""
    rules = list(CODES)
    index = {code: i for i, code in enumerate(rules)}
    results = []
    for d, fingerprint in fingerprints(diags):
        results.append({
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": d.severity.value,
            "message": {"text": _description(d)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(_path(d), safe="/"),
                                     "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(d.line, 1), "startColumn": max(d.col, 1)},
            }}],
            "partialFingerprints": {"okrsite/v1": fingerprint},
        })
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "okrsite",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(code) for code in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)
