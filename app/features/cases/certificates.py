"""参保(合)凭证 re-issue (规程 第四条「参保人遗失参保（合）凭证，转出地经办机构应予补办」), audited."""

from __future__ import annotations

from sqlalchemy import select

from app.features.cases.documents import REISSUED, CaseDocuments, certificate_reissues
from app.features.cases.service import Actor
from app.kernel import workdays
from app.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import Case

REASON_MAX = 500
ISSUER_ROLE = "medical_out_clerk"  # the transfer-out medical agency issued the certificate


class CertificateService:
    def __init__(self, db: Database, documents: CaseDocuments) -> None:
        self.db = db
        self.documents = documents
        self.clock = documents.clock

    def reissue(self, number: str, reason: str, actor: Actor) -> int:
        """Record a 补办 of the case's certificate; returns how many times it has been re-issued.

        Only the transfer-out medical clerk of the case's transfer-out region may, and only
        once the certificate has been issued (the suspension step recorded its number). The
        workflow is not touched: the re-issue is an audit event that the document reads."""
        reason = (reason or "").strip()
        with self.db.sessions() as session:
            case = session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
            if case is None:
                raise NotFound("办件不存在")
            insurances = case.insurances.split(",")
            if actor.role != ISSUER_ROLE or actor.region != case.transfer_out_region:
                raise Forbidden("只有转出地医保经办机构可以补办参保(合)凭证")
            if "medical" not in insurances:
                raise Forbidden("该办件不转移医疗保险，没有参保(合)凭证")
        if not reason:
            raise ValidationFailed(
                "请填写补办原因",
                [FieldError("reason", "补办原因：必填，请说明补办原因（如凭证遗失）")],
            )
        if len(reason) > REASON_MAX:
            raise ValidationFailed(
                "补办原因过长", [FieldError("reason", f"补办原因：不得超过 {REASON_MAX} 个字")]
            )
        if "\x00" in reason or reason.encode("utf-8", "replace").decode() != reason:
            # No database column can hold these (PostgreSQL refuses NUL in text and JSON).
            raise ValidationFailed(
                "补办原因含有不允许的字符",
                [FieldError("reason", "补办原因：含有不允许的字符（空字符或无效的 Unicode 编码）")],
            )
        certificate = self.documents.context(number).get("medical_certificate_number")
        if not certificate:
            raise Conflict("参保(合)凭证尚未出具，不能补办")
        now = self.clock.now()
        with self.db.transaction() as session:
            case_id = session.execute(select(Case.id).where(Case.number == number)).scalar_one()
            count = len(certificate_reissues(session, case_id)) + 1
            audit = AuditBuffer()
            audit.add(
                REISSUED,
                actor.name,
                now,
                case_id,
                certificate_number=certificate,
                reason=reason,
                on=workdays.local_date(now).isoformat(),
                count=count,
            )
            audit.flush(session)
        return count
