"""`okrsite checkin`, `measure` and `import-measurements` on a copy of the demo: each
changes exactly the lines it should (whole files compared), the result passes
`check --strict`, and every refusal leaves every file's bytes as they were (exit 1)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from okrsite.cli import main

DEMO = Path(__file__).resolve().parents[2] / "content"
Q4_COMPANY = "periods/2026-Q4/company.yaml"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "content"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("guide"))
    return root


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def lines(root: Path, rel: str) -> list[str]:
    return (root / rel).read_text(encoding="utf-8").splitlines(keepends=True)


def after(old: list[str], where: str, *new: str, replace: dict[str, str] | None = None
          ) -> str:
    """The old text with `new` lines inserted after the first line equal to `where`,
    and lines named in `replace` changed."""
    out = []
    inserted = False
    for line in old:
        out.append((replace or {}).get(line, line))
        if line == where and not inserted:
            out.extend(new)
            inserted = True
    assert inserted, where
    return "".join(out)


def strict_check(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["check", str(root), "--strict"]) == 0, capsys.readouterr().out


def run_cli(*args: str) -> int:
    return main(list(args))


def test_checkin_appends_one_line_to_the_key_result(demo, capsys):
    before = files(demo)
    old = lines(demo, Q4_COMPANY)
    code = run_cli("checkin", "2026-Q4:company/customer-love/first-response", "13.2",
                   "--date", "2026-12-04", "--confidence", "0.6", "--note",
                   "Two agents started: rota is full.", "--content-dir", str(demo))
    assert code == 0, capsys.readouterr().err
    expected = after(
        old, "          - {date: 2026-11-20, value: 13.5, confidence: 0.6, note: Holiday peak "
             "ahead; two agents start on 2026-12-01.}\n",
        "          - {date: 2026-12-04, value: 13.2, confidence: 0.6, note: 'Two agents "
        "started: rota is full.'}\n")
    assert (demo / Q4_COMPANY).read_text(encoding="utf-8") == expected
    assert {k: v for k, v in files(demo).items() if k != Q4_COMPANY} == \
        {k: v for k, v in before.items() if k != Q4_COMPANY}
    strict_check(demo, capsys)


def test_checkin_of_a_binary_key_result_sets_done_before_the_blank_line(demo, capsys):
    old = lines(demo, Q4_COMPANY)
    code = run_cli("checkin", "2026-Q4:company/assistant-everywhere/strategy", "done",
                   "--date", "2026-12-04", "--content-dir", str(demo))
    assert code == 0, capsys.readouterr().err
    strategy = "        title: Publish the 2027 product strategy\n"
    expected = after(old, "        done: false\n", "        check_ins:\n",
                     "          - {date: 2026-12-04}\n",
                     replace={"        done: false\n": "        done: true\n"})
    # the `done: false` after the strategy KR is the one changed (it is the first)
    assert old[old.index(strategy) + 1] == "        done: false\n"
    assert (demo / Q4_COMPANY).read_text(encoding="utf-8") == expected
    text = expected.splitlines()
    at = text.index("          - {date: 2026-12-04}")
    assert text[at + 1] == "" and text[at + 2] == "  - id: engaged-people"
    strict_check(demo, capsys)


def test_checkin_with_a_milestone_marks_it_done(demo, capsys):
    old = lines(demo, Q4_COMPANY)
    code = run_cli("checkin", "2026-Q4:company/assistant-everywhere/mobile-assistant",
                   "--milestone", "Android beta", "--date", "2026-12-04",
                   "--note", "Beta is out.", "--content-dir", str(demo))
    assert code == 0, capsys.readouterr().err
    expected = after(
        old, "          - {title: Android general availability, done: false, weight: 2}\n",
        "        check_ins:\n", "          - {date: 2026-12-04, note: Beta is out.}\n",
        replace={"          - {title: Android beta, done: false}\n":
                 "          - {title: Android beta, done: true}\n"})
    assert (demo / Q4_COMPANY).read_text(encoding="utf-8") == expected
    strict_check(demo, capsys)


def test_measure_appends_one_measurement(demo, capsys):
    old = lines(demo, "kpis/nps.yaml")
    code = run_cli("measure", "nps", "48", "--date", "2026-12-31", "--note", "Year end.",
                   "--content-dir", str(demo))
    assert code == 0, capsys.readouterr().err
    assert (demo / "kpis/nps.yaml").read_text(encoding="utf-8") == "".join(old) + \
        "  - {date: 2026-12-31, value: 48, note: Year end.}\n"
    strict_check(demo, capsys)


def test_comments_and_blank_lines_after_the_list_stay_after_it(demo, capsys):
    file = demo / "periods/2026-Q4/customer-success.yaml"
    text = file.read_text(encoding="utf-8")
    anchor = "          - {date: 2026-11-20, value: 93}\n"
    marked = text.replace(anchor, anchor + "          # next: December survey\n\n", 1)
    file.write_text(marked, encoding="utf-8")
    code = run_cli("checkin", "2026-Q4:customer-success/delight-customers/csat", "94",
                   "--date", "2026-12-04", "--content-dir", str(demo))
    assert code == 0, capsys.readouterr().err
    assert file.read_text(encoding="utf-8") == marked.replace(
        anchor, anchor + "          - {date: 2026-12-04, value: 94}\n", 1)


REFUSED = [
    # a second check-in on one date
    (["checkin", "2026-Q4:company/customer-love/first-response", "13", "--date",
      "2026-11-20"], "periods/2026-Q4/company.yaml:29:13: error OKR222: key result "
     "`2026-Q4:company/customer-love/first-response` already has a check-in dated 2026-11-20"),
    # a date outside the period
    (["checkin", "2026-Q4:company/customer-love/first-response", "13", "--date",
      "2027-02-01"], "periods/2026-Q4/company.yaml:30:13: error OKR215: check-in dated "
     "2027-02-01 is outside 2026-Q4"),
    # a closed period
    (["checkin", "2026-Q3:support/answer-faster/first-response", "15", "--date",
      "2026-09-25"], "periods/2026-Q3/period.yaml:2:1: error OKR401: 2026-Q3 was closed on "
     "2026-10-06"),
    # a KPI-linked key result
    (["checkin", "2026-Q4:company/customer-love/nps", "48", "--date", "2026-12-01"],
     "periods/2026-Q4/company.yaml:20:9: error OKR214: objectives[customer-love]."
     "key_results[nps] takes values from KPI `nps` and also has check-ins"),
    # a confidence beyond 1
    (["checkin", "2026-Q4:company/customer-love/first-response", "13", "--date",
      "2026-12-01", "--confidence", "7"], "error OKR104: objectives[customer-love]."
     "key_results[first-response].check_ins[4].confidence: the number 7.0 must be at most 1"),
    # a measurement on a date the KPI has
    (["measure", "nps", "48", "--date", "2026-11-20"], "kpis/nps.yaml:31:5: error OKR222: "
     "KPI `nps` already has a measurement dated 2026-11-20"),
    # a measurement that would change a closed period's record
    (["measure", "nps", "48", "--date", "2026-09-15"], "periods/2026-Q3/period.yaml:2:1: "
     "error OKR401: 2026-Q3 was closed on 2026-10-06: a measurement of `nps` dated "
     "2026-09-15"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED)
def test_refused_edits_change_no_byte_and_exit_1(demo, capsys, args, message):
    before = files(demo)
    assert run_cli(*args, "--content-dir", str(demo)) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "okrsite: nothing was written." in err
    assert files(demo) == before


def test_a_second_entry_on_one_date_is_refused_as_okr222(demo):
    from okrsite.commands.checkin import MeasureRequest, measure
    from okrsite.commands.edit import Refused
    from okrsite.settings import Settings

    with pytest.raises(Refused) as refused:
        measure(Settings(demo), MeasureRequest("nps", "48", date(2026, 11, 20)))
    assert [d.code for d in refused.value.diagnostics] == ["OKR222"]


def test_refusal_is_printed_as_check_prints_it(demo, capsys):
    # the same edit made by hand: `check` prints the same lines
    run_cli("checkin", "2026-Q4:company/customer-love/first-response", "13", "--date",
            "2027-02-01", "--content-dir", str(demo))
    refused = capsys.readouterr().err.split("okrsite: nothing was written.")[0].strip()
    file = demo / Q4_COMPANY
    anchor = ("          - {date: 2026-11-20, value: 13.5, confidence: 0.6, note: Holiday "
              "peak ahead; two agents start on 2026-12-01.}\n")
    file.write_text(file.read_text(encoding="utf-8").replace(
        anchor, anchor + "          - {date: 2027-02-01, value: 13}\n"), encoding="utf-8")
    assert main(["check", str(demo)]) == 1
    assert capsys.readouterr().out.strip() == refused


@pytest.mark.parametrize("args", [
    ["checkin", "2026-Q4:company/customer-love/nope", "1"],
    ["checkin", "company/customer-love/first-response", "1"],
    ["checkin", "2026-Q4:company/customer-love/first-response", "lots"],
    ["checkin", "2026-Q4:company/assistant-everywhere/strategy", "12"],
    ["checkin", "2026-Q4:company/assistant-everywhere/mobile-assistant", "--milestone",
     "Windows"],
    ["measure", "npx", "1"],
])
def test_wrong_arguments_are_usage_errors_and_write_nothing(demo, capsys, args):
    before = files(demo)
    assert run_cli(*args, "--date", "2026-12-01", "--content-dir", str(demo)) == 2
    assert capsys.readouterr().err.startswith("okrsite: error: ")
    assert files(demo) == before


def test_import_appends_new_dates_and_is_idempotent(demo, tmp_path, capsys):
    csv = tmp_path / "nps.csv"
    csv.write_text("date,value,note\n2026-11-20,47,\n2026-12-31,49,\"Year end, final\"\n"
                   "2026-12-15,48,\n", encoding="utf-8")
    old = (demo / "kpis/nps.yaml").read_text(encoding="utf-8")
    assert run_cli("import-measurements", "nps", str(csv), "--content-dir", str(demo)) == 0
    assert "2 measurements added" in capsys.readouterr().out
    once = (demo / "kpis/nps.yaml").read_text(encoding="utf-8")
    assert once == old + ("  - {date: 2026-12-15, value: 48}\n"
                          "  - {date: 2026-12-31, value: 49, note: 'Year end, final'}\n")
    before = files(demo)
    assert run_cli("import-measurements", "nps", str(csv), "--content-dir", str(demo)) == 0
    assert "no new dates" in capsys.readouterr().out
    assert files(demo) == before
    strict_check(demo, capsys)


def test_import_refuses_conflicting_and_invalid_rows_naming_them(demo, tmp_path, capsys):
    csv = tmp_path / "nps.csv"
    csv.write_text("date,value\n2026-11-20,40\n2026-12-31,forty\n2026-13-01,41\n"
                   "2026-12-20,1e16\n", encoding="utf-8")
    before = files(demo)
    assert run_cli("import-measurements", "nps", str(csv), "--content-dir", str(demo)) == 1
    err = capsys.readouterr().err
    assert "nps.csv:2:1: error OKR222: row 2: KPI `nps` already has 47 (Mid-month reading; " \
        "survey closes 2026-11-30.) on 2026-11-20; the row says 40" in err
    assert "nps.csv:3:1: error OKR103: row 3: value 'forty' is not a number" in err
    assert "nps.csv:4:1: error OKR220: row 4: '2026-13-01' is not a date" in err
    assert files(demo) == before
    # once the rows the reader refuses are gone, check's own limits name the row too
    csv.write_text("date,value\n2026-12-20,1e16\n", encoding="utf-8")
    assert run_cli("import-measurements", "nps", str(csv), "--content-dir", str(demo)) == 1
    err = capsys.readouterr().err
    assert "nps.csv:2:1: error OKR104: row 2: measurements[12].value: the number 1e+16 " \
        "must be at most 1,000,000,000,000,000" in err
    assert files(demo) == before


def test_a_new_check_in_list_goes_before_the_comment_after_the_key_result(demo, capsys):
    file = demo / "periods/2026-Q4/customer-success.yaml"
    text = file.read_text(encoding="utf-8")
    last = "          - {title: 15 reference customers signed, done: false, weight: 2}\n"
    marked = text.replace(last, last + "\n  # Retention\n", 1)
    file.write_text(marked, encoding="utf-8")
    code = run_cli("checkin", "2026-Q4:customer-success/delight-customers/references",
                   "--milestone", "15 reference customers signed", "--date", "2026-12-04",
                   "--content-dir", str(demo))
    assert code == 0, capsys.readouterr().err
    assert file.read_text(encoding="utf-8") == marked.replace(
        last, last.replace("done: false", "done: true") + "        check_ins:\n"
        "          - {date: 2026-12-04}\n", 1)
