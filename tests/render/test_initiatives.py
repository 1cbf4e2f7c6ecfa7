"""Initiatives on key results: an optional list of `{title, url?, status?}` shown on the
KR card; only http(s) URLs become links; a wrong status is a schema error naming the
line."""

from __future__ import annotations

from helpers.checkkit import AS_OF, Repo, only, valid_repo
from helpers.pagetext import page_text

from okrsite.pipeline import run
from okrsite.render import render_pages
from okrsite.settings import Settings

COMPANY = "periods/2026/company.yaml"


def _with(repo: Repo, initiatives: list[dict]) -> Repo:
    repo.doc(COMPANY)["objectives"][0]["key_results"][0]["initiatives"] = initiatives
    return repo.save(COMPANY)


def _card(repo: Repo) -> tuple[str, str]:
    build = run(Settings(content_dir=repo.root, as_of=AS_OF, history=False, cache_dir=None))
    html = next(p.html for p in render_pages(build) if p.path == "periods/2026/company/index.md")
    text = page_text(html)
    return html, text.split("\nARR from 1M to 2M\n", 1)[1].split("\nHow was this", 1)[0]


def test_initiatives_are_shown_on_the_card_and_only_http_urls_are_links(tmp_path):
    repo = _with(valid_repo(tmp_path / "content"), [
        {"title": "Pricing page", "url": "https://tracker.example/P-1?a=1&b=2",
         "status": "doing"},
        {"title": "Partner <b>deal</b>", "url": "javascript:alert(1)", "status": "planned"},
        {"title": "Wiki page", "url": "../wiki/plan"},
        {"title": "Old plan", "status": "done"}])
    assert repo.check() == []
    html, card = _card(repo)
    assert card.endswith(
        "Initiatives\n"
        "- Pricing page · ◐ doing\n"
        "- Partner <b>deal</b> (javascript:alert(1)) · ○ planned\n"
        "- Wiki page (../wiki/plan)\n"
        "- Old plan · ✔ done")
    assert '<a href="https://tracker.example/P-1?a=1&amp;b=2">Pricing page</a>' in html
    assert 'href="javascript' not in html and 'href="../wiki/plan"' not in html
    assert "<b>deal</b>" not in html


def test_an_unknown_initiative_status_is_a_schema_error_at_its_line(tmp_path):
    repo = _with(valid_repo(tmp_path / "content"), [{"title": "Pricing", "status": "started"}])
    found = [d for d in repo.check() if d.is_error]
    assert len(found) == 1, found
    d = found[0]
    assert repo.rel(d) == COMPANY and d.line == repo.line(COMPANY, "status: started")
    assert "started" in d.message and "planned" in d.message + d.hint


def test_an_initiative_needs_a_title(tmp_path):
    repo = _with(valid_repo(tmp_path / "content"), [{"url": "https://x.example"}])
    d = only([d for d in repo.check() if d.is_error], "OKR102")
    assert d.message == ("objectives[grow].key_results[arr].initiatives[0] is missing the "
                         "required field `title`")
