"""Any valid region code gives a case its documents; a step whose document cannot be built
does not complete (issue 15 item 1)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.features.intake.applications import start_data
from app.kernel.errors import ValidationFailed
from app.rules.acceptance import Decision, decide
from tests.conftest import freeze
from tests.helpers import case_row, complete, scenario


def _kinds(office: Backoffice, number: str) -> set[tuple[str, Any]]:
    return {(d.kind, d.insurance) for d in office.documents.available(number)}


def test_a_hangzhou_xihu_hukou_gets_every_document(backoffice: Backoffice) -> None:
    """330106 杭州市西湖区 is a valid 户籍 code: the 参保(合)凭证 and 医疗保险信息表 are built."""
    freeze("2026-09-28T09:00:00+08:00")
    story = scenario("bundle_all_three_success")
    story["application"]["applicant"]["hukou_region"] = "330106"
    number = backoffice.applications.submit(
        story["application"], Actor("p", "applicant")
    ).case_number
    for step in story["steps"]:
        if "task" in step:
            complete(backoffice, number, step)
    assert case_row(backoffice, number).status == "concluded"
    kinds = _kinds(backoffice, number)
    assert ("insurance_certificate", None) in kinds
    assert ("info_table", "medical") in kinds
    html = backoffice.documents.issue(number, "insurance_certificate", None, "html", "clerk")
    assert "杭州市西湖区" in str(html)


def _start_unchecked(office: Backoffice, application: dict[str, Any], where: str) -> str:
    """A case whose application no longer passes intake (accepted before region codes were
    checked against the division data): started as the bundle starts it."""
    decision = decide(application, today=date(2026, 9, 28))
    assert [e.field for e in decision.errors] == [where], decision  # only the region refused
    decision = Decision("accepted", [], [], [])
    started = office.cases.start_case(start_data(application, decision), Actor("p", "applicant"))
    return started.number


def test_a_step_whose_document_cannot_be_built_does_not_complete(
    backoffice: Backoffice,
) -> None:
    """Only the guard catches it: without it the step completes and the 参保(合)凭证 is
    silently missing from the case's documents."""
    freeze("2026-09-28T09:00:00+08:00")
    story = scenario("bundle_all_three_success")
    story["application"]["applicant"]["hukou_region"] = "339999"  # no such division
    number = _start_unchecked(backoffice, story["application"], "/applicant/hukou_region")
    steps = [s for s in story["steps"] if "task" in s]
    complete(backoffice, number, next(s for s in steps if s["task"] == "review"))
    suspend = next(s for s in steps if s["task"] == "suspend_and_certify")
    with pytest.raises(ValidationFailed) as e:
        complete(backoffice, number, suspend)
    assert "《参保(合)凭证》无法生成" in str(e.value)
    assert "339999" in str(e.value) and "不是有效的行政区划代码" in str(e.value)
    [error] = e.value.errors
    assert error.field == "application.applicant.hukou_region"
    task = backoffice.scenarios.open_task(number, "suspend_and_certify", "medical_transfer")
    assert task is not None  # still open: nothing of the step was saved


def test_a_case_does_not_conclude_while_its_completion_notice_cannot_be_built(
    backoffice: Backoffice,
) -> None:
    """Unemployment only, refused at transfer-out: no step issues a document on the way, so
    only the conclusion's check sees that the 办结通知书 cannot name the transfer-out region."""
    freeze("2026-09-28T09:00:00+08:00")
    story = scenario("unemployment_cross_province_relationship_only")
    story["application"]["transfer_out_region"] = "519999"  # no such division
    number = _start_unchecked(backoffice, story["application"], "/transfer_out_region")
    steps = [s for s in story["steps"] if "task" in s]
    complete(backoffice, number, next(s for s in steps if s["task"] == "review"))
    refusal = {
        "task": "out_review",
        "process": "unemployment_transfer",
        "data": {"unemployment_out_approved": False, "unemployment_out_refusal_reasons": ["x"]},
    }
    with pytest.raises(ValidationFailed) as e:
        complete(backoffice, number, refusal)
    assert "《办结通知书》无法生成，办件不能办结" in str(e.value)
    assert "519999" in str(e.value)
    assert case_row(backoffice, number).status == "in_transfer"  # not 已办结
    assert backoffice.scenarios.open_task(number, "out_review", "unemployment_transfer")
