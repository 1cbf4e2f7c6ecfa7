"""Edits of content files that keep everything else byte for byte, checked before written.

The editing commands (check-in, measure, import-measurements) change a document
through a round-trip YAML reader (ruamel.yaml keeps comments, order, quoting and
blank lines), then:

1. read the new text back with okrsite's own parser and compare it with the data
   the edit meant to produce (so a value is never written in a form that reads back
   differently);
2. compare the lines: every line of the old text is still there, in order, except
   the ones the edit replaces (a reformatted file is refused, never written);
3. run the pipeline on the content with the new text in memory: if `okrsite check`
   would report an error, nothing is written and the errors are returned;
4. write: a temporary file beside the target, then `os.replace`.

A refusal leaves every file's bytes as they were.
"""

from __future__ import annotations

import difflib
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from okrsite.diagnostics import Diagnostic, has_errors
from okrsite.errors import OkrsiteError
from okrsite.loader import Snapshot
from okrsite.output import write_atomically
from okrsite.pipeline import Build, run
from okrsite.settings import Settings
from okrsite.yamlparse import YamlError, parse


class EditError(OkrsiteError):
    """The edit cannot be made as asked (unknown reference, a value of the wrong kind,
    a file that cannot be edited without reformatting it): exit 2, nothing written."""


@dataclass
class Refused(OkrsiteError):
    """The edited content would fail `okrsite check`: these are its errors (exit 1)."""

    diagnostics: list[Diagnostic]

    def __str__(self) -> str:
        return f"{len(self.diagnostics)} problem(s): nothing was written"


@dataclass
class Outcome:
    written: list[Path] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # one line per change, for people


# -- the round-trip document --------------------------------------------------------------


class RoundTrip:
    """One YAML file read for editing: `data` is ruamel's round-trip tree; `expected`
    okrsite's plain reading of it, to which an edit applies the same change."""

    def __init__(self, file: Path, relpath: str) -> None:
        self.file, self.relpath = file, relpath
        raw = file.read_bytes()
        self.old_bytes = raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EditError(f"{relpath} is not UTF-8; run `okrsite check`") from None
        self.crlf = "\r\n" in text
        self.text = text.replace("\r\n", "\n") if self.crlf else text
        try:
            self.expected = parse(raw).data
        except YamlError as exc:
            raise EditError(f"{relpath}:{exc.pos[0]}:{exc.pos[1]}: {exc.message}; fix the "
                            "file first (`okrsite check` says how)") from None
        # Indentation as the file writes it: ruamel writes one style for the whole file.
        # The guess is a list's indent and its dash's offset (`  - id:` under a key: 4
        # and 2); a mapping's is the list's less the offset (2 in both common styles).
        _, sequence, offset = load_yaml_guess_indent(self.text)
        sequence, offset = sequence or 2, offset or 0
        self.yaml = YAML()
        self.yaml.preserve_quotes = True
        self.yaml.width = 1 << 16  # never fold a long line
        self.yaml.indent(mapping=max(sequence - offset, 2), sequence=sequence, offset=offset)
        self.yaml.representer.add_representer(float, _float)
        self.data = self.yaml.load(self.text)
        self.replaced_lines: set[int] = set()  # 1-based lines whose value an edit changes

    def set_value(self, node: CommentedMap, key: str, value: Any,
                  plain: dict[str, Any]) -> None:
        """Change the value of an existing key (e.g. `done: false` -> `true`)."""
        self.replaced_lines.add(node.lc.value(key)[0] + 1)
        node[key] = value
        plain[key] = _plain(value)

    def append(self, seq: CommentedSeq, item: CommentedMap, plain: list[Any]) -> None:
        """Add an item at the end of a list, in the style of the item before it; the
        blank lines or comments after the list stay after it."""
        # A list's own end (blank lines, comment lines) is written after its last item.
        trailing = None if seq.ca.end else _detach_trailing(seq)
        if seq and isinstance(seq[-1], CommentedMap) and not seq[-1].fa.flow_style():
            item.fa.set_block_style()
        seq.append(item)
        _attach_trailing(seq, trailing)
        plain.append(_plain(item))

    def add_key(self, node: CommentedMap, key: str, value: Any, plain: dict[str, Any]
                ) -> None:
        """Add a key at the end of a mapping; what followed its last entry follows the
        new one."""
        trailing = _detach_trailing(node)
        node[key] = value
        _attach_trailing(node, trailing)
        plain[key] = _plain(value)

    def new_text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        text = out.getvalue()
        return text.replace("\n", "\r\n") if self.crlf else text

    def render(self) -> bytes:
        """The edited file, after checking that it reads back as intended and that no
        line changed but the edited ones."""
        text = self.new_text()
        new = text.encode("utf-8")
        try:
            reread = parse(new).data
        except YamlError as exc:  # pragma: no cover - ruamel wrote what it cannot read
            raise EditError(f"{self.relpath}: the edit would not read back: "
                            f"{exc.message}") from None
        if reread != self.expected:
            raise EditError(f"{self.relpath}: the edited file would not read back as "
                            "intended; edit it by hand")
        old_lines = self.text.split("\n")
        new_lines = text.replace("\r\n", "\n").split("\n")
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, _, _ in matcher.get_opcodes():
            if tag in ("replace", "delete") and not all(
                    n + 1 in self.replaced_lines for n in range(i1, i2)):
                raise EditError(f"{self.relpath}:{i1 + 1}: the edit would also change this "
                                "line (the file's layout is one the round-trip writer does "
                                "not keep); edit the file by hand")
        return new


def _float(representer: Any, value: float) -> Any:
    """A new float as YAML 1.1 (PyYAML, okrsite's reader) reads it: `1e+16` is text
    there, `1.0e+16` a number."""
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


def _plain(value: Any) -> Any:
    """The value as okrsite's parser reads it (dates as their text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def flow_map(*pairs: tuple[str, Any]) -> CommentedMap:
    """`{date: 2026-12-04, value: 13}`: how the format writes check-ins and measurements."""
    item = CommentedMap((k, v) for k, v in pairs if v is not None)
    item.fa.set_flow_style()
    return item


def block_seq(*items: CommentedMap) -> CommentedSeq:
    return CommentedSeq(items)


# Where ruamel keeps what follows a node (the end of its line, blank lines, comment
# lines): after a mapping's last value or a list's last item ("slot", one token that
# begins at the end of that line), or at a list's end ("end", tokens of whole lines).
# Something added at the end must go before it, or it lands below the blank line.
# The tokens are moved, not copied: they keep the column a comment line was written at.

_Trailing = tuple[str, Any]


def _detach_trailing(node: Any) -> _Trailing | None:
    """Take what follows the last entry of `node`, at any depth; None when nothing does."""
    if isinstance(node, CommentedSeq):
        if node.ca.end:
            tokens, node.ca.end = node.ca.end, []
            return ("end", tokens)
        if not node:
            return None
        at = len(node) - 1
        slot = node.ca.items.get(at)
        if slot and slot[0] is not None:
            return _split_token(slot, 0)
        return _detach_trailing(node[at]) if isinstance(node[at], (dict, list)) else None
    if isinstance(node, CommentedMap):
        if not node:
            return None
        key = list(node)[-1]
        slot = node.ca.items.get(key)
        if slot and len(slot) > 2 and slot[2] is not None:
            return _split_token(slot, 2)
        value = node[key]
        return _detach_trailing(value) if isinstance(value, (dict, list)) else None
    return None


def _split_token(slot: list[Any], index: int) -> _Trailing | None:
    """A comment on the entry's own line stays there; the lines after it move."""
    token = slot[index]
    head, newline, rest = token.value.partition("\n")
    if not head.strip():  # nothing on the entry's own line
        slot[index] = None
        return ("slot", token)
    if not rest:
        return None
    token.value = head + newline
    return ("slot", CommentToken("\n" + rest, CommentMark(0), None))


def _attach_trailing(node: Any, trailing: _Trailing | None) -> None:
    if trailing is None:
        return
    if isinstance(node, CommentedSeq):
        last = node[-1]
        if isinstance(last, CommentedMap) and not last.fa.flow_style():
            _attach_trailing(last, trailing)
        else:
            node.ca.items[len(node) - 1] = [_as_slot(trailing), None]
    elif isinstance(node, CommentedMap):
        key = list(node)[-1]
        value = node[key]
        if (isinstance(value, CommentedSeq) and value) or (isinstance(value, CommentedMap) \
                and value and not value.fa.flow_style()):
            _attach_trailing(value, trailing)
        else:
            node.ca.items[key] = [None, None, _as_slot(trailing), None]


def _as_slot(trailing: _Trailing) -> CommentToken:
    """A list's end, which ruamel writes only for the list it read it with, as the text
    after a new last entry: from the end of its line, comment lines at their column."""
    form, what = trailing
    if form == "slot":
        return what
    lines = "".join(" " * t.column + t.value for t in what)
    return CommentToken("\n" + lines, CommentMark(0), None)


# -- checked and written ------------------------------------------------------------------


def edited_build(settings: Settings, changes: dict[str, bytes]) -> Build:
    """The build `okrsite check` would make of the content with `changes` (relpath ->
    new bytes) in place of those files, all in memory."""
    build = run(settings)
    entries = []
    for file, rel, kind, raw, sha in build.snapshot.entries:
        if rel in changes:
            raw = changes[rel]
            sha = hashlib.sha256(raw).hexdigest()
        entries.append((file, rel, kind, raw, sha))
    return replace(build, snapshot=Snapshot(entries, list(build.snapshot.diagnostics)))


def commit(settings: Settings, docs: list[RoundTrip],
           remap: Callable[[Diagnostic], Diagnostic] | None = None) -> list[Path]:
    """Check the edited documents together and write the changed ones; raise `Refused`
    with check's errors (none written) when the result would fail `okrsite check`."""
    changes = {d.relpath: d.render() for d in docs}
    changes = {rel: raw for rel, raw in changes.items()
               if raw != next(d.old_bytes for d in docs if d.relpath == rel)}
    if not changes:
        return []
    build = edited_build(settings, changes)
    errors = [d for d in build.diagnostics if d.is_error]
    if has_errors(errors):
        raise Refused([remap(d) for d in errors] if remap else errors)
    written = []
    for doc in docs:
        if doc.relpath in changes:
            write_atomically(doc.file, changes[doc.relpath])
            written.append(doc.file)
    return written


def at_line(diagnostic: Diagnostic, file: Path, line: int) -> Diagnostic:
    """The same problem shown at another place (a CSV row instead of the YAML line it
    would have become)."""
    return replace(diagnostic, file=str(file), line=line, col=1)
