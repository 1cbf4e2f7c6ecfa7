"""The theme's page template rendered once per page "shape", and filled per page.

MkDocs runs the theme's whole template for every page; for a generated page that
was about a quarter of a build, though most of what it writes (header, navigation,
footer, scripts) is the same for every unit page. Here the template runs once with
a *symbolic* page: every string the template reads from the page (title, content,
description, table of contents, ...) and every URL it makes with the `url` filter
comes out as a marker, and every test it makes of the page (is there a description?
does the content hold an `<h1>`? how many toc entries?) is recorded with its
result. The output with markers is the shell. Another page gets the shell when

- the rest of the template's context is the same (the same objects, or equal
  values: `base_url`, `extra_css`, ...; the cache key is made of the values), and
- every recorded test gives the same result for it,

because the template then takes the same path for it and writes the same text,
except the markers, which are filled with that page's own values: its strings,
the filters the template applied to them, and its URLs as `url` would make them.

Anything the shell cannot follow makes it give up for that shape (the page is
rendered in full, as MkDocs would): a filter or function of another plugin given
a page value, a method called on one, a value used as a dict key, ... The first
page of each shape is also rendered in full and compared, so a shell that would
differ is never used. `OKRSITE_PLAIN=1` turns it off (tests compare both).

Only pages kept out of the navigation get a shell: a page in it changes the
navigation's state (its section is active), which the template reads from `nav`.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import BytecodeCache, Environment, Template
from jinja2.bccache import Bucket
from jinja2.runtime import Context, Macro
from jinja2.utils import _PassArg
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import templates as mkdocs_templates

# `OKRSITE_PLAIN=1`: the plain path, every page through the theme's whole template
# and the search plugin's own parse (tests compare the two).
PLAIN = "OKRSITE_PLAIN"
TEMPLATE = "okrsite-shell.html"  # ours: `{{ okrsite_shell() }}`
_MARK = "\x1bokrsite-slot:"
_TOKEN = re.compile("\x1bokrsite-slot:([0-9]+)\x1b")
_PLAIN = (type(None), bool, int, float)
# The context's values made for each page: read symbolically (MkDocs' get_context;
# `build_date_utc` is the wall clock unless SOURCE_DATE_EPOCH is set).
_SYMBOLIC = ("page", "build_date_utc")
_MAX_MISSES = 50


class _Unsafe(Exception):
    """The template did something with a page value that the shell cannot follow."""


Resolve = Callable[[dict[str, Any]], Any]  # of a page's template context


class _Run:
    """One shell render: its markers and the tests it made."""

    def __init__(self, page: MkPage, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.slots: list[Resolve] = []
        self.guards: dict[tuple[int, str, Any], tuple[Resolve, Callable[[Any], Any], Any]] = {}
        self.keep: list[Any] = []  # what the guards' keys name by id, kept alive

    def slot(self, resolve: Resolve) -> str:
        self.slots.append(resolve)
        return f"{_MARK}{len(self.slots) - 1}\x1b"

    def guard(self, owner: Any, name: str, arg: Any, resolve: Resolve,
              test: Callable[[Any], Any], result: Any) -> Any:
        self.keep += (owner, arg)  # alive: their ids are in the key
        self.guards.setdefault((id(owner), name, _freeze(arg)), (resolve, test, result))
        return result


def _freeze(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return id(value)


class _Sym:
    """A value read from the page: its value for this page, and how to read it from
    another page."""

    __slots__ = ("_s_children", "_s_resolve", "_s_run", "_s_value")

    def __init__(self, run: _Run, value: Any, resolve: Resolve) -> None:
        object.__setattr__(self, "_s_run", run)
        object.__setattr__(self, "_s_value", value)
        object.__setattr__(self, "_s_resolve", resolve)
        object.__setattr__(self, "_s_children", {})

    def _s_guard(self, name: str, test: Callable[[Any], Any], arg: Any = None) -> Any:
        return self._s_run.guard(self, name, arg, self._s_resolve, test, test(self._s_value))

    def __bool__(self) -> bool:
        return self._s_guard("bool", bool)

    def __len__(self) -> int:
        return self._s_guard("len", len)

    def __contains__(self, item: Any) -> bool:
        if isinstance(item, _Sym):
            raise _Unsafe("a page value looked up in another")
        return self._s_guard("in", lambda v: item in v, item)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Sym):
            raise _Unsafe("two page values compared")
        return self._s_guard("eq", lambda v: v == other, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def _s_order(self, name: str, other: Any) -> bool:
        if isinstance(other, _Sym):
            raise _Unsafe("two page values compared")
        order = {"lt": lambda v: v < other, "le": lambda v: v <= other,
                 "gt": lambda v: v > other, "ge": lambda v: v >= other}[name]
        return self._s_guard(name, order, other)

    def __lt__(self, other: Any) -> bool:
        return self._s_order("lt", other)

    def __le__(self, other: Any) -> bool:
        return self._s_order("le", other)

    def __gt__(self, other: Any) -> bool:
        return self._s_order("gt", other)

    def __ge__(self, other: Any) -> bool:
        return self._s_order("ge", other)

    def __hash__(self) -> int:
        raise _Unsafe("a page value used as a key")

    def __setattr__(self, name: str, value: Any) -> None:
        raise _Unsafe("a page value changed")


class _Text(_Sym):
    """A string from the page: written as a marker, filled per page."""

    __slots__ = ()

    def __str__(self) -> str:
        return self._s_run.slot(lambda c, r=self._s_resolve: str(r(c)))

    def __html__(self) -> str:  # markupsafe.escape asks for it: escaping is the filters'
        raise _Unsafe("a page string escaped outside a filter")

    def __getattr__(self, name: str) -> Any:
        raise _Unsafe(f"a page string's .{name}")

    def __iter__(self) -> Iterator[Any]:
        raise _Unsafe("a page string iterated")


class _Obj(_Sym):
    """An object, mapping or list from the page: what the template reads of it is
    read symbolically in turn."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("_s_"):
            raise AttributeError(name)
        children = self._s_children
        key = ("a", name)
        if key not in children:
            value = self._s_value
            has = self._s_guard("has:" + name, lambda v: hasattr(v, name)
                                and not _is_method(v, name), name)
            if not has:
                if hasattr(value, name):
                    raise _Unsafe(f"method .{name} of a page value")
                raise AttributeError(name)
            children[key] = _sym(self._s_run, getattr(value, name),
                                 lambda c, r=self._s_resolve: getattr(r(c), name))
        return children[key]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, _Sym):
            raise _Unsafe("a page value used as an index")
        children = self._s_children
        if ("i", key) not in children:
            def has(v: Any) -> bool:
                try:
                    v[key]
                    return True
                except (LookupError, TypeError):
                    return False
            if not self._s_guard("item", has, key):
                raise KeyError(key)
            children["i", key] = _sym(self._s_run, self._s_value[key],
                                      lambda c, r=self._s_resolve: r(c)[key])
        return children["i", key]

    def __iter__(self) -> Iterator[Any]:
        value = self._s_value
        if isinstance(value, dict):  # its keys, as they are: they are the same for the page
            return iter(self._s_guard("keys", lambda v: list(v)))
        n = self._s_guard("len", lambda v: len(list(v)))
        return iter([self._item(i) for i in range(n)])

    def _item(self, i: int) -> Any:
        children = self._s_children
        if ("n", i) not in children:
            children["n", i] = _sym(self._s_run, list(self._s_value)[i],
                                    lambda c, r=self._s_resolve: list(r(c))[i])
        return children["n", i]

    def __reversed__(self) -> Iterator[Any]:
        return reversed(list(self.__iter__()))

    def __str__(self) -> str:
        raise _Unsafe("a page object written out")


def _is_method(value: Any, name: str) -> bool:
    attr = getattr(value, name, None)
    return callable(attr) and not isinstance(attr, (type, MkPage))


def _sym(run: _Run, value: Any, resolve: Resolve) -> Any:
    """`value` as the template sees it: a plain value is a test on the page; a
    string a marker; anything else an object read in turn."""
    if isinstance(value, _PLAIN):
        return _plain(run, value, resolve)
    if isinstance(value, str):
        return _Text(run, value, resolve)
    return _Obj(run, value, resolve)


def _plain(run: _Run, value: Any, resolve: Resolve) -> Any:
    key = object()  # each read its own test (cheap: a handful per page)
    run.guard(key, "value", None, resolve, lambda v: (type(v), v), (type(value), value))
    return value


def _has_sym(value: Any) -> bool:
    if isinstance(value, _Sym):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_sym(v) for v in value)
    if isinstance(value, dict):
        return any(_has_sym(v) for v in value.values())
    if isinstance(value, str) and _MARK in value:
        raise _Unsafe("a string made from page values given to a filter")
    return False


def _real(value: Any, ctx: dict[str, Any] | None) -> Any:
    """`value` with page values resolved in the context `ctx` of another page (None:
    for the page of the shell)."""
    if isinstance(value, _Sym):
        return value._s_value if ctx is None else value._s_resolve(ctx)
    if isinstance(value, list):
        return [_real(v, ctx) for v in value]
    if isinstance(value, tuple):
        return tuple(_real(v, ctx) for v in value)
    if isinstance(value, dict):
        return {k: _real(v, ctx) for k, v in value.items()}
    return value


_URL_FILTERS = (mkdocs_templates.url_filter, mkdocs_templates.script_tag_filter)


def _wrap_filter(run_of: Callable[[], _Run], f: Callable[..., Any]) -> Callable[..., Any]:
    """A filter for shell renders: URLs become markers, filled with the page's own;
    a filter given a page value gives a marker (a string) or a test (anything else)."""
    pass_arg = _PassArg.from_obj(f)
    ours = f in _URL_FILTERS

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        run = run_of()
        first, rest = (args[:1], args[1:]) if pass_arg is not None else ((), args)
        symbolic = _has_sym(rest) or _has_sym(kwargs)
        if ours:  # `url`, `script_tag`: relative to the page, whose URL differs
            base = run.base_url

            def relative(ctx: dict[str, Any] | None) -> Any:
                page = run.page if ctx is None else ctx["page"]
                return f({"page": page, "base_url": base}, *_real(rest, ctx),
                         **_real(kwargs, ctx))
            return _Text(run, relative(None), relative)
        if not symbolic:
            return f(*args, **kwargs)
        if pass_arg is _PassArg.context and not f.__module__.startswith("jinja2."):
            raise _Unsafe(f"filter {f.__name__} reads the context")

        def on(ctx: dict[str, Any] | None) -> Any:
            return f(*first, *_real(rest, ctx), **_real(kwargs, ctx))
        result = on(None)
        if isinstance(result, Iterator):  # e.g. `reverse`: read more than once here
            result, on = list(result), lambda ctx, g=on: list(g(ctx))
        if isinstance(result, str):
            return _Text(run, result, on)
        return _sym(run, result, on)
    return wrapped


def _wrap_test(run_of: Callable[[], _Run], f: Callable[..., Any]) -> Callable[..., Any]:
    pass_arg = _PassArg.from_obj(f)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        first, rest = (args[:1], args[1:]) if pass_arg is not None else ((), args)
        if not (_has_sym(rest) or _has_sym(kwargs)):
            return f(*args, **kwargs)
        run = run_of()

        def on(ctx: dict[str, Any] | None) -> Any:
            return f(*first, *_real(rest, ctx), **_real(kwargs, ctx))
        return _plain(run, on(None), on)
    return wrapped


class _ShellContext(Context):
    """Calls from the template: a macro may take page values (it is template code);
    any other function given one makes the shell give up."""

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not isinstance(__obj, Macro) and (_has_sym(args) or _has_sym(kwargs)):
            raise _Unsafe(f"{getattr(__obj, '__name__', __obj)!r} called with a page value")
        return super().call(__obj, *args, **kwargs)


class _Same:
    """A context value compared by identity (nav, config, files)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


_VALUES = (str, datetime.date, *_PLAIN)  # compared by value in the cache key


def _context_key(value: Any) -> Any:
    """A context value as part of the cache key: its value when it is a plain value
    or a list of them (`base_url`, `extra_css`, ...), else the object itself (nav,
    config: the same for every page; another plugin's object made per page makes
    every page miss, and the shell give up, see `Shells.render`)."""
    if isinstance(value, _VALUES):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, _VALUES) for v in value):
        return (type(value).__name__, *value)
    return _Same(value)


class _Shell:
    """A template's output for pages that pass its tests: with markers (`usable`),
    or nothing when it could not be made or would differ (such pages get the full
    template straight away)."""

    def __init__(self, text: str, run: _Run, usable: bool) -> None:
        self.text, self.run, self.usable = text, run, usable

    def matches(self, ctx: dict[str, Any]) -> bool:
        return all(_test_holds(g, ctx) for g in self.run.guards.values())

    def fill(self, ctx: dict[str, Any]) -> str:
        values = [slot(ctx) for slot in self.run.slots]
        return _TOKEN.sub(lambda m: values[int(m[1])], self.text)


def _test_holds(guard: tuple[Resolve, Callable[[Any], Any], Any],
                ctx: dict[str, Any]) -> bool:
    resolve, test, result = guard
    try:
        return bool(test(resolve(ctx)) == result)
    except Exception:  # the other page lacks what this one had
        return False


class _SharedCode(BytecodeCache):
    """The theme's templates compiled once for both environments: the shell's
    filters take the same arguments as the theme's (`functools.wraps` keeps their
    `pass_context`), so the compiled code is the same."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], Any] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key, bucket.checksum] = bucket.code


class CompiledTemplates:
    """The theme's templates compiled once per `mkdocs serve` session, not once per
    rebuild (MkDocs makes a new environment for every build; compiling Material's
    templates again was a second per rebuild). A template's code is kept by its name,
    file and source checksum (Jinja's bucket), and by the environment's syntax settings
    and extensions, which the compiled code depends on."""

    def __init__(self) -> None:
        self._by_env: dict[tuple[Any, ...], _SharedCode] = {}

    def for_env(self, env: Environment) -> _SharedCode:
        key = (tuple(sorted(env.extensions)), repr(env.autoescape), env.optimized,
               env.block_start_string, env.block_end_string, env.variable_start_string,
               env.variable_end_string, env.comment_start_string, env.comment_end_string,
               env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
               env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
               repr(env.finalize), type(env).__qualname__,
               # which templates the whitespace extension collapses (whitespace.py)
               getattr(env, "okrsite_collapse_roots", ()))
        return self._by_env.setdefault(key, _SharedCode())


class Shells:
    """The shells of one build (made in `on_env`, when the theme's environment is
    ready)."""

    def __init__(self, env: Environment, compiled: CompiledTemplates | None = None) -> None:
        self.env = env
        self.cache: dict[Any, list[_Shell]] = {}
        self.rendered = {"shell": 0, "full": 0}  # pages by how they were made (tests)
        self.made = 0  # shells made (each for a page rendered in full too)
        self.gave_up = False
        self._run: _Run | None = None
        if env.bytecode_cache is None:
            env.bytecode_cache = compiled.for_env(env) if compiled else _SharedCode()
        overlay = env.overlay(cache_size=400)  # templates of its own, with these filters
        overlay.filters = {n: _wrap_filter(self._current, f) for n, f in env.filters.items()}
        overlay.tests = {n: _wrap_test(self._current, f) for n, f in env.tests.items()}
        overlay.context_class = _ShellContext
        self.overlay = overlay

    def _current(self) -> _Run:
        assert self._run is not None
        return self._run

    def render(self, context: Context) -> str:
        """The page of `context` as its template (`page.okrsite_template`) writes it."""
        page = context["page"]
        name = getattr(page, "okrsite_template", "main.html")
        ctx = dict(context.parent)
        if self.gave_up or not _out_of_nav(page):
            return self._full(name, ctx)
        key = (name, tuple(sorted((k, _context_key(v)) for k, v in ctx.items()
                                  if k not in _SYMBOLIC)))
        shells = self.cache.setdefault(key, [])
        for shell in shells:
            if shell.matches(ctx):
                if not shell.usable:
                    return self._full(name, ctx)
                self.rendered["shell"] += 1
                return shell.fill(ctx)
        shell = self._make(name, ctx)
        full = self._full(name, ctx)
        # The first page of a shape checks the shell: one that would differ is not kept.
        shell.usable = shell.usable and shell.fill(ctx) == full
        shells.append(shell)
        self.made += 1
        if self.made > _MAX_MISSES and self.made > self.rendered["shell"]:
            self.gave_up = True  # most pages are of a shape of their own
        return full

    def _make(self, name: str, ctx: dict[str, Any]) -> _Shell:
        run = _Run(ctx["page"], str(ctx.get("base_url", "")))
        self._run = run
        try:
            symbolic = dict(ctx)
            for k in _SYMBOLIC:
                if k in ctx:
                    symbolic[k] = _sym(run, ctx[k], lambda c, k=k: c[k])
            return _Shell(self.overlay.get_template(name).render(symbolic), run, True)
        except Exception:  # _Unsafe, or an error the full template will report
            # The tests made so far lead every page that passes them here.
            return _Shell("", run, False)
        finally:
            self._run = None

    def _full(self, name: str, values: dict[str, Any]) -> str:
        self.rendered["full"] += 1
        template: Template = self.env.get_template(name)
        return template.render(values)


def _out_of_nav(page: MkPage) -> bool:
    """Not in the navigation: nothing in `nav` is active for it, and nav items compare
    unequal to it, for this page and every other one like it."""
    return (page.parent is None and page.previous_page is None and page.next_page is None
            and page.file.inclusion.is_not_in_nav())
