"""Window intake in one step: typing errors first, then the case and its 受理审查 at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select

from app.features.cases.service import Actor
from app.features.intake.applications import ApplicationService, Submitted
from app.kernel import workdays
from app.kernel.errors import Conflict, FieldError, ValidationFailed, WorkflowFailed
from app.rules.application_schema import validate_application
from app.rules.id_number import InvalidIdNumber, parse_id_number
from app.store.models import Case

REVIEW_TASK = "acceptance_review"


def typing_errors(application: Any, today: date) -> list[FieldError]:
    """What the clerk mistyped: the schema, the ID number's check digit and an empty choice of
    insurances are field errors at the window, never a recorded 不予受理 (the API keeps
    `invalid_id_number` as a decision, contracts §4)."""
    errors = validate_application(application, today=today)
    if not isinstance(application, dict):
        return errors
    if application.get("insurances") == []:
        errors.append(FieldError("/insurances", "请至少选择一个需要转移的险种"))
    applicant = application.get("applicant")
    id_number = applicant.get("id_number") if isinstance(applicant, dict) else None
    if isinstance(id_number, str) and not any(e.field == "/applicant/id_number" for e in errors):
        try:
            parse_id_number(id_number, today)
        except InvalidIdNumber as exc:
            errors.append(FieldError("/applicant/id_number", f"身份证号码有误：{exc}"))
    return errors


def decide_at_window(
    applications: ApplicationService,
    application: dict[str, Any],
    actor: Actor,
    *,
    system_has_id_data: bool = True,
) -> Submitted:
    """Start the case and record the window's 受理审查 as the rules decided it, so the clerk
    submits once and sees the decision (with its 受理回执, 一次性告知书 or 不予受理决定书).

    Two use cases, each one transaction: should the second lose a race, the case keeps its open
    受理审查 task and the clerk completes it from the worklist as before."""
    today = workdays.local_date(applications.clock.now())
    errors = typing_errors(application, today)
    if errors:
        raise ValidationFailed("申请表填写有误，请按提示修改", errors)
    submitted = applications.submit(application, actor, system_has_id_data=system_has_id_data)
    review = next((t for t in submitted.opened if t.task_spec == REVIEW_TASK), None)
    if review is None:
        return submitted
    decision = submitted.decision
    form: dict[str, Any] = {"decision": decision.decision}
    if decision.reasons:
        form["reasons"] = list(decision.reasons)
    if decision.missing_materials:
        form["missing_materials"] = list(decision.missing_materials)
    try:
        opened = applications.cases.complete_task(review.id, form, actor)
    except (Conflict, WorkflowFailed):
        return submitted  # the case stands; its 受理审查 waits on the worklist
    with applications.cases.db.sessions() as session:
        committed, legal, provisional = session.execute(
            select(Case.committed_due, Case.legal_due, Case.deadlines_provisional).where(
                Case.number == submitted.case_number
            )
        ).one()
    return replace(
        submitted,
        opened=opened,
        committed=committed,
        legal=legal,
        provisional=bool(provisional),
    )
