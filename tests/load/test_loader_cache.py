"""Discovery, snapshots and the two caches: parse results by content hash, and whole
check results by content digest."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from helpers.checkkit import AS_OF, Repo, check, codes, run_cli, valid_repo

from okrsite.doccheck import load
from okrsite.loader import MAX_PACKS, ParseCache, discover, expected_kind, snapshot
from okrsite.pipeline import load_content, run
from okrsite.settings import Settings

SALES = "periods/2026-Q1/sales.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return valid_repo(tmp_path / "content")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


# ------------------------------------------------------------------ discovery

@pytest.mark.parametrize("rel,kind", [
    ("org.yaml", "org"), ("org.yml", "org"), ("kpis/nps.yaml", "kpi"),
    ("periods/2026/period.yaml", "period"), ("periods/2026-Q1/sales.yml", "okrs"),
    ("periods/2026-Q1/sub/x.yaml", None), ("kpis/a/b.yaml", None), ("mkdocs.yml", None),
    ("guide/org.yaml", None), ("periods/x.yaml", None),
])
def test_expected_kind(rel, kind):
    assert expected_kind(rel) == kind


def test_discovery_is_sorted_and_skips_hidden_files(repo):
    repo.write({".hidden/org.yaml": "x", "kpis/.draft.yaml": "x", "periods/.tmp/a.yaml": "x",
                "page.md": "# hi", "kpis/readme.md": "x"})
    found, notes = discover(repo.root)
    rels = [rel for _, rel, _ in found]
    assert rels == sorted(rels)
    assert rels == ["kpis/nps.yaml", "org.yaml", "periods/2026-Q1/company.yaml",
                    "periods/2026-Q1/period.yaml", "periods/2026-Q1/sales.yaml",
                    "periods/2026-Q1/support.yaml", "periods/2026/company.yaml"]
    assert notes == []


def test_snapshot_digest_follows_content_and_names(repo):
    first = snapshot(repo.root).digest
    assert snapshot(repo.root).digest == first
    (repo.root / SALES).write_text(repo.text(SALES) + "# comment\n")
    second = snapshot(repo.root).digest
    assert second != first
    (repo.root / SALES).rename(repo.root / "periods/2026-Q1/sales.yml")
    assert snapshot(repo.root).digest != second


# ------------------------------------------------------------------ parse cache

def test_second_load_of_an_unchanged_dir_parses_nothing(repo, cache_dir):
    first = ParseCache(cache_dir)
    loaded = load_content(repo.root, first)
    assert first.parsed == 7 and loaded.diagnostics == []
    again = ParseCache(cache_dir)  # a new process: only the disk cache is shared
    reloaded = load_content(repo.root, again)
    assert again.parsed == 0
    assert reloaded.content == loaded.content
    assert reloaded.diagnostics == []


def test_memory_cache_alone_also_avoids_reparsing(repo):
    cache = ParseCache()
    load_content(repo.root, cache)
    load_content(repo.root, cache)
    assert cache.parsed == 7


def test_forget_lets_go_of_memory_but_not_of_the_disk(repo, cache_dir):
    cache = ParseCache(cache_dir)
    loaded = load_content(repo.root, cache)
    assert len(cache.memory) == 7
    cache.forget()  # a one-off build, once its content is loaded
    assert cache.memory == {}
    assert load_content(repo.root, cache).content == loaded.content
    assert cache.parsed == 7  # read back from disk, not parsed again


def test_editing_one_file_reparses_exactly_one(repo, cache_dir):
    load_content(repo.root, ParseCache(cache_dir))
    repo.doc(SALES)["objectives"][0]["title"] = "Win even more deals"
    repo.save(SALES)
    cache = ParseCache(cache_dir)
    loaded = load_content(repo.root, cache)
    assert cache.parsed == 1
    assert loaded.content.objectives("2026-Q1")[1].title == "Win even more deals"


def test_identical_files_share_one_parse(repo, cache_dir):
    repo.write({"kpis/copy.yaml": repo.text("kpis/nps.yaml")})
    cache = ParseCache(cache_dir)
    diags = load_content(repo.root, cache).diagnostics
    assert cache.parsed == 7  # the copy has the same bytes as nps.yaml
    assert codes(diags) == ["OKR008"]  # ...and says `id: nps` in kpis/copy.yaml


def test_positions_survive_the_disk_cache(repo, cache_dir):
    repo.doc(SALES)["objectives"][0].pop("owner")
    repo.save(SALES)
    cold = load_content(repo.root, ParseCache(cache_dir)).diagnostics
    warm = load_content(repo.root, ParseCache(cache_dir)).diagnostics
    assert cold == warm and codes(cold) == ["OKR304"]


def test_every_position_read_back_is_the_parse_s(repo, cache_dir):
    """Read back, a document's positions are looked up without their dict at first
    (loader._Positions), then with it: the same answers both ways, and for a pointer
    the document does not have."""
    fresh = load(snapshot(repo.root), ParseCache(cache_dir))[0]
    back = load(snapshot(repo.root), ParseCache(cache_dir))[0]
    assert [d.relpath for d in back] == [d.relpath for d in fresh]
    for old, new in zip(fresh, back, strict=True):
        pointers = [*old.positions, "/no/such/pointer", ""]
        for pointer in pointers:  # more than _Positions.SCANS look-ups
            assert (pointer in new.positions) == (pointer in old.positions)
            assert new.positions.get(pointer) == old.positions.get(pointer)
            assert new.pos(pointer + "/deeper") == old.pos(pointer + "/deeper")
        assert dict(new.positions) == old.positions and len(new.positions) == len(pointers) - 2


def _packs(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.rglob("*.pack"))


def _rewrite_pack(pack: Path, entry: Callable[[bytes], bytes]) -> None:
    """Rewrite a pack with every entry passed through `entry`, keeping the index valid."""
    raw = pack.read_bytes()
    head, body = raw.split(b"\n", 1)
    table, out, start = {}, b"", 0
    for sha, (at, size) in json.loads(head).items():
        new = entry(body[at:at + size])
        table[sha] = [start, len(new)]
        out += new
        start += len(new)
    pack.write_bytes(json.dumps(table).encode() + b"\n" + out)


def test_a_cold_load_writes_one_pack_and_no_file_per_document(repo, cache_dir):
    load_content(repo.root, ParseCache(cache_dir))
    assert len(_packs(cache_dir)) == 1
    assert not [p for p in cache_dir.rglob("*.json") if "parse-" in str(p)]
    again = ParseCache(cache_dir)
    load_content(repo.root, again)
    assert again.parsed == 0 and len(_packs(cache_dir)) == 1  # nothing new: nothing written


@pytest.mark.parametrize("damage", [
    b"", b"not json", b"{\"data\": ", b"{}", b"[]", b"null", b"{\"data\": [1], \"positions\": {}}",
    b"{\"data\": {}, \"positions\": {\"\": [1]}}", b"{\"data\": {}, \"positions\": []}",
    b"\xff\xfe", b'{"data": {}, "pointers": [""], "places": [1]}',
    b'{"data": {}, "pointers": [""], "places": [1, true]}',
    b'{"data": {}, "pointers": [""], "places": [1, 1.5]}',
    b'{"data": {}, "pointers": [1], "places": [1, 1]}',
    b'{"data": {}, "pointers": {}, "places": []}', b'{"data": [], "pointers": [], "places": []}',
])
def test_a_damaged_cache_entry_is_ignored(repo, cache_dir, damage):
    expected = load_content(repo.root, ParseCache(cache_dir))
    [pack] = _packs(cache_dir)
    _rewrite_pack(pack, lambda _: damage)
    cache = ParseCache(cache_dir)
    loaded = load_content(repo.root, cache)
    assert cache.parsed == 7
    assert loaded.diagnostics == [] and loaded.content == expected.content


def _index_sub(raw: bytes, pattern: bytes, repl: bytes) -> bytes:
    """A pack with a change to its index line only."""
    head, rest = raw.split(b"\n", 1)
    return re.sub(pattern, repl, head) + b"\n" + rest


@pytest.mark.parametrize("damage", [
    lambda raw: b"", lambda raw: b"garbage", lambda raw: b"[]\n" + raw.split(b"\n", 1)[1],
    lambda raw: b'{"x": 5}\n', lambda raw: b'{"x": [1]}\n', lambda raw: raw.split(b"\n", 1)[1],
    lambda raw: raw.split(b"\n", 1)[0] + b"\n",  # an index whose entries are gone
    lambda raw: raw[:len(raw) // 2],  # cut short: the entries before the cut still count
    # offsets and sizes that are not byte counts
    lambda raw: _index_sub(raw, rb'\[\d+,', b"[1e400,"),
    lambda raw: _index_sub(raw, rb',\d+\]', b",-1]"),
    lambda raw: _index_sub(raw, rb'\[\d+,', b"[-50,"),
])
def test_a_damaged_pack_is_ignored(repo, cache_dir, damage):
    expected = load_content(repo.root, ParseCache(cache_dir))
    [pack] = _packs(cache_dir)
    pack.write_bytes(damage(pack.read_bytes()))
    cache = ParseCache(cache_dir)
    loaded = load_content(repo.root, cache)
    assert 1 <= cache.parsed <= 7
    assert loaded.diagnostics == [] and loaded.content == expected.content
    again = ParseCache(cache_dir)  # ...and what was parsed again is cached again
    assert load_content(repo.root, again).content == expected.content and again.parsed == 0


def test_a_pack_merged_away_meanwhile_is_parsed_again(repo, cache_dir):
    load_content(repo.root, ParseCache(cache_dir))
    cache = ParseCache(cache_dir)
    cache._index()  # another run merges and deletes the pack after this one indexed it
    for pack in _packs(cache_dir):
        pack.unlink()
    assert load_content(repo.root, cache).diagnostics == [] and cache.parsed == 7


def test_packs_are_merged_keeping_what_the_content_needs(repo, cache_dir):
    load_content(repo.root, ParseCache(cache_dir))
    for i in range(MAX_PACKS + 2):
        repo.doc(SALES)["objectives"][0]["title"] = f"Win deals, take {i}"
        repo.save(SALES)
        cache = ParseCache(cache_dir)
        load_content(repo.root, cache)
        assert cache.parsed == 1
        assert len(_packs(cache_dir)) <= MAX_PACKS
    cache = ParseCache(cache_dir)
    load_content(repo.root, cache)
    assert cache.parsed == 0
    entries = sum(len(json.loads(p.read_bytes().split(b"\n", 1)[0])) for p in _packs(cache_dir))
    assert entries < 7 + MAX_PACKS  # old versions of sales.yaml were dropped in a merge


def test_a_session_that_keeps_its_cache_merges_without_losing_entries(repo, cache_dir):
    """`mkdocs serve` keeps one ParseCache: it reads the packs once, then from memory."""
    session = ParseCache(cache_dir)
    for i in range(MAX_PACKS + 2):
        repo.doc(SALES)["objectives"][0]["title"] = f"Win deals, take {i}"
        repo.save(SALES)
        load_content(repo.root, session)
    assert session.parsed == 7 + MAX_PACKS + 1
    fresh = ParseCache(cache_dir)
    load_content(repo.root, fresh)
    assert fresh.parsed == 0


def test_entries_put_one_by_one_are_files_of_their_own(tmp_path):
    from okrsite.yamlparse import parse

    cache = ParseCache(tmp_path)
    cache.put("ab" * 32, parse(b"a: 1\n"))
    assert cache._file("ab" * 32).exists() and not _packs(tmp_path)
    assert ParseCache(tmp_path).get("ab" * 32).data == {"a": 1}


def test_a_lone_surrogate_is_cached(repo, cache_dir):
    repo.write({"kpis/nps.yaml": repo.text("kpis/nps.yaml") + 'x-note: "\\ud800"\n'})
    first = load_content(repo.root, ParseCache(cache_dir))
    again = ParseCache(cache_dir)
    assert load_content(repo.root, again).content == first.content and again.parsed == 0


def test_a_file_that_fails_to_parse_is_never_cached(repo, cache_dir):
    repo.write({SALES: "version: 1\nkind: [\n"})
    for _ in range(2):
        cache = ParseCache(cache_dir)
        assert codes(load_content(repo.root, cache).diagnostics) == ["OKR001"]
    assert cache.parsed == 0


def test_read_only_cache_dir_costs_only_speed(repo, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    cache = ParseCache(blocker / "cache")
    assert load_content(repo.root, cache).diagnostics == []
    assert cache.parsed == 7


def test_load_returns_documents_and_diagnostics_for_a_snapshot(repo):
    repo.write({"kpis/bad.yaml": b"\xff"})
    docs, diags = load(snapshot(repo.root))
    assert len(docs) == 7 and codes(diags) == ["OKR005"]


# ------------------------------------------------------------------ check result cache

def test_check_result_cache_returns_identical_diagnostics(repo, cache_dir):
    repo.doc(SALES)["objectives"][0].pop("owner")  # a warning
    repo.doc("org.yaml")["units"][1]["parent"] = "nobody"  # an error
    repo.save(SALES, "org.yaml")
    first = check(repo.root, AS_OF, cache_dir)
    stored = list((cache_dir / "check").glob("*.json"))
    assert len(stored) == 1
    second = check(repo.root, AS_OF, cache_dir)
    assert second == first and codes(first) == ["OKR203", "OKR304"]
    assert check(repo.root, AS_OF, None) == first  # the same without any cache


def test_check_result_cache_is_used(repo, cache_dir, monkeypatch):
    check(repo.root, AS_OF, cache_dir)
    import okrsite.pipeline as pipeline

    def boom(*args, **kwargs):
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(pipeline, "load_content", boom)
    assert check(repo.root, AS_OF, cache_dir) == []


def test_a_warm_check_without_as_of_outside_git_loads_nothing(repo, cache_dir,
                                                              monkeypatch):
    """The as-of date then comes from the latest dated entry: found once, and kept by
    the content's digest like the check result, so a warm run never loads the content
    just to find a date."""
    import okrsite.pipeline as pipeline

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.root.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cold = run(Settings(repo.root, cache_dir=cache_dir, history=False))
    first = (cold.as_of, cold.diagnostics)
    assert first[0] is not None and first[0].source == "content"

    def boom(*args, **kwargs):
        raise AssertionError("the content was loaded")

    monkeypatch.setattr(pipeline, "load_content", boom)
    warm = run(Settings(repo.root, cache_dir=cache_dir, history=False))
    assert (warm.as_of, warm.diagnostics) == first
    # An edit changes the digest: the date is looked up again, from the new content.
    monkeypatch.undo()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.root.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    kr = repo.doc(SALES)["objectives"][0]["key_results"][0]
    kr.setdefault("check_ins", []).append({"date": "2026-04-13", "value": 1, "note": "closing"})
    repo.save(SALES)
    edited = run(Settings(repo.root, cache_dir=cache_dir, history=False))
    assert edited.as_of is not None and edited.as_of.date == date(2026, 4, 13)


def test_check_result_cache_follows_edits_and_inputs(repo, cache_dir):
    assert check(repo.root, AS_OF, cache_dir) == []
    repo.doc(SALES)["objectives"][0].pop("owner")
    repo.save(SALES)
    assert codes(check(repo.root, AS_OF, cache_dir)) == ["OKR304"]
    assert codes(check(repo.root, date(2027, 1, 1), cache_dir)) == ["OKR304"]
    assert len(list((cache_dir / "check").glob("*.json"))) == 3


def test_a_damaged_check_result_is_recomputed(repo, cache_dir):
    repo.doc(SALES)["objectives"][0].pop("owner")
    repo.save(SALES)
    first = check(repo.root, AS_OF, cache_dir)
    for damage in ["", "{", "[]", '{"diagnostics": [{"nope": 1}]}', '{"diagnostics": 5}']:
        for f in (cache_dir / "check").glob("*.json"):
            f.write_text(damage)
        assert check(repo.root, AS_OF, cache_dir) == first


def test_identical_content_in_two_dirs_reports_its_own_files(tmp_path, cache_dir):
    a, b = valid_repo(tmp_path / "a"), valid_repo(tmp_path / "b")
    for r in (a, b):
        r.doc(SALES)["objectives"][0].pop("owner")
        r.save(SALES)
    [da] = check(a.root, AS_OF, cache_dir)
    [db] = check(b.root, AS_OF, cache_dir)
    assert da.file.startswith(str(a.root.resolve()))
    assert db.file.startswith(str(b.root.resolve()))


def test_check_never_writes_into_the_content_dir(repo):
    before = files_under(repo.root)
    check(repo.root, AS_OF, repo.root / ".cache")
    check(repo.root, AS_OF, repo.root)
    load_content(repo.root, ParseCache(repo.root / "sub"))  # explicit: the caller's choice
    assert files_under(repo.root) - before <= {p for p in files_under(repo.root)
                                               if p.startswith("sub/")}
    assert not (repo.root / ".cache").exists()


def test_cli_cache_goes_to_cwd_and_never_into_content(repo, tmp_path):
    before = files_under(repo.root)
    env = {"OKRSITE_NO_CACHE": None, "OKRSITE_CACHE_DIR": None}
    # cwd is the content dir itself: no cache at all rather than one inside the content.
    done = run_cli("check", ".", "--as-of", "2026-06-30", cwd=repo.root, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert files_under(repo.root) == before
    # cwd is the parent: the cache lands in ./.cache/okrsite beside the content.
    done = run_cli("check", "content", "--as-of", "2026-06-30", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert files_under(repo.root) == before
    assert list((tmp_path / ".cache" / "okrsite").rglob("*.json"))
    # An explicit cache dir inside the content is refused too.
    done = run_cli("check", "content", "--as-of", "2026-06-30", cwd=tmp_path,
                   env={**env, "OKRSITE_CACHE_DIR": str(repo.root / "cache")})
    assert done.returncode == 0
    assert files_under(repo.root) == before


def test_cached_cli_run_reports_the_same(repo, tmp_path):
    repo.doc(SALES)["objectives"][0].pop("owner")
    repo.save(SALES)
    env = {"OKRSITE_NO_CACHE": None, "OKRSITE_CACHE_DIR": str(tmp_path / "c")}
    runs = [run_cli("check", str(repo.root), "--as-of", "2026-06-30", "--format", "json",
                    env=env) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    assert [d["code"] for d in json.loads(runs[0].stdout)] == ["OKR304"]


# ------------------------------------------------------------------ the collector's pause

def test_the_collector_is_paused_while_loading_and_resumed_after(repo):
    import gc

    import okrsite.doccheck as loader  # where the load parses

    seen = []
    real = loader.parse

    def spy(raw: bytes):
        seen.append(gc.isenabled())
        return real(raw)

    assert gc.isenabled()
    try:
        loader.parse = spy
        load_content(repo.root)
    finally:
        loader.parse = real
    assert seen and not any(seen) and gc.isenabled()


def test_pauses_nest_and_keep_a_collector_that_was_off_off():
    import gc

    from okrsite.gcpolicy import paused as paused_gc

    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # someone else's choice, kept
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError
    assert gc.isenabled()
