"""The `okrsite` command: a thin adapter over the core, like the MkDocs plugin.

Exit codes: 0 clean (warnings allowed unless --strict), 1 content errors, 2 usage
errors. Bad content never produces a traceback: it is reported as diagnostics.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from okrsite import __version__
from okrsite.diagnostics import (
    CODES,
    Diagnostic,
    format_github,
    format_json,
    format_text,
    has_errors,
)

if TYPE_CHECKING:
    from okrsite.pipeline import Loaded

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


def _as_of(args: argparse.Namespace, content_dir: Path) -> date:
    from okrsite.asof import AsOfError, resolve_as_of
    from okrsite.pipeline import load_content

    try:
        return resolve_as_of(args.as_of, content_dir, os.environ,
                             lambda: load_content(content_dir).content).date
    except AsOfError as exc:
        raise UsageError(str(exc)) from None


def cmd_check(args: argparse.Namespace) -> int:
    from okrsite.pipeline import check

    content_dir = _content_dir(args.content_dir)
    try:
        as_of: date | None = _as_of(args, content_dir)
    except UsageError:
        if args.as_of is not None or os.environ.get("SOURCE_DATE_EPOCH", "").strip():
            raise
        as_of = None  # no commit and nothing dated yet: every check but the scoring ones
    cache = None if args.no_cache else default_cache_dir(content_dir)
    diagnostics = list(check(content_dir, as_of, cache, args.fiscal_year_start))
    if args.base:
        diagnostics += _change_control(args, content_dir, as_of, cache)
    formatter: Callable[..., str] = {"text": format_text, "json": format_json,
                                     "github": format_github}[args.format]
    text = formatter(diagnostics)
    if text:
        print(text)
    if has_errors(diagnostics) or (args.strict and diagnostics):
        return EXIT_ERRORS
    return EXIT_OK


def _change_control(args: argparse.Namespace, content_dir: Path, as_of: date | None,
                    cache: Path | None) -> list[Diagnostic]:
    """`check --base REV`: OKR401-403 for what changed since REV (okrsite.history.control)."""
    from okrsite.history import GitError, change_control
    from okrsite.history.git import find_repo

    if as_of is None:
        raise UsageError("--base needs an as-of date: pass --as-of YYYY-MM-DD")
    repo, why = find_repo(content_dir)
    if repo is None:
        raise UsageError(f"--base needs the content in a git repository: {why}")
    try:
        return change_control(repo.root, content_dir, args.base, as_of,
                              args.fiscal_year_start, cache)
    except GitError as exc:
        raise UsageError(str(exc)) from None


def _load(args: argparse.Namespace, content_dir: Path) -> Loaded | None:
    """The content, or None after printing its errors (the command then exits 1)."""
    from okrsite.loader import ParseCache
    from okrsite.pipeline import load_content

    cache = ParseCache(None if args.no_cache else default_cache_dir(content_dir))
    loaded = load_content(content_dir, cache, args.fiscal_year_start)
    if not loaded.ok:
        print(format_text([d for d in loaded.diagnostics if d.is_error]), file=sys.stderr)
        return None
    return loaded


def cmd_score(args: argparse.Namespace) -> int:
    from okrsite.scoring import ScoringSettings, format_table, score_content, to_json

    content_dir = _content_dir(args.content_dir)
    loaded = _load(args, content_dir)
    if loaded is None:
        return EXIT_ERRORS
    content = loaded.content
    if args.period and args.period not in content.periods:
        raise UsageError(f"no period {args.period!r}; known: {', '.join(content.periods)}")
    as_of = _as_of(args, content_dir)
    if not args.include_restricted:
        from okrsite.render.visibility import public_view

        content = public_view(content)[0]  # scores must not reflect withheld items
    card = score_content(content, as_of, ScoringSettings())
    if args.format == "json":
        print(json.dumps(to_json(card, args.period, args.include_restricted), indent=2,
                         ensure_ascii=False))
    else:
        print(format_table(card, args.period, args.include_restricted))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """Write the site's pages as Markdown files (front matter + body) for any generator."""
    import shutil
    import tempfile

    from okrsite.history import read_history
    from okrsite.loader import ParseCache
    from okrsite.pipeline import load_content
    from okrsite.render import render_outputs
    from okrsite.scoring import ScoringSettings, check_scoring
    from okrsite.settings import Settings

    content_dir = _content_dir(args.content_dir).resolve()
    out = Path(args.out).resolve()
    if out == content_dir or out.is_relative_to(content_dir) or content_dir.is_relative_to(out):
        raise UsageError(f"--out {args.out} overlaps the content directory; choose another")
    cache_dir = None if args.no_cache else default_cache_dir(content_dir)
    loaded = load_content(content_dir, ParseCache(cache_dir), args.fiscal_year_start)
    diagnostics = list(loaded.diagnostics)
    as_of = _as_of(args, content_dir)
    if loaded.ok:
        diagnostics += check_scoring(loaded.content, ScoringSettings(), as_of, content_dir)
    if has_errors(diagnostics):
        print(format_text([d for d in diagnostics if d.is_error]), file=sys.stderr)
        return EXIT_ERRORS
    settings = Settings(content_dir, as_of, args.fiscal_year_start, args.include_restricted,
                        cache_dir=cache_dir, history=not args.no_history,
                        directory_urls=not args.no_directory_urls)
    history = read_history(content_dir, cache_dir=cache_dir,
                           include_restricted=args.include_restricted,
                           enabled=settings.history)
    pages, assets = render_outputs(loaded.content, settings, history)
    # Write beside the target, then swap: a failure never leaves a half-written site.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".okrsite-render-", dir=out.parent))
    written = 0
    try:
        for page in pages:  # rendered one at a time, written as they come
            _write(staging / page.path, page.source().encode("utf-8"))
            written += 1
        for asset in assets:
            _write(staging / asset.path, asset.data)
        package_assets = Path(__file__).parent / "assets"
        for file in sorted(package_assets.glob("*.*")):
            _write(staging / "assets" / "okrsite" / file.name, file.read_bytes())
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"Wrote {written} pages and {len(assets)} downloads to {args.out} "
          f"(as of {as_of.isoformat()}).")
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def cmd_codes(args: argparse.Namespace) -> int:
    """Print the diagnostic catalogue as a Markdown table (the docs page is made from it)."""
    print("| Code | Severity | Problem | Fix |")
    print("| --- | --- | --- | --- |")
    for code in CODES.values():
        title, fix = (t.replace("|", "\\|") for t in (code.title, code.fix))
        print(f"| {code.code} | {code.severity.value} | {title} | {fix} |")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """The semantic diff of BASE..HEAD (default: the working tree) with its score impact."""
    from okrsite.history import GitError, pr_diff
    from okrsite.history.prdiff import to_json, to_markdown

    content_dir = _content_dir(args.content_dir)
    try:
        as_of: date | None = _as_of(args, content_dir)
    except UsageError:
        as_of = None  # nothing to date the scores by: the diff without scores
    cache = None if args.no_cache else default_cache_dir(content_dir)
    try:
        result = pr_diff(content_dir, args.base, args.head, as_of, args.fiscal_year_start,
                         args.include_restricted, cache)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    print(to_json(result) if args.format == "json" else to_markdown(result))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Write a period's audit downloads (CSV, JSON, manifest) to a directory."""
    from okrsite.history import History, period_audit, write_exports
    from okrsite.history.git import head_of

    content_dir = _content_dir(args.content_dir)
    loaded = _load(args, content_dir)
    if loaded is None:
        return EXIT_ERRORS
    as_of = _as_of(args, content_dir)
    history = History.unavailable("not read by export")
    history.head = head_of(content_dir)  # named in the manifest, outside its digest
    try:
        audit = period_audit(loaded.content, args.period, history, as_of,
                             include_restricted=args.include_restricted)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for file in write_exports(audit, Path(args.out)):
        print(file)
    print(f"digest {audit.manifest['digest']}", file=sys.stderr)
    return EXIT_OK


def cmd_codeowners(args: argparse.Namespace) -> int:
    """Write CODEOWNERS from the org's `reviewers:`."""
    from okrsite.history import codeowners
    from okrsite.history.git import find_repo
    from okrsite.pipeline import load_content

    content_dir = _content_dir(args.content_dir)
    loaded = load_content(content_dir, None, 1)
    if not loaded.content.org.units:
        print(format_text([d for d in loaded.diagnostics if d.is_error]), file=sys.stderr)
        return EXIT_ERRORS
    repo, _ = find_repo(content_dir)
    rel = repo.content_rel if repo is not None else Path(args.content_dir).as_posix()
    result = codeowners(loaded.content, rel)
    for warning in result.warnings:
        print(f"okrsite: warning: {warning}", file=sys.stderr)
    if args.output and args.output != "-":
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    else:
        print(result.text, end="")
    return EXIT_OK


def cmd_new_period(args: argparse.Namespace) -> int:
    """Scaffold a period's files from the one before, carrying unfinished objectives."""
    from okrsite.history import NewPeriodError, new_period

    content_dir = _content_dir(args.content_dir)
    try:
        result = new_period(content_dir, args.period, args.from_period,
                            args.fiscal_year_start)
    except NewPeriodError as exc:
        raise UsageError(str(exc)) from None
    for file in result.written:
        print(f"wrote {file}")
    for file in result.skipped:
        print(f"kept {file} (exists; not overwritten)")
    print(f"{len(result.carried)} unfinished objectives carried from {result.source} "
          f"to {result.period}")
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
    p.add_argument("--base", metavar="REV",
                   help="also compare with this revision: change control of closed periods, "
                        "goalposts and past check-ins (OKR401-OKR403)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("score", help="print scores as a table or JSON",
                       description="Score every key result, objective, unit and KPI.")
    _add_common(p)
    p.add_argument("--period", metavar="ID", help="only this period (e.g. 2026-Q4)")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table for people, json for tools (a stable shape, see the guide)")
    p.add_argument("--include-restricted", action="store_true",
                   help="include restricted objectives and KPIs (internal use)")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("render", help="write the site's pages as Markdown to a directory",
                       description="Write every page (Markdown with YAML front matter), the "
                                   "audit downloads and the CSS/JS, for any site generator.")
    _add_common(p)
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output directory (replaced as a whole; never inside the content)")
    p.add_argument("--include-restricted", action="store_true",
                   help="an internal build: include restricted objectives and KPIs")
    p.add_argument("--no-history", action="store_true",
                   help="do not read git history (no change logs or audit pages)")
    p.add_argument("--no-directory-urls", action="store_true",
                   help="links end in .html (a/b.html) instead of a folder (a/b/)")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("codes", help="list the diagnostic codes as a Markdown table")
    p.set_defaults(func=cmd_codes)

    p = sub.add_parser("diff", help="the semantic diff of a change, with its score impact",
                       description="What changed between BASE and HEAD (default: the "
                       "working tree), grouped by period and unit, as Markdown for a pull "
                       "request comment or as JSON.")
    p.add_argument("base", metavar="BASE", help="the revision to compare with, e.g. "
                   "origin/main")
    p.add_argument("head", metavar="HEAD", nargs="?", default=None,
                   help="a revision (default: the working tree)")
    p.add_argument("--content-dir", default="content", metavar="DIR",
                   help="the content directory (default: content)")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE",
                   help="score both sides as of this date (default as for check)")
    p.add_argument("--fiscal-year-start", type=int, default=1, choices=range(1, 13),
                   metavar="MONTH", help="month the fiscal year starts (default: 1)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--include-restricted", action="store_true",
                   help="show changes to restricted objectives and KPIs too")
    p.add_argument("--no-cache", action="store_true", help="parse everything afresh")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("export", help="write a period's audit CSV, JSON and manifest",
                       description="Write okrs.csv, check-ins.csv, okrs.json and "
                       "manifest.json of one period to a directory.")
    p.add_argument("period", metavar="PERIOD", help="the period id, e.g. 2026-Q3")
    _add_common(p)
    p.add_argument("--out", required=True, metavar="DIR", help="where to write the files")
    p.add_argument("--include-restricted", action="store_true",
                   help="include restricted objectives and KPIs (internal use)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("codeowners", help="write CODEOWNERS from the org's reviewers",
                       description="Each unit's OKR files and the KPIs it owns are owned by "
                       "its reviewers (or its nearest ancestor's).")
    p.add_argument("content_dir", nargs="?", default="content", metavar="CONTENT_DIR",
                   help="the content directory (default: content)")
    p.add_argument("--output", metavar="FILE",
                   help="write here, e.g. .github/CODEOWNERS (default: standard output)")
    p.set_defaults(func=cmd_codeowners)

    p = sub.add_parser("new-period", help="scaffold a period from the one before",
                       description="Write periods/ID/*.yaml with the unfinished objectives "
                       "of the previous period (or --from), never overwriting a file.")
    p.add_argument("period", metavar="ID", help="the new period id, e.g. 2027-Q2")
    p.add_argument("content_dir", nargs="?", default="content", metavar="CONTENT_DIR",
                   help="the content directory (default: content)")
    p.add_argument("--from", dest="from_period", metavar="PERIOD",
                   help="the period to start from (default: the latest one of the same kind)")
    p.add_argument("--fiscal-year-start", type=int, default=1, choices=range(1, 13),
                   metavar="MONTH", help="month the fiscal year starts (default: 1)")
    p.set_defaults(func=cmd_new_period)
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
