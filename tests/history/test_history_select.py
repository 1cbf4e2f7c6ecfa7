"""The history a page shows (`History.for_period`, `for_unit_period`, `for_objective`)
comes from an index of the changes, made once per history: a site asks once per page,
and a scan of every change per page grows with pages x commits. It must pick exactly
what that scan picks."""

from __future__ import annotations

import pytest

from okrsite.history.types import Change, Commit, History, HistoryEntry


def commit(n: int) -> Commit:
    return Commit(f"{n:040d}", [], "Ana", "ana@example.com", "2026-02-01T00:00:00+00:00",
                  f"2026-02-{n:02d}T00:00:00+00:00", f"commit {n}")


def okr(path: str, objective: str, kind: str = "objective_changed", **kw: object) -> Change:
    period, unit = path.split("/")[1], path.split("/")[2].rsplit(".", 1)[0]
    return Change(kind, path, period=period, unit=unit, objective=objective, **kw)


SALES = "periods/2026-Q1/sales.yaml"
OPS = "periods/2026-Q1/ops.yaml"


@pytest.fixture
def history() -> History:
    entries = [
        # a shown and a withheld change to one unit, and a change to another unit
        HistoryEntry(commit(9), [okr(SALES, "grow"), okr(OPS, "fast")],
                     [okr(SALES, "secret", restricted=True)], subject_withheld=True),
        # a file renamed since: its changes are under the path it has now
        HistoryEntry(commit(8), [Change("file_unreadable", "periods/2026-Q1/team.yaml")]),
        # a KPI and a period change: on no unit's page
        HistoryEntry(commit(7), [Change("kpi_changed", "kpis/nps.yaml", kpi="nps"),
                                 Change("period_changed", "periods/2026-Q1/period.yaml",
                                        period="2026-Q1", field="end")]),
        HistoryEntry(commit(6), [okr("periods/2026-Q2/sales.yaml", "grow"),
                                 okr(SALES, "grow", kind="kr_changed", key_result="kr")]),
    ]
    return History(True, entries=entries,
                   renames={"periods/2026-Q1/team.yaml": "periods/2026-Q1/sales.yml"})


def picks(h: History) -> list[list[HistoryEntry]]:
    return [h.for_period("2026-Q1"), h.for_period("2026-Q2"), h.for_period("2026-Q3"),
            h.for_unit_period("2026-Q1", "sales"), h.for_unit_period("2026-Q1", "ops"),
            h.for_unit_period("2026-Q2", "sales"), h.for_unit_period("2026-Q1", "nobody"),
            h.for_objective("2026-Q1", "sales", "grow"),
            h.for_objective("2026-Q1", "sales", "secret")]


def test_pages_pick_what_a_scan_of_every_change_picks(history, monkeypatch):
    fast = picks(history)
    monkeypatch.setattr(History, "_among", lambda self, *keys: None)  # scan everything
    assert fast == picks(history)


def test_a_unit_page_sees_its_withheld_count_and_its_renamed_file(history):
    sales = history.for_unit_period("2026-Q1", "sales")
    assert [e.commit.sha[-1] for e in sales] == ["9", "8", "6"]
    assert [c.objective for c in sales[0].changes] == ["grow"]
    assert sales[0].withheld == 1 and sales[0].subject is None
    assert [e.commit.sha[-1] for e in history.for_period("2026-Q1")] == ["9", "8", "7", "6"]


def test_a_new_list_of_entries_gets_a_new_index(history):
    assert len(history.for_unit_period("2026-Q1", "ops")) == 1
    history.entries = history.entries[1:]
    assert history.for_unit_period("2026-Q1", "ops") == []
