"""`okrsite check --format gitlab|sarif`: reports other CIs read, validated against
their published schemas (shipped in tests/fixtures/schemas, see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.checkkit import Repo, run_cli, valid_repo
from jsonschema import Draft4Validator, Draft7Validator

from okrsite.diagnostics import CODES

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "schemas"
SALES = "periods/2026-Q1/sales.yaml"
AS_OF = ("--as-of", "2026-06-30")
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.fixture
def broken(tmp_path: Path) -> Repo:
    """Content with one error (org.yaml) and one warning (sales has no owner)."""
    repo = valid_repo(tmp_path / "content")
    repo.doc("org.yaml")["units"][1]["parent"] = "nobody"
    repo.doc(SALES)["objectives"][0].pop("owner")
    return repo.save("org.yaml", SALES)


def check(cwd: Path, fmt: str) -> tuple[int, object]:
    done = run_cli("check", "content", *AS_OF, "--format", fmt, cwd=cwd)
    assert done.stderr == "", done.stderr
    return done.returncode, json.loads(done.stdout)


# --------------------------------------------------------------------- GitLab

def test_gitlab_report_matches_gitlab_schema_and_documented_format(broken, tmp_path):
    code, issues = check(tmp_path, "gitlab")
    assert code == 1
    validator = Draft7Validator(_schema("gitlab-codeclimate.json"))
    assert isinstance(issues, list) and len(issues) == 2
    for issue in issues:
        validator.validate(issue)
        assert issue["severity"] in GITLAB_SEVERITIES
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["location"]["lines"]["begin"], int)
    error, warning = issues
    line, _ = broken.pos("org.yaml", "parent: nobody")
    assert error["check_name"] == "OKR203" and error["severity"] == "major"
    assert error["location"] == {"path": "content/org.yaml", "lines": {"begin": line}}
    assert error["description"].startswith("unit `sales` has parent `nobody`")
    assert error["description"].endswith("Fix: Use the id of a unit defined in org.yaml.")
    assert warning["check_name"] == "OKR304" and warning["severity"] == "minor"
    assert warning["location"]["path"] == "content/" + SALES


def test_gitlab_fingerprint_survives_lines_added_above(broken, tmp_path):
    """GitLab shows a merge request's new and fixed problems by fingerprint: a
    problem pushed down by a new line above it must not count as fixed-and-new."""
    _, before = check(tmp_path, "gitlab")
    org = broken.root / "org.yaml"
    org.write_text("# a comment\n\n" + org.read_text(encoding="utf-8"), encoding="utf-8")
    _, after = check(tmp_path, "gitlab")
    assert after[0]["location"]["lines"]["begin"] == before[0]["location"]["lines"]["begin"] + 2
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]


def test_gitlab_fingerprints_differ_for_identical_problems_in_one_file(tmp_path):
    """Two identical messages in one file (a repeated key, say) are two problems:
    GitLab would show one entry for both if their fingerprints were equal."""
    from okrsite.ciformats import format_gitlab
    from okrsite.diagnostics import diag

    file = tmp_path / "org.yaml"
    same = [diag(file, (line, 3), "OKR002", "duplicate key `name`") for line in (4, 9)]
    issues = json.loads(format_gitlab(same))
    assert [i["location"]["lines"]["begin"] for i in issues] == [4, 9]
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    moved = [diag(file, (line, 3), "OKR002", "duplicate key `name`") for line in (5, 10)]
    assert [i["fingerprint"] for i in json.loads(format_gitlab(moved))] == \
        [i["fingerprint"] for i in issues]


def test_gitlab_report_when_clean_is_an_empty_list(tmp_path):
    valid_repo(tmp_path / "content")
    assert check(tmp_path, "gitlab") == (0, [])


# ---------------------------------------------------------------------- SARIF

def test_sarif_log_matches_the_sarif_2_1_0_schema(broken, tmp_path):
    code, log = check(tmp_path, "sarif")
    assert code == 1
    Draft4Validator(_schema("sarif-schema-2.1.0.json")).validate(log)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    error = run["results"][0]
    line, col = broken.pos("org.yaml", "parent: nobody")
    assert (error["ruleId"], error["level"]) == ("OKR203", "error")
    assert rules[error["ruleIndex"]]["id"] == "OKR203"
    assert rules[error["ruleIndex"]]["help"]["text"] == CODES["OKR203"].fix
    assert rules[error["ruleIndex"]]["shortDescription"]["text"] == "Unknown unit"
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "content/org.yaml"
    assert location["region"] == {"startLine": line, "startColumn": col}
    assert run["results"][1]["level"] == "warning"


def test_sarif_when_clean_has_no_results_and_is_valid(tmp_path):
    valid_repo(tmp_path / "content")
    code, log = check(tmp_path, "sarif")
    Draft4Validator(_schema("sarif-schema-2.1.0.json")).validate(log)
    assert (code, log["runs"][0]["results"]) == (0, [])


def test_sarif_uri_of_an_odd_file_name_is_percent_encoded(tmp_path):
    repo = valid_repo(tmp_path / "content")
    (repo.root / "kpis" / "a b#c.yaml").write_text("version: 1\nkind: kpi\nid: [\n",
                                                   encoding="utf-8")
    _, log = check(tmp_path, "sarif")
    Draft4Validator(_schema("sarif-schema-2.1.0.json")).validate(log)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]]
    assert "content/kpis/a%20b%23c.yaml" in uris
