"""The official documents of one case: which are ready, and issuing one (HTML or PDF, audited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.clock import clock
from app.documents import DOCUMENT_KINDS, DocumentDataError, build, render_html, render_pdf
from app.errors import NotFound
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import Case

from .case_store import CaseStore, read_case
from .runtime import WorkflowCache

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
)
# The step that produces a document must have happened: its form field marks it.
PRODUCED_BY: dict[tuple[str, str | None], str] = {
    ("contact_letter", "medical"): "medical_contact_letter_number",
    ("contact_letter", "pension"): "pension_contact_letter_number",
    ("contact_letter", "unemployment"): "unemployment_contact_letter_number",
    ("info_table", "medical"): "medical_info_table_number",
    ("info_table", "pension"): "pension_info_table_number",
    ("reply_letter", "unemployment"): "unemployment_reply_letter_number",
}
INSURANCE_ZH = {"medical": "医疗保险", "pension": "养老保险", "unemployment": "失业保险"}


@dataclass(frozen=True)
class DocumentRef:
    kind: str
    insurance: str | None
    title: str


class CaseDocuments:
    def __init__(self, db: Database, store: CaseStore, workflows: WorkflowCache) -> None:
        self.db = db
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
        self.workflows.put(case_id, entry)  # reading does not change it: keep it hot
        return {**data, "case_number": number, "issued_on": clock.now()}

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
            if insurance and insurance not in context.get("insurances", []):
                continue
            marker = PRODUCED_BY.get((kind, insurance))
            if marker and not context.get(marker):
                continue
            try:
                build(kind, {**context, "insurance": insurance} if insurance else context)
            except DocumentDataError:
                continue
            title = DOCUMENT_KINDS[kind] + (f"（{INSURANCE_ZH[insurance]}）" if insurance else "")
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
        now = clock.now()
        with self.db.transaction() as session:
            case_id = session.execute(select(Case.id).where(Case.number == number)).scalar_one()
            audit = AuditBuffer()
            audit.add(
                "document_issued", actor, now, case_id, kind=kind, insurance=insurance, format=fmt
            )
            audit.flush(session)
        return output
