"""The documents of a real demo case: its 参保(合)凭证 and 联系函 carry the case's own data and the
balance in capital numerals (issue 3 acceptance)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.bootstrap import Backoffice
from app.documents import render_html
from app.entrypoints.demo_cases import load_cases
from app.store.models import Case


def test_certificate_and_contact_letter_of_a_demo_case(backoffice: Backoffice) -> None:
    load_cases(backoffice)
    with backoffice.db.sessions() as session:
        number, name = session.execute(
            select(Case.number, Case.applicant_name).where(Case.status == "concluded")
        ).first()
    context = backoffice.documents.context(number)
    letter = render_html("contact_letter", {**context, "insurance": "medical"})
    assert "联系函" in letter and name in letter and number in letter
    assert context["medical_contact_letter_number"] in letter
    assert re.search(r"330602\*{8}\d{3}[\dX]", letter)  # masked ID number only

    # What the transfer-out agency adds when it issues the certificate (seed 003 fields).
    certificate = render_html(
        "insurance_certificate",
        {
            **context,
            "household_head": {
                "name": "王建国",
                "id_number": context["application"]["applicant"]["id_number"],
            },
            "insured_from": "2015-07",
            "insured_to": "2026-09",
            "benefits_from": "2015-08-01",
            "benefits_to": "2026-09-30",
            "contact_person": "李四",
        },
    )
    # The number the transfer-out agency gave the certificate at the 联系函 step.
    assert context["medical_certificate_number"] == "（浙）（杭州市）（2026）第 000123 号"
    assert "（浙）（杭州市）（2026）第 000123 号" in certificate
    assert name in certificate
    assert "壹仟贰佰叁拾肆元伍角陆分" in certificate  # the demo balance 1234.56 in 大写
    assert "1,234.56" in certificate
    for copy in ("第一联", "第二联", "第三联"):
        assert copy in certificate
