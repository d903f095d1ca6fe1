"""Supervisors see the applicants' ratings (好差评) of their region's cases; others may not."""

from __future__ import annotations

from typing import Any

from app.entrypoints.demo import load_users
from app.features.cases.service import Actor
from tests.conftest import current_clock, freeze, settings_for
from tests.processes.driver import MEDICAL_SUCCESS, CaseDriver, application


def _sign_in(client: Any, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": username, "password": "demo1234", "csrf_token": token})


def test_supervisor_sees_ratings_and_a_clerk_is_refused(database_url: str, make_app: Any) -> None:
    app = make_app(settings_for(database_url))
    office = app.extensions["backoffice"]
    load_users(office)
    freeze("2026-09-28T09:00:00+08:00")
    d = CaseDriver(office).submit(application(insurances=["medical"]))
    d.run(MEDICAL_SUCCESS)
    d.conclude()
    office.portal.rate(d.number, 4, "办事很快<b>好</b>", Actor("applicant", "applicant"))
    current_clock().unfreeze()

    supervisor = app.test_client()
    _sign_in(supervisor, "supervisor_330602")
    page = supervisor.get("/supervision/ratings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert d.number in html and "满意" in html and "&lt;b&gt;好" in html

    clerk = app.test_client()
    _sign_in(clerk, "medical_clerk_330602")
    assert clerk.get("/supervision/ratings").status_code == 403
