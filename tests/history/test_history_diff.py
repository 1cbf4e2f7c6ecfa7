"""The semantic diff on document data and on the model."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from helpers.diffkit import diff_content
from helpers.gitkit import KPI_FRT, Q3_SUPPORT, GitRepo, base_files

from okrsite.history.diff import diff_documents
from okrsite.history.text import describe
from okrsite.history.types import resolve_eased
from okrsite.pipeline import load_content

PATH = "periods/2026-Q3/support.yaml"


def doc() -> dict:
    return yaml.safe_load(Q3_SUPPORT)


def kinds(changes) -> list[tuple[str, str | None]]:
    return [(c.kind, c.field) for c in changes]


def test_objectives_and_key_results_added_removed_renamed():
    old, new = doc(), doc()
    new["objectives"][0]["title"] = "Answer customers much faster"
    new["objectives"][0]["key_results"].pop(1)
    new["objectives"][0]["key_results"].append({"id": "nps", "title": "NPS", "baseline": 1,
                                                "target": 2})
    new["objectives"].append({"id": "new-one", "title": "A new objective"})
    changes = diff_documents(PATH, old, new)
    assert kinds(changes) == [("objective_renamed", None), ("kr_added", None),
                              ("kr_removed", None), ("objective_added", None)]
    assert [describe(c) for c in changes] == [
        "2026-Q3 support/answer-faster renamed: “Answer customers faster” -> "
        "“Answer customers much faster”",
        "key result 2026-Q3 support/answer-faster/nps added: “NPS”",
        "key result 2026-Q3 support/answer-faster/csat removed (was “Keep CSAT at 90% or "
        "higher”)",
        "objective 2026-Q3 support/new-one added: “A new objective”"]


def test_goalposts_and_whether_they_were_eased():
    old = doc()

    def change(**fields):
        new = copy.deepcopy(old)
        kr = new["objectives"][0]["key_results"][0]  # baseline 24 -> target 12: falling
        kr.update(fields)
        return diff_documents(PATH, old, new)

    (c,) = change(target=15)
    assert (c.goalpost, c.eased, c.pointer) == (True, True, "/objectives/0/key_results/0/target")
    assert describe(c, "unit") == "answer-faster/first-response target 12 -> 15 (eased)"
    (c,) = change(target=10)
    assert c.eased is False and describe(c, "objective").endswith("(made harder)")
    (c,) = change(baseline=30)  # further from the target on a falling KR: easier
    assert c.eased is True
    (c,) = change(weight=2)
    assert (c.field, c.goalpost, c.eased) == ("weight", True, None)
    # threshold at_least: lowering the bar eases it
    new = copy.deepcopy(old)
    new["objectives"][0]["key_results"][1]["target"] = 85
    (c,) = diff_documents(PATH, old, new)
    assert (c.key_result, c.eased) == ("csat", True)
    # direction flips and shape changes are goalposts of unknown direction
    new["objectives"][0]["key_results"][1]["direction"] = "at_most"
    assert {(c.field, c.eased) for c in diff_documents(PATH, old, new)} >= {
        ("direction", None)}


def test_kpi_backed_target_is_judged_by_the_kpi_direction():
    old = {"version": 1, "kind": "okrs", "unit": "support", "period": "2026-Q3",
           "objectives": [{"id": "o", "title": "O", "key_results": [
               {"id": "frt", "title": "FRT", "kpi": "frt", "target": 12}]}]}
    new = copy.deepcopy(old)
    new["objectives"][0]["key_results"][0]["target"] = 15
    (c,) = diff_documents(PATH, old, new)
    assert c.eased is None and c.kr_kpi == "frt"
    resolve_eased([c], {"frt": "lower_is_better"})
    assert c.eased is True


def test_check_ins_added_edited_removed():
    old, new = doc(), doc()
    cis = new["objectives"][0]["key_results"][0]["check_ins"]
    cis[0]["value"] = 19
    cis.append({"date": "2026-08-01", "value": 16})
    new["objectives"][0]["key_results"][1]["check_ins"] = []
    changes = diff_documents(PATH, old, new)
    assert [(c.kind, c.date, c.rewrites_history) for c in changes] == [
        ("check_in_edited", "2026-07-15", True), ("check_in_added", "2026-08-01", False),
        ("check_in_removed", "2026-07-31", True)]
    assert describe(changes[0], "unit") == ("answer-faster/first-response check-in "
                                            "2026-07-15 value 20 -> 19")
    new = doc()
    new["objectives"][0]["key_results"][0]["check_ins"][0]["note"] = "typo fixed"
    (c,) = diff_documents(PATH, old, new)
    assert (c.kind, c.field, c.rewrites_history) == ("check_in_edited", "note", False)


def test_kpi_measurements_and_visibility():
    old = yaml.safe_load(KPI_FRT)
    new = copy.deepcopy(old)
    new["measurements"][1]["value"] = 17
    new["measurements"].append({"date": "2026-08-31", "value": 16})
    new["visibility"] = "restricted"
    changes = diff_documents("kpis/frt.yaml", old, new)
    assert kinds(changes) == [("visibility_changed", "visibility"),
                              ("measurement_edited", "value"), ("measurement_added", None)]
    assert all(c.restricted for c in changes)  # restricted on one side: withheld
    assert describe(changes[1]) == "KPI frt measurement 2026-07-31 value 18 -> 17"


def test_objective_becoming_restricted_is_withheld():
    old, new = doc(), doc()
    new["objectives"][0]["visibility"] = "restricted"
    (c,) = diff_documents(PATH, old, new)
    assert (c.kind, c.old, c.new, c.restricted) == ("visibility_changed", "public",
                                                    "restricted", True)


def test_wrong_types_in_old_versions_do_not_crash():
    old = {"version": 1, "kind": "okrs", "objectives": "oops"}
    new = {"version": 1, "kind": "okrs", "objectives": [{"id": 3, "title": None,
                                                          "key_results": [None, 4]}]}
    changes = diff_documents(PATH, old, new)
    assert [c.kind for c in changes] == ["objective_added"]
    assert diff_documents(PATH, old, ["not", "a", "mapping"])[0].kind == "file_unreadable"


def test_diff_content_from_the_model(tmp_path: Path):
    repo = GitRepo(tmp_path / "a")
    base_files(repo)
    before = load_content(repo.content).content
    repo.edit("periods/2026-Q3/support.yaml", "        target: 12\n", "        target: 15\n")
    repo.edit("kpis/frt.yaml", "  - {date: 2026-07-31, value: 18}\n",
              "  - {date: 2026-07-31, value: 18}\n  - {date: 2026-08-31, value: 15}\n")
    after = load_content(repo.content).content
    changes = diff_content(before, after)
    assert [describe(c) for c in changes] == [
        "KPI frt measurement 2026-08-31 added: 15",
        "2026-Q3 support/answer-faster/first-response target 12 -> 15 (eased)"]
    assert diff_content(after, after) == []
