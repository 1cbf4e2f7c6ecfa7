"""The user guide tells the truth.

The guide (content/guide/*.md) is part of the demo site, and people copy from it.
These tests read its Markdown and check what it claims:

- format.md: every YAML code block that is a complete document (its first line
  that is not a comment is `version: 1`) is written into a temporary content
  directory, at the place its fence title names (```yaml title="content/...")
  or else the place its kind implies, next to a small base content (an org, the
  company's 2026 and 2026-Q4 OKRs, two KPIs). okrsite must load it without any
  diagnostic. A block that is a list of key results (it starts with `- id:`) is
  checked the same way inside a wrapper objective.
- An HTML comment on the line before a block changes what is expected:
  `<!-- invalid -->` or `<!-- invalid: OKR212 -->` (errors, with these codes),
  `<!-- warns: OKR302 OKR305 -->` (exactly these warnings, no error), and
  `<!-- score: 0.5 as of 2026-11-20 -->` (a key result block: its score).
- The `# yaml-language-server: $schema=...` lines point at the right schema.
- cli.md: every `okrsite <command>` in code is a real subcommand of
  `okrsite.cli.build_parser()`, with real options; every subcommand is
  documented; the sample outputs are what `okrsite check` prints for the sample
  broken file shown on the page.
- Every diagnostic code the guide mentions exists, and its links lead somewhere.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from markdown.extensions.toc import slugify

from okrsite import pipeline
from okrsite.cli import build_parser
from okrsite.diagnostics import CODES, Diagnostic, format_text
from okrsite.scoring.base import ScoringSettings
from okrsite.scoring.checks import check_scoring
from okrsite.scoring.rollup import score_content

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "content" / "guide"
FORMAT, CLI, INDEX = GUIDE / "format.md", GUIDE / "cli.md", GUIDE / "index.md"
OUR_PAGES = (INDEX, FORMAT, CLI)
# The guide's pages (index.md lists them); some are written by others.
GUIDE_PAGES = {"index.md", "format.md", "cli.md", "diagnostics.md", "scoring.md",
               "settings.md", "site.md", "history.md", "weekly.md"}
AS_OF = date(2026, 11, 20)  # the demo's "as of"; every check in this file runs as of it

# ---------------------------------------------------------------- the base content

_ORG = """\
version: 1
kind: org
name: Tech Solutions Inc.
units:
  - {id: company, name: Tech Solutions Inc., lead: Morgan Lee}
  - {id: customer-success, name: Customer Success, parent: company, lead: Ana Gomez}
  - {id: support, name: Customer Support, parent: customer-success, lead: Priya Raman}
  - {id: onboarding, name: Customer Onboarding, parent: customer-success, lead: Jonas Weber}
  - {id: engineering, name: Engineering, parent: company, lead: Sofia Rossi}
  - {id: sales, name: Sales, parent: company, lead: Rachel Nguyen}
"""

_KPI = """\
version: 1
kind: kpi
id: {id}
name: {name}
owner: customer-success
direction: {direction}
measurements:
{measurements}
"""


def _objective(oid: str, owner: str, aligns_to: str | None = None) -> str:
    aligned = f"\n    aligns_to: {aligns_to}" if aligns_to else ""
    return (f"  - id: {oid}\n    title: {oid}\n    owner: {owner}{aligned}\n    key_results:\n"
            f"      - {{id: one, title: One, baseline: 0, target: 10}}\n"
            f"      - {{id: two, title: Two, done: false}}\n")


def _okrs(unit: str, period: str, objectives: str) -> str:
    return f"version: 1\nkind: okrs\nunit: {unit}\nperiod: {period}\nobjectives:\n{objectives}"


BASE: dict[str, str] = {
    "org.yaml": _ORG,
    "kpis/nps.yaml": _KPI.format(
        id="nps", name="Net Promoter Score", direction="higher_is_better",
        measurements="  - {date: 2026-09-30, value: 46}\n  - {date: 2026-11-20, value: 47}"),
    "kpis/churn-rate.yaml": _KPI.format(
        id="churn-rate", name="Churn", direction="lower_is_better",
        measurements="  - {date: 2026-09-30, value: 2.0}\n  - {date: 2026-10-31, value: 1.9}"),
    "periods/2026/company.yaml": _okrs("company", "2026", _objective("customer-love", "M")
                                       + _objective("profitable-growth", "M")),
    "periods/2026-Q4/company.yaml": _okrs(
        "company", "2026-Q4", _objective("customer-love", "M", "2026:company/customer-love")
        + _objective("profitable-growth", "M", "2026:company/profitable-growth")),
    "periods/2026-Q4/customer-success.yaml": _okrs(
        "customer-success", "2026-Q4",
        _objective("delight-customers", "A", "company/customer-love")),
    "periods/2026-Q3/support.yaml": _okrs(
        "support", "2026-Q3", _objective("answer-faster", "P", "2026:company/customer-love")),
}

# Key result blocks are checked as the key results of this objective.
WRAPPER_PLACE = "periods/2026-Q4/onboarding.yaml"
WRAPPER_HEAD = _okrs("onboarding", "2026-Q4", "") + (
    "  - id: guide-example\n    title: Guide example\n    owner: Jonas Weber\n"
    "    aligns_to: company/customer-love\n    key_results:\n")
FILLER = "- {id: guide-filler, title: Keeps OKR302 quiet, done: false}\n"


# ---------------------------------------------------------------- reading Markdown

@dataclass
class Block:
    page: str
    line: int  # of the opening fence, 1-based
    lang: str
    title: str | None
    text: str
    marker: str | None  # the HTML comment on the line before, without <!-- -->

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)"
                    r"(?P<rest>.*)$")
_MARKER = re.compile(r"^\s*<!--\s*(.*?)\s*-->\s*$")
_TITLE = re.compile(r'title="([^"]*)"')


def blocks(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m["indent"]), m["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence)
                                      and set(lines[j].strip()) == {fence[0]}):
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j])
            j += 1
        prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = _MARKER.match(prev)
        title = _TITLE.search(m["rest"])
        out.append(Block(page.name, i + 1, m["lang"], title[1] if title else None,
                         "\n".join(body) + "\n", marker[1] if marker else None))
        i = j + 1
    return out


def _first_content_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines()
                 if ln.strip() and not ln.lstrip().startswith("#")), "")


def is_document(block: Block) -> bool:
    return block.lang == "yaml" and _first_content_line(block.text) == "version: 1"


def is_key_results(block: Block) -> bool:
    return block.lang == "yaml" and _first_content_line(block.text).startswith("- id:")


def yaml_examples() -> list[Block]:
    found = [b for b in blocks(FORMAT) if is_document(b) or is_key_results(b)]
    assert found, "format.md has no YAML examples"
    return found


# ---------------------------------------------------------------- running okrsite

def place_of(block: Block) -> str:
    """Where a complete document goes, relative to the content dir."""
    if block.title:
        assert block.title.startswith("content/"), f"{block}: title must start with content/"
        return block.title.removeprefix("content/")
    data = yaml.safe_load(block.text)
    kind = data["kind"]
    if kind == "org":
        return "org.yaml"
    if kind == "kpi":
        return f"kpis/{data['id']}.yaml"
    if kind == "period":
        return f"periods/{data['id']}/period.yaml"
    return f"periods/{data['period']}/{data['unit']}.yaml"


def guide_kpis() -> dict[str, str]:
    """The KPI documents of format.md: the key result examples are computed with them."""
    return {place_of(b): b.text for b in yaml_examples()
            if is_document(b) and b.marker is None and "kind: kpi" in b.text}


def write_content(root: Path, files: dict[str, str]) -> Path:
    content = root / "content"
    for rel, text in files.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def diagnose(content: Path) -> tuple[pipeline.Loaded, list[Diagnostic]]:
    """What `okrsite check` reports: the pipeline's load, then the scoring checks."""
    loaded = pipeline.load_content(content)
    diagnostics = list(loaded.diagnostics)
    if loaded.ok:
        diagnostics += check_scoring(loaded.content, ScoringSettings(), AS_OF, content)
    return loaded, diagnostics


def wrap_key_results(text: str) -> str:
    items = yaml.safe_load(text)
    assert isinstance(items, list), "a key result block is a YAML list"
    body = text if len(items) > 1 else text.rstrip("\n") + "\n" + FILLER
    return WRAPPER_HEAD + "".join(f"      {ln}\n" if ln.strip() else "\n"
                                  for ln in body.splitlines())


def content_for(block: Block, root: Path) -> tuple[Path, str]:
    files = {**BASE, **guide_kpis()}
    if is_document(block):
        place = place_of(block)
        files[place] = block.text
    else:
        place = WRAPPER_PLACE
        files[place] = wrap_key_results(block.text)
    return write_content(root, files), place


# ---------------------------------------------------------------- format.md

def _expectation(marker: str | None) -> tuple[str, set[str], str]:
    """(what, codes, rest) from a marker: valid, invalid, warns or score."""
    if marker is None:
        return "valid", set(), ""
    m = re.fullmatch(r"(invalid|warns|score)\s*:?\s*(.*)", marker)
    assert m, f"unknown marker <!-- {marker} -->"
    what, rest = m[1], m[2]
    return what, set(re.findall(r"OKR\d{3}", rest)), rest


@pytest.mark.parametrize("block", yaml_examples(), ids=str)
def test_format_example(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    content, place = content_for(block, tmp_path)
    loaded, diagnostics = diagnose(content)
    report = f"{block} ({place}):\n{format_text(diagnostics)}"
    errors = {d.code for d in diagnostics if d.is_error}
    warnings = {d.code for d in diagnostics if not d.is_error}
    what, codes, rest = _expectation(block.marker)
    if what == "invalid":
        assert errors, f"{block} is marked invalid but okrsite accepts it"
        assert codes <= errors, report
        return
    if what == "warns":
        assert not errors and warnings == codes, report
        return
    assert not diagnostics, report
    if what == "score":
        m = re.fullmatch(r"([0-9.]+) as of (\d{4}-\d{2}-\d{2})", rest)
        assert m and is_key_results(block), f"{block}: use <!-- score: 0.5 as of 2026-11-20 -->"
        (kr_id,) = [kr["id"] for kr in yaml.safe_load(block.text)]
        card = score_content(loaded.content, date.fromisoformat(m[2]), ScoringSettings())
        result = card.krs[f"2026-Q4:onboarding/guide-example/{kr_id}"]
        assert not result.score.no_data, f"{block}: {result.score.explanation}"
        assert round(result.score.value, 2) == float(m[1]), \
            f"{block}: the guide says {m[1]}, okrsite says {result.score.explanation}"


def test_every_marker_is_on_an_example() -> None:
    for page in OUR_PAGES:
        text = page.read_text(encoding="utf-8")
        markers = len(re.findall(r"<!--\s*(?:invalid|warns|score)\b", text))
        marked = sum(b.marker is not None and bool(re.match(r"(invalid|warns|score)\b",
                                                             b.marker)) for b in blocks(page))
        assert markers == marked, f"{page.name}: a marker is not right before a code block"


def test_the_base_content_is_clean(tmp_path: Path) -> None:
    _, diagnostics = diagnose(write_content(tmp_path, {**BASE, **guide_kpis()}))
    assert not diagnostics, format_text(diagnostics)


_MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)")


def _schema_for(place: str) -> Path:
    """The schema a file at `place` (relative to content/) should name."""
    from okrsite.loader import expected_kind

    return REPO / "schema" / "v1" / f"{expected_kind(place)}.schema.json"


def test_modelines_name_the_right_schema() -> None:
    """Each `$schema=` path, taken relative to the file as the editor does, is the
    schema of that file's kind, with content/ beside schema/ as in this repository."""
    checked = 0
    for block in yaml_examples():
        m = _MODELINE.search(block.text)
        if m and is_document(block):
            place = place_of(block)
            target = (REPO / "content" / place).parent / m[1]
            assert target.resolve() == _schema_for(place), f"{block}: {m[1]}"
            checked += 1
    text = FORMAT.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `content/([^`]+)` \| `# yaml-language-server: \$schema=([^`]+)` \|",
                      text, re.MULTILINE)
    assert len(rows) == 4, "the editor setup table has one row per kind"
    for place, schema in rows:
        place = re.sub(r"<[^>]+>", "x", place)
        target = (REPO / "content" / place).parent / schema
        assert target.resolve() == _schema_for(place), f"editor table: {place}: {schema}"
    assert checked >= 3


def test_the_demo_content_uses_the_same_modelines() -> None:
    for file in sorted((REPO / "content").rglob("*.yaml")):
        first = file.read_text(encoding="utf-8").split("\n", 1)[0]
        m = _MODELINE.search(first)
        if m:
            place = file.relative_to(REPO / "content").as_posix()
            assert (file.parent / m[1]).resolve() == _schema_for(place), place


# ---------------------------------------------------------------- cli.md

def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _code_spans(page: Path) -> list[str]:
    """Inline code and the lines of fenced code blocks."""
    text = page.read_text(encoding="utf-8")
    spans = []
    for block in blocks(page):
        spans += block.text.splitlines()
    prose = re.sub(r"^(\s*)(`{3,}|~{3,}).*?^\1\2\s*$", "", text, flags=re.MULTILINE | re.DOTALL)
    spans += re.findall(r"`([^`\n]+)`", prose)
    return spans


_COMMAND = re.compile(r"(?:^|[\s$(])okrsite ([a-z][a-z-]*)((?: [^|;&#]*)?)")


def command_mentions(page: Path) -> list[tuple[str, list[str]]]:
    """(subcommand, options) for every `okrsite <command> ...` in the page's code."""
    found = []
    for span in _code_spans(page):
        for m in _COMMAND.finditer(span):
            words = shlex.split(m[2], posix=True) if m[2] else []
            found.append((m[1], [w.split("=", 1)[0] for w in words if w.startswith("--")]))
    return found


@pytest.mark.parametrize("page", OUR_PAGES, ids=lambda p: p.name)
def test_commands_in_the_guide_exist(page: Path) -> None:
    commands = subcommands()
    for name, options in command_mentions(page):
        assert name in commands, f"{page.name} mentions `okrsite {name}`, which does not exist"
        known = {o for a in commands[name]._actions for o in a.option_strings}
        for option in options:
            assert option in known, f"{page.name}: `okrsite {name}` has no option {option}"


def test_cli_page_documents_every_command() -> None:
    mentioned = {name for name, _ in command_mentions(CLI)}
    text = CLI.read_text(encoding="utf-8")
    for name, parser in subcommands().items():
        assert name in mentioned, f"cli.md does not mention `okrsite {name}`"
        assert re.search(rf"^##+ .*`okrsite {name}`", text, re.MULTILINE), \
            f"cli.md has no section for `okrsite {name}`"
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in text, f"cli.md does not document {name} {option}"


def _sample(page: Path) -> tuple[Block, dict[str, Block]]:
    """The page's sample broken file and its sample outputs, by --format."""
    sample = [b for b in blocks(page) if b.marker == "sample"]
    assert len(sample) == 1, f"{page.name} needs one <!-- sample --> file"
    outputs = {}
    for b in blocks(page):
        m = re.fullmatch(r"output: okrsite check --format (\w+)", b.marker or "")
        if m:
            outputs[m[1]] = b
    return sample[0], outputs


_TEXT_LINE = re.compile(r"^(\S+?):(\d+):(\d+): (error|warning) (OKR\d{3}): ", re.MULTILINE)
_GITHUB_LINE = re.compile(r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+),"
                          r"title=(OKR\d{3})", re.MULTILINE)


def test_cli_sample_outputs_are_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The outputs shown are what okrsite reports for the sample file (compared by
    file, line, column, severity and code, so rewording a message does not break it)."""
    sample, outputs = _sample(CLI)
    assert set(outputs) == {"text", "json", "github"}
    monkeypatch.chdir(tmp_path)
    write_content(tmp_path, {**BASE, place_of(sample): sample.text})
    _, diagnostics = diagnose(Path("content"))
    real = sorted((d.shown_path(), d.line, d.col, d.severity.value, d.code) for d in diagnostics)
    assert real, "the sample file should have problems"
    shown_text = sorted((f, int(ln), int(c), s, code)
                        for f, ln, c, s, code in _TEXT_LINE.findall(outputs["text"].text))
    shown_json = sorted((d["file"], d["line"], d["col"], d["severity"], d["code"])
                        for d in json.loads(outputs["json"].text))
    shown_github = sorted((f, int(ln), int(c), s, code)
                          for s, f, ln, c, code in _GITHUB_LINE.findall(outputs["github"].text))
    assert shown_text == real, "text output in cli.md is out of date"
    assert shown_json == real, "json output in cli.md is out of date"
    assert shown_github == real, "github output in cli.md is out of date"


# ---------------------------------------------------------------- the whole guide

@pytest.mark.parametrize("page", OUR_PAGES, ids=lambda p: p.name)
def test_codes_mentioned_exist(page: Path) -> None:
    for code in re.findall(r"OKR\d{3}", page.read_text(encoding="utf-8")):
        assert code in CODES, f"{page.name} mentions {code}, which is not a diagnostic code"


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        m = None if in_code else re.match(r"^#{1,6} (.+?)\s*$", line)
        if m:
            slug = slugify(re.sub(r"[`*]", "", m[1]), "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}_{n}")
    return out


@pytest.mark.parametrize("page", OUR_PAGES, ids=lambda p: p.name)
def test_links_lead_somewhere(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        path, _, anchor = target.partition("#")
        assert "://" not in path, f"{page.name}: link to another host {target}"
        if path:
            assert path in GUIDE_PAGES, f"{page.name}: link to {path}, not a guide page"
        linked = GUIDE / path if path else page
        if anchor and linked in OUR_PAGES:
            assert anchor in _anchors(linked), f"{page.name}: no heading for {target}"


def test_index_maps_every_guide_page() -> None:
    text = INDEX.read_text(encoding="utf-8")
    for name in sorted(GUIDE_PAGES - {"index.md"}):
        assert f"]({name})" in text, f"index.md does not link {name}"
