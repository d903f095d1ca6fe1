"""The official documents of one case: which are ready, and issuing one (HTML or PDF, audited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from app.documents import (
    DOCUMENT_KINDS,
    DocumentDataError,
    build,
    refusal_title,
    render_html,
    render_pdf,
)
from app.documents.labels import INSURANCE_SHORT_ZH
from app.documents.receipts import DELIVERED_BY_STATUS
from app.features.cases.caches import WorkflowCache
from app.features.cases.repository import CaseStore, read_case
from app.features.cases.service import PERSONAL_INPUT
from app.kernel import workdays
from app.kernel.clock import Clock
from app.kernel.errors import NotFound
from app.store.audit_log import AuditBuffer
from app.store.db import Database, connection_of
from app.store.models import AuditEvent, Case, CaseInput
from app.store.prepared import Prepared

# (kind, insurance) pairs a case may produce; availability is "its data is complete".
CANDIDATES: tuple[tuple[str, str | None], ...] = (
    ("correction_notice", None),
    ("refusal_decision", None),
    ("contact_letter", "medical"),
    ("contact_letter", "pension"),
    ("contact_letter", "unemployment"),
    ("info_table", "medical"),
    ("info_table", "pension"),
    ("reply_letter", "unemployment"),
    ("insurance_certificate", None),
    ("completion_notice", None),
    ("acceptance_notice", None),
    ("delivery_receipt", None),
)
# The step that produces a document must have happened: its form field marks it.
PRODUCED_BY: dict[tuple[str, str | None], str] = {
    ("contact_letter", "medical"): "medical_contact_letter_number",
    ("contact_letter", "pension"): "pension_contact_letter_number",
    ("contact_letter", "unemployment"): "unemployment_contact_letter_number",
    ("info_table", "medical"): "medical_info_table_number",
    ("info_table", "pension"): "pension_info_table_number",
    ("reply_letter", "unemployment"): "unemployment_reply_letter_number",
    ("insurance_certificate", None): "medical_certificate_number",  # suspend_and_certify
}
# The insurance a document that is not per insurance belongs to (only shown when applied for).
DOCUMENT_INSURANCE = {"insurance_certificate": "medical"}
# Audit event kind of a 参保(合)凭证 re-issue (规程 第四条 补办; app.features.cases.certificates).
REISSUED = "certificate_reissued"
INSURANCE_ZH = INSURANCE_SHORT_ZH


@dataclass(frozen=True)
class DocumentRef:
    kind: str
    insurance: str | None
    title: str


class CaseDocuments:
    def __init__(
        self, db: Database, store: CaseStore, workflows: WorkflowCache, clock: Clock
    ) -> None:
        self.db = db
        self.clock = clock
        self.store = store
        self.workflows = workflows

    def context(self, number: str) -> dict[str, Any]:
        """The case's data as the document builders read it."""
        with self.db.sessions() as session:
            case_id = session.execute(
                select(Case.id).where(Case.number == number)
            ).scalar_one_or_none()
            if case_id is None:
                raise NotFound("办件不存在")
            case = read_case(session, case_id)
            assert case is not None
            cached = self.workflows.take(case_id)
            entry = self.store.load(session, case, cached)
            data = self.store.engine.case_data(entry.workflow)
            reissued = certificate_reissues(session, case_id)
            personal = personal_inputs(session, case_id)
        self.workflows.put(case_id, entry)  # reading does not change it: keep it hot
        extra = {"certificate_reissues": reissued} if reissued else {}
        return {
            **data,
            **personal,
            **extra,
            **case_dates(case.accepted_at, case.committed_due, case.legal_due),
            "deadlines_provisional": bool(case.deadlines_provisional),
            "case_number": number,
            "issued_on": self.clock.now(),
        }

    def available(self, number: str) -> list[DocumentRef]:
        context = self.context(number)
        status = context.get("status")
        refs = []
        for kind, insurance in CANDIDATES:
            if kind == "correction_notice" and status != "correction_required":
                continue
            if kind == "refusal_decision" and status != "refused":
                continue
            if kind == "completion_notice" and status != "concluded":
                continue
            if kind == "acceptance_notice" and not context.get("accepted_on"):
                continue
            if kind == "delivery_receipt" and status not in DELIVERED_BY_STATUS:
                continue
            belongs = insurance or DOCUMENT_INSURANCE.get(kind)
            if belongs and belongs not in context.get("insurances", []):
                continue
            marker = PRODUCED_BY.get((kind, insurance))
            if marker and not context.get(marker):
                continue
            try:
                build(kind, {**context, "insurance": insurance} if insurance else context)
            except DocumentDataError:
                continue
            base = refusal_title(context) if kind == "refusal_decision" else DOCUMENT_KINDS[kind]
            title = base + (f"（{INSURANCE_ZH[insurance]}）" if insurance else "")
            refs.append(DocumentRef(kind, insurance, title))
        return refs

    def issue(
        self, number: str, kind: str, insurance: str | None, fmt: str, actor: str
    ) -> bytes | str:
        """Render one document; issuing it is an audit event (who, which, when)."""
        if (kind, insurance) not in CANDIDATES or fmt not in ("pdf", "html"):
            raise NotFound("没有这种文书")
        context = self.context(number)
        if insurance:
            context["insurance"] = insurance
        output: bytes | str = (
            render_pdf(kind, context) if fmt == "pdf" else render_html(kind, context)
        )
        now = self.clock.now()
        with self.db.transaction() as session:
            case_id = session.execute(select(Case.id).where(Case.number == number)).scalar_one()
            audit = AuditBuffer()
            audit.add(
                "document_issued", actor, now, case_id, kind=kind, insurance=insurance, format=fmt
            )
            audit.flush(session)
        return output


def case_dates(accepted_at: Any, committed: Any, legal: Any) -> dict[str, Any]:
    """The case row's dates as the 受理通知书 prints them (local dates, ISO strings)."""
    found: dict[str, Any] = {}
    if accepted_at is not None:
        found["accepted_on"] = workdays.local_date(accepted_at).isoformat()
    if committed is not None:
        found["committed_due"] = committed.isoformat()
    if legal is not None:
        found["legal_due"] = legal.isoformat()
    return found


def certificate_reissues(session: Any, case_id: int) -> list[dict[str, Any]]:
    """The case's 参保(合)凭证 re-issues, oldest first: [{on, reason, by}] (printed on it)."""
    rows = session.execute(
        select(AuditEvent.actor, AuditEvent.data)
        .where(AuditEvent.case_id == case_id, AuditEvent.kind == REISSUED)
        .order_by(AuditEvent.seq)
    ).all()
    return [
        {"on": data.get("on"), "reason": data.get("reason"), "by": actor} for actor, data in rows
    ]


# Read by every task page: prebuilt (app.store.prepared).
_PERSONAL_INPUTS = Prepared(
    select(CaseInput.data)
    .where(CaseInput.case_id == bindparam("case_id"), CaseInput.kind == PERSONAL_INPUT)
    .order_by(CaseInput.id)
)


def personal_inputs(session: Any, case_id: int) -> dict[str, Any]:
    """The x-personal fields the case's task forms recorded outside the workflow, latest last
    (app.features.cases.service); documents print them (e.g. the household head's ID number)."""
    rows = _PERSONAL_INPUTS.execute(connection_of(session), {"case_id": case_id}).rows
    merged: dict[str, Any] = {}
    for (row,) in rows:
        merged.update(row.get("data") or {})
    return merged
