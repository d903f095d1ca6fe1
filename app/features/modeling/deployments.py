"""Deploying process versions: validate, parse, store immutable versions with who/when/why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.engine import parsing
from app.engine.bpmnlint import BpmnLint
from app.engine.parsing import Problem
from app.kernel.clock import Clock
from app.kernel.config import ROOT
from app.kernel.errors import AppError, Conflict
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import ProcessVersion


class DeploymentRejected(AppError):
    """The files did not validate; nothing was deployed."""

    code = "deployment_rejected"
    status = 422

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("流程文件校验未通过，未部署")
        self.problems = problems


@dataclass(frozen=True)
class Deployed:
    process_id: str
    version: int
    sha256: str
    new: bool


class DeploymentService:
    def __init__(self, db: Database, processes_dir: Path, forms_dir: Path, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.processes_dir = processes_dir
        self.forms_dir = forms_dir

    def deployed_ids(self) -> set[str]:
        try:
            with self.db.sessions() as session:
                return set(session.execute(select(ProcessVersion.process_id).distinct()).scalars())
        except SQLAlchemyError:
            return set()  # no schema yet: validating files needs no database

    def validate(self, paths: list[Path], standard: bool = True) -> list[Problem]:
        """Our checks and, with standard, bpmn.io's (bpmnlint, the rules of .bpmnlintrc)."""
        lint = BpmnLint(ROOT).check if standard else None
        return parsing.validate(paths, self.forms_dir, self.deployed_ids(), lint)

    def deploy(
        self,
        paths: list[Path],
        note: str,
        actor: str,
        expect_latest: dict[str, int] | None = None,
        standard: bool = True,
    ) -> list[Deployed]:
        """Store each file as a new version unless identical to its newest version."""
        problems = self.validate(paths, standard)
        if problems:
            raise DeploymentRejected(problems)
        parsed = parsing.parse(paths, extra_dirs=[self.processes_dir])
        now = self.clock.now()
        audit = AuditBuffer()
        results: list[Deployed] = []
        with self.db.transaction() as session:
            for process_id, item in parsed.items():
                latest = session.execute(
                    select(ProcessVersion)
                    .where(ProcessVersion.process_id == process_id)
                    .order_by(ProcessVersion.version.desc())
                    .limit(1)
                ).scalar_one_or_none()
                if latest is not None and latest.sha256 == item.sha256:
                    results.append(Deployed(process_id, latest.version, latest.sha256, False))
                    continue
                if expect_latest is not None and process_id in expect_latest:
                    # The check belongs inside this transaction: a deploy that started from an
                    # older version must not silently replace one that landed meanwhile.
                    current = latest.version if latest is not None else 0
                    if current != expect_latest[process_id]:
                        raise Conflict(
                            f"流程 {process_id} 已有新版本 {current}，请基于最新版本修改后再部署"
                        )
                number = (
                    session.execute(
                        select(func.max(ProcessVersion.version)).where(
                            ProcessVersion.process_id == process_id
                        )
                    ).scalar()
                    or 0
                ) + 1
                session.add(
                    ProcessVersion(
                        process_id=process_id,
                        version=number,
                        sha256=item.sha256,
                        bpmn_xml=item.xml,
                        spec_json=item.spec_json,
                        calls=item.calls,
                        note=note,
                        deployed_by=actor,
                        deployed_at=now,
                    )
                )
                audit.add(
                    "process_version_deployed",
                    actor,
                    now,
                    None,
                    process=process_id,
                    version=number,
                    sha256=item.sha256,
                    note=note,
                )
                results.append(Deployed(process_id, number, item.sha256, True))
            try:
                session.flush()
            except IntegrityError as exc:
                # Two deploys of one process at the same moment (PostgreSQL): one wins.
                raise Conflict("另一次部署刚刚完成，请刷新后重试") from exc
            audit.flush(session)
        return results

    def deploy_directory(self, note: str, actor: str) -> list[Deployed]:
        """Deploy processes/*.bpmn where they differ from what is deployed (used by init-db)."""
        paths = sorted(self.processes_dir.glob("*.bpmn"))
        # Without bpmnlint: these are the repository's files, which `make lint` checks with it
        # (and every test database starts here: a Node.js run each time would cost seconds).
        return self.deploy(paths, note, actor, standard=False) if paths else []
