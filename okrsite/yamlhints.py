"""The common YAML mistakes, recognised in a syntax error, each with its own fix.

libyaml and the pure-Python parser word their errors differently ("mapping values
are not allowed in this context" or "... here"), so a mistake is recognised from
the text at the error's place, which both agree on, and is then named in our own
words: both parsers give one message and one fix.

A fix that quotes the writer's value shows the whole corrected line when it is
short and printable, so that it can be pasted back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from yaml import MarkedYAMLError
from yaml.tokens import ScalarToken

_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # YAML's line breaks, no others
# `key: ` or `- key: ` at the start of a line: where a block mapping's value starts.
_KEY = re.compile(r"""[ ]*(?:-[ ]+)*(?:[^\s:#'"\[\]{},&*!|>%@`-][^:#]*?|'[^']*'|"[^"]*")"""
                  r":[ ]+")
_ITEM = re.compile(r"[ ]*(?:-[ ]+)+")  # `- ` list item marks at the start of a line
_LONGEST = 100  # a suggested line longer than this is described, not shown
# Where the two parsers are inside a quoted value (libyaml, then PyYAML's own words).
_IN_QUOTES = ("while scanning a quoted scalar", "while parsing a quoted scalar",
              "while scanning a double-quoted scalar")


@dataclass(frozen=True)
class Explained:
    message: str
    hint: str
    pos: tuple[int, int]


def explain(exc: MarkedYAMLError, text: str) -> Explained | None:
    """A specific message and fix for a well-known mistake, or None."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark
    if mark is None:
        return None
    lines = _BREAK.split(text)
    if context in _IN_QUOTES and exc.context_mark is not None:
        return _quote_error(exc, lines)
    runaway = _runaway_quote(text, mark.line)
    if runaway is not None:
        return runaway
    if mark.line >= len(lines):
        return None
    line, col = lines[mark.line], mark.column
    pos = (mark.line + 1, col + 1)
    char = line[col] if col < len(line) else ""
    if char == "\t":
        where = "in the indentation" if not line[:col].strip() else \
            "where YAML allows only spaces"
        return Explained(f"a tab character {where}", "Use spaces instead of tabs: YAML does "
                         "not allow tabs for indentation (set the editor to insert spaces "
                         "in YAML files).", pos)
    if char in ("@", "`") and "cannot start any token" in problem:
        return _reserved(line, col, pos)
    if problem.startswith("mapping values are not allowed") and char == ":":
        key = _KEY.match(line)
        if key is not None and key.end() <= col:
            return Explained("`: ` inside a value that is not in quotes (YAML reads it as "
                             "the start of another key)",
                             _quote_fix(line, key.end(), "Put the whole value in quotes"), pos)
        return None
    if col > 0 and line[col - 1] in "'\"" and char not in " \t#,]}:":
        return _early_close(line, col, pos)
    return None


def _reserved(line: str, col: int, pos: tuple[int, int]) -> Explained:
    """`@` or a backtick where a plain key or value starts."""
    name = "`@`" if line[col] == "@" else "a backtick (`)"
    message = f"text not in quotes cannot start with {name}: YAML reserves it"
    before = line[:col].rstrip()
    in_flow = before.count("[") + before.count("{") > before.count("]") + before.count("}")
    if in_flow or (before and before[-1] not in ":-"):  # in [...] or {...}: quote the item
        item = re.match(r"[^,\]}]*", line[col:])
        token = item.group(0).strip() if item else ""
        fix = _quoted(token) if token and len(token) <= _LONGEST and token.isprintable() \
            else "'...'"
        return Explained(message, f"Put it in quotes: {fix}", pos)
    key = re.match(r"[^'\"#]*?:(?= |$)", line[col:])
    if key is not None:  # it starts a key: quote the key
        fixed = line[:col] + _quoted(key.group(0)[:-1]) + line[col + key.end() - 1:]
        if len(fixed) <= _LONGEST and fixed.isprintable():
            return Explained(message, f"Put the key in quotes: {fixed.strip()}", pos)
    return Explained(message, _quote_fix(line, col, "Put the value in quotes"), pos)


_SCAN_AT_MOST = 1_000_000  # characters: OKR files are ~8 KB, and this is a second scan


def _runaway_quote(text: str, error_line: int) -> Explained | None:
    """A quote left open reads on to the next quote in the file, often many lines on, and
    the error is where that one is: name the line where the quote was opened."""
    if len(text) > _SCAN_AT_MOST:
        return None
    # The pure-Python scanner, whose queue of tokens scanned ahead can be read after it
    # fails: a quoted value just before an error is still there, not yet handed out.
    scanner = yaml.SafeLoader(text)
    last = None
    try:
        while scanner.check_token():
            token = scanner.get_token()
            if isinstance(token, ScalarToken):
                last = token
    except yaml.YAMLError:
        for token in scanner.tokens:
            if isinstance(token, ScalarToken):
                last = token
    finally:
        scanner.dispose()
    if last is None or last.style not in ("'", '"'):
        return None
    start, end = last.start_mark, last.end_mark
    if start.line == end.line or end.line != error_line:
        return None
    quote = last.style
    twice = "twice ('')" if quote == "'" else 'as \\"'
    return Explained(f"the quote {quote} opened here is not closed on its line: YAML reads on "
                     f"to the next {quote}, on line {end.line + 1}",
                     f"Add the closing {quote} at the end of the value on this line (a {quote} "
                     f"inside the value is written {twice}).", (start.line + 1, start.column + 1))


def _quote_error(exc: MarkedYAMLError, lines: list[str]) -> Explained | None:
    start = exc.context_mark
    problem = exc.problem or ""
    opened = (start.line + 1, start.column + 1)
    line = lines[start.line] if start.line < len(lines) else ""
    quote = line[start.column] if start.column < len(line) else "'"
    if problem == "found unexpected end of stream":
        return Explained(f"the quote {quote} opened here is never closed",
                         f"Add the closing {quote} at the end of the value. A {quote} inside "
                         "the value " + ("is written twice ('')." if quote == "'" else
                                         'is written \\".'), opened)
    if quote == '"' and ("escape" in problem or "hexdecimal" in problem):
        # Reported where the value starts: the two parsers point into it differently.
        hint = "Write each backslash twice (\\\\), or put the value in single quotes, " \
            "where a backslash is just a backslash"
        value = _strip_comment(line[start.column:])
        fixed = line[:start.column] + "'" + value[1:-1] + "'"
        if len(value) >= 2 and value[-1] == '"' and "'" not in value and \
                len(fixed) <= _LONGEST and fixed.isprintable():
            hint += f": {fixed.strip()}"
        return Explained("a backslash in double quotes starts an escape (\\n, \\t, \\x41...) "
                         "and this one is not valid", hint + ".", opened)
    return None


def _early_close(line: str, col: int, pos: tuple[int, int]) -> Explained:
    """Text right after a closing quote: a quote inside the value closed it early."""
    quote = line[col - 1]
    inside = "twice ('')" if quote == "'" else 'as \\"'
    hint = f"Inside {quote}...{quote} write a {quote} {inside}, or quote the value with the " \
           "other kind of quotes"
    key = _KEY.match(line)
    start = key.end() if key is not None else len(_ITEM.match(line) or "")
    value = _strip_comment(line[start:])
    if len(value) >= 2 and value[0] == value[-1] == quote:
        fixed = line[:start] + _quoted(value[1:-1])
        if len(fixed) <= _LONGEST and fixed.isprintable():
            hint += f": {fixed.strip()}"
    return Explained(f"the quoted value ends at the {quote} before column {col + 1}, and more "
                     "text follows it", hint + ".", pos)


def _quote_fix(line: str, start: int, advice: str) -> str:
    """`advice: key: 'value'`, the line with its value from `start` quoted."""
    value = _strip_comment(line[start:])
    comment = line[start:].strip()[len(value):]  # kept, outside the quotes
    fixed = line[:start] + _quoted(value) + comment
    if value and len(fixed) <= _LONGEST and fixed.isprintable():
        return f"{advice}: {fixed.strip()}"
    return f"{advice}, in single quotes ('...', with a ' inside written twice)."


def _strip_comment(text: str) -> str:
    """A plain value as YAML reads it: ` #` starts a comment."""
    cut = text.find(" #")
    return (text if cut < 0 else text[:cut]).strip()


def _quoted(value: str) -> str:
    if "'" in value and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"
