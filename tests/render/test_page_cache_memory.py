"""The page cache in memory (a serve session): a page kept and given back is the page
that was rendered, and says what it shows by the same digest (which a serve rebuild
compares to replay the page as the last build wrote it)."""

from __future__ import annotations

from dataclasses import replace

from okrsite.pagecache import PageCache, shown_digest
from okrsite.render.page import Page

PAGES = [Page("cascade/2026-Q4.md", "Cascade", "<h2 id=\"a\">A</h2><p>" + "x" * 5000 + "</p>",
              {"description": "The cascade"}, True),
         Page("cascade/2026-Q4/sales.md", "Sales", "<p>Sales &amp; more</p>", {}, False)]


def test_a_kept_page_comes_back_as_it_was_rendered() -> None:
    cache = PageCache(keep=True)
    cache.put(PAGES[0].path, PAGES, "d1", frozen=False)
    held = cache.get(PAGES[0].path, "d1", frozen=False)
    assert held is not None
    assert [(p.path, p.title, p.html, p.meta, p.in_nav) for p in held] == \
        [(p.path, p.title, p.html, p.meta, p.in_nav) for p in PAGES]
    assert [shown_digest(p) for p in held] == [shown_digest(p) for p in PAGES]
    assert cache.get(PAGES[0].path, "d2", frozen=False) is None  # other inputs: not kept


def test_the_digest_follows_what_a_page_shows() -> None:
    cache = PageCache(keep=True)
    cache.put(PAGES[0].path, PAGES, "d1", frozen=False)
    held = cache.get(PAGES[0].path, "d1", frozen=False)
    assert held is not None
    first = held[0]
    for changed in (replace(first, html=first.html + " "), replace(first, title="Cascades"),
                    replace(first, meta={}), replace(first, in_nav=False)):
        assert shown_digest(changed) != shown_digest(first)
        fresh = Page(changed.path, changed.title, changed.html, changed.meta, changed.in_nav)
        assert shown_digest(changed) == shown_digest(fresh)


def test_a_page_given_back_twice_is_not_shared() -> None:
    cache = PageCache(keep=True)
    cache.put(PAGES[0].path, PAGES, "d1", frozen=False)
    one = cache.get(PAGES[0].path, "d1", frozen=False)
    assert one is not None
    one[0].meta["description"] = "changed by a caller"
    two = cache.get(PAGES[0].path, "d1", frozen=False)
    assert two is not None and two[0].meta == {"description": "The cascade"}
