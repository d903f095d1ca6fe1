"""Fixtures for the process workbench: a back office whose processes/ and forms/ are copies in a
temporary folder, since deploying a draft writes the working copy and new form files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import Backoffice
from app.features.modeling.drafts import ModelingService
from app.kernel.config import ROOT
from tests.conftest import current_clock, settings_for


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    processes = tmp_path / "processes"
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "processes", processes)
    shutil.copytree(ROOT / "forms", forms)
    return processes, forms


@pytest.fixture
def office(database_url: str, folders: tuple[Path, Path]) -> Iterator[Backoffice]:
    settings = settings_for(database_url)
    settings.processes_dir, settings.forms_dir = folders
    backoffice = Backoffice(settings, clock=current_clock())
    yield backoffice
    backoffice.close()


@pytest.fixture
def modeling(office: Backoffice) -> ModelingService:
    return ModelingService.for_backoffice(office, four_eyes=False)
