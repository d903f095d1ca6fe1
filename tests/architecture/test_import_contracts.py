"""The layer contracts `make lint` runs (pyproject [tool.importlinter]) hold, and they catch a
violating import: a copy of the package with one upward import planted fails them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.kernel.config import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "app",
        tmp_path / "app",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layer_contracts(copy_of_the_package: Path) -> None:
    result = _lint(copy_of_the_package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("rules/probe.py", "import app.features.cases.service\n", "Dependencies point down"),
        ("kernel/probe.py", "import app.store.db\n", "Dependencies point down"),
        ("features/cases/probe.py", "import flask\n", "Flask only in web"),
        ("features/cases/probe.py", "import SpiffWorkflow\n", "SpiffWorkflow only inside"),
        ("web/probe.py", "import sqlalchemy\n", "SQL stays below the web"),
    ],
)
def test_a_planted_violating_import_breaks_the_contract_it_crosses(
    copy_of_the_package: Path, module: str, line: str, contract: str
) -> None:
    (copy_of_the_package / "app" / module).write_text(
        f'"""A planted violation."""\n\n{line}', encoding="utf-8"
    )
    result = _lint(copy_of_the_package)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert "probe" in broken
