"""Any valid region code gives a case its documents; a step whose document cannot be built
does not complete (issue 15 item 1)."""

from __future__ import annotations

from typing import Any

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
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
