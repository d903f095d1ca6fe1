"""A case and its tasks as pages read them: summary, task, steps, documents, diagram."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.store.models import Case, HumanTask


@dataclass(frozen=True)
class TaskInfo:
    id: int
    case_id: int
    task_uuid: str
    process_id: str
    task_spec: str
    title: str
    role: str
    region: str
    form: str | None
    state: str
    assignee: str | None
    created_at: datetime
    claimed_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    due_at: datetime | None
    due_provisional: bool

    @property
    def is_open(self) -> bool:
        return self.state in ("open", "claimed")


@dataclass(frozen=True)
class CaseSummary:
    id: int
    number: str
    status: str
    decision: str
    applicant_name: str
    applicant_id_masked: str
    insurances: list[str]
    channel: str
    transfer_out_region: str
    transfer_in_region: str
    accepted_at: datetime | None
    committed_due: date | None
    legal_due: date | None
    deadlines_provisional: bool
    warned: bool
    overdue: bool
    created_at: datetime
    completed_at: datetime | None
    process_version_id: int
    pinned: dict[str, int]


@dataclass(frozen=True)
class Step:
    at: datetime
    actor: str
    actor_name: str
    kind: str
    title: str
    note: str = ""


@dataclass(frozen=True)
class DocumentLink:
    kind: str
    insurance: str
    title: str
    available: bool
    problem: str = ""


@dataclass
class CaseDetail:
    summary: CaseSummary
    steps: list[Step]
    open_tasks: list[TaskInfo]
    delivery: str = ""
    materials: list[str] = field(default_factory=list)
    missing_materials: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    agent: dict[str, Any] | None = None
    # 邮寄送达: recipient, phone, address from the application (contracts §3 delivery_address)
    delivery_address: dict[str, Any] | None = None
    names: dict[str, str] = field(default_factory=dict)  # username -> display name
    # The merged workflow data: holds the full ID number, so it is for documents only and
    # is never put on a page as such.
    data: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class TaskPage:
    task: TaskInfo
    case: CaseDetail
    prefill: dict[str, Any]
    documents: list[DocumentLink]


@dataclass(frozen=True)
class Diagram:
    process_id: str
    xml: str
    current: list[str]


@dataclass(frozen=True)
class IntakeResult:
    number: str
    decision: str
    reasons: list[str]
    missing_materials: list[str]
    transfer_in_region: str
    acceptance_task: TaskInfo | None


def _task_info(row: HumanTask) -> TaskInfo:
    return TaskInfo(
        id=row.id,
        case_id=row.case_id,
        task_uuid=row.task_uuid,
        process_id=row.process_id,
        task_spec=row.task_spec,
        title=row.title,
        role=row.role,
        region=row.region,
        form=row.form,
        state=row.state,
        assignee=row.assignee,
        created_at=row.created_at,
        claimed_at=row.claimed_at,
        completed_at=row.completed_at,
        completed_by=row.completed_by,
        due_at=row.due_at,
        due_provisional=bool(row.due_provisional),
    )


def _summary(row: Case) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        number=row.number,
        status=row.status,
        decision=row.decision,
        applicant_name=row.applicant_name,
        applicant_id_masked=row.applicant_id_masked,
        insurances=[i for i in row.insurances.split(",") if i],
        channel=row.channel,
        transfer_out_region=row.transfer_out_region,
        transfer_in_region=row.transfer_in_region,
        accepted_at=row.accepted_at,
        committed_due=row.committed_due,
        legal_due=row.legal_due,
        deadlines_provisional=bool(row.deadlines_provisional),
        warned=bool(row.warned),
        overdue=bool(row.overdue),
        created_at=row.created_at,
        completed_at=row.completed_at,
        process_version_id=row.process_version_id,
        pinned=dict(row.pinned or {}),
    )
