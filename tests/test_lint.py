"""The test command runs the code checks first, and they stop it with a clear message.

scripts/lint.sh runs ruff check, ruff format --check and mypy with the settings in
pyproject.toml. The tests here run it on a small package in a temporary folder (a copy
of the script and of pyproject.toml, with this install's tools), so each check is seen
to fail on a file that breaks it and to pass on a clean one.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

CLEAN = '''"""A module that every check accepts."""


def double(n: int) -> int:
    return 2 * n
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("custodes", "tests", "bench", "scripts"):
        (tmp_path / folder).mkdir()
    (tmp_path / "custodes" / "__init__.py").write_text(CLEAN)
    shutil.copy(ROOT / "scripts" / "lint.sh", tmp_path / "scripts" / "lint.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


def lint(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(project / "scripts" / "lint.sh")],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_test_command_runs_the_checks_before_the_tests():
    lines = (ROOT / "scripts" / "test.sh").read_text().splitlines()
    lint_at = lines.index("scripts/lint.sh")
    pytest_at = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    assert lint_at < pytest_at
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_mypy_is_declared_and_configured_for_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(
        r.startswith("mypy") for r in project["project"]["optional-dependencies"]["dev"]
    )
    config = project["tool"]["mypy"]
    assert config["packages"] == ["custodes"]
    assert config["disallow_untyped_defs"] and config["check_untyped_defs"]


def test_a_clean_package_passes(project):
    result = lint(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ruff check, ruff format and mypy passed" in result.stdout


@pytest.mark.parametrize(
    "source, check, advice",
    [
        ("import os\n" + CLEAN, "ruff check", "ruff check --fix"),
        (CLEAN.replace("2 * n", "2*n"), "ruff format --check", "ruff format"),
        (CLEAN.replace("return 2 * n", 'return "2"'), "mypy", "[tool.mypy]"),
    ],
    ids=["unused-import", "unformatted", "wrong-type"],
)
def test_each_check_stops_the_run_and_says_what_to_do(project, source, check, advice):
    (project / "custodes" / "__init__.py").write_text(source)
    result = lint(project)
    assert result.returncode == 1
    assert f"scripts/lint.sh: {check} failed" in result.stderr
    assert advice in result.stderr
    assert "lint: ruff check, ruff format and mypy passed" not in result.stdout
