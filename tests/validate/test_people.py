"""people.yaml: owners and leads name people (by id or name); one that matches nobody is
a warning with a did-you-mean; each person has a page listing what they own, and every
owner on every page links to it."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
from helpers.checkkit import Repo, codes, only, show, valid_repo

from okrsite.pipeline import run
from okrsite.render import render_pages
from okrsite.settings import Settings

SALES = "periods/2026-Q1/sales.yaml"
PEOPLE = {
    "version": 1, "kind": "people",
    "people": [
        {"id": "ada-lovelace", "name": "Ada Lovelace", "unit": "company",
         "email": "ada@example.com"},
        {"id": "sam-seller", "name": "Sam Seller", "unit": "sales", "handle": "@sam"},
        {"id": "pat-helper", "name": "Pat Helper", "unit": "support"},
    ],
}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = valid_repo(tmp_path / "content")
    r.write({"people.yaml": copy.deepcopy(PEOPLE)})
    return r


def test_owners_that_are_people_pass(repo):
    assert repo.check() == [], show(repo.check())


def test_an_owner_who_is_nobody_is_a_warning_with_did_you_mean(repo):
    repo.doc(SALES)["objectives"][0]["owner"] = "Sam Seler"
    repo.save(SALES)
    d = only(repo.check(), "OKR307")
    assert not d.is_error
    assert repo.rel(d) == SALES and d.line == repo.line(SALES, "- id: win")
    assert d.message == ("objective `2026-Q1:sales/win` has `owner: Sam Seler`, who is not "
                         "in people.yaml")
    assert d.hint.startswith("Did you mean `Sam Seller` (id `sam-seller`)?")


def test_an_owner_may_be_a_person_id_and_a_kr_may_have_its_own_owner(repo):
    sales = repo.doc(SALES)
    sales["objectives"][0]["owner"] = "sam-seller"
    sales["objectives"][0]["key_results"][0]["owner"] = "pat-helper"
    repo.save(SALES)
    assert repo.check() == []


def test_without_people_yaml_free_text_owners_stay_valid(tmp_path):
    r = valid_repo(tmp_path / "content")
    r.doc(SALES)["objectives"][0]["owner"] = "Somebody Else"
    r.save(SALES)
    assert r.check() == []


def test_duplicate_person_id_and_unknown_unit(repo):
    people = repo.doc("people.yaml")
    people["people"].append({"id": "sam-seller", "name": "Sam Other"})
    people["people"][2]["unit"] = "suport"
    repo.save("people.yaml")
    found = repo.check()
    assert codes(found) == ["OKR203", "OKR223"], show(found)
    dup = only(found, "OKR223")
    assert dup.line == repo.line("people.yaml", "id: sam-seller", 2)
    assert only(found, "OKR203").hint == "Did you mean `support`?"


def test_a_kpi_may_be_owned_by_a_person_id(repo):
    kpi = repo.doc("kpis/nps.yaml")
    kpi["owner"] = "pat-helper"
    repo.save("kpis/nps.yaml")
    assert repo.check() == []
    kpi["owner"] = "pat-helpr"
    repo.save("kpis/nps.yaml")
    d = only(repo.check(), "OKR203")
    assert "which is not a unit or a person of people.yaml" in d.message


def test_check_in_by_names_a_person(repo):
    support = repo.doc("periods/2026-Q1/support.yaml")
    check_in = support["objectives"][0]["key_results"][1]["check_ins"][0]
    check_in["by"] = "Pat Helpr"
    repo.save("periods/2026-Q1/support.yaml")
    d = only(repo.check(), "OKR307")
    assert "`by: Pat Helpr`" in d.message


def _pages(root: Path) -> dict[str, str]:
    build = run(Settings(root, date(2026, 3, 15), history=False))
    return {p.path: p.html for p in render_pages(build)}


def test_person_pages_list_what_each_person_owns_and_owners_link_to_them(repo):
    pages = _pages(repo.root)
    assert "people/index.md" in pages
    sam = pages["people/sam-seller/index.md"]
    assert "<h1>Sam Seller</h1>" in sam
    assert '<a href="../../periods/2026-Q1/sales/#o-win">' in sam  # the objective
    # a key result of Sam's objective, with its latest check-in
    assert "#kr-win_" in sam
    unit_page = pages["periods/2026-Q1/sales/index.md"]
    assert 'owner <a href="../../../people/sam-seller/">Sam Seller</a>' in unit_page
    assert 'lead <a href="../../../people/sam-seller/">Sam Seller</a>' in unit_page


def test_no_people_yaml_no_people_pages(tmp_path):
    r = valid_repo(tmp_path / "content")
    pages = _pages(r.root)
    assert not [p for p in pages if p.startswith("people/")]
    assert "owner Sam Seller" in pages["periods/2026-Q1/sales/index.md"]


def test_a_public_build_lists_no_restricted_objective_on_a_person_page(repo):
    sales = repo.doc(SALES)
    sales["objectives"][0]["visibility"] = "restricted"
    sales["objectives"][0]["title"] = "SECRETPLAN"
    repo.save(SALES)
    pages = _pages(repo.root)
    sam = pages["people/sam-seller/index.md"]
    assert "SECRETPLAN" not in sam and "o-win" not in sam
    assert "No objectives in this build." in sam
