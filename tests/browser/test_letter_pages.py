"""A transfer-out clerk whose case a letter from another deployment opened: the case page says
来函立案 and lists the letter with its deadline; the letter opens as a printable document whose
technical details stay folded until asked for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.features.cases.service import Actor
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import freeze
from tests.exchange.test_letter_pages import apps, case_numbers, office, run
from tests.exchange.two_offices import pension_only

__all__ = ["apps"]  # the fixture, imported for this module's test


@pytest.fixture
def hangzhou(apps: tuple[Flask, Flask]) -> Iterator[LiveServer]:
    server = LiveServer(apps[1])
    server.start()
    yield server
    server.stop()


def test_a_letter_opened_case_shows_the_letter_and_reads_it(
    page: Any, apps: tuple[Flask, Flask], hangzhou: LiveServer
) -> None:
    a, b = office(apps[0]), office(apps[1])
    freeze("2026-09-28T09:00:00+08:00")
    application, steps = pension_only()
    a.applications.submit(application, Actor("portal", "applicant"))
    contact = next(i for i, s in enumerate(steps) if s["task"] == "contact_letter")
    run(a, b, steps[: contact + 1])
    [opened] = case_numbers(apps[1])

    sign_in(page, hangzhou, "pension_out_clerk_330100")
    page.goto(f"{hangzhou.url}/cases/{opened}")
    assert "越城区社保中心发来养老保险联系函" in page.inner_text("#letter-opened")
    row = page.locator("#letters tbody tr")
    assert "收到" in row.inner_text() and "办理转出并转移基金" in row.inner_text()
    shot(page, "letters_case_page")
    row.locator("a.read-letter").click()
    page.wait_for_load_state()
    assert "养老保险联系函" in page.inner_text("h1")
    assert not page.locator("#letter-raw").is_visible()
    page.click("text=技术细节")
    assert page.locator("#letter-raw").is_visible()
    shot(page, "letters_document")
