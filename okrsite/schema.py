"""JSON Schema validation of parsed documents, with errors at file:line.

The schemas (draft 2020-12) live in the repository's top-level `schema/` and
ship inside the wheel as `okrsite/schema/`. Each kind's schema refers to shared
definitions in `defs.schema.json`; we bundle those in at load time, so every
validator sees one self-contained schema and nothing is ever fetched.

Valid documents are the common case, so they take the fast path: jsonschema-rs
answers `is_valid` about 100x faster than pure-Python jsonschema. Only an
invalid document goes through jsonschema, whose errors carry the paths and
messages we turn into diagnostics; both run the same standard schema.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from okrsite.diagnostics import Diagnostic, diag
from okrsite.loader import Document
from okrsite.yamlparse import pointer

if TYPE_CHECKING:
    import jsonschema

try:
    import jsonschema_rs
except ImportError:  # pragma: no cover - a platform without a wheel is only slower
    jsonschema_rs = None

KINDS = ("org", "period", "okrs", "kpi", "people")
VERSIONS = (1,)
_DEFS_REF = "defs.schema.json#/$defs/"


def schema_dir() -> Path:
    """Installed wheel: okrsite/schema. Source checkout or editable install: ../schema."""
    here = Path(__file__).parent
    packaged = here / "schema"
    return packaged if packaged.is_dir() else here.parent / "schema"


@cache
def bundled_schema(kind: str, version: int = 1) -> dict[str, Any]:
    """The kind's schema with the shared definitions copied in and refs made local."""
    folder = schema_dir() / f"v{version}"
    schema = json.loads((folder / f"{kind}.schema.json").read_text(encoding="utf-8"))
    defs = json.loads((folder / "defs.schema.json").read_text(encoding="utf-8"))["$defs"]
    schema = _localise(schema)
    schema.setdefault("$defs", {})
    for name, definition in defs.items():
        schema["$defs"].setdefault(name, _localise(copy.deepcopy(definition)))
    return schema


def _localise(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: ("#/$defs/" + v[len(_DEFS_REF):] if k == "$ref" and isinstance(v, str)
                    and v.startswith(_DEFS_REF) else _localise(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_localise(v) for v in node]
    return node


def _validators(kind: str, version: int) -> tuple[Any, Any]:
    return _fast(kind, version), _slow(kind, version)


@cache
def _fast(kind: str, version: int) -> Any:
    return jsonschema_rs.validator_for(bundled_schema(kind, version)) if jsonschema_rs \
        else _slow(kind, version)


@cache
def _slow(kind: str, version: int) -> Any:
    import jsonschema  # a tenth of a second to import: only invalid documents need it

    return jsonschema.Draft202012Validator(bundled_schema(kind, version))


def validate(doc: Document) -> list[Diagnostic]:
    """Schema diagnostics for one document (empty when valid)."""
    data = doc.data
    version, kind = data.get("version"), data.get("kind")
    missing = [f for f in ("version", "kind") if f not in data]
    if missing:
        want = {"version": "version: 1", "kind": f"kind: {doc.expected_kind}"}
        return [diag(doc.file, doc.pos(""), "OKR102",
                     f"the document is missing the required field `{f}`",
                     f"Add `{want[f]}` at the top.") for f in missing]
    if isinstance(version, bool) or version not in VERSIONS:
        return [diag(doc.file, doc.pos("/version"), "OKR007",
                      f"`version: {version!r}` is not supported; this okrsite reads version 1",
                      "Start the document with `version: 1`.")]
    if kind != doc.expected_kind:
        where = doc.relpath
        return [diag(doc.file, doc.pos("/kind"), "OKR007",
                     f"`kind: {kind!r}` in {where}, where {_a(doc.expected_kind)} "
                     f"`{doc.expected_kind}` document belongs",
                     f"Write `kind: {doc.expected_kind}`, or move the file.")]
    fast = _fast(kind, version)
    if fast.is_valid(data):
        return []
    errors = sorted(_slow(kind, version).iter_errors(data),
                    key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    out: list[Diagnostic] = []
    for error in errors:
        out.extend(_diagnose(doc, error))
    if not out:
        # The engines disagree only at edges of regex semantics (Python's `$` matches
        # before a final newline): trust the stricter one and say what it saw.
        for rs_error in fast.iter_errors(data):
            path = list(rs_error.instance_path)
            out.append(diag(doc.file, doc.pos(pointer(tuple(path))), "OKR104",
                            f"{label(data, path)}: {rs_error.message}",
                            "See the format reference."))
    return _dedupe(out)


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[int, int, str, str]] = set()
    out = []
    for d in diags:
        key = (d.line, d.col, d.code, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


_PLAIN = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")  # an id worth showing in a place name


def label(data: Any, path: list[str | int]) -> str:
    """A readable place: objectives[delight-customers].key_results[nps].target."""
    out = ""
    node = data
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            out += f"[{ident}]" if isinstance(ident, str) and _PLAIN.match(ident) else f"[{part}]"
            node = item
        else:
            out += ("." if out else "") + part
            node = node.get(part) if isinstance(node, dict) else None
    return out or "the document"


_TYPE_NAMES = {"string": "text", "number": "a number", "integer": "a whole number",
               "boolean": "true or false", "array": "a list", "object": "a mapping",
               "null": "empty"}


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"a number of {len(str(abs(value)))} digits"  # not all 400 of them
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return "a list" if isinstance(value, list) else "a mapping"


def _diagnose(doc: Document, error: jsonschema.ValidationError) -> list[Diagnostic]:
    path = list(error.absolute_path)
    where = label(doc.data, path)
    ptr = pointer(tuple(path))
    pos = doc.pos(ptr)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        out = []
        for key in error.instance:
            if key in known or key.startswith("x-"):
                continue
            close = difflib.get_close_matches(key, known, n=1)
            hint = (f"Did you mean `{close[0]}`? " if close else "") + \
                f"Allowed here: {', '.join(known)}; custom fields start with `x-`."
            out.append(diag(doc.file, doc.pos(pointer((*path, key))), "OKR101",
                            f"unknown field `{key}` in {where}", hint))
        return out
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        title = schema.get("properties", {}).get(missing, {}).get("description", "")
        return [diag(doc.file, pos, "OKR102", f"{where} is missing the required field `{missing}`",
                     f"Add `{missing}:`" + (f" ({title})" if title else "") + ".")]
    if kind == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        number = _as_yaml_number(error.instance) if {"number", "integer"} & set(names) \
            else None
        return [diag(doc.file, pos, "OKR103",
                     f"{where} must be {want}, not {_describe(error.instance)}",
                     number or f"Write {where.rsplit('.', 1)[-1]} as {want}.")]
    if kind == "pattern" and error.validator_value == _NOT_BLANK:
        name = schema.get("title", where.rsplit(".", 1)[-1]).lower()
        return [diag(doc.file, pos, "OKR104", f"{where} is blank",
                     f"Write the {name} as text with at least one letter or digit.")]
    return [diag(doc.file, pos, "OKR104", f"{where}: {_value_problem(error)}",
                 _value_hint(error))]


_NOT_BLANK = "\\S"  # the schemas' pattern for titles and names: more than spaces
_NUMBERLIKE = re.compile(r"([-+]?)([0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([-+]?)([0-9]+))?")


def _as_yaml_number(value: Any) -> str | None:
    """The fix for text that looks like a number: YAML 1.1 reads `1e3` and `1.7e308` as
    text (its floats need a dot and a signed exponent), and a quoted number is text."""
    found = _NUMBERLIKE.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return None
    sign, mantissa, exp_sign, exponent = found.groups()
    if exponent is None:
        return f"Remove the quotes: write {value} as a plain number."
    mantissa = mantissa if "." in mantissa else mantissa + ".0"
    number = f"{sign}{mantissa}e{exp_sign or '+'}{exponent}"
    if number == value:
        return f"Remove the quotes: write {value} as a plain number."
    return (f"Write it as {number}: YAML reads `{value}` as text, because its numbers with an "
            "exponent need a dot and a sign (1.0e+3, not 1e3).")


def _value_problem(error: jsonschema.ValidationError) -> str:
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind in ("enum", "const"):
        allowed = value if kind == "enum" else [value]
        return f"{_describe(instance)} is not allowed"[0:200] + \
            f" (allowed: {', '.join(json.dumps(a) for a in allowed)})"
    if kind == "pattern":
        return f"{_describe(instance)} does not have the required form"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": "at least", "exclusiveMinimum": "more than",
                 "maximum": "at most", "exclusiveMaximum": "less than"}
        return f"{_describe(instance)} must be {words[kind]} {_bound(value)}"
    if kind == "minItems":
        return f"needs at least {value} item{'s' if value != 1 else ''}"
    if kind in ("minLength", "maxLength"):
        return f"{_describe(instance)} is too {'short' if kind == 'minLength' else 'long'}"
    return error.message


def _bound(value: object) -> str:
    """A limit as a person reads it: 1,000,000,000,000,000 rather than 1e15."""
    if isinstance(value, (int, float)) and value == int(value) and abs(value) >= 10_000:
        return f"{int(value):,}"
    return str(value)


def _range_hint(schema: dict[str, Any]) -> str:
    """`Write a number from -5 to 5.` from a schema's bounds (okrsite.limits says why)."""
    low, high = schema.get("minimum"), schema.get("maximum")
    above = schema.get("exclusiveMinimum")
    if low is not None and high is not None:
        words = f"from {_bound(low)} to {_bound(high)}"
    elif above is not None:
        words = f"more than {_bound(above)}" + \
            (f" and at most {_bound(high)}" if high is not None else "")
    elif low is not None:
        words = f"of at least {_bound(low)}"
    else:
        words = f"of at most {_bound(high)}"
    return f"Write a number {words}."


def _value_hint(error: jsonschema.ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    examples = schema.get("examples")
    if error.validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        desc = schema.get("description", "")
        return _range_hint(schema) + (f" {desc}" if desc else "")
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        close = difflib.get_close_matches(str(error.instance), [str(a) for a in allowed], n=1)
        return f"Did you mean `{close[0]}`?" if close else \
            f"Use one of: {', '.join(str(a) for a in allowed)}."
    if error.validator == "pattern":
        desc = schema.get("description", "")
        if examples:
            return f"For example: {examples[0]}." + (f" {desc}" if desc else "")
        return desc or f"Match the pattern {error.validator_value}."
    return schema.get("description", "") or "See the format reference."
