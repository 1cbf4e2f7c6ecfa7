"""The check-in on the KR card: its latest note, the confidence trend in words, and who
checked in: the check-in's `by:` (linked to the person), else, with history on, the
author of the commit that added the check-in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers.gitkit import GitRepo, needs_git
from helpers.pagetext import page_text

from okrsite.cli import main
from okrsite.pipeline import run
from okrsite.render import render_pages
from okrsite.settings import Settings

ORG = """
version: 1
kind: org
name: Acme
units:
  - {id: company, name: Acme, lead: Ada Lovelace}
"""

PEOPLE = """
version: 1
kind: people
people:
  - {id: ada-lovelace, name: Ada Lovelace}
  - {id: sam-seller, name: Sam Seller}
"""

OKRS = """
version: 1
kind: okrs
unit: company
period: 2026-Q2
objectives:
  - id: grow
    title: Grow
    owner: Ada Lovelace
    key_results:
      - id: deals
        title: Close 20 deals
        baseline: 0
        target: 20
        check_ins:
          - {date: 2026-04-10, value: 2, confidence: 0.8}
          - {date: 2026-04-24, value: 5, confidence: 0.7, note: Two **big** ones.}
      - id: calls
        title: Make 100 calls
        baseline: 0
        target: 100
        check_ins:
          - {date: 2026-04-17, value: 30, confidence: 0.5, note: "First *half*", by: sam-seller}
"""

AS_OF = "2026-05-01"


def _card(text: str, title: str) -> str:
    """A key result's card in page text: from its heading to the next one."""
    after = text.split(f"\n{title}\n", 1)[1]
    return after.split("\nHow was this computed?", 1)[0] + "\n"


def _unit_page(content: Path, history: bool) -> tuple[str, str]:
    build = run(Settings(content_dir=content, as_of=date.fromisoformat(AS_OF),
                         history=history, cache_dir=None))
    page = next(p for p in render_pages(build) if p.path == "periods/2026-Q2/company/index.md")
    return page.html, page_text(page.html)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    repo = GitRepo(tmp_path / "repo")
    repo.write("org.yaml", ORG)
    repo.write("people.yaml", PEOPLE)
    repo.write("periods/2026-Q2/company.yaml", OKRS)
    return repo


def test_the_card_shows_the_latest_note_who_and_the_confidence_trend(repo):
    html, text = _unit_page(repo.content, history=False)
    deals = _card(text, "Close 20 deals")
    assert "Latest check-in 2026-04-24: Two big ones.\n" in deals
    assert "Confidence: 70% (80% → 70%, falling)\n" in deals  # the trend, in the facts
    calls = _card(text, "Make 100 calls")
    assert "Latest check-in 2026-04-17, by Sam Seller: First half\n" in calls
    assert "Confidence: 50%\n" in calls  # one confidence: no trend
    assert ('by <a href="../../../people/sam-seller/">Sam Seller</a>: First <em>half</em>'
            in html)


@needs_git
def test_with_history_the_commit_author_is_who_checked_in(repo):
    repo.commit("Plan Q2", "2026-04-01", author="Ada Lovelace")
    repo.edit("periods/2026-Q2/company.yaml", "note: Two **big** ones.}",
              "note: Two **big** ones.}\n          - {date: 2026-04-30, value: 7}")
    repo.commit("Weekly check-in", "2026-04-30", author="Robin \"Ops\" & Co")
    html, text = _unit_page(repo.content, history=True)
    # Added on its own: the author of that commit (escaped like any text from git).
    assert "Latest check-in 2026-04-30, committed by Robin \"Ops\" & Co.\n" in \
        _card(text, "Close 20 deals")
    assert "committed by Robin &quot;Ops&quot; &amp; Co." in html
    # `by:` wins over git.
    assert "Latest check-in 2026-04-17, by Sam Seller: First half\n" in \
        _card(text, "Make 100 calls")


@needs_git
def test_a_check_in_added_with_its_file_is_the_file_authors(repo):
    repo.commit("Plan Q2", "2026-04-01", author="Ada Lovelace")
    html, text = _unit_page(repo.content, history=True)
    assert "Latest check-in 2026-04-24, committed by Ada Lovelace: Two big ones.\n" in \
        _card(text, "Close 20 deals")
    assert 'committed by <a href="../../../people/ada-lovelace/">Ada Lovelace</a>' in html


def test_checkin_by_writes_by_and_the_card_names_the_person(repo, capsys):
    code = main(["checkin", "2026-Q2:company/grow/deals", "9", "--date", "2026-04-30",
                 "--by", "sam-seller", "--content-dir", str(repo.content)])
    assert code == 0, capsys.readouterr().err
    assert "          - {date: 2026-04-30, value: 9, by: sam-seller}\n" in \
        (repo.content / "periods/2026-Q2/company.yaml").read_text()
    _, text = _unit_page(repo.content, history=False)
    assert "Latest check-in 2026-04-30, by Sam Seller.\n" in _card(text, "Close 20 deals")
