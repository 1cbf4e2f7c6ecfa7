"""Diagnostics that fix a whole pull request in one pass: one mistake gives one error
(no false follow-ons in files nobody touched), nothing hides another error, and each
code and fix names the actual mistake with a suggestion that is a real, valid id."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.checkkit import Repo, assert_one, codes, only, show, valid_repo

from okrsite.cli import main

Q1 = "periods/2026-Q1"
SALES = f"{Q1}/sales.yaml"
SUPPORT = f"{Q1}/support.yaml"
COMPANY_Q1 = f"{Q1}/company.yaml"
NPS = "kpis/nps.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


# ------------------------------------------------------- one mistake, one error

def test_a_person_as_kpi_owner_is_one_unknown_unit_error_with_the_unit_they_lead(repo):
    repo.doc(NPS)["owner"] = "Pat Helper"  # leads `support`
    repo.save(NPS)
    diags = repo.check()
    # Not OKR104 with an id's example, and no OKR207 in the key result that uses the KPI.
    assert codes(diags) == ["OKR203"], show(diags)
    d = assert_one(repo, diags, "OKR203", NPS, *repo.pos(NPS, "owner: Pat Helper"))
    assert d.message == ("KPI `nps` is owned by `Pat Helper`, which is not a unit id: a KPI "
                         "is owned by a unit of org.yaml, not by a person")
    assert d.hint == "Did you mean `support`? Pat Helper leads it."


def test_a_kpi_owner_that_is_not_an_id_is_still_reported_without_an_org(repo):
    repo.doc(NPS)["owner"] = "Sam Okafor"
    repo.save(NPS)
    repo.write({"org.yaml": "version: 1\nkind: org\nunits: [\n"})
    diags = repo.load()
    assert codes(diags) == ["OKR001", "OKR203"], show(diags)
    assert only(diags, "OKR203").hint == (
        "Write the id of the unit responsible for the KPI, e.g. `customer-success`; "
        "the person belongs in that unit's `lead:`.")


def test_a_kpi_that_fails_validation_causes_no_errors_in_the_files_that_use_it(repo):
    repo.doc(NPS)["direction"] = "up"
    repo.save(NPS)
    diags = repo.check()
    # support's key result `nps` uses the KPI; the KPI's own error is the only report,
    # and it says why the key result is not checked.
    assert codes(diags) == ["OKR104"], show(diags)
    d = assert_one(repo, diags, "OKR104", NPS)
    assert d.hint.endswith("1 reference to this file from other files is checked once "
                           "the file is valid.")


def test_a_misnamed_okrs_file_causes_no_errors_in_the_files_that_align_to_it(repo):
    text = repo.text(COMPANY_Q1)
    repo.write({COMPANY_Q1: None, f"{Q1}/Company.yaml": text})
    diags = repo.check()
    # sales aligns to company/q1-grow: no OKR209 there.
    assert codes(diags) == ["OKR008"], show(diags)
    d = only(diags, "OKR008")
    assert d.hint.startswith("Rename the file to periods/2026-Q1/company.yaml.")
    assert "Company`" not in d.hint  # never suggests the invalid id
    assert d.hint.endswith("1 reference to this file from other files is checked once "
                           "the file is valid.")


# ---------------------------------------------------- nothing hides another error

def test_an_org_syntax_error_hides_neither_scorer_nor_other_errors(repo):
    repo.write({"org.yaml": repo.text("org.yaml") + "  - id: [oops\n"})
    repo.doc(SALES)["objectives"][0]["key_results"][0]["scorer"] = "bogus"
    repo.doc(NPS)["thresholds"] = {"green": 1, "red": 2}
    repo.save(SALES, NPS)
    diags = repo.check()
    assert codes(diags) == ["OKR001", "OKR216", "OKR219"], show(diags)
    # What cannot be checked without the org is said, not silently dropped.
    assert only(diags, "OKR001").hint.endswith(
        "5 references to this file from other files are checked once the file is valid.")


def test_an_unknown_scorer_is_reported_beside_unrelated_errors(repo):
    repo.doc(SALES)["objectives"][0]["key_results"][0]["scorer"] = "bogus"
    repo.doc(SUPPORT)["objectives"][0]["owner"] = "  "
    repo.doc("org.yaml")["units"][1]["parent"] = "nobody"
    repo.save(SALES, SUPPORT, "org.yaml")
    diags = repo.check()
    assert codes(diags) == ["OKR104", "OKR203", "OKR219"], show(diags)


# ----------------------------------------------------------- suggestions that exist

@pytest.mark.parametrize("name", ["Sales.yaml", "sa les.yaml"])
def test_okr008_for_a_file_name_that_is_not_an_id_suggests_renaming_the_file(repo, name):
    text = repo.text(SALES)
    repo.write({SALES: None, f"{Q1}/{name}": text})
    d = only(repo.check(), "OKR008")
    assert d.hint == "Rename the file to periods/2026-Q1/sales.yaml."


def test_okr008_for_a_unit_that_does_not_exist_suggests_the_one_that_does(repo):
    repo.doc(SALES)["unit"] = "sails"
    repo.save(SALES)
    d = only(repo.check(), "OKR008")
    assert d.hint == "Write `unit: sales`."


def test_okr008_for_a_kpi_file_name_that_is_not_an_id(repo):
    text = repo.text(NPS)
    repo.write({NPS: None, "kpis/NPS.yaml": text})
    d = only(repo.check(), "OKR008")
    assert d.hint == ("Rename the file to kpis/nps.yaml. 1 reference to this file from "
                      "other files is checked once the file is valid.")


@pytest.mark.parametrize("ref,meant", [("company/q1-grwo", "2026-Q1:company/q1-grow"),
                                       ("company/q1-grow/dels", "2026-Q1:company/q1-grow/deals"),
                                       ("2026:company/grwo", "2026:company/grow")])
def test_an_unresolved_reference_says_what_was_meant(repo, ref, meant):
    repo.doc(SALES)["objectives"][0]["aligns_to"] = ref
    repo.save(SALES)
    d = only(repo.check(), "OKR209")
    assert d.hint == f"Did you mean `{meant}`?"


# ----------------------------------------------------------------- small things

@pytest.mark.parametrize("rel,path", [
    (SALES, ("objectives", 0, "title")),
    (SALES, ("objectives", 0, "key_results", 0, "title")),
    (SALES, ("objectives", 0, "key_results", 1, "milestones", 0, "title")),
    (NPS, ("name",)),
    ("org.yaml", ("units", 1, "name")),
])
def test_a_blank_title_or_name_is_an_error(repo, rel, path):
    node = repo.doc(rel)
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = "   "
    repo.save(rel)
    d = only(repo.check(), "OKR104")
    assert repo.rel(d) == rel and d.message.endswith("is blank"), d


@pytest.mark.parametrize("ref", ["2026-Q1:sales/win", "2026-Q2:sales/win"])
def test_carried_from_must_name_an_earlier_period(repo, ref):
    q2 = dict(repo.doc(SALES), period="2026-Q2")
    q2["objectives"] = [dict(q2["objectives"][0], id="win", aligns_to="2026:company/grow")]
    repo.write({"periods/2026-Q2/sales.yaml": q2})
    repo.doc(SALES)["objectives"][0]["carried_from"] = ref
    repo.save(SALES)
    d = assert_one(repo, repo.check(), "OKR221", SALES, *repo.pos(SALES, "id: win\n"))
    assert d.message == (f"`carried_from: {ref}`: {ref.split(':')[0]} is not before 2026-Q1")


def test_score_and_export_exit_1_with_the_diagnostics_of_check(repo, tmp_path, capsys):
    repo.doc(SALES)["objectives"][0]["key_results"][0]["scorer"] = "bogus"
    repo.save(SALES)
    assert main(["check", str(repo.root), "--as-of", "2026-06-30", "--no-cache"]) == 1
    checked = capsys.readouterr().out
    assert "OKR219" in checked
    for argv in (["score", str(repo.root)],
                 ["export", "2026-Q1", str(repo.root), "--out", str(tmp_path / "out")]):
        assert main([*argv, "--as-of", "2026-06-30", "--no-cache"]) == 1, argv
        out = capsys.readouterr()
        assert out.err == checked and out.out == "", argv
    assert not (tmp_path / "out").exists()


def test_a_score_a_hair_below_zero_is_never_printed_as_minus_zero(repo, capsys):
    repo.doc(SUPPORT)["objectives"][0]["key_results"][1]["check_ins"][0]["value"] = 24.01
    repo.save(SUPPORT)
    assert main(["score", str(repo.root), "--as-of", "2026-06-30", "--no-cache"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.strip().startswith("resp"))
    # Q1 is closed and amended on 2026-04-10: scored as of that day.
    assert "(24.01 - 24) / (12 - 24) = 0.00, as of 2026-04-10" in line, line
    assert "-0.00" not in line
