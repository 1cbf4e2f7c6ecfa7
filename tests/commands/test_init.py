"""`okrsite init`: a company's repository in one command, that passes `okrsite check
--strict` and `mkdocs build --strict` as written, and never overwrites a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers.checkkit import ROOT, run_cli

MKDOCS = Path(sys.executable).parent / "mkdocs"
FILES = [
    ".github/workflows/okrs.yml", ".gitignore", ".gitlab-ci.yml", ".pre-commit-config.yaml",
    "content/org.yaml", "content/periods/2027-Q1/company.yaml",
    "content/periods/2027-Q1/period.yaml", "mkdocs.yml", "requirements.txt",
    "schema/v1/defs.schema.json", "schema/v1/kpi.schema.json", "schema/v1/okrs.schema.json",
    "schema/v1/org.schema.json", "schema/v1/people.schema.json", "schema/v1/period.schema.json",
]


def init(cwd: Path, *args: str, env: dict[str, str | None] | None = None):
    done = run_cli("init", *args, cwd=cwd, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    done = init(tmp_path, "acme", "--name", "Acme Inc.", "--period", "2027-Q1")
    assert done.returncode == 0, done.stderr
    return tmp_path / "acme"


def test_init_writes_the_repository(acme):
    assert tree(acme) == FILES
    assert (acme / "mkdocs.yml").read_text(encoding="utf-8") == (
        'site_name: "Acme Inc. OKRs"\n'
        "docs_dir: content\n"
        "theme: {name: material}\n"
        "plugins: [search, okrsite]\n")
    assert (acme / ".gitignore").read_text(encoding="utf-8").splitlines()[1:] == \
        ["site/", ".cache/"]
    workflow = (acme / ".github" / "workflows" / "okrs.yml").read_bytes()
    assert workflow == (ROOT / "okrsite" / "scaffold" / "github-workflow.yml").read_bytes()


def test_init_output_passes_check_strict_as_written(acme):
    done = run_cli("check", "--strict", cwd=acme)
    assert (done.returncode, done.stdout, done.stderr) == (0, "No problems found.\n", "")


def test_init_output_builds_with_mkdocs_strict_as_written(acme):
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([str(MKDOCS), "build", "--strict"], cwd=acme, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    page = (acme / "site" / "periods" / "2027-Q1" / "company" / "index.html")
    text = page.read_text(encoding="utf-8")
    assert "Replace this example with your first objective" in text
    assert "<title>" in text and "Acme Inc. OKRs" in text


def test_init_content_teaches_the_format(acme):
    okrs = (acme / "content" / "periods" / "2027-Q1" / "company.yaml").read_text("utf-8")
    doc = yaml.safe_load(okrs)
    (objective,) = doc["objectives"]
    shapes = [sorted(k for k in kr if k in ("baseline", "target", "milestones"))
              for kr in objective["key_results"]]
    assert shapes == [["baseline", "target"], ["milestones"]]
    assert okrs.splitlines()[0] == \
        "# yaml-language-server: $schema=../../../schema/v1/okrs.schema.json"
    assert (acme / okrs.splitlines()[0].split("=", 1)[1].replace("../../../", "")).is_file()
    org = yaml.safe_load((acme / "content" / "org.yaml").read_text(encoding="utf-8"))
    assert org["name"] == "Acme Inc." and [u["id"] for u in org["units"]] == ["company"]


def test_init_never_overwrites_and_then_writes_nothing(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: Mine\n", encoding="utf-8")
    done = init(tmp_path, "--name", "Acme Inc.", "--period", "2027-Q1")
    assert done.returncode == 2
    assert "mkdocs.yml exists" in done.stderr and "nothing was written" in done.stderr
    assert tree(tmp_path) == ["mkdocs.yml"]
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: Mine\n"


def test_init_twice_keeps_every_file(acme):
    done = init(acme, "--name", "Acme Inc.", "--period", "2027-Q1")
    assert done.returncode == 0, done.stderr
    assert "wrote" not in done.stdout and done.stdout.count("kept ") == len(FILES)


def test_a_name_with_yaml_syntax_is_kept_exactly(tmp_path):
    name = 'Acme: "Best" #1 & Co — Société'
    assert init(tmp_path, "--name", name, "--period", "2027").returncode == 0
    mkdocs = yaml.safe_load((tmp_path / "mkdocs.yml").read_text(encoding="utf-8"))
    org = yaml.safe_load((tmp_path / "content" / "org.yaml").read_text(encoding="utf-8"))
    assert mkdocs["site_name"] == name + " OKRs"
    assert org["name"] == org["units"][0]["name"] == name
    assert run_cli("check", "--strict", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("args,message", [
    (["--name", "Acme", "--period", "2027-Q5"], "--period '2027-Q5' is not a period id"),
    (["--name", "  ", "--period", "2027-Q1"], "--name is empty"),
    (["--name", "Acme\nEvil", "--period", "2027-Q1"], "one line"),
    (["--period", "2027-Q1"], "--name"),
])
def test_bad_arguments_are_refused_before_writing(tmp_path, args, message):
    done = init(tmp_path, *args)
    assert done.returncode == 2 and message in done.stderr
    assert tree(tmp_path) == []


def test_the_default_period_is_the_quarter_of_source_date_epoch(tmp_path):
    done = init(tmp_path, "--name", "Acme", env={"SOURCE_DATE_EPOCH": "1800000000"})  # 2027-01-15
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "content" / "periods" / "2027-Q1" / "company.yaml").is_file()


def test_the_readme_quick_start_works_as_written(tmp_path):
    """The README's quick start, with the environment running these tests as the
    activated one and `mkdocs build --strict` for `mkdocs serve` (a server)."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("Quick start:"):]
    (block,) = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)[:1]
    lines = block.strip().splitlines()
    assert lines[0].startswith(". .venv/bin/activate")
    assert [line.split()[:2] for line in lines[1:]] == [
        ["okrsite", "init"], ["cd", "~/acme-okrs"], ["okrsite", "check"], ["mkdocs", "serve"]]
    script = "\n".join([*lines[1:-1], "mkdocs build --strict"])
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT), OKRSITE_NO_CACHE="1",
               PATH=f"{MKDOCS.parent}{os.pathsep}{env['PATH']}")
    done = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No problems found." in done.stdout
    assert (tmp_path / "acme-okrs" / "site" / "index.html").is_file()
