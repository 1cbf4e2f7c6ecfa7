"""`okrsite import okrs FILE.csv`: a spreadsheet's OKRs as okrs files that pass check."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers.checkkit import Repo, run_cli, valid_repo

AS_OF = ("--as-of", "2026-08-15")
SHEET = "".join(f"{row}\n" for row in [
    "Quarter,Team,Objective,Key Result,Baseline,Target,Unit of measure,Owner,Aligns to,"
    "Direction,Notes",
    '2026-Q3,sales,Grow the pipeline,"Raise pipeline from 1.2M to 1.5M",1.2,1.5,M EUR,'
    "Sam Seller,2026:company/grow,,from the board deck",
    "2026-Q3,sales,Grow the pipeline,Sign 10 new partners,0,10,,Sam Seller,"
    "2026:company/grow,,",
    '2026-Q3,support,"Answer ""fast"": every time",Keep first response at 12h or less,,12,h,'
    "Pat Helper,2026:company/grow,at_most,",
    '2026-Q3,support,"Answer ""fast"": every time",Launch the help centre,,,,Pat Helper,'
    "2026:company/grow,,",
])


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


def run(tmp_path: Path, sheet: str, *, encoding: str = "utf-8"):
    (tmp_path / "okrs.csv").write_bytes(sheet.encode(encoding))
    done = run_cli("import", "okrs", "okrs.csv", "content", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_import_writes_okrs_files_that_pass_check(repo, tmp_path):
    done = run(tmp_path, SHEET)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "wrote content/periods/2026-Q3/sales.yaml",
        "wrote content/periods/2026-Q3/support.yaml",
        "2 objectives with 4 key results. Review them (ids come from the titles), then run "
        "okrsite check."]
    check = run_cli("check", "content", "--strict", *AS_OF, cwd=tmp_path)
    assert (check.returncode, check.stdout) == (0, "No problems found.\n"), check.stdout
    sales = yaml.safe_load(repo.text("periods/2026-Q3/sales.yaml"))
    assert sales["objectives"] == [{
        "id": "grow-the-pipeline", "title": "Grow the pipeline", "owner": "Sam Seller",
        "aligns_to": "2026:company/grow",
        "key_results": [
            {"id": "raise-pipeline-from-1-2m-to-1-5m", "title": "Raise pipeline from 1.2M to 1.5M",
             "unit": "M EUR", "baseline": 1.2, "target": 1.5, "x-notes": "from the board deck"},
            {"id": "sign-10-new-partners", "title": "Sign 10 new partners", "baseline": 0,
             "target": 10},
        ]}]
    support = yaml.safe_load(repo.text("periods/2026-Q3/support.yaml"))
    (objective,) = support["objectives"]
    assert objective["title"] == 'Answer "fast": every time'
    assert [kr.get("direction") for kr in objective["key_results"]] == ["at_most", None]
    assert objective["key_results"][1]["done"] is False


def test_a_column_that_maps_to_nothing_is_reported_and_kept(repo, tmp_path):
    done = run(tmp_path, SHEET)
    assert done.stderr == ("okrsite: warning: okrs.csv: column 'Notes' maps to no field; "
                           "kept on each key result as x-notes\n")


def test_an_excel_csv_with_semicolons_and_a_byte_order_mark(repo, tmp_path):
    sheet = ("period;unit;objective;kr;target;direction;owner;aligns_to\n"
             "2026-Q3;sales;Keep winning;Win rate at 30% or more;30;at_least;Sam Seller;"
             "2026:company/grow\n")
    done = run(tmp_path, sheet, encoding="utf-8-sig")
    assert done.returncode == 0, done.stderr
    (objective,) = yaml.safe_load(repo.text("periods/2026-Q3/sales.yaml"))["objectives"]
    assert objective["key_results"] == [{"id": "win-rate-at-30-or-more",
                                         "title": "Win rate at 30% or more", "target": 30,
                                         "direction": "at_least"}]


@pytest.mark.parametrize("change,message", [
    (("2026-Q3,support,", "2026-Q3,helpdesk,"),
     "okrs.csv:4: unit 'helpdesk' is not in org.yaml"),
    (("1.2,1.5,M EUR", "1.2,one and a half,M EUR"),
     "okrs.csv:2: target 'one and a half' is not a number"),
    (("2026-Q3,sales,Grow the pipeline,Sign", "Q3 2026,sales,Grow the pipeline,Sign"),
     "okrs.csv:3: period 'Q3 2026' is not a period id"),
    (("Quarter,Team", "When,Team"), "okrs.csv: no column for period"),
])
def test_a_bad_row_stops_the_import_before_anything_is_written(repo, tmp_path, change, message):
    done = run(tmp_path, SHEET.replace(*change, 1))
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (repo.root / "periods" / "2026-Q3").exists()


def test_an_existing_file_is_never_overwritten(repo, tmp_path):
    target = repo.root / "periods" / "2026-Q3" / "support.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("# mine\n", encoding="utf-8")
    done = run(tmp_path, SHEET)
    assert done.returncode == 2
    assert "content/periods/2026-Q3/support.yaml exists" in done.stderr
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert not (repo.root / "periods" / "2026-Q3" / "sales.yaml").exists()
