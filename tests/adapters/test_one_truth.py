"""A number is one truth: the site, `okrsite score` and `okrsite export` compute it
from one build with the settings of mkdocs.yml, so they agree byte for byte."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
from helpers.sites import DEMO_AS_OF, build_site

from okrsite.cli import main

FIXTURE = Path(__file__).parents[1] / "fixtures" / "golden_company"
# Every scoring setting away from its default, so a command on defaults would differ.
SETTINGS = {
    "bands": {"yellow_from": 0.2, "green_from": 0.5},
    "expectations": {"committed": 0.5, "aspirational": 0.4},
    "status": {"on_track_margin": 0.3, "at_risk_margin": 0.45},
    "default_scorers": {"numeric": "ratio"},
}
PERIODS = ("2030", "2030-Q1", "2030-Q2")
FIXTURE_WARNINGS = (r"OKR302 ", r"OKR305 ")  # the fixture's advice-level findings
FALLING = {"2030-Q2:platform/faster/latency"}  # public; the burn KRs are restricted
DOWNLOADS = ("okrs.csv", "check-ins.csv", "okrs.json", "manifest.json")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("truth")
    build_site(root, FIXTURE, okrsite=SETTINGS, allowed=FIXTURE_WARNINGS)
    return root


def okrsite(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(root)  # mkdocs.yml is found in the working directory, as for a person
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("period", PERIODS)
def test_export_is_the_sites_downloads_byte_for_byte(site: Path, tmp_path: Path,
                                                     period: str) -> None:
    code, _, err = okrsite(site, "export", period, "--out", str(tmp_path / period),
                           "--as-of", DEMO_AS_OF)
    assert code == 0, err
    for name in DOWNLOADS:
        published = (site / "site" / "audit" / period / name).read_bytes()
        assert (tmp_path / period / name).read_bytes() == published, name
    digest = json.loads((site / "site" / "audit" / period / "manifest.json").read_text())
    assert f"digest {digest['digest']}" in err


def test_the_settings_of_mkdocs_yml_decide_the_numbers(site: Path, tmp_path: Path) -> None:
    code, _, _ = okrsite(site, "export", "2030-Q2", "--out", str(tmp_path / "on"),
                         "--as-of", DEMO_AS_OF)
    assert code == 0
    scorers = {k["ref"]: k["scorer"] for o in json.loads(
        (tmp_path / "on" / "okrs.json").read_text())["objectives"]
        for k in o["key_results"] if k["kind"] == "numeric"}
    # the falling key results name `scorer: linear`: ratio cannot score them (OKR230)
    assert {r for r, s in scorers.items() if s != "ratio"} == FALLING
    assert "ratio" in scorers.values()
    # Without the config file every setting is the default: linear, other digests.
    (site / "elsewhere").mkdir(exist_ok=True)
    code, _, _ = okrsite(site / "elsewhere", "export", "2030-Q2", "../content", "--out",
                         str(tmp_path / "off"), "--as-of", DEMO_AS_OF)
    assert code == 0
    scorers = {k["scorer"] for o in json.loads((tmp_path / "off" / "okrs.json").read_text())
               ["objectives"] for k in o["key_results"] if k["kind"] == "numeric"}
    assert scorers == {"linear"}


def test_score_json_has_the_sites_numbers(site: Path) -> None:
    code, out, err = okrsite(site, "score", "--format", "json", "--as-of", DEMO_AS_OF)
    assert code == 0, err
    by_ref = {item["ref"]: item for item in json.loads(out)["items"]}
    compared = 0
    for period in PERIODS:
        published = json.loads((site / "site" / "audit" / period / "okrs.json").read_text())
        for objective in published["objectives"]:
            mine = by_ref[objective["ref"]]
            assert (round(mine["score"], 4), mine["status"]) == (objective["score"],
                                                                 objective["status"])
            for kr in objective["key_results"]:
                theirs = by_ref[kr["ref"]]
                assert (round(theirs["score"], 4), theirs["status"], theirs["scorer"]) == (
                    kr["score"], kr["status"], kr["scorer"])
                compared += 1
    assert compared > 5


def test_a_bad_setting_gets_the_sites_message(tmp_path: Path) -> None:
    from mkdocs.exceptions import Abort

    root = tmp_path / "bad"
    with pytest.raises(Abort):
        build_site(root, FIXTURE, okrsite={"bands": {"yellow_from": 0.9, "green_from": 0.1}},
                   allowed=(r"bands need",))
    code, _, err = okrsite(root, "score")
    assert code == 2
    assert err.strip() == (f"okrsite: error: {(root / 'mkdocs.yml').resolve()}: plugins: "
                           "okrsite: bands: bands need 0 <= yellow_from <= green_from <= 1")
