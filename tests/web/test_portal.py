"""Applicant pages: apply online, see the decision, look a case up only with the ID number."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from tests.conftest import freeze
from tests.helpers import case_row
from tests.web.api_support import START, api_app, application, make_id, row_counts

FORM = {
    "applicant.name": "李四",
    "applicant.phone": "13900000000",
    "applicant.hukou_region": "330602",
    "applicant.hukou_type": "urban",
    "insurances": ["pension", "medical"],
    "transfer_out_region": "330100",
    "transfer_in_region": "330602",
    "status.retired": "no",
    "status.insured_at_transfer_out": "no",
    "status.employment": "employed",
    "status.first_insured_in_zhejiang": "2015-03-01",
    "medical.unsettled_expenses": "no",
    "medical.account_credited": "yes",
    "medical.account_overdrawn": "no",
    "medical.account_balance": "2345.60",
    "pension.contribution_months": "120",
    "delivery": "electronic",
}


def _id() -> str:
    return make_id(date(1988, 5, 6), seq=61)


def csrf(client: Any, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def apply(client: Any, **changes: Any) -> Any:
    form = {**FORM, "applicant.id_number": _id(), **changes}
    form["csrf_token"] = csrf(client, "/portal/apply")
    return client.post("/portal/apply", data=form)


def test_landing_and_form_are_chinese_and_explain_the_rules(
    database_url: str, make_app: Any
) -> None:
    api = api_app(database_url, make_app)
    landing = api.client.get("/portal/").get_data(as_text=True)
    assert "在线申请" in landing and "办件查询" in landing
    page = api.client.get("/portal/apply")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    for text in (
        "身份证号码",
        "网上办理，无需提交纸质材料",
        "户籍证明",
        "电子文件网上送达",
        "校验码",
    ):
        assert text in html, text
    assert 'name="csrf_token"' in html


def test_applying_online_shows_the_case_number_decision_and_committed_date(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    response = apply(api.client)
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    page = api.client.get(response.headers["Location"]).get_data(as_text=True)
    assert number in page and "申请已提交" in page
    assert "已受理" in page and "2026-10-15 前" in page and "9 个工作日" in page
    assert (
        "基本医疗保险" in page
        and "失业保险" not in page.split("各险种办理情况")[1].split("文书")[0]
    )
    assert "已受理，承诺于2026年10月15日前办结" in page  # the outbox message
    case = case_row(api.backoffice, number)
    assert case.channel == "online" and case.insurances == "pension,medical"
    assert case.applicant_id_masked == _id()[:6] + "********" + _id()[14:]


def test_form_errors_are_shown_in_place_and_nothing_is_saved(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = row_counts(api.backoffice)
    wrong_check = _id()[:17] + ("0" if _id()[17] != "0" else "1")
    response = apply(
        api.client,
        **{
            "applicant.name": "",
            "applicant.id_number": wrong_check,
            "medical.account_balance": "12.345",
            "pension.contribution_months": "很多",
            "status.retired": "",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "申请未提交" in html
    assert "身份证号码有误：身份证号码校验码错误" in html
    assert "金额格式不正确" in html and "类型错误，应为整数" in html
    assert html.count('aria-invalid="true"') >= 4
    assert 'value="12.345"' in html  # what was typed stays in the form
    assert row_counts(api.backoffice) == before
    none = apply(api.client, insurances=[])
    assert "请至少选择一个需要转移的险种" in none.get_data(as_text=True)
    assert row_counts(api.backoffice) == before


def test_refusal_shows_reasons_remedies_and_the_decision_document(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    response = apply(api.client, **{"status.retired": "yes"})
    page = api.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "不予受理决定" in page and "不予办理决定" not in page and "退休人员不予办理" in page
    assert "六十日内" in page and "六个月内" in page
    link = re.search(r'href="(/portal/cases/[^"]+/documents/refusal_decision\.pdf)"', page)
    assert link is not None
    pdf = api.client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_a_case_is_shown_only_with_the_matching_id_number(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    number = api.post("/api/applications", application()).get_json()["case_number"]
    stranger = api.app.test_client()
    hidden = stranger.get(f"/portal/cases/{number}")
    assert hidden.status_code == 302 and "/portal/track" in hidden.headers["Location"]
    assert (
        stranger.get(f"/portal/cases/{number}/documents/completion_notice.pdf").status_code == 302
    )

    token = csrf(stranger, "/portal/track")
    wrong = stranger.post(
        "/portal/track",
        data={"number": number, "id_number": make_id(date(1990, 1, 2)), "csrf_token": token},
    )
    unknown = stranger.post(
        "/portal/track",
        data={"number": "330602-2026-999999", "id_number": "x", "csrf_token": token},
    )
    for response in (wrong, unknown):
        assert response.status_code == 404
        text = response.get_data(as_text=True)
        assert "办件编号或身份证号码不正确" in text and "张三" not in text
    assert stranger.get(f"/portal/cases/{number}").status_code == 302

    right_id = application()["applicant"]["id_number"]
    ok = stranger.post(
        "/portal/track",
        data={"number": f" {number} ", "id_number": right_id.lower(), "csrf_token": token},
    )
    assert ok.status_code == 302
    page = stranger.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "张三" in page and right_id not in page and "330602********1231" in page

    forget = stranger.post("/portal/forget", data={"csrf_token": token})
    assert forget.status_code == 302
    assert stranger.get(f"/portal/cases/{number}").status_code == 302


def test_applications_from_one_address_are_limited_and_the_api_is_not(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app, PORTAL_APPLICATIONS_PER_HOUR=2)
    assert [apply(api.client).status_code for _ in range(2)] == [302, 302]
    before = row_counts(api.backoffice)
    refused = apply(api.client)
    assert refused.status_code == 429
    assert "提交申请过于频繁" in refused.get_data(as_text=True)
    assert row_counts(api.backoffice) == before  # nothing saved
    # An invalid form is still answered with its field errors, not the limit.
    assert apply(api.client, **{"applicant.name": ""}).status_code == 422
    # Integration clients (bearer tokens) are accountable and not limited by address.
    body = application()
    created = api.client.post("/api/applications", json=body, headers=api.headers)
    assert created.status_code == 201


def test_guessing_id_numbers_is_throttled(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app)
    client = api.client
    token = csrf(client, "/portal/track")
    codes = [
        client.post(
            "/portal/track",
            data={"number": "330602-2026-000001", "id_number": f"guess{i}", "csrf_token": token},
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]
    assert "次数过多" in client.post(
        "/portal/track", data={"number": "x", "id_number": "y", "csrf_token": token}
    ).get_data(as_text=True)


def test_portal_forms_need_the_csrf_token(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = row_counts(api.backoffice)
    response = api.client.post("/portal/apply", data={**FORM, "applicant.id_number": _id()})
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert (
        api.client.post("/portal/track", data={"number": "a", "id_number": "b"}).status_code == 400
    )
    assert row_counts(api.backoffice) == before


def test_characters_no_database_can_store_are_refused_in_the_form(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = row_counts(api.backoffice)
    response = apply(api.client, **{"applicant.name": "李\x00四"})
    assert response.status_code == 422
    assert "含有不允许的字符" in response.get_data(as_text=True)
    assert row_counts(api.backoffice) == before
