"""A deploy based on an older version than the newest is refused inside its own transaction."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.modeling.deployments import DeploymentService
from app.kernel.config import ROOT
from app.kernel.errors import Conflict
from app.store.models import ProcessVersion


def _versions(office: Backoffice) -> int:
    with office.db.sessions() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(ProcessVersion)
                .where(ProcessVersion.process_id == "medical_transfer")
            ).scalar_one()
        )


def test_deploy_from_a_stale_base_is_a_conflict(backoffice: Backoffice, tmp_path: Path) -> None:
    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    path = folder / "medical_transfer.bpmn"
    path.write_text(
        path.read_text(encoding="utf-8").replace("审核并发出联系函", "审核并发出联系函（新）"),
        encoding="utf-8",
    )
    service = DeploymentService(backoffice.db, folder, ROOT / "forms", backoffice.clock)
    with pytest.raises(Conflict):
        service.deploy([path], "基于旧版本", "policy_a", expect_latest={"medical_transfer": 0})
    assert _versions(backoffice) == 1
    [deployed] = service.deploy(
        [path], "基于最新版本", "policy_a", expect_latest={"medical_transfer": 1}
    )
    assert deployed.version == 2 and _versions(backoffice) == 2
