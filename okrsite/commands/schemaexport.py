"""`okrsite schema --out DIR`: copy the content schemas into a company's repository.

Editors point at them with a first line such as
`# yaml-language-server: $schema=../../../schema/v1/okrs.schema.json`. The schemas
refer to each other by file name only (no `$id`), so a copy in any folder, or on
any web server, resolves without a network or a flag.
"""

from __future__ import annotations

from pathlib import Path

from okrsite.commands.newfiles import Written, write_new
from okrsite.schema import VERSIONS, schema_dir


def schema_files(out: Path) -> dict[Path, bytes]:
    """Every version's schemas, under out/v<N>/, byte for byte."""
    files = {}
    for version in VERSIONS:
        folder = schema_dir() / f"v{version}"
        for file in sorted(folder.glob("*.schema.json")):
            files[out / f"v{version}" / file.name] = file.read_bytes()
    return files


def export_schemas(out: Path) -> Written:
    return write_new(schema_files(out), "okrsite schema")
