"""The `okrsite` command: a thin adapter over the core, like the MkDocs plugin.

Exit codes: 0 clean (warnings allowed unless --strict), 1 content errors, 2 usage
errors. Bad content never produces a traceback: it is reported as diagnostics.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from okrsite import __version__
from okrsite.diagnostics import (
    CODES,
    Diagnostic,
    display_path,
    format_github,
    format_json,
    format_text,
    has_errors,
)
from okrsite.errors import OkrsiteError
from okrsite.settings import CONFIG_FILE, Settings

if TYPE_CHECKING:
    from okrsite.pipeline import Build

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageError(OkrsiteError):
    """Wrong arguments or settings: exit 2 with a message."""


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 200:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of characters of 200 "
                                         "or more")
    return value


def default_cache_dir(content_dir: Path) -> Path | None:
    """`.cache/okrsite` in the working directory, unless that is inside the content."""
    if os.environ.get("OKRSITE_NO_CACHE"):
        return None
    if "OKRSITE_CACHE_DIR" in os.environ:
        return Path(os.environ["OKRSITE_CACHE_DIR"])
    cache = Path.cwd().resolve() / ".cache" / "okrsite"
    return None if cache.is_relative_to(content_dir.resolve()) else cache


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--config-file", metavar="FILE",
                   help="the site's mkdocs.yml, whose `okrsite` plugin block gives the "
                        "settings (default: ./mkdocs.yml when it exists)")


def _add_content_dir(p: argparse.ArgumentParser) -> None:
    """CONTENT_DIR and -f, as every command that reads the content takes them."""
    p.add_argument("content_dir", nargs="?", default=None, metavar="CONTENT_DIR",
                   help="the content directory (default: as for check)")
    _add_config(p)


def _add_common(p: argparse.ArgumentParser, content_dir: bool = True) -> None:
    if content_dir:
        p.add_argument("content_dir", nargs="?", default=None, metavar="CONTENT_DIR",
                       help="the content directory (default: the config's content_dir or "
                            "docs_dir, else content)")
    _add_config(p)
    p.add_argument("--as-of", type=_date_arg, metavar="DATE",
                   help="compute scores and states as of this date (default: the config's "
                        "as_of, SOURCE_DATE_EPOCH, the latest commit touching the content, "
                        "then its latest entry)")
    p.add_argument("--fiscal-year-start", type=int, default=None, choices=range(1, 13),
                   metavar="MONTH", help="month the fiscal year starts (default: the "
                                         "config's, else 1)")
    p.add_argument("--no-cache", action="store_true", help="parse everything afresh")


def _add_edit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date", type=_date_arg, metavar="D", help="the date (default: today)")
    p.add_argument("--note", metavar="TEXT", help="a short comment (Markdown)")
    p.add_argument("--content-dir", dest="content_dir", default=None, metavar="DIR",
                   help="the content directory (default: as for check)")
    _add_config(p)


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of `mkdocs.yml` (or every default without one), with the command
    line's options over them."""
    from okrsite.settings import SettingsError, read_config

    given = getattr(args, "config_file", None)
    file = Path(given) if given else Path(CONFIG_FILE)
    if given and not file.is_file():
        raise UsageError(f"config file {given!r} does not exist")
    try:
        config, warnings = read_config(file if file.is_file() else None)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    for key, message in warnings:
        print(f"okrsite: warning: {config.file}: plugins: okrsite: {key}: {message}",
              file=sys.stderr)
    settings = config.settings()
    chosen = getattr(args, "content_dir", None)
    if chosen is not None:
        settings = settings.but(content_dir=Path(chosen))
    if not settings.content_dir.is_dir():
        raise UsageError(f"content directory {str(chosen or settings.content_dir)!r} does "
                         "not exist")
    settings = settings.but(content_dir=settings.content_dir.resolve())
    if config.file is None or chosen is not None:
        settings = settings.but(cache_dir=default_cache_dir(settings.content_dir))
    if getattr(args, "no_cache", False):
        settings = settings.but(cache_dir=None)
    if getattr(args, "as_of", None) is not None:
        settings = settings.but(as_of=args.as_of)
    if getattr(args, "fiscal_year_start", None) is not None:
        settings = settings.but(fiscal_year_start=args.fiscal_year_start)
    if getattr(args, "include_restricted", False):
        settings = settings.but(include_restricted=True)
    if getattr(args, "no_history", False):
        settings = settings.but(history=False)
    if getattr(args, "no_directory_urls", False):
        settings = settings.but(directory_urls=False)
    return settings


def _build(args: argparse.Namespace, **overrides: Any) -> Build:
    from okrsite.pipeline import run

    return run(_settings(args).but(**overrides))


def _as_of(build: Build) -> date:
    from okrsite.asof import AsOfError

    try:
        return build.require_as_of().date
    except AsOfError as exc:
        raise UsageError(str(exc)) from None


def _report_errors(build: Build) -> bool:
    """Print the build's errors as `check` does; True when there were any."""
    if build.ok:
        return False
    print(format_text([d for d in build.diagnostics if d.is_error]), file=sys.stderr)
    return True


def cmd_check(args: argparse.Namespace) -> int:
    from okrsite.asof import AsOfError, AsOfRangeError

    build = _build(args, history=False)
    if build.as_of is None:
        try:
            build.require_as_of()
        except AsOfError as exc:
            # A malformed SOURCE_DATE_EPOCH, or a date no site can be built as of, is a
            # usage error; only "no date yet" (a new repository) lets the check go on.
            if isinstance(exc, AsOfRangeError) or os.environ.get("SOURCE_DATE_EPOCH",
                                                                 "").strip():
                raise UsageError(str(exc)) from None
    diagnostics = list(build.diagnostics)
    if args.base:
        diagnostics += _change_control(args, build)
    from okrsite.ciformats import format_gitlab, format_sarif

    formatter: Callable[..., str] = {"text": format_text, "json": format_json,
                                     "github": format_github, "gitlab": format_gitlab,
                                     "sarif": format_sarif}[args.format]
    text = formatter(diagnostics)
    if text:
        print(text)
    if has_errors(diagnostics) or (args.strict and diagnostics):
        return EXIT_ERRORS
    return EXIT_OK


def _change_control(args: argparse.Namespace, build: Build) -> list[Diagnostic]:
    """`check --base REV`: OKR401-403 for what changed since REV (okrsite.commands.control)."""
    from okrsite.commands.control import change_control
    from okrsite.history.git import GitError, find_repo, is_shallow

    if build.as_of is None:
        raise UsageError("--base needs an as-of date: pass --as-of YYYY-MM-DD")
    repo, why = find_repo(build.content_dir)
    if repo is None:
        raise UsageError(f"--base needs the content in a git repository: {why}")
    try:
        found = change_control(repo.root, build.content_dir, args.base, build.as_of.date,
                               build.settings.fiscal_year_start, build.settings.cache_dir)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    if is_shallow(repo):  # on stderr: the formats on stdout stay what CI tools read
        print(f"okrsite: note: this is a shallow clone: attribution unknown. --base "
              f"compares {args.base} with the working tree; which commits made the changes, "
              "and who, is not in this clone (fetch the whole history: fetch-depth: 0).",
              file=sys.stderr)
    return found


def cmd_score(args: argparse.Namespace) -> int:
    from okrsite.scoring.report import format_table, to_json

    # JSON carries each key result's goalpost moves, which come from git history.
    build = _build(args) if args.format == "json" else _build(args, history=False)
    if _report_errors(build):
        return EXIT_ERRORS
    if args.period and args.period not in build.scorecard.periods:
        raise UsageError(f"no period {args.period!r}; known: "
                         f"{', '.join(build.scorecard.periods)}")
    _as_of(build)
    card, internal = build.scorecard, build.settings.include_restricted
    if args.format == "json":
        moves = build.goalposts if build.settings.history else {}
        print(json.dumps(to_json(card, args.period, internal, moves), indent=2,
                         ensure_ascii=False))
    else:
        print(format_table(card, args.period, internal))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """Write the site's pages as Markdown files (front matter + body) for any generator."""
    from okrsite import output
    from okrsite.render import render_outputs

    build = _build(args)
    content_dir = build.content_dir
    out = Path(args.out).resolve()
    try:
        output.check_out_dir(Path(args.out), content_dir, "--out", replaced=True,
                             force=args.force)
    except output.OutputError as exc:
        raise UsageError(str(exc)) from None
    if _report_errors(build):
        return EXIT_ERRORS
    as_of = _as_of(build)
    pages, assets = render_outputs(build)
    # Write beside the target, then swap: a failure never leaves a half-written site.
    staging: Path | None = None
    written = 0
    try:
        staging = output.begin(out)
        directory_urls = build.settings.directory_urls
        for page in pages:  # rendered one at a time, written as they come
            path = output.directory_page(page.path) if directory_urls else page.path
            _write(staging / path, page.source().encode("utf-8"))
            written += 1
        for asset in assets:
            _write(staging / asset.path, asset.data)
        package_assets = Path(__file__).parent / "assets"
        for file in sorted(package_assets.glob("*.*")):
            _write(staging / "assets" / "okrsite" / file.name, file.read_bytes())
        _write(staging / output.MARKER, output.MARKER_TEXT.encode("utf-8"))
        output.swap_in(staging, out)
    except OSError as exc:
        raise UsageError(f"cannot write --out {args.out}: {_why(exc)}") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    print(f"Wrote {written} pages and {len(assets)} downloads to {args.out} "
          f"(as of {as_of.isoformat()}).")
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _why(exc: OSError) -> str:
    """An OSError as a sentence without Python's repr: "No such file or directory: /x"."""
    where = exc.filename if exc.filename is not None else ""
    return f"{exc.strerror or exc}{f': {where}' if where else ''}"


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
    from okrsite.commands.prdiff import cut_markdown, pr_diff, to_json, to_markdown, to_text
    from okrsite.history.git import GitError

    build = _build(args, history=False)
    as_of = build.as_of.date if build.as_of else None  # None: the diff without scores
    try:
        result = pr_diff(build.settings, args.base, args.head, as_of, tree=build.snapshot)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    fmt = args.format or ("text" if sys.stdout.isatty() else "markdown")
    text = {"json": to_json, "text": to_text, "markdown": to_markdown}[fmt](result)
    if args.full:
        try:
            from okrsite.output import write_atomically

            write_atomically(Path(args.full), (text + "\n").encode("utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot write --full {args.full}: {_why(exc)}") from None
    if args.max_chars is not None:
        text = cut_markdown(text, args.max_chars - 1)  # print adds a newline
    print(text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Write a period's audit downloads (CSV, JSON, manifest) to a directory: the
    files the site publishes under audit/PERIOD/, byte for byte."""
    from okrsite import output
    from okrsite.history.audit import write_exports

    build = _build(args, history=False)
    out = Path(args.out)
    try:
        output.check_out_dir(out, build.content_dir, "--out", replaced=False)
    except output.OutputError as exc:
        raise UsageError(str(exc)) from None
    if _report_errors(build):
        return EXIT_ERRORS
    _as_of(build)
    try:
        record = build.record(args.period)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    try:
        written = write_exports(record, out)
    except OSError as exc:
        raise UsageError(f"cannot write --out {args.out}: {_why(exc)}") from None
    for file in written:
        print(file)
    print(f"digest {record.manifest['digest']}", file=sys.stderr)
    return EXIT_OK


def cmd_codeowners(args: argparse.Namespace) -> int:
    """Write CODEOWNERS from the org's `reviewers:`."""
    from okrsite import output
    from okrsite.commands.codeowners import codeowners
    from okrsite.history.git import find_repo

    build = _build(args, history=False)
    to_file = bool(args.output) and args.output != "-"
    if to_file:
        try:
            output.check_out_file(Path(args.output), build.content_dir, "--output")
        except output.OutputError as exc:
            raise UsageError(str(exc)) from None
    content = build.content
    if not content.org.units:
        print(format_text([d for d in build.diagnostics if d.is_error]), file=sys.stderr)
        return EXIT_ERRORS
    repo, _ = find_repo(build.content_dir)
    rel = repo.content_rel if repo is not None else Path(args.content_dir or
                                                         "content").as_posix()
    result = codeowners(content, rel)
    for warning in result.warnings:
        print(f"okrsite: warning: {warning}", file=sys.stderr)
    if to_file:
        out = Path(args.output)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(result.text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --output {args.output}: {_why(exc)}") from None
        print(f"wrote {out}", file=sys.stderr)
    else:
        print(result.text, end="")
    return EXIT_OK


def cmd_new_period(args: argparse.Namespace) -> int:
    """Scaffold a period's files from the one before, carrying unfinished objectives."""
    from okrsite.commands.newperiod import NewPeriodError, new_period

    settings = _settings(args)
    try:
        result = new_period(settings, args.period, args.from_period)
    except NewPeriodError as exc:
        raise UsageError(str(exc)) from None
    for file in result.written:
        print(f"wrote {file}")
    for file in result.skipped:
        print(f"kept {file} (exists; not overwritten)")
    if not result.written:
        print(f"nothing written: every file of {result.period} already exists")
        return EXIT_OK
    print(f"{len(result.carried)} unfinished objectives carried from {result.source} "
          f"to {result.period}")
    return EXIT_OK


def cmd_close(args: argparse.Namespace) -> int:
    """Close a period: state, closed_on and its final record, in period.yaml."""
    from okrsite.commands.closing import ClosingError, close_period

    try:
        result = close_period(_settings(args), args.period, args.on, args.by)
    except ClosingError as exc:
        raise UsageError(str(exc)) from None
    print(f"closed {result.period} on {args.on.isoformat()}: wrote {result.file}")
    print(f"{len(result.record.items)} figures recorded; digest {result.record.digest}")
    return EXIT_OK


def cmd_amend(args: argparse.Namespace) -> int:
    """Record an amendment of a closed period and refresh its final record."""
    from okrsite.commands.closing import ClosingError, amend_period

    try:
        result = amend_period(_settings(args), args.period, args.by, args.reason, args.on)
    except ClosingError as exc:
        raise UsageError(str(exc)) from None
    print(f"amended {result.period}: wrote {result.file}")
    if result.changed:
        print(f"figures changed since the record: {', '.join(result.changed)}")
    else:
        print("no figure changed")
    print(f"digest {result.record.digest}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    """Recompute closed periods from the content and compare with their final records."""
    from okrsite.commands.closing import verify

    build = _build(args, history=False, include_restricted=True)
    # Content with errors cannot be recomputed faithfully: say so, and fail.
    others = [d for d in build.diagnostics if d.is_error and d.code not in ("OKR401", "OKR404")]
    if others:
        print(format_text(others), file=sys.stderr)
        print("okrsite: the content has errors: no period can be verified", file=sys.stderr)
        return EXIT_ERRORS
    try:
        results = verify(build, args.periods or None)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    if not results:
        print("no closed period to verify")
    for r in results:
        if r.check is None:
            print(f"{r.period}: NO FINAL RECORD (close it with `okrsite close {r.period} "
                  "--on DATE --by NAME`)")
            continue
        c = r.check
        if r.ok:
            print(f"{r.period}: ok, as of {c.recorded.as_of.isoformat()}, digest "
                  f"{c.recorded.digest}")
            continue
        print(f"{r.period}: DIFFERS from its final record")
        print(f"    recorded digest {c.recorded.digest}")
        print(f"    content gives   {c.now.digest}")
        if not c.intact:
            print("    the record does not match its own digest: it was edited by hand")
        for d in c.differences:
            print(f"    {d.message}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_ERRORS
def _today() -> date:
    """The default date of a check-in: what the person typing means by now. This is
    input to the content, never output of a build."""
    return date.today()  # clock-ok


def _edit(run_edit: Callable[[], Any]) -> int:
    """Run an editing command: its summary on success; check's errors (exit 1) when it
    was refused, with every file as it was."""
    from okrsite.commands.edit import EditError, Refused

    try:
        outcome = run_edit()
    except Refused as exc:
        print(format_text(exc.diagnostics), file=sys.stderr)
        print("okrsite: nothing was written.", file=sys.stderr)
        return EXIT_ERRORS
    except EditError as exc:
        raise UsageError(str(exc)) from None
    for line in outcome.summary:
        print(line)
    if not outcome.written:
        print("Nothing to change.")
    return EXIT_OK


def cmd_checkin(args: argparse.Namespace) -> int:
    """Append a check-in to a key result, keeping the rest of the file as it was."""
    from okrsite.commands.checkin import CheckInRequest, checkin

    request = CheckInRequest(args.ref, args.value, args.date or _today(), args.confidence,
                             args.note, args.milestone, args.by)
    return _edit(lambda: checkin(_settings(args), request))


def cmd_measure(args: argparse.Namespace) -> int:
    """Append a measurement to a KPI, keeping the rest of the file as it was."""
    from okrsite.commands.checkin import MeasureRequest, measure

    request = MeasureRequest(args.kpi, args.value, args.date or _today(), args.note)
    return _edit(lambda: measure(_settings(args), request))


def cmd_import_measurements(args: argparse.Namespace) -> int:
    """Append the new dates of a CSV file to a KPI's measurements."""
    from okrsite.commands.importcsv import import_measurements

    return _edit(lambda: import_measurements(_settings(args), args.kpi, Path(args.csv)))


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold a company's OKR repository."""
    from okrsite.asof import AsOfError, from_epoch
    from okrsite.commands.init import InitError, init, quarter_of
    from okrsite.commands.newfiles import ExistsError

    if args.period is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        # The default first period of new content: the one clock read, never a build's date.
        try:
            day = from_epoch(epoch) if epoch else date.today()  # clock-ok
        except AsOfError as exc:
            raise UsageError(str(exc)) from None
        args.period = quarter_of(day)
    target = Path(args.dir)
    try:
        result = init(target, args.name, args.period)
    except (InitError, ExistsError) as exc:
        raise UsageError(str(exc)) from None
    for file in result.written:
        print(f"wrote {file}")
    for file in result.kept:
        print(f"kept {file} (the same already)")
    where = "" if target.resolve() == Path.cwd().resolve() else f"cd {args.dir} && "
    print(f"\nNext: {where}pip install -r requirements.txt && okrsite check && mkdocs serve")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Write okrs files from a spreadsheet (CSV) of objectives and key results."""
    from okrsite.commands.importokrs import ImportError_, import_okrs, write_import
    from okrsite.commands.newfiles import ExistsError

    build = _build(args, history=False)
    try:
        imported = import_okrs(build.content, build.content_dir, Path(args.file))
        written = write_import(imported)
    except (ImportError_, ExistsError) as exc:
        raise UsageError(str(exc)) from None
    for column in imported.unmapped:
        print(f"okrsite: warning: {args.file}: column {column!r} maps to no field; kept on "
              f"each key result as x-{_slug(column)}", file=sys.stderr)
    for file in written:
        print(f"wrote {display_path(str(file))}")
    print(f"{imported.objectives} objectives with {imported.key_results} key results. "
          "Review them (ids come from the titles), then run okrsite check.")
    return EXIT_OK


def _slug(text: str) -> str:
    from okrsite.commands.importokrs import slug

    return slug(text)


def cmd_schema(args: argparse.Namespace) -> int:
    """Copy the content schemas into a directory, for editors."""
    from okrsite.commands.newfiles import ExistsError
    from okrsite.commands.schemaexport import export_schemas

    out = Path(args.out)
    try:
        result = export_schemas(out)
    except ExistsError as exc:
        raise UsageError(str(exc)) from None
    for file in result.written:
        print(f"wrote {file}")
    for file in result.kept:
        print(f"kept {file} (the same already)")
    content = out.absolute().parent / "content"
    print(f"With content/ beside {out}, each file's first line can be:")
    for where, kind in (("org.yaml", "org"), ("people.yaml", "people"),
                        ("kpis/<kpi-id>.yaml", "kpi"),
                        ("periods/<period-id>/period.yaml", "period"),
                        ("periods/<period-id>/<unit-id>.yaml", "okrs")):
        schema = out.absolute() / "v1" / f"{kind}.schema.json"
        rel = Path(os.path.relpath(schema, (content / where).parent)).as_posix()
        print(f"  content/{where}: # yaml-language-server: $schema={rel}")
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
    p.add_argument("--format", choices=("text", "json", "github", "gitlab", "sarif"),
                   default="text",
                   help="text for people, json for tools, github for workflow annotations, "
                        "gitlab for a Code Quality report, sarif for code scanning")
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
                   help="output directory (replaced as a whole; never inside the content; "
                        "a non-empty one only if okrsite wrote it, or with --force)")
    p.add_argument("--force", action="store_true",
                   help="replace --out even if it holds files okrsite did not write")
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
    p.add_argument("--content-dir", dest="content_dir", default=None, metavar="DIR",
                   help="the content directory (default: as for check)")
    _add_common(p, content_dir=False)
    p.add_argument("--format", choices=("markdown", "json", "text"), default=None,
                   help="markdown for a PR comment, json for tools, text for a terminal "
                        "(default: text in a terminal, else markdown)")
    p.add_argument("--include-restricted", action="store_true",
                   help="show changes to restricted objectives and KPIs too")
    p.add_argument("--max-chars", type=_positive, default=None, metavar="N",
                   help="cut the Markdown at a section boundary to at most N characters, "
                        "saying what was left out (GitHub comments hold 65,536)")
    p.add_argument("--full", metavar="FILE",
                   help="also write the whole, uncut text to FILE")
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
    _add_content_dir(p)
    p.add_argument("--output", metavar="FILE",
                   help="write here, e.g. .github/CODEOWNERS (default: standard output)")
    p.set_defaults(func=cmd_codeowners)

    p = sub.add_parser("init", help="scaffold a company's OKR repository",
                       description="Write mkdocs.yml, content/ (the org's root unit, one "
                       "period, an example objective), schema/, .gitignore, "
                       "requirements.txt, a GitHub workflow, .gitlab-ci.yml and "
                       ".pre-commit-config.yaml. Never overwrites a file.")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR",
                   help="the repository's directory (default: the current one; created "
                        "when missing)")
    p.add_argument("--name", required=True, help='the company\'s name, e.g. "Acme Inc."')
    p.add_argument("--period", metavar="ID",
                   help="the first period, e.g. 2027-Q1 (default: the quarter of "
                        "SOURCE_DATE_EPOCH, else of today)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="write okrs files from a spreadsheet (CSV)",
                       description="One CSV row per key result: period, unit, objective, "
                       "key result, baseline, target, unit of measure, owner, ... (see the "
                       "guide). Never overwrites a file.")
    p.add_argument("what", choices=("okrs",), help="what the file holds: okrs")
    p.add_argument("file", metavar="FILE.csv", help="the spreadsheet, saved as CSV (UTF-8)")
    _add_content_dir(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("schema", help="copy the content schemas into a directory",
                       description="Write v1/*.schema.json (JSON Schema of every document "
                       "kind) for editors' completion and validation. Never overwrites a "
                       "file.")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="where to write them, e.g. schema (beside content/)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("new-period", help="scaffold a period from the one before",
                       description="Write periods/ID/*.yaml with the unfinished objectives "
                       "of the previous period (or --from), never overwriting a file.")
    p.add_argument("period", metavar="ID", help="the new period id, e.g. 2027-Q2")
    _add_content_dir(p)
    p.add_argument("--from", dest="from_period", metavar="PERIOD",
                   help="the period to start from (default: the latest one of the same kind)")
    p.add_argument("--fiscal-year-start", type=int, default=None, choices=range(1, 13),
                   metavar="MONTH", help="month the fiscal year starts (default: the "
                                         "config's, else 1)")
    p.set_defaults(func=cmd_new_period)

    p = sub.add_parser("close", help="close a period and write its final record",
                       description="Set the period's state to closed with closed_on and "
                       "closed_by, and write its final record (every objective's and key "
                       "result's score and status, the scorers, one digest) into its "
                       "period.yaml. Refuses, writing nothing, when the content has errors.")
    p.add_argument("period", metavar="PERIOD", help="the period id, e.g. 2026-Q3")
    _add_content_dir(p)
    p.add_argument("--on", required=True, type=_date_arg, metavar="DATE",
                   help="the day it closes (on or after its last day)")
    p.add_argument("--by", required=True, metavar="NAME", help="who closes it")
    p.set_defaults(func=cmd_close)

    p = sub.add_parser("amend", help="record a change to a closed period",
                       description="Add an amendment to a closed period's period.yaml and "
                       "refresh its final record, keeping the figures at close beside it.")
    p.add_argument("period", metavar="PERIOD", help="the period id, e.g. 2026-Q3")
    _add_content_dir(p)
    p.add_argument("--by", required=True, metavar="NAME", help="who made or approved it")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why, for this change")
    p.add_argument("--on", type=_date_arg, metavar="DATE",
                   help="the amendment's date (default: the as-of date, as for check)")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_amend)

    p = sub.add_parser("verify", help="recompute closed periods and compare with their "
                       "final records",
                       description="Exit 0 when every closed period (or each one named) "
                       "still gives its final record, 1 otherwise; prints each digest.")
    p.add_argument("periods", nargs="*", metavar="PERIOD", help="periods to verify "
                   "(default: every closed one)")
    p.add_argument("--content-dir", dest="content_dir", default=None, metavar="DIR",
                   help="the content directory (default: as for check)")
    _add_config(p)
    p.add_argument("--fiscal-year-start", type=int, default=None, choices=range(1, 13),
                   metavar="MONTH", help="month the fiscal year starts (default: the "
                                         "config's, else 1)")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("checkin", help="append a check-in to a key result",
                       description="Append a check-in to PERIOD:UNIT/OBJECTIVE/KR in its "
                       "file; the rest of the file stays byte for byte. Refused (exit 1, "
                       "nothing written) when the result would fail `okrsite check`.")
    p.add_argument("ref", metavar="REF", help="the key result, e.g. "
                   "2026-Q4:support/faster-support/first-response")
    p.add_argument("value", metavar="VALUE", nargs="?", default=None,
                   help="a number; `done` or `open` for a binary key result; left out "
                        "with --milestone")
    _add_edit_options(p)
    p.add_argument("--confidence", type=float, metavar="C",
                   help="your confidence, 0 to 1, that the target will be reached")
    p.add_argument("--milestone", metavar="TITLE",
                   help="a milestones key result: the milestone that is now done")
    p.add_argument("--by", metavar="PERSON",
                   help="who checks in: a person of people.yaml, by id or name (written "
                        "as `by:`; without it the site names the commit's author)")
    p.set_defaults(func=cmd_checkin)

    p = sub.add_parser("measure", help="append a measurement to a KPI",
                       description="Append a measurement to kpis/KPI.yaml; refused like "
                       "a check-in.")
    p.add_argument("kpi", metavar="KPI", help="the KPI id, e.g. nps")
    p.add_argument("value", metavar="VALUE", help="the measured value, a number")
    _add_edit_options(p)
    p.set_defaults(func=cmd_measure)

    p = sub.add_parser("import-measurements", help="append a CSV file's rows to a KPI",
                       description="Append the rows of a CSV file (columns date,value[,note] "
                       "with a header) whose dates the KPI does not have yet. Importing the "
                       "same file again changes nothing; a row that conflicts with an "
                       "existing date or fails validation is named and nothing is written.")
    p.add_argument("kpi", metavar="KPI", help="the KPI id, e.g. nps")
    p.add_argument("csv", metavar="FILE.csv", help="the CSV file")
    p.add_argument("--content-dir", dest="content_dir", default=None, metavar="DIR",
                   help="the content directory (default: as for check)")
    _add_config(p)
    p.set_defaults(func=cmd_import_measurements)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except OkrsiteError as exc:
        print(f"okrsite: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `okrsite score | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
