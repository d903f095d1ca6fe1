"""The task page: case summary, form from forms/ validated on the server, conflicts, expired
sessions, the diagram of the pinned version and the documents of the step."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from app.entrypoints.demo import demo_name
from app.store.models import User
from tests.helpers import case_row, events, tasks
from tests.web.clerk_support import (
    Staff,
    form_data,
    office_of,
    run_steps,
    scenario_step,
    staff_app,
    submit,
)


def _completed(office: Any, number: str) -> list[Any]:
    """Task completions after the review and the medical suspension that `submit` did."""
    done = events(office, number, "task_completed")
    return [e for e in done if e.data["spec"] not in ("review", "suspend_and_certify")]


def _open(office: Any, number: str, role: str) -> Any:
    (task,) = [t for t in tasks(office, number, "open", "claimed") if t.role == role]
    return task


def test_task_page_shows_the_case_the_steps_and_the_form(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    run_steps(office, number, 1)  # the pension contact letter is done
    task = _open(office, number, "medical_clerk")

    html = Staff(app, "medical_clerk_330602").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "审核并发出联系函" in html
    assert "330602********1231" in html and "330602199001011231" not in html
    for text in (
        "张三",
        "养老保险、医疗保险、失业保险",
        "杭州市（330100）",
        "绍兴市越城区（330602）",
    ):
        assert text in html
    assert "网上申请" in html and "电子文件网上送达" in html
    # previous steps: who and when
    assert "提交申请" in html and "审核转入申请并发出联系函" in html
    # the form from forms/medical_transfer.contact_letter.json, with its Chinese titles
    assert 'name="medical_eligible" value="true"' in html
    assert "参保(合)凭证编号" in html and "联系函编号" in html
    assert 'name="medical_refusal_reasons"' in html
    # the diagram of this process and the documents of this step
    assert f'data-bpmn-url="/tasks/{task.id}/diagram.bpmn"' in html
    assert "医疗保险联系函" in html


def test_invalid_input_is_shown_in_place_and_nothing_is_saved(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    task = _open(office, number, "medical_clerk")
    clerk = Staff(app, "medical_clerk_330602")
    before = case_row(office, number).version

    response = clerk.post(
        f"/tasks/{task.id}",
        {"medical_eligible": "true", "medical_contact_letter_number": "YB-1"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The missing field is named next to its input, and the typed value is kept.
    block = html.split('data-field="medical_certificate_number"', 1)[1].split("</div>", 1)[0]
    assert "参保(合)凭证编号：必填项缺失" in block
    assert 'value="YB-1"' in html
    assert 'name="medical_eligible" value="true" checked' in html
    assert _open(office, number, "medical_clerk").state == "open"
    assert case_row(office, number).version == before
    assert _completed(office, number) == []

    not_a_number = clerk.post(
        f"/tasks/{task.id}",
        {"medical_eligible": "false", "medical_refusal_reasons": ""},
    )
    assert not_a_number.status_code == 422
    assert "不予转入理由：必填项缺失" in not_a_number.get_data(as_text=True)


def test_an_other_scheme_still_active_blocks_the_letter_in_chinese(
    database_url: str, make_app: Any
) -> None:
    """003 第二条: the choice is offered with its Chinese labels; 有，尚未停保 keeps the letter
    from being sent and says what to do, and nothing is saved."""
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    task = _open(office, number, "medical_clerk")
    clerk = Staff(app, "medical_clerk_330602")
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "本人在转入地是否同时参加其他基本医疗保险" in page
    for value, label in (("none", "无"), ("ended", "有，已办理停保"), ("active", "有，尚未停保")):
        assert f'name="medical_other_scheme_at_new_place" value="{value}"' in page
        assert label in page
    before = case_row(office, number).version

    typed = {
        **scenario_step("contact_letter", "medical_transfer"),
        "medical_other_scheme_at_new_place": "active",
    }
    response = clerk.post(f"/tasks/{task.id}", form_data(typed))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    block = html.split('data-field="medical_other_scheme_at_new_place"', 1)[1]
    block = block.split("</div>", 1)[0]
    assert "尚未停保" in block and "停保手续后再发出联系函" in block
    assert 'value="active" checked' in html
    assert _open(office, number, "medical_clerk").state == "open"
    assert case_row(office, number).version == before
    assert _completed(office, number) == []

    typed["medical_other_scheme_at_new_place"] = "ended"
    assert clerk.post(f"/tasks/{task.id}", form_data(typed)).status_code == 302
    assert [e.data["spec"] for e in _completed(office, number)] == ["contact_letter"]


def test_integer_fields_name_the_field_when_not_a_number(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    run_steps(office, number, 2)
    task = _open(office, number, "unemployment_out_clerk")
    data = form_data(scenario_step("out_review"))
    data["unemployment_verified_contribution_months"] = "三十"
    response = Staff(app, "unemployment_out_clerk_330100").post(f"/tasks/{task.id}", data)
    assert response.status_code == 422
    assert "核定的缴费月数：请填写整数" in response.get_data(as_text=True)
    assert 'value="三十"' in response.get_data(as_text=True)


def test_a_malformed_card_number_is_named_in_chinese_and_nothing_is_saved(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    run_steps(office, number, 2)
    task = _open(office, number, "unemployment_out_clerk")
    clerk = Staff(app, "unemployment_out_clerk_330100")
    data = form_data(scenario_step("out_review"))
    for card in ("A0765-4321", "", "<script>1</script>"):
        response = clerk.post(
            f"/tasks/{task.id}", {**data, "unemployment_social_security_card_number": card}
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        block = html.split('data-field="unemployment_social_security_card_number"', 1)[1]
        assert "社会保障卡号：" in block.split("</div>", 1)[0]
        assert "<script>1</script>" not in html
    assert _open(office, number, "unemployment_out_clerk").state in ("open", "claimed")
    response = clerk.post(f"/tasks/{task.id}", data)
    assert response.status_code == 302
    (done,) = [e for e in _completed(office, number) if e.data["spec"] == "out_review"]
    assert done.data["personal_fields"] == ["unemployment_social_security_card_number"]
    assert "unemployment_social_security_card_number" not in done.data["data"]


def test_valid_input_completes_the_step_and_offers_its_documents(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    task = _open(office, number, "medical_clerk")
    clerk = Staff(app, "medical_clerk_330602")
    data = scenario_step("contact_letter", "medical_transfer")

    response = clerk.post(f"/tasks/{task.id}", form_data(data))
    assert response.status_code == 302 and response.location.endswith(f"/tasks/{task.id}")
    (done,) = _completed(office, number)
    assert done.actor == "medical_clerk_330602" and done.data["data"] == data
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "已办理完成" in page and "办理转出手续" in page  # next step shown
    letter = f"/cases/{number}/documents/contact_letter?insurance=medical"
    assert letter in page.replace("&amp;", "&")
    html = clerk.get(letter)
    assert html.status_code == 200 and "基本医疗保险关系转移接续联系函" in html.get_data(
        as_text=True
    )
    pdf = clerk.get(letter + "&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    issued = events(office, number, "document_issued")
    assert [(e.actor, e.data["format"]) for e in issued] == [
        ("medical_clerk_330602", "html"),
        ("medical_clerk_330602", "pdf"),
    ]


def test_second_clerk_completing_the_same_task_gets_a_409_with_the_fresh_state(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    task = _open(office, number, "medical_clerk")
    with office.db.transaction() as session:
        first_user = session.get(User, 1)
        session.add(
            User(
                username="medical_clerk_330602_b",
                password_hash=first_user.password_hash,
                display_name="绍兴市越城区 医保分局（转入地）乙",
                role="medical_clerk",
                region="330602",
                agency="绍兴市越城区医疗保障分局",
            )
        )
    first, second = Staff(app, "medical_clerk_330602"), Staff(app, "medical_clerk_330602_b")
    # Both opened the form; the first submits.
    second_token = second.token(f"/tasks/{task.id}")
    data = form_data(scenario_step("contact_letter", "medical_transfer"))
    assert first.post(f"/tasks/{task.id}", data).status_code == 302

    response = second.post(f"/tasks/{task.id}", {**data, "csrf_token": second_token})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "已由他人办理" in html
    assert demo_name("medical_clerk_330602") in html  # who did it, by name
    assert "办理转出手续" in html  # where the case stands now
    assert len(_completed(office, number)) == 1


def test_expired_session_keeps_the_typed_input(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    task = _open(office, number, "medical_clerk")
    clerk = Staff(app, "medical_clerk_330602")
    token = clerk.token(f"/tasks/{task.id}")
    # longer than the idle timeout, in real time (sessions do not idle out on the app clock)
    office.accounts.wall = lambda: datetime.now(UTC) + timedelta(hours=2)

    typed = {"medical_eligible": "true", "medical_contact_letter_number": "YB-2026-0099"}
    response = clerk.client.post(f"/tasks/{task.id}", data={**typed, "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.location
    assert _open(office, number, "medical_clerk").state == "open"

    again = clerk.client.post(
        response.location,
        data={
            "username": "medical_clerk_330602",
            "password": "demo1234",
            "csrf_token": clerk.token("/login"),
        },
    )
    assert again.status_code == 302 and again.location.endswith(f"/tasks/{task.id}")
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "已恢复您登录超时前填写的内容" in page
    assert 'value="YB-2026-0099"' in page
    assert 'name="medical_eligible" value="true" checked' in page
    # Restored once only.
    assert "已恢复" not in clerk.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_idle_timeout_is_configurable(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app, SESSION_IDLE_MINUTES=5)
    office = office_of(app)
    submit(office)
    clerk = Staff(app, "medical_clerk_330602")
    office.accounts.wall = lambda: datetime.now(UTC) + timedelta(minutes=6)
    assert clerk.get("/worklist").status_code == 302


def test_diagram_is_the_pinned_bpmn_with_the_current_steps(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    task = _open(office, number, "medical_clerk")
    clerk = Staff(app, "medical_clerk_330602")

    response = clerk.get(f"/tasks/{task.id}/diagram.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert 'id="medical_transfer"' in response.get_data(as_text=True)
    assert response.headers["X-Current-Elements"] == "contact_letter"
    page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-current="[&#34;contact_letter&#34;]"' in page
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page

    case = clerk.get(f"/cases/{number}/diagram.bpmn")
    current = case.headers["X-Current-Elements"].split()
    assert {"sub_handling", "call_pension", "call_medical", "call_unemployment"} <= set(current)


def test_acceptance_review_is_prefilled_with_the_automatic_decision(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office, channel="window", materials=[])
    task = _open(office, number, "window_clerk")
    html = Staff(app, "window_clerk_330602").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="decision" value="correction_required" checked' in html
    assert 'name="missing_materials" value="missing:application_form" checked' in html
    assert "（需补正）" in html


def test_correction_notice_and_refusal_decision_are_printable(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    window = Staff(app, "window_clerk_330602")
    correction = submit(office, channel="window", materials=[])
    task = _open(office, correction, "window_clerk")
    done = window.post(
        f"/tasks/{task.id}",
        {"decision": "correction_required", "missing_materials": ["missing:application_form"]},
    )
    assert done.status_code == 302
    page = window.get(f"/tasks/{task.id}").get_data(as_text=True)
    notice = re.search(r'href="(/cases/[^"]+/documents/correction_notice)"', page)
    assert notice, "一次性告知书 offered after the decision"
    assert "补正材料一次性告知书" in window.get(notice.group(1)).get_data(as_text=True)

    refused = submit(office, channel="window", status__retired=True)
    task = _open(office, refused, "window_clerk")
    assert (
        window.post(
            f"/tasks/{task.id}", {"decision": "refused", "reasons": ["retired"]}
        ).status_code
        == 302
    )
    decision = window.get(f"/cases/{refused}/documents/refusal_decision").get_data(as_text=True)
    assert "不予受理决定书" in decision and "行政复议" in decision
    # A document the case has not reached yet is not offered.
    assert window.get(f"/cases/{refused}/documents/completion_notice").status_code == 404


def test_supervisor_may_look_but_not_work_another_lanes_task(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    task = _open(office, number, "medical_clerk")
    supervisor = Staff(app, "supervisor_330602")
    page = supervisor.get(f"/tasks/{task.id}")
    assert page.status_code == 200 and "不能办理" in page.get_data(as_text=True)
    data = form_data(scenario_step("contact_letter", "medical_transfer"))
    assert supervisor.post(f"/tasks/{task.id}", data).status_code == 403
    assert _open(office, number, "medical_clerk").state == "open"
