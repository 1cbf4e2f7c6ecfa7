"""JSON Schema validation: the schemas themselves, and the diagnostics made from their errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from helpers.checkkit import VALID, Repo, assert_one, codes, show, valid_repo

from okrsite.loader import Document
from okrsite.schema import KINDS, _validators, bundled_schema, label, schema_dir
from okrsite.yamlparse import parse

SALES = "periods/2026-Q1/sales.yaml"
PERIOD = "periods/2026-Q1/period.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


# ---------------------------------------------------------------- the schemas

@pytest.mark.parametrize("kind", KINDS)
def test_schemas_are_valid_draft_2020_12(kind):
    schema = bundled_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    text = json.dumps(schema)
    assert "defs.schema.json#" not in text  # every shared ref is made local


def test_every_schema_file_is_json():
    for file in sorted((schema_dir() / "v1").glob("*.json")):
        json.loads(file.read_text(encoding="utf-8"))


SPEC_OKRS = """\
version: 1
kind: okrs
unit: customer-success
period: 2026-Q4
objectives:
  - id: delight-customers
    title: Improve customer satisfaction
    description: |
      Customers say support is slow and unclear.
    owner: Ana Gomez
    type: committed
    aligns_to: company/customer-love
    visibility: public
    key_results:
      - id: nps
        title: Increase Net Promoter Score from 40 to 50
        kpi: nps
        baseline: 40
        target: 50
      - id: first-response
        title: Reduce first response time from 24h to 12h
        unit: h
        baseline: 24
        target: 12
        check_ins:
          - date: 2026-10-15
            value: 20
            confidence: 0.7
            note: New triage rota is live.
      - id: csat
        title: Keep CSAT at 90% or higher every month
        unit: "%"
        target: 90
        direction: at_least
        check_ins:
          - {date: 2026-10-31, value: 91}
      - id: programs
        title: Launch three employee development programs
        milestones:
          - {title: Mentoring program, done: true}
          - {title: Conference budget, done: false, weight: 2}
      - id: soc2
        title: Pass the SOC 2 audit
        done: false
        weight: 2
        scorer: binary
    grade: 0.6
    retrospective: |
      What we learned.
"""

SPEC_KPI = """\
version: 1
kind: kpi
id: nps
name: Net Promoter Score
description: Survey of active customers, sent monthly.
owner: customer-success
unit: points
direction: higher_is_better
cadence: monthly
target: 50
thresholds:
  green: 45
  red: 35
visibility: public
measurements:
  - {date: 2026-07-31, value: 41}
  - {date: 2026-08-31, value: 43, note: Survey sample doubled.}
"""

SPEC_PERIOD = """\
version: 1
kind: period
id: 2026-Q3
state: closed
closed_on: 2026-10-06
amendments:
  - date: 2026-10-20
    by: Morgan Lee
    reason: Corrected the Q3 churn figure after the finance restatement.
"""

SPEC_ORG = """\
version: 1
kind: org
name: Tech Solutions Inc.
units:
  - id: company
    name: Tech Solutions Inc.
    lead: Morgan Lee
  - id: customer-success
    name: Customer Success
    parent: company
    lead: Ana Gomez
    reviewers: ["@tech-solutions/cs-leads"]
"""


@pytest.mark.parametrize("kind,text", [("okrs", SPEC_OKRS), ("kpi", SPEC_KPI),
                                       ("period", SPEC_PERIOD), ("org", SPEC_ORG)])
def test_the_format_specs_examples_are_valid(kind, text):
    fast, slow = _validators(kind, 1)
    data = parse(text.encode()).data
    assert list(slow.iter_errors(data)) == []
    assert fast.is_valid(data)


@pytest.mark.parametrize("rel", sorted(VALID))
def test_both_engines_agree_on_valid_and_broken_documents(rel):
    import copy

    data = copy.deepcopy(VALID[rel])
    fast, slow = _validators(data["kind"], 1)
    variants = [data, {**data, "x-custom": {"any": [1]}}, {**data, "extra": 1},
                {k: v for k, v in data.items() if k != "kind"} | {"kind": data["kind"]},
                {**data, "version": 2}, {**data, "kind": "other"}]
    for v in variants:
        assert fast.is_valid(v) == slow.is_valid(v), v


# ------------------------------------------------------------------ OKR007

@pytest.mark.parametrize("version", ["2", "'1'", "true", "1.5", "[1]"])
def test_unsupported_version(repo, version):
    repo.write({"kpis/nps.yaml": repo.text("kpis/nps.yaml").replace("version: 1",
                                                                    f"version: {version}")})
    d = assert_one(repo, repo.load(), "OKR007", "kpis/nps.yaml", 1, 1)
    assert "version 1" in d.message


def test_kind_that_the_place_does_not_expect(repo):
    repo.write({"kpis/nps.yaml": repo.text("kpis/nps.yaml").replace("kind: kpi", "kind: okrs")})
    d = assert_one(repo, repo.load(), "OKR007", "kpis/nps.yaml", 2, 1)
    assert "a `kpi` document belongs" in d.message
    assert d.hint.startswith("Write `kind: kpi`, or move the file. ")  # + what waits for it


def test_kind_message_reads_well_for_org(repo):
    repo.write({"org.yaml": repo.text("org.yaml").replace("kind: org", "kind: kpi")})
    d = only_in(repo, "OKR007")
    assert "an `org` document" in d.message


@pytest.mark.parametrize("field", ["version", "kind"])
def test_missing_version_or_kind(repo, field):
    text = "".join(line + "\n" for line in repo.text("kpis/nps.yaml").splitlines()
                   if not line.startswith(f"{field}:"))
    repo.write({"kpis/nps.yaml": text})
    d = assert_one(repo, repo.load(), "OKR102", "kpis/nps.yaml", 1, 1)
    assert f"`{field}`" in d.message


def only_in(repo: Repo, code: str):
    from helpers.checkkit import only

    return only(repo.load(), code)


# ------------------------------------------------------------------ OKR101

def test_unknown_field_with_a_suggestion(repo):
    repo.doc(SALES)["objectives"][0]["key_results"][0]["titel"] = "typo"
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR101", SALES, *repo.pos(SALES, "titel:"))
    assert "objectives[win].key_results[win-rate]" in d.message
    assert d.hint.startswith("Did you mean `title`?")


def test_unknown_top_level_field(repo):
    repo.doc("org.yaml")["colour"] = "blue"
    repo.save("org.yaml")
    d = assert_one(repo, repo.load(), "OKR101", "org.yaml", *repo.pos("org.yaml", "colour:"))
    assert "x-" in d.hint


def test_several_unknown_fields_each_reported(repo):
    repo.doc(SALES)["objectives"][0].update({"ownr": "x", "prio": 1})
    repo.save(SALES)
    diags = repo.load()
    assert codes(diags) == ["OKR101", "OKR101"], show(diags)
    assert sorted(d.line for d in diags) == sorted([repo.line(SALES, "ownr:"),
                                                    repo.line(SALES, "prio:")])


def test_extension_fields_are_accepted_everywhere(repo):
    repo.doc("org.yaml")["x-tool"] = {"a": [1, 2]}
    repo.doc("org.yaml")["units"][0]["x-cost-center"] = 42
    repo.doc(SALES)["objectives"][0]["key_results"][0]["x-jira"] = "SAL-1"
    repo.doc(SALES)["objectives"][0]["key_results"][0]["check_ins"][0]["x-by"] = "bot"
    repo.doc("kpis/nps.yaml")["measurements"][0]["x-source"] = "survey"
    repo.doc(PERIOD)["amendments"][0]["x-ticket"] = 7
    repo.save()
    assert repo.load() == []


# ------------------------------------------------------------------ OKR102

def test_missing_required_field(repo):
    repo.doc(SALES)["objectives"][0]["key_results"][1].pop("title")
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR102", SALES, *repo.pos(SALES, "id: playbook"))
    assert "missing the required field `title`" in d.message


def test_missing_units(repo):
    repo.doc("org.yaml").pop("units")
    repo.save("org.yaml")
    d = assert_one(repo, repo.load(), "OKR102", "org.yaml", 1, 1)
    assert "`units`" in d.message


def test_measurement_without_value(repo):
    repo.doc("kpis/nps.yaml")["measurements"][1].pop("value")
    repo.save("kpis/nps.yaml")
    assert_one(repo, repo.load(), "OKR102", "kpis/nps.yaml",
               repo.line("kpis/nps.yaml", "2026-01-31"))


# ------------------------------------------------------------------ OKR103

@pytest.mark.parametrize("value,described", [("fifty", "the text 'fifty'"),
                                              (True, "the boolean true"),
                                              ([1], "a list"), (None, "empty")])
def test_wrong_type(repo, value, described):
    repo.doc(SALES)["objectives"][0]["key_results"][0]["target"] = value
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR103", SALES, *repo.pos(SALES, "target:"))
    assert d.message == ("objectives[win].key_results[win-rate].target must be a number, "
                         f"not {described}")


@pytest.mark.parametrize("written,fix", [
    ("1.7e308", "Write it as 1.7e+308: YAML reads `1.7e308` as text"),
    ("1e3", "Write it as 1.0e+3: YAML reads `1e3` as text"),
    ("'30'", "Remove the quotes: write 30 as a plain number."),
])
def test_a_number_that_yaml_reads_as_text_gets_the_form_that_is_a_number(repo, written, fix):
    text = repo.text(SALES).replace("target: 30", f"target: {written}")
    assert written in text
    repo.write({SALES: text})
    d = assert_one(repo, repo.load(), "OKR103", SALES, *repo.pos(SALES, "target:"))
    assert d.hint.startswith(fix), d.hint


def test_the_fixed_number_form_is_a_number(repo):
    repo.write({SALES: repo.text(SALES).replace("target: 30", "target: 1.7e+308")})
    assert "OKR103" not in codes(repo.load())


def test_objectives_must_be_a_list(repo):
    repo.doc(SALES)["objectives"] = {"win": 1}
    repo.save(SALES)
    assert_one(repo, repo.load(), "OKR103", SALES, *repo.pos(SALES, "objectives:"))


def test_date_written_as_a_number(repo):
    repo.doc(PERIOD)["closed_on"] = 20260405
    repo.save(PERIOD)
    assert_one(repo, repo.load(), "OKR103", PERIOD, *repo.pos(PERIOD, "closed_on:"))


# ------------------------------------------------------------------ OKR104

def test_value_not_in_the_enum(repo):
    repo.doc(SALES)["objectives"][0]["key_results"][0]["direction"] = "at_lest"
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR104", SALES, *repo.pos(SALES, "direction:"))
    assert "allowed: \"at_least\", \"at_most\"" in d.message
    assert d.hint == "Did you mean `at_least`?"


@pytest.mark.parametrize("bad", ["Sales-Team", "-sales", "sales-", "sales_team", "s" * 65, "é"])
def test_ids_have_the_url_form(repo, bad):
    repo.doc(SALES)["objectives"][0]["key_results"][1]["id"] = bad
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR104", SALES)
    assert d.line == repo.line(SALES, "title: Write the playbook") - 1
    assert "does not have the required form" in d.message


def test_id_with_a_trailing_newline_is_refused(repo):
    """Python's `$` matches before a final newline; the schema must not."""
    repo.write({"org.yaml": repo.text("org.yaml").replace("id: sales", 'id: "sales\\n"')})
    diags = repo.load()
    d = assert_one(repo, diags, "OKR104", "org.yaml", *repo.pos("org.yaml", 'id: "sales'))
    assert "\n" not in d.message.split(":")[0]


@pytest.mark.parametrize("bad", ["2026-1-5", "15.01.2026", "2026-01-15T10:00:00", "yesterday"])
def test_date_form(repo, bad):
    repo.doc(SALES)["objectives"][0]["key_results"][0]["check_ins"][0]["date"] = bad
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR104", SALES)
    assert d.line == repo.line(SALES, bad)


@pytest.mark.parametrize("field,value", [("confidence", 1.5), ("confidence", -0.1)])
def test_number_out_of_range(repo, field, value):
    repo.doc(SALES)["objectives"][0]["key_results"][0]["check_ins"][0][field] = value
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR104", SALES, *repo.pos(SALES, f"{field}: {value}"))
    assert "must be" in d.message


def test_weight_must_be_positive(repo):
    repo.doc(SALES)["objectives"][0]["key_results"][1]["weight"] = 0
    repo.save(SALES)
    d = assert_one(repo, repo.load(), "OKR104", SALES, *repo.pos(SALES, "weight: 0"))
    assert "more than 0" in d.message


def test_bad_reference_form(repo):
    repo.doc(SALES)["objectives"][0]["aligns_to"] = "company"
    repo.save(SALES)
    assert_one(repo, repo.load(), "OKR104", SALES, *repo.pos(SALES, "aligns_to:"))


def test_period_id_form(repo):
    repo.doc(SALES)["period"] = "2026Q1"
    repo.save(SALES)
    assert_one(repo, repo.load(), "OKR104", SALES, *repo.pos(SALES, "period:"))


def test_errors_in_several_places_of_one_document(repo):
    krs = repo.doc(SALES)["objectives"][0]["key_results"]
    krs[0]["target"] = "thirty"
    krs[1]["weight"] = -1
    krs[1]["milestones"][0]["done"] = "yes please"
    repo.save(SALES)
    assert codes(repo.load()) == ["OKR103", "OKR103", "OKR104"]


# ------------------------------------------------------------------ labels

def test_label_uses_ids_when_they_are_plain():
    data = {"objectives": [{"id": "win", "key_results": [{"id": "a b"}]}]}
    assert label(data, ["objectives", 0, "key_results", 0, "id"]) == \
        "objectives[win].key_results[0].id"
    assert label(data, []) == "the document"
    assert label(data, ["objectives", 5]) == "objectives[5]"


def test_document_positions_fall_back_to_the_nearest_ancestor():
    p = parse(b"a:\n  b: 1\n")
    doc = Document(Path("/x.yaml"), "x.yaml", "org", "", p.data, p.positions)
    assert doc.pos("/a/b/c/d") == (2, 3)
    assert doc.pos("/zzz") == (1, 1)
