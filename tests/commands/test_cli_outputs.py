"""Where the commands that write files may write: a bad output path is a usage error
(`okrsite: error: ...`, exit 2, no traceback), nothing is written inside the content
directory, and `render --out` replaces only a directory that okrsite wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.checkkit import run_cli, valid_repo

AS_OF = "2026-02-15"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return valid_repo(tmp_path / "content").root


def _command(name: str, content: Path, target: str) -> list[str]:
    return {
        "render": ["render", str(content), "--out", target, "--as-of", AS_OF, "--no-history"],
        "export": ["export", "2026-Q1", str(content), "--out", target, "--as-of", AS_OF],
        "codeowners": ["codeowners", str(content), "--output", target],
    }[name]


def _usage_error(args: list[str], cwd: Path) -> str:
    done = run_cli(*args, cwd=cwd)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.startswith("okrsite: error: "), done.stderr
    return done.stderr


@pytest.mark.parametrize("command", ["render", "export"])
def test_an_output_directory_that_is_a_file(command: str, repo: Path, tmp_path: Path) -> None:
    afile = tmp_path / "afile.txt"
    afile.write_text("keep me\n")
    message = _usage_error(_command(command, repo, "afile.txt"), tmp_path)
    assert "--out afile.txt is a file, not a directory" in message
    assert afile.read_text() == "keep me\n"


@pytest.mark.parametrize("command", ["render", "export", "codeowners"])
def test_an_output_path_that_cannot_be_created(command: str, repo: Path,
                                               tmp_path: Path) -> None:
    """Like /proc/nope: the parent cannot hold a directory (here, because it is a file)."""
    (tmp_path / "afile.txt").write_text("keep me\n")
    message = _usage_error(_command(command, repo, "afile.txt/x"), tmp_path)
    option = "--output" if command == "codeowners" else "--out"
    assert message.startswith(f"okrsite: error: cannot write {option} afile.txt/x: ")
    assert (tmp_path / "afile.txt").read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile.txt", "content"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc here")
@pytest.mark.parametrize("command", ["render", "export", "codeowners"])
def test_an_output_path_under_proc(command: str, repo: Path, tmp_path: Path) -> None:
    message = _usage_error(_command(command, repo, "/proc/nope/x"), tmp_path)
    option = "--output" if command == "codeowners" else "--out"
    assert message.startswith(f"okrsite: error: cannot write {option} /proc/nope/x: ")


@pytest.mark.parametrize(("command", "target"), [
    ("export", "content"), ("export", "content/periods/2026-Q1"),
    ("codeowners", "content/org.yaml"), ("codeowners", "content/CODEOWNERS"),
    ("render", "content/site"), ("render", "."),
])
def test_nothing_is_written_into_the_content(command: str, target: str, repo: Path,
                                             tmp_path: Path) -> None:
    before = _snapshot(tmp_path)
    message = _usage_error(_command(command, repo, target), tmp_path)
    assert "content directory" in message
    assert _snapshot(tmp_path) == before  # org.yaml and everything else as they were


# -- render --out: only okrsite's own directory is replaced ---------------------------------


def test_render_refuses_a_directory_of_other_files_unless_forced(repo: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.md").write_text("my notes\n")
    message = _usage_error(_command("render", repo, "docs"), tmp_path)
    assert "is not empty and was not written by okrsite" in message
    assert "--force" in message
    assert (out / "notes.md").read_text() == "my notes\n"

    done = run_cli(*_command("render", repo, "docs"), "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (out / "notes.md").exists() and (out / "index.md").is_file()


def test_render_replaces_its_own_output_and_an_empty_directory(repo: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "pages"
    out.mkdir()  # empty: nothing to lose
    assert run_cli(*_command("render", repo, "pages"), cwd=tmp_path).returncode == 0
    first = _snapshot(out)
    assert ".okrsite-output" in first and "index.md" in first
    (out / "stale.md").write_text("from an older render\n")
    done = run_cli(*_command("render", repo, "pages"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _snapshot(out) == first  # replaced as a whole: the stale page is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "pages"]
