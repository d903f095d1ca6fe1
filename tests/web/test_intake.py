"""Window intake: the clerk's form produces the application JSON of contracts §3 and the
acceptance decision comes back at once; bad input names the field and opens no case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.features.cases.service import Actor
from app.store.models import AuditEvent, Case, CaseInput
from tests.conftest import freeze
from tests.helpers import events_of_kind, tasks
from tests.web.clerk_support import START, Staff, application, office_of, staff_app

# What the window clerk types for the scenario's applicant (the form's field names).
FORM = {
    "applicant.name": "张三",
    "applicant.id_number": "330602 19900101 1231",
    "applicant.phone": "13800000000",
    "applicant.hukou_region": "330602",
    "applicant.hukou_type": "urban",
    "agent.present": "none",
    "insurances": ["pension", "medical", "unemployment"],
    "transfer_out_region": "330100",
    "status.retired": "false",
    "status.insured_at_transfer_out": "false",
    "status.employment": "employed",
    "status.first_insured_in_zhejiang": "2012-05-01",
    "medical.unsettled_expenses": "false",
    "medical.account_credited": "true",
    "medical.account_overdrawn": "false",
    "medical.account_balance": "1234.56",
    "unemployment.receiving_benefit": "false",
    "unemployment.benefit_at_hukou": "false",
    "unemployment.contribution_months_at_transfer_out": "30",
    "unemployment.benefit_months_approved": "12",
    "unemployment.benefit_months_paid": "3",
    "unemployment.monthly_benefit": "1800.00",
    "pension.contribution_months": "96",
    "materials": ["application_form"],
    "delivery": "electronic",
}


def _cases(office: Any) -> int:
    with office.db.sessions() as session:
        return int(session.execute(select(func.count()).select_from(Case)).scalar_one())


def _events(office: Any) -> int:
    with office.db.sessions() as session:
        return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def _start_data(office: Any, number: str) -> dict[str, Any]:
    with office.db.sessions() as session:
        return dict(
            session.execute(
                select(CaseInput.data)
                .join(Case, Case.id == CaseInput.case_id)
                .where(Case.number == number, CaseInput.kind == "start")
            ).scalar_one()
        )


def test_window_intake_produces_the_contract_json_and_decides_at_once(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    assert "窗口受理" in clerk.get("/intake").get_data(as_text=True)

    response = clerk.post("/intake", FORM)
    assert response.status_code == 302
    number = response.location.rsplit("/", 1)[1]
    # Exactly the JSON an online application carries, with the window channel.
    assert _start_data(office, number)["application"] == application(channel="window")
    result = clerk.get(response.location).get_data(as_text=True)
    assert "受理审查结果：予以受理" in result
    # One step: the 受理审查 is recorded with the submission, by the clerk, as the rules decided.
    (review,) = tasks(office, number, "completed")
    assert (review.task_spec, review.completed_by) == ("acceptance_review", "window_clerk_330602")
    assert "acceptance_review" not in [t.task_spec for t in tasks(office, number, "open")]
    assert f"/cases/{number}/documents/acceptance_notice" in result
    receipt = clerk.get(f"/cases/{number}/documents/acceptance_notice")
    assert receipt.status_code == 200
    text = receipt.get_data(as_text=True)
    assert "受理通知书" in text and number in text and "张三" in text
    assert "基本养老保险" in text or "养老保险" in text
    assert "承诺办结时限" in text and "法定办结时限" in text and "电子文件网上送达" in text


def test_missing_material_gives_the_one_time_notice(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    form = {
        **FORM,
        "materials": [],
        "agent.present": "employer",
        "agent.name": "绍兴某某有限公司",
        "agent.credit_code": "91330602MA2BCDEF1X",
    }
    response = clerk.post("/intake", form)
    assert response.status_code == 302
    result = clerk.get(response.location).get_data(as_text=True)
    assert "一次性告知补正材料" in result
    assert "联办申请表" in result and "加盖单位公章" in result


def test_refusal_states_reasons_and_remedies(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    response = clerk.post("/intake", {**FORM, "status.retired": "true"})
    result = clerk.get(response.location).get_data(as_text=True)
    assert "受理审查结果：不予受理" in result
    assert "退休人员不予办理" in result and "行政复议" in result


def test_bad_input_names_the_fields_keeps_the_input_and_opens_no_case(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    form = {
        **FORM,
        "applicant.phone": "",
        "medical.account_balance": "12,34",
        "pension.contribution_months": "九十六",
        "status.retired": "",
    }
    response = clerk.post("/intake", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "联系电话：必填项缺失" in html
    assert "医保个人账户余额（元）：金额格式不正确" in html
    assert "养老保险缴费月数：类型错误，应为整数" in html
    assert "是否已退休：必填项缺失" in html
    assert 'value="九十六"' in html and 'value="张三"' in html
    assert _cases(office) == 0


def test_only_window_clerks_take_applications(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    reviewer = Staff(app, "reviewer_330602")
    assert reviewer.get("/intake").status_code == 403
    assert reviewer.post("/intake", FORM).status_code == 403
    assert _cases(office) == 0
    denied = [e for e in events_of_kind(office, "access_denied") if e.actor == "reviewer_330602"]
    assert len(denied) == 2 and denied[0].data["path"] == "/intake"


def test_intake_result_is_for_the_window_of_the_case_region(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    freeze(START)
    response = Staff(app, "window_clerk_330602").post("/intake", FORM)
    other = Staff(app, "window_clerk_330304").get(response.location)
    assert other.status_code == 403


def test_transfer_in_region_is_the_clerks_own(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    freeze(START)
    # A crafted field cannot move the case to another region's window.
    response = Staff(app, "window_clerk_330602").post(
        "/intake", {**FORM, "transfer_in_region": "330304"}
    )
    number = response.location.rsplit("/", 1)[1]
    assert _start_data(office, number)["application"]["transfer_in_region"] == "330602"


def test_expired_session_keeps_what_the_clerk_typed(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    token = clerk.token("/intake")
    # An hour idle in real time (sessions run on wall time, not on the app clock).
    office.accounts.wall = lambda: datetime.now(UTC) + timedelta(hours=1)
    response = clerk.client.post("/intake", data={**FORM, "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.location
    assert _cases(office) == 0
    clerk.client.post(
        response.location,
        data={
            "username": "window_clerk_330602",
            "password": "demo1234",
            "csrf_token": clerk.token("/login"),
        },
    )
    page = clerk.get("/intake").get_data(as_text=True)
    assert "已恢复您登录超时前填写的内容" in page
    assert 'value="13800000000"' in page
    assert 'name="status.retired" value="false" checked' in page
    assert 'name="insurances" value="unemployment" checked' in page


def test_the_clerk_cannot_accept_a_retiree_at_the_window(database_url: str, make_app: Any) -> None:
    """受理审查 re-checks with the online rules (seed 000 十一（一））: 予以受理 for a retiree is a
    field error on the decision, in Chinese, and the case, its tasks and its audit stay as they
    were; 不予受理 then goes through."""
    app = staff_app(database_url, make_app)
    office = office_of(app)
    freeze(START)
    clerk = Staff(app, "window_clerk_330602")
    # A window case whose 受理审查 is open (the intake page now records it in one step).
    number = office.applications.submit(
        application(
            channel="window", delivery="on_site", status__retired=True, materials=["id_card"]
        ),
        Actor("window_clerk_330602", "window_clerk", "330602"),
    ).case_number
    (review,) = tasks(office, number, "open")
    events = _events(office)

    refused = clerk.post(f"/tasks/{review.id}", {"decision": "accepted"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "不能予以受理" in page and "退休人员不予办理" in page
    (still,) = tasks(office, number, "open")
    assert (still.id, still.state) == (review.id, "open")
    assert _events(office) == events
    with office.db.sessions() as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert (case.status, case.accepted_at) == ("submitted", None)

    done = clerk.post(f"/tasks/{review.id}", {"decision": "refused", "reasons": ["retired"]})
    assert done.status_code == 302
    # Only the delivery of the 不予受理决定书 is left (000 十九).
    assert [t.task_spec for t in tasks(office, number, "open")] == ["deliver_on_site"]
