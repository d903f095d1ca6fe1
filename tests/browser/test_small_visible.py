"""Small but visible (issue 15 item 8), in a real browser: each role lands on its own page after
signing in, the skip link is the first thing a keyboard reaches and takes focus to the content
with a visible focus ring, and the rating form says what is missing when sent incomplete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.entrypoints.demo import load_users
from app.features.cases.service import Actor
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import freeze, settings_for
from tests.helpers import case_row, complete, scenario
from tests.web.api_support import START, application

STEPS = scenario("bundle_all_three_success")["steps"]
ID_NUMBER = application()["applicant"]["id_number"]
APPLICANT = Actor("tests", "applicant")


@pytest.fixture
def server(database_url: str, make_app: Any) -> Iterator[LiveServer]:
    freeze(START)
    app = make_app(settings_for(database_url))
    load_users(app.extensions["backoffice"])
    live = LiveServer(app)
    live.start()
    yield live
    live.stop()


def test_landing_skip_link_and_rating_message(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "policy_staff_330602")
    assert page.url == f"{server.url}/modeler/"
    page.click("text=退出")
    page.wait_for_load_state()
    sign_in(page, server, "auditor_330602")
    assert page.url == f"{server.url}/audit/"
    shot(page, "landing_auditor")

    # The first Tab reaches the skip link, shown with a focus ring; Enter moves to the content.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const el = document.activeElement; const s = getComputedStyle(el);"
        " const box = el.getBoundingClientRect();"
        " return [el.textContent.trim(), s.outlineStyle, s.outlineWidth, box.top >= 0]; })()"
    )
    assert focused == ["跳到主要内容", "solid", "3px", True]
    shot(page, "skip_link_focused")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    office = server.backoffice
    number = office.applications.submit(application(), APPLICANT).case_number
    for step in STEPS:
        complete(office, number, step)
    assert case_row(office, number).status == "concluded"
    page.goto(f"{server.url}/portal/track")
    page.fill('input[name="number"]', number)
    page.fill('input[name="id_number"]', ID_NUMBER)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.fill('#rating textarea[name="comment"]', "很快")
    page.click("#rating button[type=submit]")  # no level chosen
    page.wait_for_load_state()
    assert "评价等级：请选择1至5星的评价等级" in page.inner_text("#rating-errors")
    assert page.input_value('#rating textarea[name="comment"]') == "很快"
    shot(page, "rating_says_what_is_missing")
    page.check('#rating input[name="level"][value="4"]')
    page.click("#rating button[type=submit]")
    page.wait_for_load_state()
    assert "您已评价：满意" in page.inner_text("#rating")
