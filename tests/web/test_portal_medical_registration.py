"""Seed 003 第六条 for the applicant: after the transfer-out agency suspended medical insurance
without a receiving employer, the progress page and the API say by when to register, and the
参保(合)凭证 can be downloaded."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import freeze
from tests.helpers import complete, pass_review, scenario
from tests.web.api_support import START, api_app, application


def _signed_in_portal(api: Any, number: str) -> Any:
    client = api.app.test_client()
    html = client.get("/portal/track").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    id_number = application()["applicant"]["id_number"]
    response = client.post(
        "/portal/track", data={"number": number, "id_number": id_number, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_progress_shows_the_registration_date_after_suspension(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    number = api.post("/api/applications", application()).get_json()["case_number"]
    pass_review(api.backoffice, number)  # 审核 first (seed 000 十四), then the transfers
    portal = _signed_in_portal(api, number)
    before = portal.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "正在办理中止参保手续并出具参保(合)凭证" in before and "register-by" not in before

    suspend = next(
        s
        for s in scenario("bundle_all_three_success")["steps"]
        if s["task"] == "suspend_and_certify"
    )
    complete(api.backoffice, number, suspend)
    page = portal.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "请您最迟于 <strong>2026年12月28日</strong>" in page
    assert "参保(合)凭证（PDF）" in page  # the person's own copy, delivered electronically
    assert "330602196505051217" not in page  # the household head's ID is on the PDF only

    status = api.get(f"/api/cases/{number}").get_json()
    medical = next(i for i in status["insurances"] if i["insurance"] == "medical")
    assert medical["register_by"] == "2026-12-28"
    others = [i["register_by"] for i in status["insurances"] if i["insurance"] != "medical"]
    assert others == [None, None]
