"""The audit of a period: page text, downloads, and a manifest digest that pins inputs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from helpers.gitkit import EVIL_SUBJECT, GitRepo, base_files, needs_git, story
from helpers.pagetext import page_text

from okrsite.cli import main
from okrsite.history.audit import manifest_digest
from okrsite.pipeline import run
from okrsite.render.history import audit_assets, audit_page
from okrsite.settings import Settings

pytestmark = needs_git
AS_OF = date(2026, 8, 15)


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, dict[str, str]]:
    return story(tmp_path_factory.mktemp("audit") / "repo")


def build_of(content_dir: Path, as_of: date = AS_OF, include_restricted: bool = False,
             history: bool = True):
    return run(Settings(content_dir, as_of, include_restricted=include_restricted,
                        history=history))


def audit_of(content_dir: Path, period: str, include_restricted: bool = False):
    return build_of(content_dir, include_restricted=include_restricted).audits[period]


class _Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[list[str]] = []  # [href, text]
        self.inside = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append([dict(attrs).get("href") or "", ""])
            self.inside = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.links[-1][1] += data


def download_targets(page, directory_urls: bool = True) -> dict[str, str]:
    """Every link of the page by its text, resolved as a browser resolves it against
    the page's URL (`audit/2026-Q2/`, or `audit/2026-Q2.html`), relative to the site."""
    site = "https://okrs.example/acme/"
    stem = page.path.removesuffix(".md")
    here = site + (stem + "/" if directory_urls else stem + ".html")
    found = {}
    for href, text in _Links(page.html).links:
        url = urljoin(here, href)
        assert url.startswith(site), href
        found[text] = url.removeprefix(site)
    return found


def test_closed_period_page(told):
    repo, shas = told
    a = audit_of(repo.content, "2026-Q2")
    page = audit_page(a)
    assert (page.path, page.title) == ("audit/2026-Q2.md", "Audit 2026-Q2")
    md = page_text(page.html)
    lines = md.splitlines()
    assert "State | closed, closed on 2026-07-05" in lines
    assert "Scores | final, as of 2026-08-11 (the latest amendment)" in lines
    assert "<th>State</th><td><strong>closed</strong>, closed on 2026-07-05" in page.html
    # Units and key results by name, their ids beside them.
    assert "Support support | Answer customers faster in Q2 answer-faster-q2 · aspirational " \
           "| 100% | ★ achieved" in lines
    assert " | ↳ Clear the backlog backlog | 100% | ★ achieved" in lines
    assert (f"- 2026-08-10 · Dave Diaz · Fix the Q2 first-response figure · "
            f"{shas['closed-edit'][:10]} · after close, amended (2026-08-11, Dave Diaz)"
            ) in lines
    assert (f"<li><strong>2026-08-10</strong> · Dave Diaz · Fix the Q2 first-response figure "
            f"· <code>{shas['closed-edit'][:10]}</code> · after close, amended (2026-08-11, "
            "Dave Diaz)") in page.html
    assert ("  - support/answer-faster-q2/first-response check-in 2026-06-30 value 25 -> 24 — "
            "past entry rewritten") in lines
    assert "25 -&gt; 24 — <strong>past entry rewritten</strong>" in page.html
    assert (f"2026-08-11 | Dave Diaz | The June first-response figure was 24h, not 25h. | "
            f"{shas['amend'][:10]} 2026-08-11 Dave Diaz") in lines
    assert f"Manifest digest | {a.manifest['digest']}" in lines
    assert f"<code>{a.manifest['digest']}</code>" in page.html
    assets = {x.path for x in audit_assets(a)}
    for directory_urls in (True, False):
        links = download_targets(audit_page(a, directory_urls), directory_urls)
        assert links["okrs.csv"] == "audit/2026-Q2/okrs.csv"
        assert set(links.values()) == assets  # every download, each where it is


def test_active_period_highlights_eased_goalposts(told):
    repo, _shas = told
    page = audit_page(audit_of(repo.content, "2026-Q3"))
    md = page_text(page.html)
    assert "Scores | current, as of 2026-08-15" in md.splitlines()
    assert "1 goalpost change, 1 eased" in md
    assert ("  - support/answer-faster/first-response target 12 -> 15 (eased) — goalpost "
            "moved, eased") in md.splitlines()
    assert "(eased) — <strong>goalpost moved, eased</strong>" in page.html
    assert "Initial OKRs" not in md  # committed before the period started
    for secret in ("Initech", "secret-project", "pipeline-secret"):
        assert secret not in md and secret not in page.html
    assert any(line.startswith("Support support | Answer customers faster answer-faster · ")
               for line in md.splitlines())
    assert EVIL_SUBJECT in md  # a hostile commit subject, shown as text
    assert "<script" not in page.html
    # the only links are the downloads, each inside the site (no javascript: URL)
    assert sorted(text for _, text in _Links(page.html).links) == [
        "check-ins.csv", "manifest.json", "okrs.csv", "okrs.json"]
    assert all(target.startswith("audit/2026-Q3/") for target in download_targets(page).values())


def test_manifest_lists_inputs_with_blob_and_sha256(told):
    repo, shas = told
    a = audit_of(repo.content, "2026-Q3")
    m = a.manifest
    paths = [f["path"] for f in m["files"]]
    assert paths == ["org.yaml", "periods/2026-Q3/company.yaml",
                     "periods/2026-Q3/revenue.yaml", "periods/2026-Q3/support.yaml"]
    for f in m["files"]:
        assert f["git_blob"] == repo.git("rev-parse", f"HEAD:content/{f['path']}")
    assert m["commit"] == shas["amend"]
    # the restricted objective's binary KR is not an input of the public audit
    assert m["okrsite_version"] and m["scorers"] == {"linear": "1", "threshold": "2"}
    assert m["as_of"] == "2026-08-15" and m["digest"] == manifest_digest(m)


def test_digest_is_stable_per_commit_and_changes_with_the_content(told, tmp_path):
    repo, shas = told
    first = audit_of(repo.content, "2026-Q2").manifest["digest"]
    assert audit_of(repo.content, "2026-Q2").manifest["digest"] == first
    # The same commit in another clone, without any history: the same digest.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone)], check=True)
    alone = build_of(clone / "content", history=False).record("2026-Q2")
    assert alone.manifest["digest"] == first
    # Q2 closed on 2026-07-05 (amended 2026-08-11): a later as-of is the same audit.
    other = build_of(clone / "content", date(2026, 9, 1), history=False).record("2026-Q2")
    assert other.manifest["digest"] == first
    # An earlier commit (before the Q2 fix) and a working-tree edit: other digests.
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", shas["evil"]], check=True)
    assert audit_of(clone / "content", "2026-Q2").manifest["digest"] != first
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", shas["amend"]], check=True)
    org = clone / "content/org.yaml"
    # The org's name is no input of Q2's figures; the name of a unit with Q2 OKRs is.
    org.write_text(org.read_text().replace("Test Co", "Test Company", 1))
    assert audit_of(clone / "content", "2026-Q2").manifest["digest"] == first
    org.write_text(org.read_text().replace("name: Support", "name: Customer Support", 1))
    assert audit_of(clone / "content", "2026-Q2").manifest["digest"] != first


def test_downloads(told):
    repo, _ = told
    a = audit_of(repo.content, "2026-Q3")
    assets = {x.path: x.data for x in audit_assets(a)}
    assert sorted(assets) == ["audit/2026-Q3/check-ins.csv", "audit/2026-Q3/manifest.json",
                              "audit/2026-Q3/okrs.csv", "audit/2026-Q3/okrs.json"]
    rows = list(csv.DictReader(io.StringIO(assets["audit/2026-Q3/okrs.csv"].decode())))
    fr = next(r for r in rows if r["key_result"] == "first-response")
    assert (fr["objective"], fr["target"], fr["baseline"], fr["latest_value"]) == (
        "answer-faster", "15", "24", "17")
    assert fr["score"] == "0.7778" and fr["scorer"] == "linear"
    assert not any("secret" in r["objective"] for r in rows)
    checkins = list(csv.DictReader(io.StringIO(assets["audit/2026-Q3/check-ins.csv"].decode())))
    assert {"date": "2026-07-29", "value": "17"}.items() <= next(
        c for c in checkins if c["date"] == "2026-07-29").items()
    data = json.loads(assets["audit/2026-Q3/okrs.json"])
    assert data["state"] == "active" and data["as_of"] == "2026-08-15"
    manifest = json.loads(assets["audit/2026-Q3/manifest.json"])
    assert manifest_digest(manifest) == manifest["digest"]
    # The manifest pins every download by its sha256 (what `sha256sum -c` checks).
    assert {d["name"]: d["sha256"] for d in manifest["downloads"]} == {
        name: hashlib.sha256(assets[f"audit/2026-Q3/{name}"]).hexdigest()
        for name in ("okrs.csv", "check-ins.csv", "okrs.json")}
    inside = audit_of(repo.content, "2026-Q3", include_restricted=True)
    assert any(o["id"] == "secret-project" for o in inside.objectives)
    assert inside.manifest["digest"] != a.manifest["digest"]


def test_csv_cells_cannot_become_formulas(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    repo.edit("periods/2026-Q3/sales.yaml", "title: Grow new business",
              "title: \"=HYPERLINK(\\\"http://x\\\")\"")
    repo.commit("Initial", "2026-06-01")
    a = audit_of(repo.content, "2026-Q3")
    text = next(x.data for x in audit_assets(a) if x.path.endswith("okrs.csv")).decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_export_command(told, tmp_path, capsys, monkeypatch):
    repo, _ = told
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    out = tmp_path / "out"
    code = main(["export", "2026-Q2", str(repo.content), "--as-of", "2026-08-15",
                 "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["check-ins.csv", "manifest.json",
                                                     "okrs.csv", "okrs.json"]
    digest = json.loads((out / "manifest.json").read_text())["digest"]
    assert digest == audit_of(repo.content, "2026-Q2").manifest["digest"]
    assert f"digest {digest}" in capsys.readouterr().err
    assert main(["export", "1999-Q1", str(repo.content), "--as-of", "2026-08-15",
                 "--out", str(out)]) == 2


def test_audit_without_git(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    plain = tmp_path / "plain"
    shutil.copytree(repo.content, plain)
    a = audit_of(plain, "2026-Q2")
    md = page_text(audit_page(a).html)
    assert "History is not available: the content directory is not in a git repository" in md
    assert a.manifest["commit"] is None and len(a.manifest["files"]) == 4


def test_history_pages_for_a_site(told):
    from okrsite.render.history import history_pages

    repo, _ = told
    pages, assets = history_pages(build_of(repo.content))
    assert [p.path for p in pages] == ["changes.md", "audit/2026-Q2.md", "audit/2026-Q3.md"]
    assert len(assets) == 8 and assets[0].path == "audit/2026-Q2/okrs.csv"
