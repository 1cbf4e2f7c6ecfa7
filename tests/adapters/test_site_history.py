"""History on the built site: a real git repository, a real Material build.

The change log, the recent-changes page and the audit downloads appear, trace to
commits, and never carry restricted items in a public build."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from helpers.sites import DEMO_CONTENT, git_as_priya, prepare_site, run_build, site_files


def _site_ingit_as_priya(tmp_path: Path, include_restricted: bool) -> Path:
    config = prepare_site(tmp_path, DEMO_CONTENT,
                          okrsite={"as_of": "2026-11-20", "include_restricted": include_restricted})
    git_as_priya(tmp_path, "init")
    git_as_priya(tmp_path, "add", "content")
    git_as_priya(tmp_path, "commit", "-m", "Import the OKRs", when="2026-10-02T09:00:00")
    support = tmp_path / "content" / "periods" / "2026-Q4" / "support.yaml"
    text = support.read_text(encoding="utf-8")
    assert "target: 12\n" in text
    support.write_text(text.replace("target: 12\n", "target: 14\n", 1), encoding="utf-8")
    git_as_priya(tmp_path, "commit", "-am", "Ease the first-response target")
    run_build(config)
    return tmp_path / "site"


def test_public_site_shows_history_and_audit_without_restricted_items(tmp_path):
    site = _site_ingit_as_priya(tmp_path, include_restricted=False)
    changes = (site / "changes" / "index.html").read_text(encoding="utf-8")
    assert "Ease the first-response target" in changes and "Priya Raman" in changes
    unit = (site / "periods" / "2026-Q4" / "support" / "index.html").read_text(encoding="utf-8")
    assert "Ease the first-response target" in unit
    assert "first-response target 12 -&gt; 14 (eased)" in unit

    audit = (site / "audit" / "2026-Q4" / "index.html").read_text(encoding="utf-8")
    assert "okrs.csv" in audit and "manifest.json" in audit
    rows = list(csv.DictReader(io.StringIO(
        (site / "audit" / "2026-Q4" / "okrs.csv").read_text(encoding="utf-8"))))
    assert any(r["unit"] == "support" for r in rows)
    manifest = json.loads((site / "audit" / "2026-Q4" / "manifest.json").read_text())
    assert manifest["period"] == "2026-Q4" and len(manifest["digest"]) == 64

    for name, data in site_files(site).items():
        lowered = data.lower()
        assert b"heron" not in lowered, name
        assert b"cash-runway" not in lowered and b"cash runway" not in lowered, name


def test_internal_site_exports_restricted_items(tmp_path):
    site = _site_ingit_as_priya(tmp_path, include_restricted=True)
    exported = (site / "audit" / "2026-Q4" / "okrs.csv").read_text(encoding="utf-8")
    assert "project-heron" in exported


def test_changes_page_names_items_and_shows_every_change(tmp_path):
    """KPIs and units by name, not id; a commit with more changes than fit shows the rest
    one click away (every objective the import added is on the page)."""
    import html
    import re

    import yaml

    site = _site_ingit_as_priya(tmp_path, include_restricted=False)
    changes = html.unescape((site / "changes" / "index.html").read_text(encoding="utf-8"))
    assert "KPI “Annual recurring revenue” added" in changes
    assert "KPI arr added" not in changes
    assert "2026-Q4 Tech Solutions Inc.: OKRs file created" in changes  # the unit's name
    more = re.search(r'<details class="okr-more"><summary>and (\d+) more changes</summary>',
                     changes)
    assert more is not None and int(more[1]) > 0
    titles = []
    for path in sorted((DEMO_CONTENT / "periods").glob("*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        titles += [o["title"] for o in doc.get("objectives", [])
                   if o.get("visibility") != "restricted"]
    assert len(titles) > 20
    missing = [t for t in titles if f"added: “{t}”" not in changes]
    assert not missing, missing
