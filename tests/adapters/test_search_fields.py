"""What a reader can find with the site's search: check-in notes (also the older ones,
which a unit page shows only in tables), owners and key-result titles; and never a
restricted item's notes in a public build."""

from __future__ import annotations

import html
import json
from pathlib import Path

from helpers.sites import FIXTURE_SITES, Built, build_site


def _docs(site: Built, prefix: str) -> list[dict[str, str]]:
    index = json.loads((site.site / "search" / "search_index.json").read_text("utf-8"))
    return [d for d in index["docs"] if d["location"].startswith(prefix)]


def _words(docs: list[dict[str, str]]) -> str:
    return html.unescape(" ".join(d["title"] + " " + d["text"] for d in docs))


def test_the_demo_unit_page_is_found_by_its_notes_owners_and_key_results(
        demo_site: Built) -> None:
    docs = _docs(demo_site, "periods/2026-Q4/platform/")
    words = _words(docs)
    # content/periods/2026-Q4/platform.yaml: an older check-in of p95-latency (the
    # page shows only the latest outside its table), the objectives' owner, a KR title.
    assert "Connection pooling rolled out; errors at 0.4%." in words
    assert "Arjun Mehta" in words
    assert any(html.unescape(d["title"]) ==
               "Reduce p95 latency from 240 ms to < 200 ms & keep errors <1%" for d in docs)
    # ...and the numbers of those tables stay out of the index
    assert "Expected by then" not in words


RESTRICTED = """
  - id: secret-deal
    title: Close the SECRETDEAL acquisition
    owner: Lee Chan
    visibility: restricted
    aligns_to: acme/grow-orders
    key_results:
      - id: terms
        title: Agree the SECRETDEAL terms
        baseline: 0
        target: 3
        check_ins:
          - {date: 2026-01-15, value: 1, note: First call with SECRETNOTE1 bankers.}
          - {date: 2026-01-31, value: 2, note: Terms drafted with SECRETNOTE2.}
      - id: signed
        title: Sign the deal
        done: false
"""
PUBLIC_NOTES = """        check_ins:
          - {date: 2026-01-15, value: 9, note: Courier PUBLICNOTE1 tried.}
          - {date: 2026-01-31, value: 8, note: Packing PUBLICNOTE2 sped up.}
"""


def test_a_restricted_items_notes_are_in_no_public_search_index(tmp_path: Path) -> None:
    content = tmp_path / "content-src"
    source = FIXTURE_SITES / "minimal" / "content"
    for path in source.rglob("*"):
        if path.is_file():
            (content / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (content / path.relative_to(source)).write_bytes(path.read_bytes())
    widgets = content / "periods" / "2026-Q1" / "widgets.yaml"
    text = widgets.read_text("utf-8").replace(
        "        check_ins:\n          - {date: 2026-01-31, value: 8}\n", PUBLIC_NOTES)
    widgets.write_text(text + RESTRICTED, encoding="utf-8")
    site = build_site(tmp_path / "public", content, okrsite={"as_of": "2026-02-15"})
    words = _words(_docs(site, ""))
    assert "PUBLICNOTE1" in words and "PUBLICNOTE2" in words  # notes are indexed...
    for secret in ("SECRETDEAL", "SECRETNOTE1", "SECRETNOTE2"):  # ...but not these
        assert secret not in words
        for path in site.site.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    internal = build_site(tmp_path / "internal", content,
                          okrsite={"as_of": "2026-02-15", "include_restricted": True})
    assert "SECRETNOTE1" in _words(_docs(internal, ""))  # the same notes, where allowed


def test_the_index_holds_its_text_as_utf8_and_no_blank_beside_a_block_tag(
        demo_site: Built) -> None:
    raw = (demo_site.site / "search" / "search_index.json").read_bytes()
    docs = _docs(demo_site, "periods/2026-Q4/platform/")
    # The unit page's status lines join their parts with a middle dot: written as the
    # character (2 bytes of UTF-8), not as a 6-byte JSON escape.
    assert any("·" in d["text"] for d in docs)
    assert "·".encode() in raw and b"\\u00b7" not in raw
    # Its paragraphs follow one another with nothing between them, and none starts or
    # ends with a blank (the tag parts the words already).
    assert any("</p><p>" in d["text"] for d in docs)
    for d in docs:
        for blanked in ("</p> <p>", "<p> ", " </p>"):
            assert blanked not in d["text"], (d["location"], blanked)


def test_a_key_result_s_figures_are_shown_and_left_out_of_the_index(
        demo_site: Built) -> None:
    page = demo_site.html("periods/2026-Q4/platform/")
    assert "<dt>Baseline<dd>" in page and "<dt>Confidence<dd>" in page
    docs = _docs(demo_site, "periods/2026-Q4/platform/#kr-")
    assert docs  # each key result is an entry: its title and its words
    for d in docs:
        assert "Baseline" not in d["text"] and "Last check-in" not in d["text"]
