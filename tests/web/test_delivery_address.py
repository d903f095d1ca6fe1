"""邮寄送达 that can happen: the API and the portal collect the address, the clerk sees it, and
the 送达回证 prints it."""

from __future__ import annotations

from typing import Any

from app.entrypoints.demo import load_users
from app.features.cases.service import Actor
from tests.conftest import freeze
from tests.helpers import tasks
from tests.processes.driver import REVIEW_FAILED
from tests.web.api_support import START, api_app, application, row_counts
from tests.web.clerk_support import Staff
from tests.web.test_portal import apply

ADDRESS = {"recipient": "李四", "phone": "13900000000", "address": "浙江省绍兴市越城区人民中路1号"}


def test_the_api_requires_the_address_for_express_delivery(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = row_counts(api.backoffice)
    response = api.post("/api/applications", application(delivery="express"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["reasons"] == ["invalid_application"]
    assert body["errors"] == [
        {
            "field": "/delivery_address",
            "message": "选择邮寄送达的，须填写收件人、联系电话和收件地址",
        }
    ]
    assert row_counts(api.backoffice) == before

    response = api.post(
        "/api/applications", application(delivery="express", delivery_address=ADDRESS)
    )
    assert response.status_code == 201 and response.get_json()["decision"] == "accepted"
    schema = api.client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert "delivery_address" in schema["Application"]["properties"]


def test_the_api_keeps_refusing_an_invalid_id_number(database_url: str, make_app: Any) -> None:
    """contracts §4: for API clients a bad ID number stays the decision invalid_id_number."""
    freeze(START)
    api = api_app(database_url, make_app)
    bad = application(applicant={"id_number": "330602199001011234"})
    response = api.post("/api/applications", bad)
    assert response.status_code == 201
    assert response.get_json()["reasons"] == ["invalid_id_number"]


def test_portal_express_delivery_collects_the_address_for_the_clerk(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    office = api.backoffice
    load_users(office)
    missing = apply(api.client, delivery="express")
    assert missing.status_code == 422
    assert "选择邮寄送达的，须填写收件人、联系电话和收件地址" in missing.get_data(as_text=True)

    response = apply(
        api.client,
        delivery="express",
        **{f"delivery_address.{k}": v for k, v in ADDRESS.items()},
        **{"medical.account_balance": "2,345.60"},
    )
    assert response.status_code == 302
    number = response.location.rstrip("/").rsplit("/", 1)[1]
    start = office.documents.context(number)["application"]
    assert start["delivery_address"] == ADDRESS
    assert start["medical"]["account_balance"] == "2345.60"

    clerk = Staff(api.app, "reviewer_330602")
    (review,) = tasks(office, number, "open")
    page = clerk.get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "邮寄地址" in page and "人民中路1号" in page and "13900000000" in page

    # Refused at 审核: the 不予受理决定书 is mailed with its 送达回证 to that address.
    office.cases.complete_task(
        review.id,
        REVIEW_FAILED,
        Actor("reviewer_330602", "reviewer", "330602"),
    )
    assert "delivery_receipt" in [ref.kind for ref in office.documents.available(number)]
    receipt = str(office.documents.issue(number, "delivery_receipt", None, "html", "t"))
    assert "送达回证" in receipt and "《不予受理决定书》" in receipt
    assert "李四" in receipt and "13900000000" in receipt and "人民中路1号" in receipt
    # The window clerk who mails it finds the address already in the 快递送达 form.
    (deliver,) = tasks(office, number, "open")
    assert deliver.task_spec == "deliver_express"
    page = Staff(api.app, "window_clerk_330602").get(f"/tasks/{deliver.id}").get_data(as_text=True)
    assert "浙江省绍兴市越城区人民中路1号（收件人：李四，电话：13900000000）" in page
