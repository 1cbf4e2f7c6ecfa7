"""A real release: the wheel and sdist build (`python -m build`, as the release
workflow runs it), and the wheel, installed into a fresh environment, runs
`okrsite check` and builds a site from the four-line mkdocs.yml."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from helpers.checkkit import ROOT

from okrsite import __version__

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: int = 600):
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=ROOT)
    return out


def test_wheel_and_sdist_hold_what_a_company_needs(dist):
    wheel = dist / f"okrsite-{__version__}-py3-none-any.whl"
    sdist = dist / f"okrsite-{__version__}.tar.gz"
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("org", "period", "okrs", "kpi", "defs"):
        assert f"okrsite/schema/v1/{kind}.schema.json" in names
    for scaffold in ("github-workflow.yml", "gitlab-ci.yml", "pre-commit-config.yaml",
                     "gitignore"):
        assert f"okrsite/scaffold/{scaffold}" in names
    entry_points = zipfile.ZipFile(wheel).read(
        f"okrsite-{__version__}.dist-info/entry_points.txt").decode()
    assert "[mkdocs.plugins]\nokrsite = okrsite.mkdocs_plugin:OkrsitePlugin" in entry_points
    assert "[properdocs.plugins]\nokrsite = okrsite.mkdocs_plugin:OkrsitePlugin" in entry_points
    with tarfile.open(sdist) as tar:
        members = set(tar.getnames())
    top = f"okrsite-{__version__}"
    for rel in ("pyproject.toml", "README.md", "CHANGELOG.md", "schema/v1/okrs.schema.json",
                "okrsite/cli.py"):
        assert f"{top}/{rel}" in members, rel


def test_the_wheel_in_a_fresh_environment_checks_and_builds_a_site(dist, tmp_path):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    py = venv / "bin" / "python"
    wheel = dist / f"okrsite-{__version__}-py3-none-any.whl"
    _run(py, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "SOURCE_DATE_EPOCH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    repo = tmp_path / "acme"
    _run(venv / "bin" / "okrsite", "init", repo, "--name", "Acme Inc.", "--period", "2027-Q1",
         cwd=tmp_path, env=env)
    assert (repo / "mkdocs.yml").read_text(encoding="utf-8").count("\n") == 4
    done = _run(venv / "bin" / "okrsite", "check", "--strict", cwd=repo, env=env)
    assert done.stdout == "No problems found.\n"
    _run(venv / "bin" / "mkdocs", "build", "--strict", cwd=repo, env=env)
    home = (repo / "site" / "index.html").read_text(encoding="utf-8")
    assert "Acme Inc." in home
    imported = _run(py, "-c", "import okrsite, sys; print(okrsite.__file__)", cwd=tmp_path,
                    env=env).stdout
    assert str(venv) in imported  # the installed wheel, not this checkout
