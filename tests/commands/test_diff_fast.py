"""`okrsite diff` reuses the head's model for the files a change did not touch and
scores only the periods a change can move a score in. Its output must be exactly the
full computation's (both sides loaded and scored in full), for every kind of change."""

from __future__ import annotations

import json
from datetime import date

import pytest
from helpers.gitkit import GitRepo, needs_git, story

import okrsite.commands.prdiff as prdiff
from okrsite.commands.prdiff import pr_diff, to_json, to_markdown
from okrsite.settings import Settings

pytestmark = needs_git
AS_OF = date(2026, 8, 20)
Q3 = "periods/2026-Q3"


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, dict[str, str]]:
    repo, shas = story(tmp_path_factory.mktemp("fastdiff") / "repo")
    # The company objective rolls up the units aligned to it; a support KR uses a KPI.
    repo.edit(f"{Q3}/company.yaml", "    title: Customers *really* love us\n",
              "    title: Customers *really* love us\n    score_from: aligned\n")
    repo.edit(f"{Q3}/support.yaml", "        unit: h\n        baseline: 24\n",
              "        unit: h\n        kpi: frt\n        baseline: 24\n")
    shas["link"] = repo.commit("Roll up; first response from the KPI", "2026-08-12")
    repo.edit(f"{Q3}/support.yaml", "          - {date: 2026-07-31, value: 91}",
              "          - {date: 2026-07-31, value: 91}\n"
              "          - {date: 2026-08-12, value: 80}")
    shas["kr-edit"] = repo.commit("CSAT dropped", "2026-08-13")
    # A measurement of the KPI: the support file does not change, its score does.
    repo.edit("kpis/frt.yaml", "  - {date: 2026-07-31, value: 18}",
              "  - {date: 2026-07-31, value: 18}\n  - {date: 2026-08-14, value: 13}")
    shas["kpi"] = repo.commit("First response measured", "2026-08-14")
    repo.edit(f"{Q3}/revenue.yaml", "      - id: demos\n        title: Run 40 demos\n"
              "        baseline: 0\n        target: 40\n", "")
    shas["delete-kr"] = repo.commit("Drop the demos KR", "2026-08-15")
    repo.edit("org.yaml", "  - id: revenue\n    name: Revenue\n    parent: company",
              "  - id: revenue\n    name: Revenue\n    parent: support")
    shas["move"] = repo.commit("Revenue moves under support", "2026-08-16")
    repo.edit(f"{Q3}/revenue.yaml", "    title: Grow new business\n",
              "    title: Grow new business\n    visibility: restricted\n")
    shas["restrict"] = repo.commit("Restrict revenue growth", "2026-08-17")
    repo.move(f"{Q3}/company.yaml", f"{Q3}/company.yml")
    repo.edit(f"{Q3}/company.yml", "value: 38}", "value: 41}")
    shas["rename"] = repo.commit("Company file renamed, NPS", "2026-08-18")
    # A moved target in a unit whose objective rolls up into its parent's.
    repo.edit(f"{Q3}/support.yaml", "        target: 15\n", "        target: 10\n")
    shas["target"] = repo.commit("Support aims higher", "2026-08-19")
    repo.edit(f"{Q3}/revenue.yaml", "          - {date: 2026-07-31, value: 13}",
              "          - {date: 2026-07-31, value: 13}\n"
              "          - {date: 2026-08-19, value: 16}")
    shas["add-check-in"] = repo.commit("Three more deals", "2026-08-19")
    repo.edit(f"{Q3}/revenue.yaml", "    title: Grow new business\n",
              "    title: Grow Zanzibar business\n")
    shas["restricted-edit"] = repo.commit("Retitle the restricted objective", "2026-08-19")
    repo.move(f"{Q3}/support.yaml", f"{Q3}/support.yml")
    shas["pure-rename"] = repo.commit("Support file renamed", "2026-08-19")
    # A roll-up across periods: the year's company objective counts a Q3 one.
    repo.write("periods/2026/company.yaml", ANNUAL)
    repo.edit(f"{Q3}/support.yml", "aligns_to: company/customers",
              "aligns_to: 2026:company/year-goal")
    shas["annual"] = repo.commit("A goal for the year", "2026-08-19")
    repo.edit(f"{Q3}/support.yml", "          - {date: 2026-08-12, value: 80}",
              "          - {date: 2026-08-12, value: 80}\n"
              "          - {date: 2026-08-19, value: 95}")
    shas["annual-check-in"] = repo.commit("CSAT recovered", "2026-08-19")
    return repo, shas


ANNUAL = """
version: 1
kind: okrs
unit: company
period: "2026"
objectives:
  - id: year-goal
    title: A year customers remember
    score_from: aligned
    key_results:
      - id: retention
        title: Keep 95% of customers
        target: 95
"""


PAIRS = [("initial", "check-in"), ("check-in", "ease"), ("ease", "rename"),
         ("rename", "secret"), ("secret", "evil"), ("evil", "closed-edit"),
         ("closed-edit", "amend"), ("amend", "link"), ("link", "kr-edit"),
         ("kr-edit", "kpi"), ("kpi", "delete-kr"), ("delete-kr", "move"),
         ("move", "restrict"), ("restrict", "rename"), ("initial", "rename"),
         ("link", "restrict"), ("rename", "link"), ("rename", "target"),
         ("target", "add-check-in"), ("add-check-in", "restricted-edit"),
         ("restricted-edit", "pure-rename"), ("kpi", "pure-rename"),
         ("pure-rename", "annual"), ("annual", "annual-check-in")]


def outputs(repo: GitRepo, base: str, head: str | None, fast: bool,
            include_restricted: bool = False) -> tuple[str, str]:
    settings = Settings(repo.content, include_restricted=include_restricted, history=False)
    d = pr_diff(settings, base, head, AS_OF, fast=fast)
    return to_json(d), to_markdown(d)


@pytest.mark.parametrize("include_restricted", [False, True])
@pytest.mark.parametrize("pair", PAIRS, ids="..".join)
def test_the_fast_diff_is_the_full_one(told, monkeypatch, pair, include_restricted):
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo, shas = told
    base, head = shas[pair[0]], shas[pair[1]]
    fast = outputs(repo, base, head, True, include_restricted)
    assert fast == outputs(repo, base, head, False, include_restricted)
    data = json.loads(fast[0])
    assert data["changes"] or data["withheld"]  # every pair changes something


def test_a_check_in_moves_the_year_objective_it_rolls_up_into(told, monkeypatch):
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo, shas = told
    d = pr_diff(Settings(repo.content, history=False), shas["annual"],
                shas["annual-check-in"], AS_OF)
    moved = {s.ref: (s.before, s.after) for s in d.scores}
    before, after = moved["2026:company/year-goal"]
    assert before is not None and after is not None and after > before


def test_a_kept_cache_dir_gives_the_same_diffs(told, monkeypatch, tmp_path):
    """Every pair in turn with one cache dir (summaries and parses kept from the earlier
    pairs), twice over: each the full computation's output without a cache."""
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo, shas = told
    settings = Settings(repo.content, history=False, cache_dir=tmp_path / "cache")
    for _ in range(2):
        for a, b in PAIRS:
            d = pr_diff(settings, shas[a], shas[b], AS_OF)
            assert (to_json(d), to_markdown(d)) == outputs(repo, shas[a], shas[b], False)
    index = next((tmp_path / "cache").glob("diff-index-*.json"))
    for damaged in ("{", '{"x": [1, 2]}', '["a"]', json.dumps(
            {k: [True, [["o", 1]], None, [], None] for k in json.loads(index.read_text())}),
                    json.dumps({k: [True, [], ["p"], [[1]], None]
                                for k in json.loads(index.read_text())})):
        index.write_text(damaged)  # never trusted: summarized again
        a, b = PAIRS[-1]
        d = pr_diff(settings, shas[a], shas[b], AS_OF)
        assert (to_json(d), to_markdown(d)) == outputs(repo, shas[a], shas[b], False)


def test_an_edit_to_a_restricted_objective_shows_nowhere_in_a_public_diff(told, monkeypatch):
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo, shas = told
    public = outputs(repo, shas["add-check-in"], shas["restricted-edit"], True)
    assert not any("Zanzibar" in text or "grow" in text for text in public)
    assert json.loads(public[0])["withheld"] == 1
    internal = outputs(repo, shas["add-check-in"], shas["restricted-edit"], True, True)
    assert "Zanzibar" in internal[1]


def test_the_fast_diff_is_the_full_one_against_the_working_tree(told, monkeypatch):
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo, shas = told
    file = repo.content / "kpis/frt.yaml"
    text = file.read_text()
    try:
        file.write_text(text.replace("value: 13}", "value: 11}"))
        for base in ("kr-edit", "move", "rename"):
            assert outputs(repo, shas[base], None, True) == outputs(repo, shas[base], None,
                                                                     False)
    finally:
        file.write_text(text)


def test_a_kpi_measurement_moves_the_scores_of_units_whose_files_did_not_change(told,
                                                                                monkeypatch):
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo, shas = told
    d = pr_diff(Settings(repo.content, history=False), shas["kr-edit"], shas["kpi"], AS_OF)
    assert {c.path for c in d.changes} == {"kpis/frt.yaml"}
    moved = {s.ref for s in d.scores}
    assert "2026-Q3:support/answer-faster" in moved  # its KR uses the KPI
    assert "2026-Q3:company/customers" in moved  # rolls up support's objective


def test_only_what_the_change_can_move_is_loaded(told, monkeypatch):
    """A one-file change: each side loads that file, the files of the objectives its
    score rolls up into and of the other objectives those roll up, and the few shared
    ones (KPIs, people, periods, org); the rest of the tree (here the Q2 file) only by
    its summary, not again."""
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    repo, shas = told
    loaded: list[list[str]] = []
    real = prdiff.load_content

    def counting(content_dir, cache=None, fy=1, snap=None):
        loaded.append(sorted(rel for _, rel, _, _, _ in snap.entries))
        return real(content_dir, cache, fy, snap)

    monkeypatch.setattr(prdiff, "load_content", counting)
    pr_diff(Settings(repo.content, history=False), shas["link"], shas["kr-edit"], AS_OF)
    shared = ["kpis/frt.yaml", "kpis/pipeline-secret.yaml", "org.yaml",
              "periods/2026-Q2/period.yaml"]
    # support's objective aligns to company's, which rolls up revenue's as well
    okrs = [f"{Q3}/company.yaml", f"{Q3}/revenue.yaml", f"{Q3}/support.yaml"]
    assert (repo.content / "periods/2026-Q2/support.yaml").exists()
    assert loaded == [sorted(shared + okrs)] * 2
