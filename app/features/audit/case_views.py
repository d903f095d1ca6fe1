"""What the auditor's search and case page show: masked facts, chain check, timeline, diagrams."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.features.audit.replay_records import ReplayResult
from app.store.models import Case


@dataclass(frozen=True)
class CaseFacts:
    """The case row as an auditor may see it (ID number masked)."""

    id: int
    number: str
    status: str
    applicant_name: str
    applicant_id_masked: str
    insurances: str
    channel: str
    transfer_in_region: str
    transfer_out_region: str
    decision: str
    created_at: datetime
    accepted_at: datetime | None
    committed_due: Any
    legal_due: Any
    deadlines_provisional: bool
    warned: bool
    overdue: bool
    completed_at: datetime | None


@dataclass(frozen=True)
class CaseChain:
    """Each of the case's events checked against its own hash and its predecessor's."""

    count: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class TimelineEntry:
    seq: int
    at: datetime
    kind: str
    label: str
    actor: str
    data: dict[str, Any]
    step: int | None = None  # the replay step this event is, if it is an input
    identical: bool | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # key, before, after


@dataclass
class Diagram:
    version_id: int
    process_id: str
    version: int
    processes: list[str]


@dataclass
class CaseAuditView:
    facts: CaseFacts
    chain: CaseChain
    replay: ReplayResult
    timeline: list[TimelineEntry]
    diagrams: list[Diagram]
    steps: list[dict[str, Any]]  # per replay step: tokens, path, data, timers (for the slider)


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseFacts]
    page: int
    has_next: bool


def _facts(case: Case) -> CaseFacts:
    return CaseFacts(
        case.id,
        case.number,
        case.status,
        case.applicant_name,
        case.applicant_id_masked,
        case.insurances,
        case.channel,
        case.transfer_in_region,
        case.transfer_out_region,
        case.decision,
        case.created_at,
        case.accepted_at,
        case.committed_due,
        case.legal_due,
        bool(case.deadlines_provisional),
        bool(case.warned),
        bool(case.overdue),
        case.completed_at,
    )


def _facts_json(facts: CaseFacts) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in facts.__dict__.items():
        if name == "id":
            continue
        result[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return result
