"""The applicant's view of a case: lookup by case number + ID number, plain-language status,
history for integration clients, 好差评 ratings, and answering a 一次性告知."""

from __future__ import annotations

import hmac
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.documents.labels import INSURANCE_ZH
from app.features.cases.progress_text import (
    insurance_progress,
    region_name,
    status_text,
)
from app.features.cases.service import Actor, id_digest
from app.features.cases.snapshot import CaseSnapshot, snapshot
from app.kernel import workdays
from app.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.rules.acceptance import Decision as RuleDecision
from app.rules.acceptance import explain
from app.rules.id_number import mask_id_number
from app.store.audit_log import AuditBuffer
from app.store.models import AuditEvent, Case, HumanTask, Notification, Rating

if TYPE_CHECKING:
    from app.features.cases.documents import CaseDocuments
    from app.features.cases.service import CaseService
    from app.kernel.workdays import WorkingCalendar

CASE_NUMBER = re.compile(r"^[0-9]{6}-[0-9]{4}-[0-9]{6}$")
ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
RATING_LEVELS = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
COMMENT_MAX = 500
FINISHED = ("concluded", "refused", "completed")
# Documents addressed to the applicant; letters and tables between agencies are not theirs.
APPLICANT_DOCUMENTS = (
    "acceptance_notice",
    "correction_notice",
    "refusal_decision",
    "completion_notice",
    "insurance_certificate",
)


def normalize_case_number(text: str) -> str | None:
    cleaned = (text or "").strip()
    return cleaned if CASE_NUMBER.match(cleaned) else None


def mask_ids(value: Any) -> Any:
    """Every ID-number-like string inside a JSON value, masked (history leaves the building)."""
    if isinstance(value, str):
        return ID_LIKE.sub(lambda m: mask_id_number(m.group(0)), value)
    if isinstance(value, list):
        return [mask_ids(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_ids(v) for k, v in value.items()}
    return value


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def working_days_left(
    today: date, due: date, calendar: workdays.WorkingCalendar | None = None
) -> tuple[int, bool]:
    """Working days from today to the due day; (count, provisional) when a year is unloaded."""
    try:
        return (calendar or workdays.default_calendar).working_days_between(today, due), False
    except workdays.CalendarGapError:
        days = 0
        day = today
        while day < due:
            day += timedelta(days=1)
            days += day.weekday() < 5
        return days, True


class PortalService:
    def __init__(
        self, cases: CaseService, documents: CaseDocuments, calendar: WorkingCalendar
    ) -> None:
        self.cases = cases
        self.case_documents = documents
        self.calendar = calendar
        self.clock = cases.clock
        self.db = cases.db

    # -- lookup --------------------------------------------------------------------------
    def verify(self, number: str, id_number: str) -> str | None:
        """The case number when the ID number is the applicant's; None otherwise (the same
        answer for an unknown case, so numbers cannot be probed)."""
        number_ok = normalize_case_number(number)
        if number_ok is None or not id_number:
            return None
        with self.db.sessions() as session:
            digest = session.execute(
                select(Case.applicant_id_digest).where(Case.number == number_ok)
            ).scalar_one_or_none()
        given = id_digest(id_number.strip())
        if digest is None or not hmac.compare_digest(digest, given):
            return None
        return number_ok

    def _snapshot(self, number: str) -> CaseSnapshot:
        found = snapshot(self.cases, number) if normalize_case_number(number) else None
        if found is None:
            raise NotFound(f"办件 {number} 不存在")
        return found

    # -- status --------------------------------------------------------------------------
    def status(self, number: str) -> dict[str, Any]:
        """Bundle and per-insurance status in plain Chinese, deadlines, warnings, documents."""
        snap = self._snapshot(number)
        return self.status_of(snap)

    def status_of(self, snap: CaseSnapshot) -> dict[str, Any]:
        case, data = snap.case, snap.data
        decision = str(data.get("decision") or case.decision)
        reasons = [str(r) for r in data.get("reasons") or []]
        missing = [str(m) for m in data.get("missing_materials") or []]
        status = str(case.status)
        deadlines = None
        left = None
        if case.committed_due is not None and case.legal_due is not None:
            deadlines = {
                "committed": case.committed_due.isoformat(),
                "legal": case.legal_due.isoformat(),
                "provisional": bool(case.deadlines_provisional),
            }
            if case.completed_at is None:
                today = workdays.local_date(self.clock.now())
                left, _ = working_days_left(today, case.committed_due, self.calendar)
        return {
            "case_number": case.number,
            "status": status,
            "status_text": status_text(snap),
            "decision": decision,
            "reasons": reasons,
            "missing_materials": missing,
            "explanation": self._explanation(snap, decision, reasons, missing),
            "applicant": {
                "name": case.applicant_name,
                "id_number_masked": case.applicant_id_masked,
            },
            "channel": case.channel,
            "delivery": data.get("delivery"),
            "transfer_out_region": case.transfer_out_region,
            "transfer_out_region_name": region_name(case.transfer_out_region),
            "transfer_in_region": case.transfer_in_region,
            "transfer_in_region_name": region_name(case.transfer_in_region),
            "insurances": [
                {
                    "insurance": ins,
                    "name": INSURANCE_ZH.get(ins, ins),
                    **insurance_progress(snap, ins),
                }
                for ins in snap.insurances
            ],
            "submitted_at": _iso(case.created_at),
            "accepted_at": _iso(case.accepted_at),
            "completed_at": _iso(case.completed_at),
            "delivered_at": data.get("delivered_at")
            if isinstance(data.get("delivered_at"), str)
            else None,
            "deadlines": deadlines,
            "working_days_left": left,
            "warnings": self._warnings(snap),
            "documents": self.documents(case.number),
        }

    def _explanation(
        self, snap: CaseSnapshot, decision: str, reasons: list[str], missing: list[str]
    ) -> list[str]:
        if decision not in ("accepted", "correction_required", "refused"):
            return []
        lines = explain(RuleDecision(decision, reasons, missing))  # type: ignore[arg-type]
        review_reasons = snap.data.get("review_reasons") or []
        if snap.case.status == "refused" and snap.data.get("refusal_stage") == "review":
            lines = [*map(str, review_reasons), *explain(RuleDecision("refused"))]
        return lines

    def _warnings(self, snap: CaseSnapshot) -> list[dict[str, str]]:
        case = snap.case
        warnings = []
        if case.overdue:
            warnings.append(
                {"code": "legal_deadline_passed", "message": "已超过法定办结时限，已启动超期督办。"}
            )
        elif case.warned:
            warnings.append(
                {
                    "code": "committed_deadline_passed",
                    "message": "已超过承诺办结时限，已启动督办，工作人员正在加快办理。",
                }
            )
        if case.deadlines_provisional and case.completed_at is None:
            warnings.append(
                {
                    "code": "deadline_provisional",
                    "message": "办结期限跨入节假日安排尚未公布的年度，日期按周末规则暂定，公布后自动更新。",
                }
            )
        if case.status == "correction_required":
            warnings.append(
                {
                    "code": "correction_required",
                    "message": "请按《补正材料一次性告知书》一次补齐全部材料后重新提交，重新受理后时限重新起算。",
                }
            )
        return warnings

    # -- messages (the outbox of app.features.cases.notifier) -------------------------------------
    def messages(self, number: str, limit: int = 50) -> list[Notification]:
        """The applicant's messages about a case, newest first."""
        with self.db.sessions() as session:
            return list(
                session.execute(
                    select(Notification)
                    .join(Case, Case.id == Notification.case_id)
                    .where(Case.number == number)
                    .order_by(Notification.id.desc())
                    .limit(limit)
                ).scalars()
            )

    # -- history -------------------------------------------------------------------------
    def history(self, number: str) -> dict[str, Any]:
        if normalize_case_number(number) is None:  # e.g. a NUL byte PostgreSQL would reject
            raise NotFound(f"办件 {number} 不存在")
        with self.db.sessions() as session:
            case_id = session.execute(
                select(Case.id).where(Case.number == number)
            ).scalar_one_or_none()
            if case_id is None:
                raise NotFound(f"办件 {number} 不存在")
            events = session.execute(
                select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
            ).scalars()
            items = [
                {
                    "seq": e.seq,
                    "kind": e.kind,
                    "at": e.at.isoformat(),
                    "actor": mask_ids(e.actor),
                    "data": mask_ids(e.data),
                }
                for e in events
            ]
        return {"case_number": number, "events": items}

    # -- documents (electronic delivery) -------------------------------------------------
    def documents(self, number: str) -> list[dict[str, str]]:
        """The applicant's documents that are ready: [{kind, title}]."""
        return [
            {"kind": ref.kind, "title": ref.title}
            for ref in self.case_documents.available(number)
            if ref.kind in APPLICANT_DOCUMENTS and ref.insurance is None
        ]

    def document_pdf(self, number: str, kind: str, actor: str) -> tuple[str, bytes]:
        """(file name, PDF) of a ready applicant document; NotFound otherwise. Audited."""
        if normalize_case_number(number) is None:
            raise NotFound(f"办件 {number} 不存在")
        if kind not in {d["kind"] for d in self.documents(number)}:
            raise NotFound("该办件没有这份文书，或文书尚未生成")
        content = self.case_documents.issue(number, kind, None, "pdf", actor)
        assert isinstance(content, bytes)
        return f"{number}-{kind}.pdf", content

    # -- rating (好差评) ------------------------------------------------------------------
    def rating(self, number: str) -> Rating | None:
        with self.db.sessions() as session:
            found: Rating | None = session.execute(
                select(Rating).join(Case, Case.id == Rating.case_id).where(Case.number == number)
            ).scalar_one_or_none()
        return found

    def rate(self, number: str, level: Any, comment: str, actor: Actor) -> None:
        """One rating per finished case: five levels, optional comment; audited."""
        errors = []
        try:
            value = int(level)
        except (TypeError, ValueError):
            value = 0
        if value not in RATING_LEVELS:
            errors.append(FieldError("level", "请选择1至5星的评价等级"))
        comment = (comment or "").strip()
        if len(comment) > COMMENT_MAX:
            errors.append(FieldError("comment", f"评价内容不能超过{COMMENT_MAX}字"))
        elif "\x00" in comment or comment.encode("utf-8", "replace").decode() != comment:
            errors.append(FieldError("comment", "评价内容含有不允许的字符"))
        if errors:
            raise ValidationFailed("评价填写有误", errors)
        now = self.clock.now()
        audit = AuditBuffer()
        try:
            with self.db.transaction() as session:
                case = session.execute(
                    select(Case).where(Case.number == number)
                ).scalar_one_or_none()
                if case is None:
                    raise NotFound(f"办件 {number} 不存在")
                if case.completed_at is None or case.status not in FINISHED:
                    raise Conflict("办件办结后才能评价")
                exists = session.execute(select(Rating.id).where(Rating.case_id == case.id)).first()
                if exists is not None:
                    raise Conflict("该办件已评价，每个办件只能评价一次")
                session.add(Rating(case_id=case.id, level=value, comment=comment, created_at=now))
                session.flush()
                audit.add(
                    "rating_submitted", actor.name, now, case.id, level=value, comment=comment
                )
                audit.flush(session)
        except IntegrityError as exc:  # two submissions at the same moment
            raise Conflict("该办件已评价，每个办件只能评价一次") from exc

    def ratings(self, region: str, page: int = 1, per_page: int = 50) -> list[dict[str, Any]]:
        """Ratings of a transfer-in region, newest first (for supervisors)."""
        with self.db.sessions() as session:
            rows = session.execute(
                select(Case.number, Rating.level, Rating.comment, Rating.created_at)
                .join(Case, Case.id == Rating.case_id)
                .where(Case.transfer_in_region == region)
                .order_by(Rating.id.desc())
                .limit(per_page)
                .offset((max(page, 1) - 1) * per_page)
            ).all()
        return [
            {"case_number": r.number, "level": r.level, "comment": r.comment, "at": r.created_at}
            for r in rows
        ]

    # -- 一次性告知: the applicant's answer ---------------------------------------------------
    def supplement_task(self, number: str) -> HumanTask | None:
        with self.db.sessions() as session:
            found: HumanTask | None = session.execute(
                select(HumanTask)
                .join(Case, Case.id == HumanTask.case_id)
                .where(
                    Case.number == number,
                    HumanTask.task_spec == "supplement_materials",
                    HumanTask.state.in_(("open", "claimed")),
                )
                .order_by(HumanTask.id)
                .limit(1)
            ).scalar_one_or_none()
        return found

    def supplement(self, number: str, materials: list[str], note: str) -> None:
        """Complete the applicant's 补正材料 task; the acceptance is decided again."""
        task = self.supplement_task(number)
        if task is None:
            raise Conflict("该办件当前无需补正材料，请刷新页面查看最新状态")
        data: dict[str, Any] = {"supplemented_materials": materials}
        if note.strip():
            data["supplement_note"] = note.strip()
        self.cases.complete_task(task.id, data, Actor("applicant", "applicant", task.region))
