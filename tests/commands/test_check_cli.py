"""`okrsite check` as CI runs it: a subprocess, its exit code, its three output formats,
and never a traceback. Also the demo content and the diagnostics docs page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.checkkit import ROOT, Repo, run_cli, valid_repo

from okrsite.diagnostics import CODES

SALES = "periods/2026-Q1/sales.yaml"
AS_OF = ("--as-of", "2026-06-30")
DOCS_PAGE = ROOT / "content" / "guide" / "diagnostics.md"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


def check(cwd: Path, *args: str, env: dict[str, str | None] | None = None):
    done = run_cli("check", *args, cwd=cwd, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def with_warning(repo: Repo) -> Repo:
    repo.doc(SALES)["objectives"][0].pop("owner")
    return repo.save(SALES)


def with_error(repo: Repo) -> Repo:
    repo.doc("org.yaml")["units"][1]["parent"] = "nobody"
    return repo.save("org.yaml")


# ------------------------------------------------------------------ exit codes

def test_clean_content_exits_0(repo, tmp_path):
    done = check(tmp_path, "content", *AS_OF)
    assert (done.returncode, done.stdout, done.stderr) == (0, "No problems found.\n", "")


def test_warnings_pass_unless_strict(repo, tmp_path):
    with_warning(repo)
    assert check(tmp_path, "content", *AS_OF).returncode == 0
    done = check(tmp_path, "content", *AS_OF, "--strict")
    assert done.returncode == 1
    assert "warning OKR304" in done.stdout


def test_errors_exit_1(repo, tmp_path):
    with_error(repo)
    assert check(tmp_path, "content", *AS_OF).returncode == 1


@pytest.mark.parametrize("args,message", [
    (["missing-dir"], "does not exist"),
    (["content", "--as-of", "2026-13-01"], "not a date"),
    (["content", "--as-of", "tomorrow"], "not a date"),
    (["content", "--bogus"], "unrecognized arguments"),
    (["content", "--format", "xml"], "invalid choice"),
    (["content", "--fiscal-year-start", "13"], "invalid choice"),
    (["content", "other"], "unrecognized arguments"),
])
def test_usage_errors_exit_2(repo, tmp_path, args, message):
    done = check(tmp_path, *args)
    assert done.returncode == 2
    assert message in done.stderr and done.stdout == ""


def test_bad_source_date_epoch_is_a_usage_error(repo, tmp_path):
    done = check(tmp_path, "content", env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert done.returncode == 2 and "SOURCE_DATE_EPOCH" in done.stderr


def test_source_date_epoch_sets_the_as_of_date(repo, tmp_path):
    done = check(tmp_path, "content", env={"SOURCE_DATE_EPOCH": "1782777600"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_content_dir_defaults_to_content(repo, tmp_path):
    with_error(repo)
    done = check(tmp_path, *AS_OF)
    assert done.returncode == 1 and "content/org.yaml" in done.stdout


def test_no_date_anywhere_still_reports_content_errors(tmp_path):
    """No --as-of, no SOURCE_DATE_EPOCH, no git, nothing dated: the content errors are
    what the user needs to see, not a usage error about dates."""
    repo = Repo(tmp_path / "content", {
        "org.yaml": "version: 1\nkind: org\nname: A\nunits:\n  - {id: a, name: A}\n",
        "periods/2026/a.yaml": "version: 1\nkind: okrs\nunit: b\nperiod: 2026\nobjectives: []\n"})
    done = check(tmp_path, "content")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "OKR008" in done.stdout
    repo.write({"periods/2026/a.yaml": None})
    assert check(tmp_path, "content").returncode == 0


# ------------------------------------------------------------------ formats

def test_text_format(repo, tmp_path):
    with_error(with_warning(repo))
    done = check(tmp_path, "content", *AS_OF)
    lines = done.stdout.splitlines()
    line, col = repo.pos("org.yaml", "parent: nobody")
    assert lines[0] == (f"content/org.yaml:{line}:{col}: error OKR203: unit `sales` has "
                        "parent `nobody`, which is not a unit")
    assert lines[1].startswith("    fix: ")
    assert re.fullmatch(r"content/periods/2026-Q1/sales\.yaml:\d+:\d+: warning OKR304: .+",
                        lines[2])
    assert lines[-1] == "Found 1 error and 1 warning."


def test_text_paths_are_relative_to_the_working_directory(repo, tmp_path):
    with_error(repo)
    done = check(repo.root / "periods", "..", *AS_OF)
    assert done.stdout.startswith("../org.yaml:")
    done = check(tmp_path, str(repo.root), *AS_OF)
    assert done.stdout.startswith("content/org.yaml:")


def test_summary_counts(repo, tmp_path):
    with_error(repo)
    repo.doc("org.yaml")["units"][2]["parent"] = "nobody"
    repo.save("org.yaml")
    assert check(tmp_path, "content", *AS_OF).stdout.splitlines()[-1] == "Found 2 errors."


def test_json_format(repo, tmp_path):
    with_error(with_warning(repo))
    done = check(tmp_path, "content", *AS_OF, "--format", "json")
    items = json.loads(done.stdout)
    assert [set(i) for i in items] == [{"file", "line", "col", "code", "severity", "message",
                                        "hint"}] * 2
    first, second = items
    assert first["file"] == "content/org.yaml"
    assert (first["line"], first["col"]) == repo.pos("org.yaml", "parent: nobody")
    assert (first["code"], first["severity"]) == ("OKR203", "error")
    assert (second["code"], second["severity"]) == ("OKR304", "warning")
    assert second["file"] == "content/periods/2026-Q1/sales.yaml"
    assert all(isinstance(i["line"], int) and i["hint"] for i in items)


def test_json_format_when_clean(repo, tmp_path):
    done = check(tmp_path, "content", *AS_OF, "--format", "json")
    assert json.loads(done.stdout) == [] and done.returncode == 0


def test_github_format(repo, tmp_path):
    with_error(with_warning(repo))
    done = check(tmp_path, "content", *AS_OF, "--format", "github")
    lines = done.stdout.splitlines()
    line, col = repo.pos("org.yaml", "parent: nobody")
    assert lines[0] == (f"::error file=content/org.yaml,line={line},col={col},"
                        "title=OKR203 Unknown unit::unit `sales` has parent `nobody`, which is "
                        "not a unit Fix: Use the id of a unit defined in org.yaml.")
    assert lines[1].startswith("::warning file=content/periods/2026-Q1/sales.yaml,line=")
    assert len(lines) == 2


def test_github_format_escapes_properties_and_newlines(tmp_path):
    from okrsite.diagnostics import diag, format_github

    d = diag(tmp_path / "a,b:c.yaml", (1, 2), "OKR001", "50% bad\nsecond line")
    out = format_github([d])
    assert "a%2Cb%3Ac.yaml,line=1,col=2" in out
    assert "50%25 bad%0Asecond line" in out and "\n" not in out


# ------------------------------------------------------- every error, never a traceback

def test_every_broken_file_is_reported_in_one_run(repo, tmp_path):
    with_error(repo)
    repo.write({
        "kpis/nps.yaml": repo.text("kpis/nps.yaml").replace("green: 45", "green: 5"),  # 216
        SALES: repo.text(SALES) + "owner: stray\n",                                   # 101
        "periods/2026-Q1/company.yaml": "version: 1\nkind: okrs\nunit: [\n",           # 001
        "periods/2026/company.yaml": b"version: 1\nname: \xff\n",                      # 005
        "periods/2026-Q2/period.yaml": "- a list\n",                                   # 006
    })
    done = check(tmp_path, "content", *AS_OF, "--format", "json")
    assert done.returncode == 1
    found = {(i["file"].split("content/")[1], i["code"]) for i in json.loads(done.stdout)}
    assert found >= {("org.yaml", "OKR203"), ("kpis/nps.yaml", "OKR216"), (SALES, "OKR101"),
                     ("periods/2026-Q1/company.yaml", "OKR001"),
                     ("periods/2026/company.yaml", "OKR005"),
                     ("periods/2026-Q2/period.yaml", "OKR006")}, found


HOSTILE = {
    "empty": b"",
    "list": b"- 1\n- 2\n",
    "scalar": b"hello\n",
    "nul": b"version: 1\x00\n",
    "latin1": b"name: caf\xe9\n",
    "utf16": "version: 1\n".encode("utf-16"),
    "bom": "\ufeffversion: 1\nkind: okrs\n".encode(),
    "python-tag": b"version: !!python/object/apply:os.system ['true']\n",
    "custom-tag": b"version: !foo 1\n",
    "merge": b"a: &a {b: 1}\n<<: *a\n",
    "laughs": b"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
              b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
              b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "recursive": b"a: &a [*a]\n",
    "deep": b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "deep-block": "".join("  " * i + "k:\n" for i in range(3000)).encode(),
    "nan": b"version: 1\nkind: okrs\nunit: sales\nperiod: 2026-Q1\nobjectives:\n"
           b"- {id: a, title: A, key_results: [{id: k, title: K, baseline: .nan, target: 1}]}\n",
    "dup": b"version: 1\nversion: 1\n",
    "two-docs": b"version: 1\n---\nversion: 1\n",
    "huge-int": b"version: " + b"9" * 5000 + b"\n",
    "bad-int-tag": b"version: !!int one\n",
    "weird-keys": b"? [a]\n: 1\n",
    "types": b"version: 1\nkind: okrs\nunit: 5\nperiod: {a: 1}\nobjectives: 7\n",
    "wrong-shapes": b"version: 1\nkind: okrs\nunit: sales\nperiod: 2026-Q1\nobjectives:\n"
                    b"- id: a\n  title: A\n  key_results:\n  - {id: k, title: K}\n"
                    b"  - {id: k, title: K, kpi: zz, check_ins: [{date: 2031-02-31}]}\n",
    "year-0": b"version: 1\nkind: okrs\nunit: sales\nperiod: '0000'\nobjectives: []\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_diagnostic_not_a_traceback(repo, tmp_path, name):
    repo.write({SALES: HOSTILE[name], "kpis/nps.yaml": HOSTILE[name],
                "periods/2026-Q1/period.yaml": HOSTILE[name], "org.yml": HOSTILE[name]})
    done = check(tmp_path, "content", *AS_OF)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    assert re.search(r"^Found \d+ errors?", done.stdout.splitlines()[-1])


def test_hostile_input_as_the_org_and_in_every_format(repo, tmp_path):
    repo.write({"org.yaml": HOSTILE["recursive"]})
    for fmt in ("text", "json", "github"):
        done = check(tmp_path, "content", *AS_OF, "--format", fmt)
        assert done.returncode == 1 and "OKR004" in done.stdout


# ------------------------------------------------------------------ the demo content

def test_the_demo_content_passes_strictly():
    done = check(ROOT, "content", "--strict")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "No problems found.\n"


def test_the_demo_content_passes_as_json():
    done = check(ROOT, "content", "--format", "json")
    assert (done.returncode, json.loads(done.stdout)) == (0, [])


# ------------------------------------------------------------- codes and the docs page

def test_codes_lists_the_whole_catalogue():
    done = run_cli("codes")
    assert done.returncode == 0
    rows = [line for line in done.stdout.splitlines() if line.startswith("| OKR")]
    assert [row.split("|")[1].strip() for row in rows] == list(CODES)
    for row, code in zip(rows, CODES.values(), strict=True):
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells == [code.code, code.severity.value, code.title, code.fix]


def _table(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_the_docs_page_lists_every_code():
    page = DOCS_PAGE.read_text(encoding="utf-8")
    listed = re.findall(r"^\| (OKR\d{3}) \|", page, flags=re.M)
    assert listed == list(CODES), (
        "content/guide/diagnostics.md is out of date: regenerate its table with "
        "`okrsite codes`")
    assert _table(page) == _table(run_cli("codes").stdout), (
        "the table in content/guide/diagnostics.md differs from `okrsite codes`; paste the "
        "new output over it")


def test_the_docs_page_examples_are_real_diagnostics():
    page = DOCS_PAGE.read_text(encoding="utf-8")
    shown = re.findall(r"^\S+:\d+:\d+: (?:error|warning) (OKR\d{3}): ", page, flags=re.M)
    assert shown and set(shown) <= set(CODES)


# ------------------------------------------------------- OKR306: scores only what it needs

@pytest.mark.parametrize("content", ["demo", "golden", "committed"])
def test_check_scores_a_part_and_reports_what_scoring_everything_would(repo, content):
    """`check` scores only committed objectives without a retrospective in closed periods;
    its diagnostics are the ones a whole scorecard gives."""
    from datetime import date

    from okrsite.pipeline import load_content
    from okrsite.scoring.base import ScoringSettings
    from okrsite.scoring.checks import check_scoring
    from okrsite.scoring.rollup import score_content

    if content == "committed":  # committed objectives, some closing below 1.0
        for rel in (SALES, "periods/2026-Q1/company.yaml", "periods/2026/company.yaml"):
            repo.doc(rel)["objectives"][0]["type"] = "committed"
            repo.save(rel)
        root = repo.root
    else:
        root = ROOT / ("content" if content == "demo" else "tests/fixtures/golden_company")
    loaded = load_content(root)
    found = set()
    for month in range(1, 25, 2):
        as_of = date(2025 + month // 12, month % 12 + 1, 15)
        settings = ScoringSettings()
        part = check_scoring(loaded.content, settings, as_of, root)
        whole = score_content(loaded.content, as_of, settings)
        assert part == check_scoring(loaded.content, settings, as_of, root, scorecard=whole)
        found.update(d.code for d in part)
    # Not vacuous: the committed variant closes objectives below 1.0. (The demo gives
    # none: every committed objective it closes below 1.0 has its retrospective.)
    assert "OKR306" in found or content in ("golden", "demo")
