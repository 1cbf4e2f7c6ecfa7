"""Settings.key: what the caches key on takes content_dir and cache_dir relative to the
config file, so that a checkout at another path finds the entries; one whose content_dir
points elsewhere relative to its config file does not."""

from __future__ import annotations

from pathlib import Path

import yaml

from okrsite.settings import read_config


def key_of(project: Path, **okrsite: str) -> str:
    for folder in ("docs", "content"):
        (project / folder).mkdir(parents=True, exist_ok=True)
    (project.parent / "content").mkdir(exist_ok=True)
    config = project / "mkdocs.yml"
    config.write_text(yaml.safe_dump({"site_name": "OKRs", "docs_dir": "docs",
                                      "plugins": [{"okrsite": okrsite}]}))
    return read_config(config)[0].settings().key()


def test_a_checkout_at_another_path_has_the_same_key(tmp_path: Path) -> None:
    here = key_of(tmp_path / "builds" / "okrs", content_dir="content", cache_dir=".cache")
    there = key_of(tmp_path / "jenkins" / "job-7", content_dir="content", cache_dir=".cache")
    assert here == there
    assert str(tmp_path) not in here


def test_a_content_dir_elsewhere_has_another_key(tmp_path: Path) -> None:
    inside = key_of(tmp_path / "okrs", content_dir="content")
    beside = key_of(tmp_path / "okrs", content_dir="../content")
    default = key_of(tmp_path / "okrs")  # the docs_dir
    assert len({inside, beside, default}) == 3
