"""A staff member signs in and out in a real browser."""

from __future__ import annotations

from typing import Any

from app.entrypoints.demo import demo_name
from tests.browser.conftest import LiveServer, shot, sign_in


def test_staff_sign_in_and_out(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", "window_clerk_330602")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.content()
    sign_in(page, live_server, "window_clerk_330602")
    assert demo_name("window_clerk_330602") in page.content() and "受理窗口" in page.content()
    shot(page, "signed_in_home")
    page.click("text=退出")
    page.wait_for_load_state()
    assert "工作人员登录" in page.content()
