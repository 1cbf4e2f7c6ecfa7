"""The schema files as editors and other validators use them: references that resolve
offline, `markdownDescription`, `okrsite schema --out`, and the README's recipes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.checkkit import ROOT, run_cli

SCHEMA = ROOT / "schema"
V1 = SCHEMA / "v1"
CONTENT = ROOT / "content"
FILES = sorted(V1.glob("*.schema.json"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
DEMO = {
    "org": [CONTENT / "org.yaml"],
    "people": [CONTENT / "people.yaml"],
    "kpi": sorted((CONTENT / "kpis").glob("*.yaml")),
    "period": sorted(CONTENT.glob("periods/*/period.yaml")),
    "okrs": sorted(p for p in CONTENT.glob("periods/*/*.yaml") if p.name != "period.yaml"),
}


needs_check_jsonschema = pytest.mark.skipif(
    not CHECK_JSONSCHEMA.exists(),
    reason="check-jsonschema is a test extra (pip install -e '.[test]'); the lowest-versions "
           "run leaves it out")


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def _pointer(doc, pointer: str):
    for part in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        doc = doc[part.replace("~1", "/").replace("~0", "~")]
    return doc


@pytest.mark.parametrize("file", FILES, ids=lambda p: p.name)
def test_no_id_and_every_ref_names_a_sibling_file_and_a_real_definition(file):
    schema = json.loads(file.read_text(encoding="utf-8"))
    assert not any("$id" in node for _, node in _walk(schema)), \
        f"{file.name}: an $id makes tools resolve references against it, not the file"
    refs = [(path, node["$ref"]) for path, node in _walk(schema) if "$ref" in node]
    for path, ref in refs:
        target, _, pointer = ref.partition("#")
        assert re.fullmatch(r"([a-z]+\.schema\.json)?", target), f"{file.name}{path}: {ref}"
        doc = json.loads((V1 / target).read_text(encoding="utf-8")) if target else schema
        assert isinstance(_pointer(doc, pointer), dict), f"{file.name}{path}: {ref}"


@pytest.mark.parametrize("file", FILES, ids=lambda p: p.name)
def test_every_description_has_the_same_markdown_description(file):
    schema = json.loads(file.read_text(encoding="utf-8"))
    described = [(path, node) for path, node in _walk(schema)
                 if isinstance(node.get("description"), str)]
    assert described
    for path, node in described:
        assert node.get("markdownDescription") == node["description"], f"{file.name}{path}"


@needs_check_jsonschema
@pytest.mark.parametrize("kind", sorted(DEMO))
def test_check_jsonschema_validates_the_demo_as_written(kind):
    """`check-jsonschema --schemafile schema/v1/okrs.schema.json FILE`, with no network
    and no --base-uri: the references resolve to the sibling files."""
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile",
                           f"schema/v1/{kind}.schema.json",
                           *[str(p.relative_to(ROOT)) for p in DEMO[kind]]],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


@needs_check_jsonschema
def test_exported_schemas_catch_a_broken_file_with_check_jsonschema(tmp_path):
    assert run_cli("schema", "--out", "schema", cwd=tmp_path).returncode == 0
    broken = tmp_path / "content" / "kpis" / "nps.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text((CONTENT / "kpis" / "nps.yaml").read_text(encoding="utf-8")
                      .replace("direction: higher_is_better", "direction: upwards"),
                      encoding="utf-8")
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", "schema/v1/kpi.schema.json",
                           "content/kpis/nps.yaml"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "'upwards' is not one of" in done.stdout


def test_the_readme_registry_recipe_validates_offline(monkeypatch):
    text = (SCHEMA / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    exec(compile(code, "schema/README.md", "exec"), scope)
    validator = scope["validator"]
    from okrsite.yamlparse import parse

    doc = parse(DEMO["okrs"][-1].read_bytes()).data
    assert list(validator.iter_errors(doc)) == []
    doc["objectives"][0]["owner"] = 12
    assert [e.validator for e in validator.iter_errors(doc)] == ["type"]


def test_the_readme_schemastore_entry_names_every_kind():
    text = (SCHEMA / "README.md").read_text(encoding="utf-8")
    (entry,) = re.findall(r"## SchemaStore catalog entry.*?```json\n(.*?)```", text, re.DOTALL)
    items = json.loads(entry)
    assert sorted(i["url"].rsplit("/", 1)[1] for i in items) == [p.name for p in FILES
                                                                  if p.name != "defs.schema.json"]
    assert all(set(i) == {"name", "description", "fileMatch", "url"} for i in items)


# ------------------------------------------------------------- okrsite schema --out

def test_schema_out_copies_every_schema_byte_for_byte(tmp_path):
    done = run_cli("schema", "--out", "schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "schema" / "v1").iterdir())
    assert written == [p.name for p in FILES]
    for file in FILES:
        assert (tmp_path / "schema" / "v1" / file.name).read_bytes() == file.read_bytes()
    assert ("content/periods/<period-id>/<unit-id>.yaml: # yaml-language-server: "
            "$schema=../../../schema/v1/okrs.schema.json") in done.stdout


def test_schema_out_twice_keeps_the_same_files(tmp_path):
    run_cli("schema", "--out", "schema", cwd=tmp_path)
    done = run_cli("schema", "--out", "schema", cwd=tmp_path)
    assert done.returncode == 0
    assert "wrote" not in done.stdout and done.stdout.count("kept ") == len(FILES)


def test_schema_out_never_overwrites_and_then_writes_nothing(tmp_path):
    target = tmp_path / "schema" / "v1"
    target.mkdir(parents=True)
    (target / "okrs.schema.json").write_text("{}\n", encoding="utf-8")
    done = run_cli("schema", "--out", "schema", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "schema/v1/okrs.schema.json exists" in done.stderr
    assert "nothing was written" in done.stderr
    assert [p.name for p in target.iterdir()] == ["okrs.schema.json"]
    assert (target / "okrs.schema.json").read_text(encoding="utf-8") == "{}\n"
