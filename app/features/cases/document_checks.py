"""No step completes, and no case concludes, while a document it issues cannot be built."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from app.documents import DOCUMENT_KINDS, DocumentDataError, build
from app.features.cases.documents import (
    CANDIDATES,
    DOCUMENT_INSURANCE,
    INSURANCE_ZH,
    PRODUCED_BY,
    personal_inputs,
)
from app.features.cases.repository import CaseRecord, StatusCheck
from app.features.cases.service import CaseService, StepCheck
from app.kernel.errors import FieldError, ValidationFailed
from app.store.audit_log import AuditBuffer

# The steps that issue a document (the form field marking it, documents.PRODUCED_BY): the
# clerk completes them with the document in hand, so it must be buildable then.
STEP_DOCUMENTS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("medical_transfer", "suspend_and_certify"): ("insurance_certificate", None),
    ("medical_transfer", "contact_letter"): ("contact_letter", "medical"),
    ("medical_transfer", "correct_letter"): ("contact_letter", "medical"),
    ("medical_transfer", "transfer_out"): ("info_table", "medical"),
    ("medical_transfer", "correct_info"): ("info_table", "medical"),
    ("pension_transfer", "contact_letter"): ("contact_letter", "pension"),
    ("pension_transfer", "transfer_out"): ("info_table", "pension"),
    ("unemployment_transfer", "out_review"): ("contact_letter", "unemployment"),
    ("unemployment_transfer", "in_decision"): ("reply_letter", "unemployment"),
}


def title(kind: str, insurance: str | None) -> str:
    return DOCUMENT_KINDS[kind] + (f"（{INSURANCE_ZH[insurance]}）" if insurance else "")


def _failure(
    kind: str, insurance: str | None, error: DocumentDataError, what: str
) -> ValidationFailed:
    message = f"《{title(kind, insurance)}》无法生成，{what}：{error.message_zh}"
    return ValidationFailed(message, [FieldError(error.field, message)])


def _try(kind: str, insurance: str | None, context: Mapping[str, Any], what: str) -> None:
    data = {**context, "insurance": insurance} if insurance else dict(context)
    try:
        build(kind, data)
    except DocumentDataError as error:
        raise _failure(kind, insurance, error, what) from None


def _step_check(kind: str, insurance: str | None) -> StepCheck:
    marker = PRODUCED_BY[(kind, insurance)]

    def check(before: dict[str, Any], submitted: dict[str, Any], now: datetime) -> None:
        if submitted.get(marker):  # this step issues the document
            merged = {**before, **submitted, "issued_on": now}
            _try(kind, insurance, merged, "本步骤不能办结")

    return check


def required(context: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The documents a concluded case has issued or issues: each one a step marked as issued,
    and the 办结通知书."""
    applied = context.get("insurances") or []
    found: list[tuple[str, str | None]] = []
    for kind, insurance in CANDIDATES:
        marker = PRODUCED_BY.get((kind, insurance))
        belongs = insurance or DOCUMENT_INSURANCE.get(kind)
        if marker and context.get(marker) and (belongs is None or belongs in applied):
            found.append((kind, insurance))
    return [*found, ("completion_notice", None)]


# The documents the transfer-out agency's steps issue (the `_out` participants' steps above).
# When that agency runs its own deployment, it built them there (its step checks) with the
# personal data its clerk entered, which never travels: this deployment does not rebuild them.
OUT_AGENCY_DOCUMENTS = frozenset(
    {
        ("insurance_certificate", None),
        ("info_table", "medical"),
        ("info_table", "pension"),
        ("contact_letter", "unemployment"),
    }
)


def conclusion_check(local_regions: Callable[[str], bool]) -> StatusCheck:
    """The check run inside the use case that concludes a case: a document that cannot be
    built stops it (the transaction rolls back), so no case is 已办结 without its documents.
    `local_regions(region)`: whether this deployment serves that region's agency."""

    def check(
        conn: Connection, case: CaseRecord, audit: AuditBuffer, now: datetime, data: dict[str, Any]
    ) -> None:
        if case.status != "concluded":
            return
        context = {
            **data,
            **personal_inputs(conn, case.id),
            "case_number": case.number,
            "issued_on": now,
        }
        elsewhere = not local_regions(case.transfer_out_region)
        for kind, insurance in required(context):
            if elsewhere and (kind, insurance) in OUT_AGENCY_DOCUMENTS:
                continue
            _try(kind, insurance, context, "办件不能办结")

    return check


def install(cases: CaseService, local_regions: Callable[[str], bool] = lambda _r: True) -> None:
    """Each check sees the step's form with what its hooks derived (part of the document)."""
    for step, (kind, insurance) in STEP_DOCUMENTS.items():
        cases.step_checks[step] = _step_check(kind, insurance)
    cases.store.status_checks.append(conclusion_check(local_regions))
