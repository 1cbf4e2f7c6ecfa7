"""The audit downloads kept in cache_dir (okrsite.history.downloads): what a build with
the cache writes is what a build without it writes, after every kind of edit, with a
damaged entry, and for public and internal builds sharing one cache dir."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from helpers.gitkit import GitRepo, base_files

from okrsite.pipeline import run
from okrsite.render.history import audit_assets
from okrsite.settings import Settings

AS_OF = date(2026, 8, 15)


def downloads(content: Path, cache: Path | None, include_restricted: bool = False,
              as_of: date = AS_OF) -> dict[str, bytes]:
    build = run(Settings(content, as_of, include_restricted=include_restricted,
                         cache_dir=cache, history=False))
    return {a.path: a.data for audit in build.audits.values() for a in audit_assets(audit)}


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("downloads-*/*.bin"))


def test_kept_downloads_are_those_of_a_build_without_cache_after_each_edit(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    cache = tmp_path / "cache"
    first = downloads(repo.content, cache)
    assert first == downloads(repo.content, None)
    assert len(entries(cache)) == 2  # one per period: 2026-Q2, 2026-Q3
    made = {e: e.stat().st_mtime_ns for e in entries(cache)}
    # The next build (its content through the parse cache) finds them: none made again.
    assert downloads(repo.content, cache) == first
    assert {e: e.stat().st_mtime_ns for e in entries(cache)} == made

    edits = [  # a check-in, an objective restricted, the org, a KPI, a file deleted
        ("periods/2026-Q3/support.yaml", "value: 20, confidence", "value: 19, confidence"),
        ("periods/2026-Q3/sales.yaml", "    owner: Sam Seller\n",
         "    owner: Sam Seller\n    visibility: restricted\n"),
        ("org.yaml", None, None),
        ("kpis/frt.yaml", None, None),
    ]
    seen = [first]
    for rel, old, new in edits:
        file = repo.content / rel
        if old is None:  # a renamed unit / KPI: its display name is in the rows
            text = file.read_text()
            name = next(line for line in text.splitlines() if "name:" in line)
            file.write_text(text.replace(name, name + " (renamed)", 1))
        else:
            repo.edit(rel, old, new)
        kept = downloads(repo.content, cache)
        assert kept == downloads(repo.content, None), rel
        seen.append(kept)
    assert "Grow new business" not in seen[-1]["audit/2026-Q3/okrs.json"].decode()
    (repo.content / "periods/2026-Q3/sales.yaml").unlink()
    assert downloads(repo.content, cache) == downloads(repo.content, None)
    # Another day, another scoring: the same as without the cache.
    later = date(2026, 9, 20)
    assert downloads(repo.content, cache, as_of=later) == downloads(repo.content, None,
                                                                    as_of=later)
    assert len(entries(cache)) == 2  # the last entry of each period, not one per build


def test_a_damaged_entry_is_made_again(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    cache = tmp_path / "cache"
    clean = downloads(repo.content, None)
    downloads(repo.content, cache)
    for i, entry in enumerate(entries(cache)):
        raw = entry.read_bytes()
        # one cut short, one with a changed byte in the middle
        entry.write_bytes(raw[: len(raw) // 2] if i == 0 else
                          raw[:100] + bytes([raw[100] ^ 1]) + raw[101:])
    assert downloads(repo.content, cache) == clean
    assert downloads(repo.content, cache) == clean  # and stored again, whole


def test_public_and_internal_builds_share_a_cache_dir_without_leaks(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    base_files(repo)
    cache = tmp_path / "cache"
    for _ in range(2):
        inside = downloads(repo.content, cache, include_restricted=True)
        public = downloads(repo.content, cache)
        assert "Acquire Initech quietly" in inside["audit/2026-Q3/okrs.json"].decode()
        for name, data in public.items():
            assert b"Initech" not in data and b"secret-project" not in data, name
        assert public == downloads(repo.content, None)
        assert inside == downloads(repo.content, None, include_restricted=True)
