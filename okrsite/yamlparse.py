"""Safe YAML parsing that remembers where every value came from.

We turn libyaml's parser events into plain JSON-like data ourselves, rather than
call `yaml.safe_load`. That is what lets us:

- record the line and column of every value, keyed by JSON pointer;
- reject duplicate keys (PyYAML silently keeps the last one);
- reject tags that would construct objects, and alias expansion bombs;
- read without recursion, so `[[[[...` a hundred thousand deep is a diagnostic,
  not a crash (libyaml's own composer recurses in C and overflows the stack);
- keep dates as their source text, the one place where dates become strings
  (the schemas then check them as `YYYY-MM-DD` strings).

Two readers share that contract. The quick one builds data and positions in one
pass over the events and handles what OKR files are made of: plain and quoted
scalars, mappings with text keys, sequences. On anything else (an anchor, an
alias, an explicit tag, a duplicate key, an unusual number, deep nesting, a
syntax error) it gives up, and the careful one, which composes the whole node
graph first, reads the text again and decides: every diagnostic comes from it,
so a file with several problems reports the same one whichever reader started.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from sys import intern
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from okrsite.yamlhints import explain

try:  # libyaml parses about 8x faster than the pure-Python parser.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PARSER_VERSION = "3"  # bump when the parse result's shape or its cache form changes

MAX_NODES = 200_000  # expanded nodes per document: an 8 KB OKR file has ~1,000
MAX_DEPTH = 50

_T = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_ALLOWED_TAGS = _SCALAR_TAGS | {_T + "map", _T + "seq"}
_SPECIAL = {_T + "merge", _T + "value"}  # what a plain `<<` and `=` resolve to
_constructor = SafeConstructor()

Position = tuple[int, int]
Note = tuple[Position, str, str, str]


def pointer(parts: tuple[str | int, ...]) -> str:
    """JSON pointer for a path: ("objectives", 0, "id") -> "/objectives/0/id"."""
    if not parts:
        return ""
    text = [str(p) for p in parts]
    joined = "/".join(text)
    if "~" in joined or joined.count("/") >= len(text):  # a part to escape
        return "".join("/" + _escape(t) for t in text)
    return "/" + joined


@dataclass
class Parsed:
    """A parsed document: plain data plus the (line, col) of every node, 1-based.

    `positions` maps a JSON pointer to where its value starts; for a mapping
    entry, where its key starts, since that is the line a person looks for.
    """

    data: Any
    positions: dict[str, Position] = field(default_factory=dict)
    # Warnings about values read differently from how they look: (place, code, message,
    # fix). Kept with the parse, so a cached document warns as a fresh one does.
    notes: list[Note] = field(default_factory=list)


class YamlError(Exception):
    """A document that cannot be read. `hint` is the fix for this cause; None means the
    code's documented fix."""

    def __init__(self, code: str, message: str, pos: Position, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.pos = pos
        self.hint = hint


def _pos(node: Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def parse(raw: bytes) -> Parsed:
    """Parse one YAML document from bytes. Raises YamlError with a code and place."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError("OKR005", f"not valid UTF-8 (byte {exc.start})", (line, col)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    loader = _Loader(text)
    try:
        return _quick(loader)
    except (_Unusual, yaml.YAMLError, ValueError):
        pass  # the careful reader decides, and names the problem if there is one
    finally:
        loader.dispose()
    return _careful(text)


# The pure-Python parser: where libyaml stops at its own nesting limit (1,000 levels
# since PyYAML 6.0.4), it reads on, so our limit decides, at the same place for both.
_FALLBACK: Any = yaml.SafeLoader
# libyaml's words for its limit (anchored: an alias named `nesting` is no such thing).
_TOO_DEEP = re.compile(r"\A(?:while increasing (?:flow|block) level|"
                       r"exceeded maximum nesting depth)\Z")
_DEPTH_HINT = (f"Flatten the structure: YAML here may nest at most {MAX_DEPTH} levels, and "
               "OKR documents need only a few. Check for brackets opened and never closed.")


def _careful(text: str, loader_class: Any = None) -> Parsed:
    loader = (loader_class or _Loader)(text)
    try:
        node, aliased = _compose(loader)
    except yaml.MarkedYAMLError as exc:
        if not (_TOO_DEEP.match(exc.context or "") or _TOO_DEEP.match(exc.problem or "")):
            raise _syntax_error(exc, text) from None
        if loader.__class__ is not _FALLBACK:
            node = _DEEPER  # read it again, below, once this loader is disposed of
        else:  # the last reader has a limit of its own (one day PyYAML's may)
            mark = exc.problem_mark or exc.context_mark
            raise YamlError("OKR004", f"nesting deeper than {MAX_DEPTH} levels",
                            (mark.line + 1, mark.column + 1) if mark else (1, 1),
                            _DEPTH_HINT) from None
    except ReaderError as exc:  # a control character: no mark, only an offset
        before = text[: max(exc.position, 0)]
        pos = (before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        char = exc.character if isinstance(exc.character, int) else ord(exc.character or "?")
        raise YamlError("OKR001", f"character #x{char:04x} is not allowed: {exc.reason}",
                        pos) from None
    except yaml.YAMLError as exc:
        raise YamlError("OKR001", str(exc), (1, 1)) from None
    finally:
        loader.dispose()
    if node is _DEEPER:
        return _careful(text, _FALLBACK)
    if node is None:
        raise YamlError("OKR006", "the document is empty", (1, 1))
    if not isinstance(node, MappingNode):
        raise YamlError("OKR006", "the top level must be a mapping (key: value pairs)",
                        _pos(node))
    return _Builder(aliased).build(node)


_DEEPER: Any = object()  # `_compose`'s answer when a parser gave up at its own nesting limit


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    known = explain(exc, text)
    if known is not None:
        return YamlError("OKR001", known.message, known.pos, known.hint)
    mark = exc.problem_mark or exc.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or str(exc)
    if exc.context:
        what = f"{exc.context}: {what}"
    return YamlError("OKR001", what, pos)


class _Unusual(Exception):
    """The quick reader met something only the careful one handles."""


# Numbers that int() and float() read as YAML 1.1 does; 0x10, 010, 1_000 and 1:30
# are left to PyYAML's constructor in the careful reader.
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?\Z")
_STR, _TIMESTAMP, _NULL = _T + "str", _T + "timestamp", _T + "null"
_BOOL, _INT_TAG, _FLOAT_TAG = _T + "bool", _T + "int", _T + "float"
_BOOLS = SafeConstructor.bool_values
_UNUSUAL = object()  # a plain scalar's value when the quick reader must hand over


def _resolve(text: str, resolvers: dict[Any, Any]) -> str:
    """The tag of a plain scalar, as PyYAML's `BaseResolver.resolve` finds it."""
    for tag, regexp in resolvers.get(text[:1], ()):
        if regexp.match(text):
            return tag
    return _STR


def _plain(text: str, resolvers: dict[Any, Any]) -> Any:
    """A plain scalar's value, or _UNUSUAL for a form the careful reader must judge."""
    tag = _resolve(text, resolvers)
    if tag in (_STR, _TIMESTAMP):
        return text  # dates stay text; the schema checks their form
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _BOOLS[text.lower()]
    if tag == _INT_TAG and _INT.match(text):
        return int(text)
    if tag == _FLOAT_TAG and _FLOAT.match(text):
        value = float(text)
        return value if value - value == 0.0 else _UNUSUAL  # not inf or nan
    return _UNUSUAL


# Plain scalars repeat (keys, numbers, dates, states), and resolving one runs up to
# three regular expressions: remember the answers, per resolver table, up to a bound.
_MEMO_SIZE = 20_000
_memos: dict[int, tuple[Any, dict[str, Any], dict[str, bool], dict[str, dict[Any, Any]]]] = {}


def _memo(resolvers: dict[Any, Any]) -> tuple[dict[str, Any], dict[str, bool]]:
    found = _memos.get(id(resolvers))
    if found is None or found[0] is not resolvers:
        found = _memos[id(resolvers)] = (resolvers, {}, {}, {})
    return found[1], found[2]


def _children(resolvers: dict[Any, Any]) -> dict[str, dict[Any, Any]]:
    """Per pointer, its children met so far: a plain key -> (the key, its pointer), both
    interned, and an index -> its pointer. Pointers recur in every document
    (/objectives/0/key_results/1/title), and one look-up here replaces interning the key,
    checking it for characters to escape, formatting its pointer and interning that.
    A key is remembered only once it resolved to a scalar tag with these resolvers."""
    _memo(resolvers)
    return _memos[id(resolvers)][3]


_PLACES: dict[int, Position] = {}  # (line, col) pairs, one tuple for each


def place(line: int, col: int) -> Position:
    """The (line, col) tuple for a position, shared: a document has one position per
    value, and 5,000 files held millions of equal tuples (most lines and columns
    recur from file to file). Bounded: past a million pairs it starts afresh."""
    key = (line << 32) | col  # a column is below 2**32: files are at most 4 MB
    found = _PLACES.get(key)
    if found is None:
        if len(_PLACES) >= 1_000_000:
            _PLACES.clear()
        found = _PLACES[key] = (line, col)
    return found


def _remember(memo: dict[Any, Any], text: Any, value: Any) -> Any:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[text] = value
    return value


def _kids(children: dict[str, dict[Any, Any]], ptr: str) -> dict[Any, Any]:
    found = children.get(ptr)
    if found is None:
        if len(children) >= _MEMO_SIZE:
            children.clear()  # bounded: a document of many distinct pointers starts afresh
        found = children[ptr] = {}
    return found


def _key(ptr: str, text: str) -> tuple[str, str]:
    """A mapping key, and its pointer under `ptr`, interned: keys (title, date, value...)
    recur in every document, and one string each, not one per occurrence, saved ~100 MB
    over 5,000 files; their pointers ~200 MB more."""
    key = intern(text)
    return key, intern(f"{ptr}/{_escape(key)}" if "~" in key or "/" in key else f"{ptr}/{key}")


def _quick(loader: Any) -> Parsed:
    """One pass from events to data and positions, for documents without surprises.

    Equal to `_careful` on every document it accepts (tests compare the two); it
    raises `_Unusual`, or lets a YAMLError through, on everything else. Nothing
    recurses, and nesting stops at MAX_DEPTH, so no input can exhaust the stack.
    """
    get = loader.get_event
    resolvers = loader.yaml_implicit_resolvers
    if loader.yaml_path_resolvers:
        raise _Unusual  # a customised loader: leave it to PyYAML's own resolve()
    plain_values, plain_keys = _memo(resolvers)
    children = _children(resolvers)
    places = _PLACES
    get()  # StreamStart
    get()  # DocumentStart, or StreamEnd for an empty file (which then fails below)
    event = get()
    if event.__class__ is not MappingStartEvent or event.tag or event.anchor:
        raise _Unusual
    mark = event.start_mark
    positions: dict[str, Position] = {"": (mark.line + 1, mark.column + 1)}
    root: dict[str, Any] = {}
    # The open collections above the current one: (collection, pointer, is a mapping,
    # the pointer's remembered children).
    stack: list[tuple[Any, str, bool, dict[Any, Any]]] = []
    node: Any = root  # the collection being filled
    ptr = ""
    kids = _kids(children, ptr)
    in_mapping = True
    key: str | None = None  # in a mapping: the key waiting for its value
    key_ptr = ""
    key_at: Position = (1, 1)
    count = 1
    while True:
        event = get()
        cls = event.__class__
        if in_mapping and key is None:
            if cls is MappingEndEvent:
                if not stack:
                    break
                node, ptr, in_mapping, kids = stack.pop()
                continue
            if cls is not ScalarEvent or event.tag or event.anchor:
                raise _Unusual  # a key that is not plain text, or has a tag or anchor
            text = event.value
            if not event.implicit[0]:  # quoted: text whatever it looks like
                key, key_ptr = _key(ptr, text)
            else:
                known = kids.get(text)
                if known is None:
                    if text not in plain_keys:
                        if _resolve(text, resolvers) not in _SCALAR_TAGS:
                            raise _Unusual  # a merge key `<<`, or `=`
                        _remember(plain_keys, text, True)
                    known = _remember(kids, text, _key(ptr, text))
                key, key_ptr = known
            if key in node:
                raise _Unusual  # a duplicate key
            mark = event.start_mark
            line, col = mark.line + 1, mark.column + 1
            key_at = places.get((line << 32) | col) or place(line, col)
            continue
        if cls is ScalarEvent:
            if event.tag or event.anchor:
                raise _Unusual
            value = event.value
            if event.implicit[0]:  # plain: its form decides its type, as in YAML 1.1
                known = plain_values.get(value, _UNUSUAL)
                value = known if known is not _UNUSUAL else \
                    _remember(plain_values, value, _plain(value, resolvers))
                if value is _UNUSUAL:
                    raise _Unusual  # 0x10, 1_000, 1:30, .nan, `<<` as a value...
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.tag or event.anchor or len(stack) >= MAX_DEPTH - 1:
                raise _Unusual
            value = {} if cls is MappingStartEvent else []
        elif cls is SequenceEndEvent:
            node, ptr, in_mapping, kids = stack.pop()
            continue
        else:
            raise _Unusual  # an alias
        count += 1
        if in_mapping:
            node[key] = value
            positions[key_ptr] = key_at
            child = key_ptr
            key = None
        else:
            index = len(node)
            child = kids.get(index)
            if child is None:
                child = _remember(kids, index, intern(f"{ptr}/{index}"))
            mark = event.start_mark
            line, col = mark.line + 1, mark.column + 1
            positions[child] = places.get((line << 32) | col) or place(line, col)
            node.append(value)
        if cls is not ScalarEvent:
            stack.append((node, ptr, in_mapping, kids))
            node, ptr, in_mapping = value, child, cls is MappingStartEvent
            kids = _kids(children, ptr)
    if count > MAX_NODES:
        raise _Unusual
    if get().__class__ is not DocumentEndEvent or get().__class__ is not StreamEndEvent:
        raise _Unusual  # a second document
    return Parsed(root, positions)


def _compose(loader: Any) -> tuple[Node | None, bool]:
    """The single document's node graph, like PyYAML's `Composer.get_single_node`, and
    whether it has aliases (they decide what to say of a document that is too big).

    Built from parser events with an explicit stack instead of recursion, and
    refusing to nest deeper than MAX_DEPTH while it reads.
    """
    loader.get_event()  # StreamStart
    if loader.check_event(StreamEndEvent):
        return None, False
    aliased = False
    loader.get_event()  # DocumentStart
    anchors: dict[str, Node] = {}
    stack: list[CollectionNode] = []  # open collections, innermost last
    keys: list[Node | None] = []  # per open collection: a mapping key waiting for its value
    root: Node | None = None
    while root is None:
        event = loader.get_event()
        if isinstance(event, CollectionEndEvent):
            done = stack.pop()
            keys.pop()
            done.end_mark = event.end_mark
            if not stack:
                root = done
            continue
        if isinstance(event, AliasEvent):
            if event.anchor not in anchors:
                raise ComposerError(None, None, f"found undefined alias {event.anchor!r}",
                                    event.start_mark)
            node = anchors[event.anchor]
            aliased = True
        else:
            node = _new_node(loader, event, len(stack))
            if event.anchor is not None:
                if event.anchor in anchors:
                    raise ComposerError(f"found duplicate anchor {event.anchor!r}; first "
                                        "occurrence", anchors[event.anchor].start_mark,
                                        "second occurrence", event.start_mark)
                anchors[event.anchor] = node
        if stack:
            parent = stack[-1]
            if isinstance(parent, SequenceNode):
                parent.value.append(node)
            elif keys[-1] is None:
                keys[-1] = node
            else:
                parent.value.append((keys[-1], node))
                keys[-1] = None
        if isinstance(event, CollectionStartEvent):
            stack.append(node)  # type: ignore[arg-type]
            keys.append(None)
        elif not stack:
            root = node
    loader.get_event()  # DocumentEnd
    if not loader.check_event(StreamEndEvent):
        event = loader.get_event()
        raise ComposerError("expected a single document in the stream", root.start_mark,
                            "but found another document", event.start_mark)
    return root, aliased


def _new_node(loader: Any, event: Any, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise YamlError("OKR004", f"nesting deeper than {MAX_DEPTH} levels",
                        (event.start_mark.line + 1, event.start_mark.column + 1), _DEPTH_HINT)
    tag = event.tag
    if isinstance(event, ScalarEvent):
        kind = ScalarNode
        if tag is None or tag == "!":
            tag = loader.resolve(ScalarNode, event.value, event.implicit)
            if tag in _SPECIAL and tag is not event.tag:
                kind = _PlainSpecial
        return kind(tag, event.value, event.start_mark, event.end_mark, style=event.style)
    kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, event.implicit)
    return kind(tag, [], event.start_mark, None, flow_style=event.flow_style)


class _PlainSpecial(ScalarNode):
    """A plain `<<` or `=` that YAML 1.1 gives a special tag: the writer meant text."""


class _Builder:
    def __init__(self, aliased: bool) -> None:
        self.aliased = aliased
        self.positions: dict[str, Position] = {}
        self.notes: list[Note] = []
        self.count = 0
        self.active: set[int] = set()  # node ids on the current path: catches `&a [*a]`

    def build(self, node: Node) -> Parsed:
        data = self._value(node, "", 0, _pos(node))
        return Parsed(data, self.positions, self.notes)

    # The pointer is built incrementally: rebuilding it from the path at every
    # node cost a quarter of the parse time.
    def _value(self, node: Node, ptr: str, depth: int, at: Position) -> Any:
        self.count += 1
        if self.count > MAX_NODES and self.aliased:
            raise YamlError("OKR004", f"the document expands to more than {MAX_NODES:,} values "
                            "through its anchors and aliases", at,
                            "Remove the aliases (`*name`) that repeat large parts of the "
                            "document: write the values out, or split the document.")
        if self.count > MAX_NODES:
            raise YamlError("OKR004", f"the document has more than {MAX_NODES:,} values", at,
                            "Split it into several files: an OKR document holds hundreds of "
                            "values, not hundreds of thousands.")
        if depth > MAX_DEPTH:
            raise YamlError("OKR004", f"nesting deeper than {MAX_DEPTH} levels", at, _DEPTH_HINT)
        if isinstance(node, _PlainSpecial):
            raise YamlError("OKR003", f"a plain `{node.value}` is read as YAML's special "
                            f"{node.tag[len(_T):]} tag", _pos(node),
                            f"Put it in quotes to mean the text: '{node.value}'.")
        if node.tag not in _ALLOWED_TAGS:
            raise YamlError("OKR003", f"the tag {node.tag!r} is not allowed", _pos(node))
        self.positions[ptr] = at
        if isinstance(node, ScalarNode):
            value = _scalar(node)
            if ":" in node.value and node.tag in (_INT_TAG, _FLOAT_TAG):
                self.notes.append(_base60(node, value))
            return value
        if id(node) in self.active:
            raise YamlError("OKR004", "an alias refers to a node that contains it", _pos(node),
                            "Remove the alias (`*name`) inside the value its anchor (`&name`) "
                            "names: the value would contain itself without end.")
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self._value(item, f"{ptr}/{i}", depth + 1, _pos(item))
                        for i, item in enumerate(node.value)]
            return self._mapping(node, ptr, depth)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: MappingNode, ptr: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _T + "merge":
                raise YamlError("OKR003", "merge keys (`<<`) are not allowed", _pos(key_node),
                                "Copy the keys that `<<:` would merge in into this mapping "
                                "and delete the `<<:` line: okrsite reads plain YAML, "
                                "without merge keys.")
            if key_node.tag not in _SCALAR_TAGS and isinstance(key_node, ScalarNode):
                raise YamlError("OKR003", f"the tag {key_node.tag!r} is not allowed",
                                _pos(key_node))
            if not isinstance(key_node, ScalarNode):
                raise YamlError("OKR001", "mapping keys must be plain text", _pos(key_node))
            key = str(key_node.value)
            child = f"{ptr}/{_escape(key)}" if ("~" in key or "/" in key) else f"{ptr}/{key}"
            if key in out:
                first = self.positions.get(child, (0, 0))
                raise YamlError("OKR002", f"duplicate key {key!r} (first at line {first[0]})",
                                _pos(key_node))
            out[key] = self._value(value_node, child, depth + 1, _pos(key_node))
        return out


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _base60(node: ScalarNode, value: float) -> Note:
    """YAML 1.1 reads `1:30` as 1*60 + 30: right for no OKR, and a surprise to most."""
    text = node.value[:40]
    number = f"the number {value!r}" if abs(value) < 10**18 else "a number of over 18 digits"
    return (_pos(node), "OKR012", f"`{text}` is read as {number}: YAML 1.1 reads numbers "
            "with colons in base 60 (1:30 is 90)",
            f"Put it in quotes ('{text}') to keep it as text, such as a time or a ratio, "
            "or write the number itself if you mean a number.")


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag
    if tag == _T + "str" or tag == _T + "timestamp":
        return node.value  # dates stay text; the schema checks their form
    if tag == _T + "null":
        return None
    try:
        if tag == _T + "bool":
            return _constructor.construct_yaml_bool(node)
        if tag == _T + "int":
            return _constructor.construct_yaml_int(node)
        value = _constructor.construct_yaml_float(node)
    except (ValueError, KeyError, IndexError):
        # `!!int abc`, `!!bool maybe`, or an integer of more than 4,300 digits.
        kind = tag[len(_T):]
        raise YamlError("OKR001", f"{node.value[:40]!r} is not a valid {kind}",
                        _pos(node)) from None
    if value != value or value in (float("inf"), float("-inf")):
        # JSON has no NaN or infinity, and NaN slips through every range check.
        raise YamlError("OKR104", f"{node.value!r} is not a usable number", _pos(node))
    return value
