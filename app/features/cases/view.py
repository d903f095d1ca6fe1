"""What a clerk sees of one case: summary, materials, previous steps, current position, documents.

Unlike the worklist this reads the case's workflow data (one case, one page): from the hot
cache's workflow when current, else from the stored parts without restoring the workflow."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from typing import Any

from sqlalchemy import select

from app import documents
from app.engine import scripting, state
from app.engine.stored_data import StoredCase
from app.features.cases import page_rows, progress_text
from app.features.cases.documents import (
    DOCUMENT_INSURANCE,
    PRODUCED_BY,
    case_dates,
    personal_inputs,
)
from app.features.cases.read_models import (
    CaseDetail,
    CaseSummary,
    Diagram,
    DocumentLink,
    IntakeResult,
    Step,
    TaskInfo,
    TaskPage,
    _summary,
    _task_info,
)
from app.features.cases.repository import read_case
from app.features.cases.service import CaseService
from app.kernel import workdays
from app.kernel.errors import NotFound
from app.store import case_rows
from app.store.db import Database
from app.store.models import Case, CaseInput, HumanTask, ProcessVersion

BUNDLE = "one_thing_bundle"
# Documents a step produces or works from, (process id, task id) -> [(kind, insurance)].
STEP_DOCUMENTS: dict[tuple[str, str], list[tuple[str, str]]] = {
    (BUNDLE, "acceptance_review"): [("correction_notice", ""), ("refusal_decision", "")],
    (BUNDLE, "review"): [("completion_notice", ""), ("refusal_decision", "")],
    (BUNDLE, "deliver_on_site"): [
        ("completion_notice", ""),
        ("refusal_decision", ""),
        ("delivery_receipt", ""),
    ],
    (BUNDLE, "deliver_express"): [
        ("completion_notice", ""),
        ("refusal_decision", ""),
        ("delivery_receipt", ""),
    ],
    ("medical_transfer", "suspend_and_certify"): [("insurance_certificate", "")],
    ("medical_transfer", "contact_letter"): [
        ("insurance_certificate", ""),
        ("contact_letter", "medical"),
    ],
    ("medical_transfer", "correct_letter"): [("contact_letter", "medical")],
    ("medical_transfer", "transfer_out"): [
        ("contact_letter", "medical"),
        ("info_table", "medical"),
    ],
    ("medical_transfer", "correct_info"): [("info_table", "medical")],
    ("medical_transfer", "transfer_in"): [("info_table", "medical")],
    ("pension_transfer", "contact_letter"): [("contact_letter", "pension")],
    ("pension_transfer", "transfer_out"): [
        ("contact_letter", "pension"),
        ("info_table", "pension"),
    ],
    ("pension_transfer", "transfer_in"): [("info_table", "pension")],
    ("unemployment_transfer", "out_review"): [("contact_letter", "unemployment")],
    ("unemployment_transfer", "in_decision"): [
        ("contact_letter", "unemployment"),
        ("reply_letter", "unemployment"),
    ],
    ("unemployment_transfer", "out_conclude"): [("reply_letter", "unemployment")],
}
# A document exists once the step that issues it has recorded this value (or status).
_ISSUED_BY = {(kind, insurance or ""): key for (kind, insurance), key in PRODUCED_BY.items()}
_STATUS_DOCUMENT = {
    "correction_required": "correction_notice",
    "refused": "refusal_decision",
    "concluded": "completion_notice",
}


class CaseViews:
    def __init__(self, db: Database, cases: CaseService) -> None:
        self.db = db
        self.cases = cases
        self.clock = cases.clock

    # -- rows only -------------------------------------------------------------------------
    def task(self, task_id: int) -> TaskInfo | None:
        with self.db.engine.connect() as conn:
            return page_rows.task(conn, task_id)

    def summary(self, number: str) -> CaseSummary | None:
        with self.db.sessions() as session:
            row = session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
            return _summary(row) if row is not None else None

    def summary_by_id(self, case_id: int) -> CaseSummary:
        with self.db.sessions() as session:
            row = session.get(Case, case_id)
            if row is None:
                raise NotFound("办件不存在")
            return _summary(row)

    def intake_result(self, number: str) -> IntakeResult | None:
        """The acceptance decision a case was started with, and its 受理审查 task if open."""
        with self.db.sessions() as session:
            case = session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
            if case is None:
                return None
            start = (
                session.execute(
                    select(CaseInput.data)
                    .where(CaseInput.case_id == case.id, CaseInput.kind == "start")
                    .order_by(CaseInput.id)
                    .limit(1)
                ).scalar_one_or_none()
                or {}
            )
            review = session.execute(
                select(HumanTask).where(
                    HumanTask.case_id == case.id,
                    HumanTask.task_spec == "acceptance_review",
                    HumanTask.state.in_(("open", "claimed")),
                )
            ).scalar_one_or_none()
            return IntakeResult(
                number=case.number,
                decision=str(start.get("decision", case.decision)),
                reasons=list(start.get("reasons", [])),
                missing_materials=list(start.get("missing_materials", [])),
                transfer_in_region=case.transfer_in_region,
                acceptance_task=_task_info(review) if review is not None else None,
            )

    # -- with the workflow -----------------------------------------------------------------
    def detail(self, case_id: int) -> CaseDetail:
        return self._detail(case_id, None)[0]

    def task_page(self, task_id: int, task: TaskInfo | None = None) -> TaskPage:
        """The task's page; `task` is its row when the caller has just read it."""
        task = task or self.task(task_id)
        if task is None:
            raise NotFound("任务不存在")
        detail, prefill = self._detail(task.case_id, task.task_uuid if task.is_open else None)
        wanted = STEP_DOCUMENTS.get((task.process_id, task.task_spec), [])
        address = detail.delivery_address
        if task.task_spec == "deliver_express" and isinstance(address, dict):
            # The address the applicant gave: the clerk mails there unless told otherwise.
            parts = {"address": "", "recipient": "", "phone": "", **address}
            line = "{address}（收件人：{recipient}，电话：{phone}）".format_map(parts)
            prefill = {"mailing_address": line, **prefill}
        return TaskPage(task, detail, prefill, self.documents(detail, wanted))

    def _detail(self, case_id: int, task_uuid: str | None) -> tuple[CaseDetail, dict[str, Any]]:
        """The case with its merged data, and the data of one of its open tasks (the form's
        starting values)."""
        # One connection, Core statements (app.features.cases.page_rows): one snapshot.
        with self.db.engine.connect() as conn:
            case = self._case(conn, case_id)
            summary = _summary(case)
            tasks = page_rows.tasks(conn, case_id)
            names = page_rows.names(conn, case_id)
            steps = self._steps(conn, case_id, tasks, names)
            personal = personal_inputs(conn, case_id)
            # The hot cache's workflow if it is current (taken, so no writer shares it meanwhile;
            # put back after reading); else the data straight from the stored parts: restoring
            # the workflow costs more than the rest of the page, and with several server
            # processes the completion that follows often goes to another one anyway.
            entry = self.cases.workflows.take(case_id)
            stored = None
            if entry is None or entry.version != case.version:
                raw = case_rows.read_state(conn, case_id)
                stored = StoredCase({key: state.loads(value) for key, value in raw.items()})
        if stored is not None:
            if entry is not None:
                self.cases.workflows.put(case_id, entry)  # stale: the next use case replaces it
            data = {**stored.case_data(), **personal}
            task_data = stored.task_data(task_uuid) if task_uuid else {}
        else:
            assert entry is not None
            engine = self.cases.engine
            try:
                # Running subprocesses hold what their steps recorded so far (a letter number).
                data = {**engine.case_data(entry.workflow), **personal}
                task_data = engine.task_data(entry.workflow, task_uuid) if task_uuid else {}
            finally:
                self.cases.workflows.put(case_id, entry)  # reading did not change it
        application = data.get("application") or {}
        detail = CaseDetail(
            summary=summary,
            steps=steps,
            open_tasks=[t for t in tasks if t.is_open],
            delivery=str(application.get("delivery", data.get("delivery", ""))),
            materials=list(application.get("materials", [])),
            missing_materials=list(data.get("missing_materials") or []),
            reasons=list(data.get("reasons") or []),
            agent=application.get("agent"),
            delivery_address=application.get("delivery_address"),
            names=names,
            data=data,
        )
        return detail, task_data

    def documents(
        self, detail: CaseDetail, wanted: list[tuple[str, str]] | None = None
    ) -> list[DocumentLink]:
        """Documents of the case (or of one step): which can be printed now, and why not."""
        candidates = wanted if wanted is not None else self._issued(detail)
        links = []
        for kind, insurance in candidates:
            title = _document_title(kind, insurance)
            if kind == "refusal_decision":  # after acceptance a refusal is 不予办理
                title = documents.refusal_title(
                    {**detail.data, "decision": detail.summary.decision}
                )
            if not self._is_issued(detail, kind, insurance):
                links.append(DocumentLink(kind, insurance, title, False, "本环节办理后可打印"))
                continue
            try:
                documents.build(kind, self.document_context(detail, insurance))
            except documents.DocumentDataError as exc:
                links.append(DocumentLink(kind, insurance, title, False, exc.message_zh))
                continue
            links.append(DocumentLink(kind, insurance, title, True))
        return links

    def _issued(self, detail: CaseDetail) -> list[tuple[str, str]]:
        found = [
            (kind, ins)
            for (kind, ins) in _ISSUED_BY
            if (ins or DOCUMENT_INSURANCE.get(kind)) in detail.summary.insurances
        ]
        status_kind = _STATUS_DOCUMENT.get(detail.summary.status)
        if status_kind:
            found[:0] = [(status_kind, ""), ("delivery_receipt", "")]
        if detail.summary.accepted_at is not None:
            found.insert(0, ("acceptance_notice", ""))
        return [k for k in found if self._is_issued(detail, *k)]

    def _is_issued(self, detail: CaseDetail, kind: str, insurance: str) -> bool:
        key = _ISSUED_BY.get((kind, insurance))
        if key is not None:
            return detail.data.get(key) not in (None, "")
        if kind == "acceptance_notice":
            return detail.summary.accepted_at is not None
        if kind == "delivery_receipt":
            return detail.summary.status in _STATUS_DOCUMENT
        return _STATUS_DOCUMENT.get(detail.summary.status) == kind

    def document_context(self, detail: CaseDetail, insurance: str = "") -> dict[str, Any]:
        """The plain data a document builder reads (see app.documents.builders)."""
        summary = detail.summary
        context = dict(detail.data)
        context["case_number"] = summary.number
        context["issued_on"] = workdays.local_date(self.clock.now()).isoformat()
        context.update(case_dates(summary.accepted_at, summary.committed_due, summary.legal_due))
        context["deadlines_provisional"] = summary.deadlines_provisional
        if insurance:
            context["insurance"] = insurance
        submitted = context.get("submitted_at")
        if isinstance(submitted, str):
            with contextlib.suppress(ValueError):  # a malformed stamp: the date is optional
                context["submitted_on"] = workdays.local_date(
                    scripting.parse_instant(submitted)
                ).isoformat()
        region = summary.transfer_in_region
        try:
            context.setdefault(
                "committed_days", self.cases.engine.functions.limit("bundle.committed", region)
            )
            context.setdefault(
                "legal_days", self.cases.engine.functions.limit("bundle.legal", region)
            )
        except (RuntimeError, KeyError):
            pass  # the builders' defaults (seed 000) apply
        return context

    def diagram(self, summary: CaseSummary, process_id: str) -> Diagram:
        """The BPMN of the case's pinned version of a process and the elements it stands at."""
        version_id = (
            summary.process_version_id
            if process_id == BUNDLE
            else summary.pinned.get(process_id, 0)
        )
        with self.db.sessions() as session:
            xml = session.execute(
                select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
            ).scalar_one_or_none()
            open_rows = session.execute(
                select(HumanTask.process_id, HumanTask.task_spec).where(
                    HumanTask.case_id == summary.id, HumanTask.state.in_(("open", "claimed"))
                )
            ).all()
        if xml is None:
            raise NotFound("该流程版本不存在")
        current = sorted({spec for proc, spec in open_rows if proc == process_id})
        if process_id == BUNDLE:
            current += _call_activities(xml, {proc for proc, _ in open_rows if proc != BUNDLE})
        return Diagram(process_id, xml, current)

    # -- internals -------------------------------------------------------------------------
    def _case(self, session: Any, case_id: int) -> Any:
        record = read_case(session, case_id)
        if record is None:
            raise NotFound("办件不存在")
        return record

    def _steps(
        self, conn: Any, case_id: int, tasks: list[TaskInfo], names: dict[str, str]
    ) -> list[Step]:
        events = page_rows.step_events(conn, case_id)
        titles = {t.task_uuid: t.title for t in tasks}
        timers = page_rows.timer_labels(conn, case_id)
        people = {e.actor for e in events}
        people |= {(e.data or {}).get("to_assignee") for e in events if e.kind == "task_reassigned"}
        names.update(page_rows.names_of(conn, {p for p in people if p} - set(names)))
        steps = []
        for event in events:
            data = event.data or {}
            uuid = data.get("task", "")
            title = titles.get(uuid) or timers.get(uuid) or ""
            note = ""
            if event.kind == "task_reassigned":
                to = data.get("to_assignee") or ""
                where = "退回待办池" if data.get("to_pool") else f"改派给 {names.get(to, to)}"
                note = f"{where}；理由：{data.get('reason', '')}"
            elif event.kind == "case_created":
                title = ""  # the event's own label says it
            elif event.kind == "certificate_reissued":
                title = str(data.get("certificate_number", ""))
                note = f"第 {data.get('count', '')} 次补办；原因：{data.get('reason', '')}"
            steps.append(
                Step(
                    at=event.at,
                    actor=event.actor,
                    actor_name=names.get(event.actor, _system_name(event.actor)),
                    kind=event.kind,
                    title=title,
                    note=note,
                )
            )
        return steps


def _system_name(actor: str) -> str:
    if actor.startswith("peer:"):  # a letter from another deployment (features/cases/letters)
        return f"{progress_text.region_name(actor[5:])}经办机构（来函）"
    return {"system": "系统", "applicant": "申请人"}.get(actor, actor)


def _document_title(kind: str, insurance: str) -> str:
    prefix = {"pension": "养老保险", "medical": "医疗保险", "unemployment": "失业保险"}
    base = documents.DOCUMENT_KINDS.get(kind, kind)
    if insurance and kind in ("contact_letter", "info_table"):
        return f"{prefix[insurance]}{base}"
    return base


def _call_activities(xml: str, called: set[str]) -> list[str]:
    """Ids of the call activities (and the subprocesses around them) that call these processes."""
    if not called:
        return []
    ns = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    root = ET.fromstring(xml)
    found: list[str] = []
    for sub in root.iter(f"{ns}subProcess"):
        inner = [
            c.get("id", "")
            for c in sub.iter(f"{ns}callActivity")
            if c.get("calledElement") in called
        ]
        if inner:
            found.append(sub.get("id", ""))
            found.extend(inner)
    for call in root.iter(f"{ns}callActivity"):
        if call.get("calledElement") in called and call.get("id", "") not in found:
            found.append(call.get("id", ""))
    return found
