"""Model pieces kept in cache_dir (okrsite.piececache): a CI run that keeps cache_dir
builds only the documents that changed, and never a model or diagnostics that differ
from a cold build's; a damaged or tampered entry is built again, never trusted."""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers.checkkit import VALID, Repo, dump

from okrsite import build as build_module
from okrsite import loader, model, pipeline
from okrsite.digest import code_version
from okrsite.loader import ParseCache
from okrsite.settings import Settings

AS_OF = date(2026, 6, 30)
OKRS = "periods/2026-Q1/sales.yaml"


class Counts:
    """How many OKR files and KPIs were built, and parse cache entries decoded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.built: list[str] = []
        self.decoded = 0
        unit_period, kpi = build_module._Builder.unit_period, build_module._Builder.kpi
        decode = loader._decode

        def counted(make: Any) -> Any:
            def wrapper(builder: Any, doc: Any) -> Any:
                self.built.append(doc.relpath)
                return make(builder, doc)
            return wrapper

        def decoded(raw: bytes) -> Any:
            self.decoded += 1
            return decode(raw)

        monkeypatch.setattr(build_module._Builder, "unit_period", counted(unit_period))
        monkeypatch.setattr(build_module._Builder, "kpi", counted(kpi))
        monkeypatch.setattr(loader, "_decode", decoded)

    def reset(self) -> None:
        self.built, self.decoded = [], 0


def ci_run(root: Path, cache_dir: Path) -> pipeline.Build:
    """A CI process: nothing in memory, cache_dir kept from the last run but for the
    whole content's results (by its digest: a state seen before would be answered
    without a document being looked at; these tests are of the documents' entries)."""
    shutil.rmtree(cache_dir / "check", ignore_errors=True)
    build = pipeline.run(Settings(root, AS_OF, history=False, cache_dir=cache_dir),
                         ParseCache(cache_dir))
    build.diagnostics  # noqa: B018 - the load, and the checks, happen here
    return build


def cold_run(root: Path) -> pipeline.Build:
    return pipeline.run(Settings(root, AS_OF, history=False), ParseCache(None))


def assert_as_cold(root: Path, warm: pipeline.Build, label: str) -> None:
    cold = cold_run(root)
    assert warm.diagnostics == cold.diagnostics, label
    assert warm.content == cold.content, label
    assert warm.view.content == cold.view.content, label


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "content", copy.deepcopy(VALID))


def test_a_ci_run_builds_and_decodes_only_the_changed_document(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cache_dir = tmp_path / "cache"
    counts = Counts(monkeypatch)
    ci_run(repo.root, cache_dir)
    pieces = sorted(counts.built)
    assert OKRS in pieces and any(p.startswith("kpis/") for p in pieces)
    counts.reset()
    repo.doc(OKRS)["objectives"][0]["title"] = "Edited title"
    repo.save(OKRS)
    warm = ci_run(repo.root, cache_dir)
    assert counts.built == [OKRS]
    # The other documents only (the org, the period files): no unchanged piece's parse.
    assert counts.decoded == len(repo.docs) - len(pieces)
    assert_as_cold(repo.root, warm, "edited title")


def _note_text(repo: Repo) -> str:
    """The OKR file with a check-in value YAML 1.1 reads in base 60 (an OKR012 warning
    the parse makes: reported on every build, so kept with the piece)."""
    text = dump(repo.doc(OKRS))
    first = text.index("value: ")
    end = text.index("\n", first)
    return text[:first] + "value: 1:30" + text[end:]


def _set(rel: str, change: Any) -> Any:
    def edit(repo: Repo) -> None:
        change(repo.doc(rel))
        repo.save(rel)
    return edit


def _restrict(doc: dict[str, Any]) -> None:
    doc["objectives"][0]["visibility"] = "restricted"


def _no_owner(doc: dict[str, Any]) -> None:
    del doc["objectives"][0]["owner"]  # a warning: the file is still built


def _rename_unit(doc: dict[str, Any]) -> None:
    doc["units"][1]["name"] = "Sales and Marketing"


def _kpi_value(doc: dict[str, Any]) -> None:
    doc["measurements"][-1]["value"] = doc["measurements"][-1]["value"] + 1


def _delete(rel: str) -> Any:
    def edit(repo: Repo) -> None:
        repo.write({rel: None})
    return edit


def test_every_edit_gives_the_cold_model_and_diagnostics(repo: Repo, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    kpi = next(rel for rel in repo.docs if rel.startswith("kpis/"))
    saved = {rel: copy.deepcopy(doc) for rel, doc in repo.docs.items()}
    edits = [
        ("note", lambda r: r.write({OKRS: _note_text(r)})),
        ("owner removed", _set(OKRS, _no_owner)),
        ("restricted objective", _set(OKRS, _restrict)),
        ("org.yaml", _set("org.yaml", _rename_unit)),
        ("KPI value", _set(kpi, _kpi_value)),
        ("KPI deleted", _delete(kpi)),
        ("KPI back", lambda r: r.write({kpi: copy.deepcopy(saved[kpi])})),
        ("OKR file deleted", _delete(OKRS)),
        ("OKR file back, unrestricted", lambda r: r.write({OKRS: copy.deepcopy(saved[OKRS])})),
    ]
    assert_as_cold(repo.root, ci_run(repo.root, cache_dir), "first")
    for label, edit in edits:
        edit(repo)
        warm = ci_run(repo.root, cache_dir)
        assert_as_cold(repo.root, warm, label)
        # Again, unchanged: now every OKR file and KPI is taken from the piece cache.
        assert_as_cold(repo.root, ci_run(repo.root, cache_dir), f"{label}, kept")
        if label == "note":
            assert any(d.code == "OKR012" for d in warm.diagnostics)
        if label == "owner removed":
            assert any(d.file.endswith(OKRS) and not d.is_error for d in warm.diagnostics)
        if label == "restricted objective":
            title = repo.doc(OKRS)["objectives"][0]["title"]
            assert all(o.title != title for up in warm.view.content.okrs.values()
                       for o in up.objectives)


def _packs(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / f"pieces-{code_version()}" / "packs").glob("*.pack"))


def _rewrite(pack: Path, change: Any) -> None:
    """Rewrite each entry of a pack with `change(key, raw) -> raw`, checksums made
    anew: the entries pass the integrity check, so what they hold is what is tested."""
    with pack.open("rb") as f:
        head = f.readline()
        body = f.read()
    table = json.loads(head)
    entries = [(key, change(key, body[at:at + size])) for key, (at, size, _) in table.items()]
    out, start = {}, 0
    for key, raw in entries:
        out[key] = [start, len(raw), hashlib.sha256(raw).hexdigest()]
        start += len(raw)
    pack.write_bytes(json.dumps(out).encode() + b"\n" + b"".join(raw for _, raw in entries))


class _Opens:
    """Unpickled by a plain pickle.loads, this would create a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        return (open, (str(self.path), "w"))


def _flip_a_byte(pack: Path) -> None:
    raw = bytearray(pack.read_bytes())
    raw[-10] ^= 0xFF
    pack.write_bytes(bytes(raw))


def _swap_entries(pack: Path) -> None:
    """Each entry given another document's piece (a valid pickle of model objects)."""
    others: dict[str, bytes] = {}

    def keep(key: str, raw: bytes) -> bytes:
        others[key] = raw
        return raw

    _rewrite(pack, keep)
    keys = list(others)
    _rewrite(pack, lambda key, raw: others[keys[(keys.index(key) + 1) % len(keys)]])


def _hollow(key: str, raw: bytes) -> bytes:
    """A piece made without its constructor (pickle's NEWOBJ and BUILD: `__new__`, then
    its fields set directly), with a value no constructor call would give."""
    sha, rel = key.split(":", 1)
    piece = model.UnitPeriod.__new__(model.UnitPeriod)
    piece.__dict__.update(source=model.Source(rel), objectives=12345)
    return pickle.dumps((rel, sha, piece, []), protocol=pickle.HIGHEST_PROTOCOL)


# A crafted BUILD on an allowed class's maker (a functools.partial): on a maker shared
# by every entry, `partial.__setstate__` would change how each later entry decodes.
_REBIND = (b"\x80\x02cokrsite.model\nSource\n(cdatetime\ndate\n"
           b"(M\xe4\x07K\x01K\x01t}Ntb.")


def _first_rebinds() -> Any:
    seen: list[str] = []

    def rewrite(key: str, raw: bytes) -> bytes:
        seen.append(key)
        return _REBIND if len(seen) == 1 else raw
    return rewrite


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "header", "swapped",
                                    "foreign class", "no constructor", "rebinds a maker"])
def test_a_damaged_or_tampered_piece_is_built_again(
        repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str):
    cache_dir = tmp_path / "cache"
    ci_run(repo.root, cache_dir)
    (pack,) = _packs(cache_dir)
    marker = tmp_path / "opened"
    if damage == "flipped byte":
        _flip_a_byte(pack)
    elif damage == "truncated":
        pack.write_bytes(pack.read_bytes()[:-100])
    elif damage == "header":
        pack.write_bytes(b"{not json\n" + pack.read_bytes())
    elif damage == "swapped":
        _swap_entries(pack)
    elif damage == "no constructor":
        _rewrite(pack, _hollow)
    elif damage == "rebinds a maker":
        _rewrite(pack, _first_rebinds())
    else:
        _rewrite(pack, lambda key, raw: pickle.dumps(_Opens(marker)))
    counts = Counts(monkeypatch)
    warm = ci_run(repo.root, cache_dir)
    assert not marker.exists()
    if damage in ("header", "swapped", "foreign class", "no constructor"):  # every entry
        assert sorted(counts.built) == sorted(rel for rel in repo.docs
                                              if rel.startswith(("kpis/", "periods/"))
                                              and not rel.endswith("period.yaml"))
    else:  # the last entry only (100 bytes are inside it), or the one rewritten
        assert len(counts.built) == 1
    assert_as_cold(repo.root, warm, damage)
