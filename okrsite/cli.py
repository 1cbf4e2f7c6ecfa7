"""The `okrsite` command: a thin adapter over the core, like the MkDocs plugin.

Exit codes: 0 clean (warnings allowed unless --strict), 1 content errors, 2 usage
errors. Bad content never produces a traceback: it is reported as diagnostics.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from okrsite import __version__
from okrsite.diagnostics import CODES, format_github, format_json, format_text, has_errors

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong arguments or settings: exit 2 with a message."""


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _content_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise UsageError(f"content directory {text!r} does not exist")
    return path


def default_cache_dir(content_dir: Path) -> Path | None:
    """`.cache/okrsite` in the working directory, unless that is inside the content."""
    if os.environ.get("OKRSITE_NO_CACHE"):
        return None
    if "OKRSITE_CACHE_DIR" in os.environ:
        return Path(os.environ["OKRSITE_CACHE_DIR"])
    cache = Path.cwd().resolve() / ".cache" / "okrsite"
    return None if cache.is_relative_to(content_dir.resolve()) else cache


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("content_dir", nargs="?", default="content", metavar="CONTENT_DIR",
                   help="the content directory (default: content)")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE",
                   help="compute scores and states as of this date (default: SOURCE_DATE_EPOCH, "
                        "then the latest commit touching the content, then its latest entry)")
    p.add_argument("--fiscal-year-start", type=int, default=1, choices=range(1, 13),
                   metavar="MONTH", help="month the fiscal year starts (default: 1)")
    p.add_argument("--no-cache", action="store_true", help="parse everything afresh")


def cmd_check(args: argparse.Namespace) -> int:
    from okrsite.asof import resolve_as_of
    from okrsite.pipeline import check

    content_dir = _content_dir(args.content_dir)
    as_of = resolve_as_of(args.as_of, content_dir, os.environ).date
    cache = None if args.no_cache else default_cache_dir(content_dir)
    diagnostics = check(content_dir, as_of, cache, args.fiscal_year_start)
    formatter: Callable[..., str] = {"text": format_text, "json": format_json,
                                     "github": format_github}[args.format]
    text = formatter(diagnostics)
    if text:
        print(text)
    if has_errors(diagnostics) or (args.strict and diagnostics):
        return EXIT_ERRORS
    return EXIT_OK


def cmd_codes(args: argparse.Namespace) -> int:
    """Print the diagnostic catalogue as a Markdown table (the docs page is made from it)."""
    print("| Code | Severity | Problem | Fix |")
    print("| --- | --- | --- | --- |")
    for code in CODES.values():
        print(f"| {code.code} | {code.severity.value} | {code.title} | {code.fix} |")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okrsite", description="Validate, score and publish OKRs kept as YAML.")
    parser.add_argument("--version", action="version", version=f"okrsite {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate the content (the CI gate)",
                       description="Validate every document; exit 1 on errors.")
    _add_common(p)
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--format", choices=("text", "json", "github"), default="text",
                   help="text for people, json for tools, github for workflow annotations")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("codes", help="list the diagnostic codes as a Markdown table")
    p.set_defaults(func=cmd_codes)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"okrsite: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `okrsite score | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
