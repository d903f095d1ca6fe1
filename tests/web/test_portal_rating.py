"""好差评 after 办结 (one per case, five levels, audited) and answering a 一次性告知 online."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.features.cases.service import Actor
from app.store.models import Rating
from tests.conftest import freeze
from tests.helpers import case_row, complete, events, scenario, tasks
from tests.web.api_support import START, ApiApp, api_app, application

STEPS = scenario("bundle_all_three_success")["steps"]
ID = application()["applicant"]["id_number"]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _follow(api: ApiApp, number: str) -> tuple[Any, str]:
    """A browser that looked the case up; returns it and the lookup page's CSRF token."""
    client = api.app.test_client()
    token = _csrf(client.get("/portal/track").get_data(as_text=True))
    found = client.post(
        "/portal/track", data={"number": number, "id_number": ID, "csrf_token": token}
    )
    assert found.status_code == 302
    return client, token


def _rate(client: Any, number: str, token: str, **form: str) -> str:
    response = client.post(f"/portal/cases/{number}/rating", data={**form, "csrf_token": token})
    if response.status_code == 422:  # incomplete: the page again, saying what is missing
        return str(response.get_data(as_text=True))
    assert response.status_code == 302
    return client.get(f"/portal/cases/{number}").get_data(as_text=True)


def test_rating_only_after_conclusion_and_only_once(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    number = api.post("/api/applications", application()).get_json()["case_number"]
    client, token = _follow(api, number)

    early = _rate(client, number, token, level="5")
    assert "办件办结后才能评价" in early and "办结后可对本次服务作出评价" in early

    for step in STEPS:
        complete(api.backoffice, number, step)
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "已办结" in page and 'name="level"' in page and "办结通知书（PDF）" in page

    empty = _rate(client, number, token, comment="很好")
    assert "评价未提交" in empty and "评价等级：请选择1至5星的评价等级" in empty
    assert ">很好</textarea>" in empty  # the comment typed is kept
    bad = _rate(client, number, token, level="9")
    assert "请选择1至5星的评价等级" in bad
    too_long = _rate(client, number, token, level="4", comment="好" * 501)
    assert "不能超过500字" in too_long
    nul = _rate(client, number, token, level="4", comment="好\x00")
    assert "含有不允许的字符" in nul

    done = _rate(client, number, token, level="4", comment="办理很快，全程网上办")
    assert "您已评价" in done and "满意" in done and "全程网上办" in done
    assert 'name="level"' not in done
    again = _rate(client, number, token, level="1")
    assert "每个办件只能评价一次" in again

    with api.backoffice.db.sessions() as session:
        ratings = session.execute(select(Rating)).scalars().all()
    assert [(r.level, r.comment) for r in ratings] == [(4, "办理很快，全程网上办")]
    audited = events(api.backoffice, number, "rating_submitted")
    assert [(e.data["level"], e.actor) for e in audited] == [(4, "applicant")]
    region = case_row(api.backoffice, number).transfer_in_region
    assert api.backoffice.portal.ratings(region)[0]["level"] == 4


def test_rating_needs_the_case_looked_up_first(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    number = api.post("/api/applications", application()).get_json()["case_number"]
    for step in STEPS:
        complete(api.backoffice, number, step)
    stranger = api.app.test_client()
    token = _csrf(stranger.get("/portal/track").get_data(as_text=True))
    response = stranger.post(
        f"/portal/cases/{number}/rating", data={"level": "1", "csrf_token": token}
    )
    assert response.status_code == 302 and "/portal/track" in response.headers["Location"]
    assert events(api.backoffice, number, "rating_submitted") == []


def test_applicant_answers_a_correction_notice_online(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    office = api.backoffice
    body = application(channel="window", materials=[])
    number = office.applications.submit(
        body, Actor("window_clerk_330602", "window_clerk")
    ).case_number
    review = tasks(office, number, "open")[0]
    office.cases.complete_task(
        review.id,
        {"decision": "correction_required", "missing_materials": ["missing:application_form"]},
        Actor("window_clerk_330602", "window_clerk", "330602"),
    )
    client, token = _follow(api, number)
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "需要补正材料（一次性告知）" in page and "一次性告知书（PDF）" in page
    assert 'value="application_form"' in page

    empty = client.post(f"/portal/cases/{number}/supplement", data={"csrf_token": token})
    assert empty.status_code == 302
    assert "请勾选已补正的材料" in client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert case_row(office, number).status == "correction_required"

    sent = client.post(
        f"/portal/cases/{number}/supplement",
        data={"materials": "application_form", "note": "已邮寄原件", "csrf_token": token},
    )
    assert sent.status_code == 302
    after = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "补正材料已提交" in after
    assert case_row(office, number).status == "submitted"
    assert {t.task_spec for t in tasks(office, number, "open")} == {"acceptance_review"}
    supplemented = events(office, number, "task_completed")[-1]
    assert supplemented.actor == "applicant"
    assert supplemented.data["data"]["supplemented_materials"] == ["application_form"]

    twice = client.post(
        f"/portal/cases/{number}/supplement",
        data={"materials": "application_form", "csrf_token": token},
    )
    assert twice.status_code == 302
    assert "当前无需补正材料" in client.get(f"/portal/cases/{number}").get_data(as_text=True)
