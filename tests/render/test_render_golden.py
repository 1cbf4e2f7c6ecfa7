"""Golden tests: the rendered pages of a small hand-made company, byte for byte.

The company (tests/fixtures/golden_company/) has three org levels, a year and two
quarters (one closed with grades and an amendment, one active), every kind of key
result, a restricted objective and KPI, a unit and a KPI called `index`, and hostile
titles, names and notes. Each build's pages, as the Markdown files `okrsite render
--out` writes (YAML front matter, then the HTML body), are compared with
tests/golden/<build>/, plus a manifest of titles, navigation flags and metadata.

After an intended change, regenerate and review the diff:

    OKRSITE_UPDATE_GOLDEN=1 python -m pytest tests/render/test_render_golden.py
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from helpers.checkkit import render_content
from helpers.golden import assert_matches_golden

from okrsite.pipeline import load_content
from okrsite.render.page import Page
from okrsite.settings import Settings

FIXTURE = Path(__file__).parents[1] / "fixtures" / "golden_company"
GOLDEN = Path(__file__).parents[1] / "golden"
AS_OF = date(2030, 5, 15)


def render(include_restricted: bool) -> list[Page]:
    loaded = load_content(FIXTURE)
    assert loaded.ok, [str(d) for d in loaded.diagnostics if d.is_error]
    settings = Settings(content_dir=FIXTURE, as_of=AS_OF, include_restricted=include_restricted)
    return render_content(loaded.content, settings)


def manifest(pages: list[Page]) -> str:
    return json.dumps([{"path": p.path, "title": p.title, "in_nav": p.in_nav, "meta": p.meta}
                       for p in pages], indent=1, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("build", ["public", "internal"])
def test_pages_match_the_golden_files(build: str) -> None:
    pages = render(include_restricted=build == "internal")
    root = GOLDEN / build
    expected_files = {p.path: p.source() for p in pages}
    expected_files["_pages.json"] = manifest(pages)
    assert_matches_golden(expected_files, root, build)


def test_rendering_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    """No set or dict-of-set order, no clock: two interpreters agree byte for byte."""
    import subprocess
    import sys

    here, tests = str(Path(__file__).parent), str(Path(__file__).parents[1])
    script = (
        f"import hashlib, sys; sys.path[:0] = [{here!r}, {tests!r}]\n"
        "from test_render_golden import render\n"
        "h = hashlib.sha256()\n"
        "for p in render(False) + render(True):\n"
        "    h.update(repr((p.path, p.title, p.html, p.meta, p.in_nav)).encode())\n"
        "print(h.hexdigest())\n"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env=env, cwd=tmp_path, check=True, timeout=120)
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_page_sources_have_no_blank_line_in_the_body() -> None:
    """A blank line ends an HTML block for a Markdown parser, which would then read the
    rest (a field's code block, a note) as Markdown: `render --out` writes none."""
    from okrsite.render.page import Page

    for page in render(include_restricted=True):
        body = page.source().split("\n---\n\n", 1)[1]
        assert "\n\n" not in body, page.path
    fenced = Page("a.md", "A", "<p>a</p>\n\n<pre><code>x\n\n[y](javascript:z)\n</code></pre>\n")
    body = fenced.source().split("\n---\n\n", 1)[1]
    assert "\n\n" not in body and "x\n&#10;[y]" in body
