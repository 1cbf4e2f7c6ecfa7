"""Absurd values are refused by `check`, with file, line and fix, instead of crashing a
later stage (okrsite.limits lists the limits; content/guide/format.md documents them).

Each case here once passed `check` and then crashed scoring, rendering or the sitemap,
or stalled a build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers.checkkit import AS_OF, ROOT, Repo, assert_one, run_cli, show, valid_repo

from okrsite.asof import AsOfError, resolve_as_of
from okrsite.limits import markdown_problem
from okrsite.pipeline import run
from okrsite.render import render_pages
from okrsite.render.safe import SafeMarkdown
from okrsite.settings import Settings

Q1 = "periods/2026-Q1"
COMPANY_Q1 = f"{Q1}/company.yaml"
SALES = f"{Q1}/sales.yaml"
PERIOD = f"{Q1}/period.yaml"
KPI = "kpis/nps.yaml"
HUGE = int("9" * 400)
MINIMAL_SITE = ROOT / "tests" / "fixtures" / "sites" / "minimal"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


def render(repo: Repo, as_of: date = AS_OF) -> dict[str, str]:
    """The core's pages (public build), as the files `okrsite render` writes."""
    build = run(Settings(repo.root, as_of, history=False))
    assert not build.diagnostics, show(build.diagnostics)
    return {p.path: p.source() for p in render_pages(build)}


def deals(repo: Repo) -> dict:
    return repo.doc(COMPANY_Q1)["objectives"][0]["key_results"][0]


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["target", "baseline"])
def test_a_value_of_400_digits_is_refused(repo: Repo, field: str) -> None:
    deals(repo)[field] = HUGE
    repo.save(COMPANY_Q1)
    d = assert_one(repo, repo.check(), "OKR104", COMPANY_Q1, repo.line(COMPANY_Q1, "9" * 400))
    assert d.message == (f"objectives[q1-grow].key_results[deals].{field}: a number of 400 "
                         "digits must be at most 1,000,000,000,000,000")
    assert d.hint.startswith("Write a number from -1,000,000,000,000,000 to "
                             "1,000,000,000,000,000.")


def test_a_weight_of_400_digits_is_refused(repo: Repo) -> None:
    deals(repo)["weight"] = HUGE
    repo.save(COMPANY_Q1)
    d = assert_one(repo, repo.check(), "OKR104", COMPANY_Q1, repo.line(COMPANY_Q1, "weight:"))
    assert d.message.endswith("weight: a number of 400 digits must be at most 1,000,000")
    assert d.hint.startswith("Write a number more than 0 and at most 1,000,000.")


def test_two_weights_of_1_7e308_are_refused(repo: Repo) -> None:
    for kr in repo.doc(COMPANY_Q1)["objectives"][0]["key_results"]:
        kr["weight"] = 1.7e308  # their sum is infinite
    repo.save(COMPANY_Q1)
    diags = [d for d in repo.check() if d.code == "OKR104"]
    assert [d.line for d in diags] == [repo.line(COMPANY_Q1, "weight:", n) for n in (1, 2)]
    assert all("the number 1.7e+308 must be at most 1,000,000" in d.message for d in diags)


def test_kpi_values_of_plus_minus_1_7e308_are_refused(repo: Repo) -> None:
    measurements = repo.doc(KPI)["measurements"]
    measurements[0]["value"], measurements[1]["value"] = 1.7e308, -1.7e308
    repo.save(KPI)
    diags = sorted((d for d in repo.check() if d.code == "OKR104"), key=lambda d: d.line)
    assert [(repo.rel(d), d.line) for d in diags] == [
        (KPI, repo.line(KPI, "value: 1.7e+308")), (KPI, repo.line(KPI, "value: -1.7e+308"))]
    assert diags[1].message == ("measurements[1].value: the number -1.7e+308 must be at "
                                "least -1,000,000,000,000,000")


def test_values_at_the_limits_score_and_render(repo: Repo) -> None:
    deals(repo).update(baseline=-10**15, target=10**15, weight=10**6)
    deals(repo)["check_ins"][0]["value"] = 10**15
    repo.doc(KPI)["measurements"][1]["value"] = -10**15
    repo.save(COMPANY_Q1, KPI)
    assert repo.check() == []
    page = render(repo)["periods/2026-Q1/company/index.md"]
    assert ("<dt>Baseline<dd>-1e+15</div><div><dt>Current<dd>1e+15 "
            "(2026-02-15)</div><div><dt>Target<dd>1e+15</div>") in page
    assert "(1e+15 - -1e+15) / (1e+15 - -1e+15) &#61; 1.00" in page
    assert "(1.00 x 1000000 + 1.00 x 1) / 1000001 &#61; 1.00" in page


def test_a_kpi_target_of_the_smallest_normal_float_renders(repo: Repo) -> None:
    # Found by the fuzzer (test_render_fuzz.py): the chart's axis had no ticks at all.
    kpi = repo.doc(KPI)
    kpi["target"] = 2.2250738585072014e-308
    del kpi["thresholds"]
    for m in kpi["measurements"]:
        m["value"] = 0
    repo.save(KPI)
    assert repo.check() == []
    page = render(repo)["kpis/nps/index.md"]
    assert page.count("<svg") == 1
    assert "target 2.22507e-308 points" in page


# -- dates -----------------------------------------------------------------------------------


def test_a_period_ending_in_9999_is_refused_by_check(repo: Repo) -> None:
    repo.doc(PERIOD).update(start="2026-01-01", end="9999-12-31")
    repo.save(PERIOD)
    d = assert_one(repo, repo.check(), "OKR220", PERIOD, *repo.pos(PERIOD, "end:"))
    assert d.message == "end: 9999-12-31 is outside the years 1900 to 2200"
    assert d.hint == "Check the year: okrsite takes dates from 1900-01-01 to 2200-12-31."


@pytest.mark.parametrize("day", ["1899-12-31", "2201-01-01", "0001-01-01"])
def test_dates_outside_1900_to_2200_are_refused(repo: Repo, day: str) -> None:
    repo.doc(KPI)["measurements"][0]["date"] = day
    repo.save(KPI)
    d = assert_one(repo, repo.check(), "OKR220", KPI, repo.line(KPI, day))
    assert d.message == f"measurements[0].date: {day} is outside the years 1900 to 2200"


def test_dates_at_the_limits_are_accepted(repo: Repo) -> None:
    # Outside the period, but a date okrsite can compute with: the period rule says so.
    repo.doc(KPI)["measurements"][0]["date"] = "1900-01-01"
    repo.doc(KPI)["measurements"].append({"date": "2200-12-31", "value": 1})
    repo.save(KPI)
    assert not [d for d in repo.check() if d.code == "OKR220"], show(repo.check())


# -- the as-of date --------------------------------------------------------------------------


@pytest.fixture
def no_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("explicit", [date(1969, 12, 31), "2106-02-08", date(2200, 1, 1)])
def test_an_explicit_as_of_outside_1970_to_2106_is_an_error(no_repo: Path,
                                                            explicit: object) -> None:
    with pytest.raises(AsOfError, match=r"the as-of date given is \d{4}-\d\d-\d\d, outside "
                                        r"the dates a site can be built as of \(1970-01-01 "
                                        r"to 2106-02-07"):
        resolve_as_of(explicit, no_repo, {})


@pytest.mark.parametrize("explicit", [date(1970, 1, 1), date(2106, 2, 7)])
def test_the_first_and_last_as_of_dates_are_accepted(no_repo: Path, explicit: date) -> None:
    assert resolve_as_of(explicit, no_repo, {}).date == explicit


def test_a_negative_source_date_epoch_is_an_error(no_repo: Path) -> None:
    with pytest.raises(AsOfError, match=r"SOURCE_DATE_EPOCH=-86400 is 1969-12-31, outside"):
        resolve_as_of(None, no_repo, {"SOURCE_DATE_EPOCH": "-86400"})


def test_source_date_epoch_is_checked_even_when_a_date_is_given(no_repo: Path) -> None:
    # MkDocs stamps sitemap.xml.gz with SOURCE_DATE_EPOCH whatever okrsite scores as of.
    with pytest.raises(AsOfError, match=r"SOURCE_DATE_EPOCH=-86400"):
        resolve_as_of(date(2026, 1, 1), no_repo, {"SOURCE_DATE_EPOCH": "-86400"})


def test_a_commit_dated_2200_is_an_error(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "org.yaml").write_text("x\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_AUTHOR_DATE": "@7258118400 +0000",  # 2200-01-01T00:00:00Z; git takes it
           "GIT_COMMITTER_DATE": "@7258118400 +0000"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "far future"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    with pytest.raises(AsOfError, match="the date of the latest commit touching the content "
                                        "is 2200-01-01, outside"):
        resolve_as_of(None, content, {})


def test_check_names_the_content_date_a_build_cannot_use(no_repo: Path) -> None:
    repo = valid_repo(no_repo / "content")
    repo.doc(KPI)["measurements"].append({"date": "2150-06-30", "value": 44})
    repo.save(KPI)
    done = run_cli("check", str(repo.root), env={"GIT_CEILING_DIRECTORIES": str(no_repo)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    line = repo.line(KPI, "2150-06-30")
    assert done.stderr.startswith("okrsite: error: the latest dated entry in the content "
                                  f"(kpis/nps.yaml:{line}) is 2150-06-30, outside"), done.stderr


def _mkdocs(site: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | env
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=site, env=full,
                          capture_output=True, text=True, timeout=300, check=False)


def test_mkdocs_build_with_a_negative_source_date_epoch_says_why(tmp_path: Path) -> None:
    site = tmp_path / "site-repo"
    shutil.copytree(MINIMAL_SITE, site)
    done = _mkdocs(site, {"SOURCE_DATE_EPOCH": "-86400"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "struct.error" not in done.stderr
    assert "okrsite: SOURCE_DATE_EPOCH=-86400 is 1969-12-31, outside the dates a site can " \
           "be built as of (1970-01-01 to 2106-02-07" in done.stderr, done.stderr
    assert "set SOURCE_DATE_EPOCH to seconds inside that range, or unset it" in done.stderr


def test_mkdocs_build_as_of_2200_says_why(tmp_path: Path) -> None:
    site = tmp_path / "site-repo"
    shutil.copytree(MINIMAL_SITE, site)
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace("as_of: 2026-02-15", "as_of: 2200-01-01"))
    done = _mkdocs(site, {})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "okrsite: the as-of date given is 2200-01-01, outside" in done.stderr, done.stderr


# -- Markdown --------------------------------------------------------------------------------

NESTED_LINKS = "[" * 8000 + "](" * 8000  # 24 KB: python-markdown took 36 s over it
NESTED_LISTS = "- " * 1000 + "deep"  # python-markdown recursed until the stack ran out


@pytest.mark.parametrize(("text", "words"), [
    (NESTED_LINKS, "its `[` and `](` brackets are unclosed or nested so deeply that "
                   "rendering it takes time growing with the square of its length"),
    (NESTED_LISTS, "lists or quotes nest about 1250 levels deep (line 1 of the text); "
                   "Markdown renders at most 50"),
])
def test_a_description_markdown_cannot_render_is_refused(repo: Repo, text: str,
                                                         words: str) -> None:
    repo.doc(COMPANY_Q1)["objectives"][0]["description"] = text
    repo.save(COMPANY_Q1)
    d = assert_one(repo, repo.check(), "OKR105", COMPANY_Q1,
                   repo.line(COMPANY_Q1, "description:"))
    assert d.message == f"objectives[q1-grow].description: {words}"
    assert "Close every `[` with `]`" in d.hint


@pytest.mark.parametrize("field", ["kpi description", "measurement note", "check-in note",
                                   "retrospective", "unit description"])
def test_every_markdown_field_is_checked(repo: Repo, field: str) -> None:
    rel, node, key = {
        "kpi description": (KPI, lambda: repo.doc(KPI), "description"),
        "measurement note": (KPI, lambda: repo.doc(KPI)["measurements"][1], "note"),
        "check-in note": (SALES, lambda: repo.doc(SALES)["objectives"][0]["key_results"][0]
                          ["check_ins"][0], "note"),
        "retrospective": (SALES, lambda: repo.doc(SALES)["objectives"][0], "retrospective"),
        "unit description": ("org.yaml", lambda: repo.doc("org.yaml")["units"][1],
                             "description"),
    }[field]
    node()[key] = "[a](" * 3000
    repo.save(rel)
    d = assert_one(repo, repo.check(), "OKR105", rel)
    assert d.line == repo.line(rel, f"{key}:")


def test_ordinary_markdown_with_links_and_lists_passes(repo: Repo) -> None:
    text = "\n".join(f"- See [the report {i}](https://example.com/r/{i}) (page {i}).\n"
                     f"    - [x] [nested [brackets]](../up (a) b) and `rows[{i}]` :("
                     for i in range(300))
    repo.doc(COMPANY_Q1)["objectives"][0]["description"] = text
    repo.save(COMPANY_Q1)
    assert repo.check() == []
    assert markdown_problem(text) is None


@pytest.mark.parametrize("text", [NESTED_LINKS[:6000], NESTED_LISTS])
def test_the_renderer_shows_such_markdown_as_plain_text(text: str) -> None:
    # Content that skipped `check` (a library caller) still renders, in linear time.
    out = SafeMarkdown().html(text)
    assert out.startswith("<p>") and out.endswith("</p>")
    assert re.sub(r"<[^>]+>", "", out).count("&#91;") == text.count("[")
