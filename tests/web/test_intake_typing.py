"""Window intake that forgives typing: mistyped ID numbers, phones and amounts are field errors
(nothing recorded), amounts may carry thousands separators, questions that do not apply are
not required, and 邮寄送达 collects the address that the clerk then sees."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.store.models import AuditEvent, Case, CaseInput
from app.web.schema_form import parse
from tests.conftest import freeze
from tests.web.clerk_support import START, Staff, office_of, staff_app
from tests.web.test_intake import FORM

ROOT = Path(__file__).parents[2]
ADDRESS = {
    "delivery_address.recipient": "李四",
    "delivery_address.phone": "13900000000",
    "delivery_address.address": "浙江省绍兴市越城区人民中路1号",
}


def _counts(office: Any) -> tuple[int, int]:
    with office.db.sessions() as session:
        cases = session.execute(select(func.count()).select_from(Case)).scalar_one()
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return int(cases), int(events)


def _application(office: Any, location: str) -> dict[str, Any]:
    number = location.rsplit("/", 1)[1]
    with office.db.sessions() as session:
        data = session.execute(
            select(CaseInput.data)
            .join(Case, Case.id == CaseInput.case_id)
            .where(Case.number == number, CaseInput.kind == "start")
        ).scalar_one()
    return dict(data["application"])


def _window(database_url: str, make_app: Any) -> tuple[Any, Staff]:
    app = staff_app(database_url, make_app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    clerk.get("/intake")  # signs in (the sign-in itself is audited), before counting
    return office_of(app), clerk


def test_a_mistyped_id_number_is_a_field_error_and_records_nothing(
    database_url: str, make_app: Any
) -> None:
    office, clerk = _window(database_url, make_app)
    before = _counts(office)
    # The check digit of 33060219900101123X is 1: one wrong character.
    response = clerk.post("/intake", {**FORM, "applicant.id_number": "33060219900101123X"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "身份证号码：身份证号码有误" in html and "校验码" in html
    assert 'value="33060219900101123X"' in html  # kept for correcting
    assert _counts(office) == before  # no case row, no audit event (no 不予受理 on record)


def test_a_mistyped_phone_is_a_field_error_and_records_nothing(
    database_url: str, make_app: Any
) -> None:
    office, clerk = _window(database_url, make_app)
    before = _counts(office)
    response = clerk.post("/intake", {**FORM, "applicant.phone": "138-abc"})
    assert response.status_code == 422
    assert "联系电话：电话号码格式不正确" in response.get_data(as_text=True)
    assert _counts(office) == before


def test_amounts_accept_thousands_separators(database_url: str, make_app: Any) -> None:
    office, clerk = _window(database_url, make_app)
    response = clerk.post(
        "/intake",
        {
            **FORM,
            "medical.account_balance": "3,456.78",
            "unemployment.receiving_benefit": "true",
            "unemployment.benefit_at_hukou": "true",
            "status.employment": "unemployed",
            "unemployment.monthly_benefit": "１，８００",
        },
    )
    assert response.status_code == 302
    application = _application(office, response.location)
    assert application["medical"]["account_balance"] == "3456.78"
    assert application["unemployment"]["monthly_benefit"] == "1800"


def test_junk_amounts_get_a_clear_error(database_url: str, make_app: Any) -> None:
    office, clerk = _window(database_url, make_app)
    before = _counts(office)
    response = clerk.post("/intake", {**FORM, "medical.account_balance": "3.456,78"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "医保个人账户余额（元）：金额格式不正确，应为如 1234.56 的金额" in html
    assert _counts(office) == before


def test_questions_that_do_not_apply_are_not_required(database_url: str, make_app: Any) -> None:
    office, clerk = _window(database_url, make_app)
    form = {
        k: v
        for k, v in FORM.items()
        if k
        not in (
            "unemployment.benefit_at_hukou",
            "unemployment.benefit_months_approved",
            "unemployment.benefit_months_paid",
            "unemployment.monthly_benefit",
        )
        and not k.startswith("medical.")
    }
    form["insurances"] = ["pension", "unemployment"]  # medical not chosen: its fields blank
    response = clerk.post("/intake", form)
    assert response.status_code == 302
    unemployment = _application(office, response.location)["unemployment"]
    assert unemployment == {"receiving_benefit": False, "contribution_months_at_transfer_out": 30}

    # Drawing benefit, the same questions are asked, each by its name.
    response = clerk.post("/intake", {**form, "unemployment.receiving_benefit": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "核定领取月数：正在领取失业保险金的，此项必填" in html
    assert "月失业保险金（元）：正在领取失业保险金的，此项必填" in html


def test_the_form_hides_what_does_not_apply_with_a_script_file(
    database_url: str, make_app: Any
) -> None:
    _, clerk = _window(database_url, make_app)
    html = clerk.get("/intake").get_data(as_text=True)
    for rule in (
        "unemployment.receiving_benefit=true",
        "insurances=medical",
        "insurances=unemployment",
        "insurances=pension",
        "delivery=express",
        "agent.present=employer",
    ):
        assert f'data-show-when="{rule}"' in html
    assert "js/show-when.js" in html
    assert "<script>" not in html  # CSP: no inline scripts
    start = html.index('<form method="post" class="form intake"')
    form = html[start : html.index("</form>", start)]
    assert form.rstrip().endswith("</button>")  # the submit button ends the form
    assert "十进制字符串" not in html


def test_express_delivery_needs_the_address(database_url: str, make_app: Any) -> None:
    office, clerk = _window(database_url, make_app)
    before = _counts(office)
    response = clerk.post("/intake", {**FORM, "delivery": "express"})
    assert response.status_code == 422
    assert "邮寄地址：选择邮寄送达的，须填写收件人、联系电话和收件地址" in response.get_data(
        as_text=True
    )
    response = clerk.post(
        "/intake", {**FORM, "delivery": "express", **ADDRESS, "delivery_address.phone": ""}
    )
    assert response.status_code == 422
    assert "收件人电话：必填项缺失" in response.get_data(as_text=True)
    assert _counts(office) == before

    response = clerk.post("/intake", {**FORM, "delivery": "express", **ADDRESS})
    assert response.status_code == 302
    number = response.location.rsplit("/", 1)[1]
    assert _application(office, response.location)["delivery_address"] == {
        "recipient": "李四",
        "phone": "13900000000",
        "address": "浙江省绍兴市越城区人民中路1号",
    }
    case = clerk.get(f"/cases/{number}").get_data(as_text=True)
    assert "邮寄地址" in case and "人民中路1号" in case and "李四" in case
    receipt = clerk.get(f"/cases/{number}/documents/acceptance_notice").get_data(as_text=True)
    assert "邮寄送达" in receipt and "人民中路1号" in receipt


def test_no_hint_says_decimal_string() -> None:
    """Hints are for people: amounts are “金额（元）”, never “十进制字符串”."""
    places = [*(ROOT / "forms").glob("*.json"), *(ROOT / "app").rglob("*.py")]
    places += list((ROOT / "app").rglob("*.html"))
    offenders = [str(p.relative_to(ROOT)) for p in places if "十进制字符串" in p.read_text("utf-8")]
    assert offenders == []
    assert not re.search("十进制", (ROOT / "app" / "rules" / "application_schema.py").read_text())


def test_task_forms_read_amounts_with_separators_too() -> None:
    schema = {
        "properties": {
            "amount": {"type": "string", "pattern": "^(0|[1-9][0-9]*)(\\.[0-9]{1,2})?$"},
            "note": {"type": "string"},
        }
    }
    data, errors = parse(schema, {"amount": ["3,456.78"], "note": ["3,456.78"]})
    assert (data, errors) == ({"amount": "3456.78", "note": "3,456.78"}, [])
