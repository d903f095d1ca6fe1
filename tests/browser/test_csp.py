"""The Content-Security-Policy in a real browser: pages with bpmn-js (the modeler and the
case diagram) and the error page still work, and Chromium reports no CSP violation."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import freeze
from tests.web.clerk_support import START, submit

# Records every violation the page reports (init scripts run outside the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(page: Any) -> list[str]:
    console: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: console.append(message.text))
    return console


def _violations(page: Any, console: list[str]) -> list[str]:
    recorded: list[str] = page.evaluate("window.__cspViolations")
    return recorded + [text for text in console if "Content Security Policy" in text]


def test_bpmn_pages_render_under_the_policy(page: Any, live_server: LiveServer) -> None:
    console = _watch(page)
    sign_in(page, live_server, "policy_staff_330602")
    policy = page.request.get(f"{live_server.url}/modeler/").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    page.goto(f"{live_server.url}/modeler/")
    page.click("a:text-is('基本医疗保险关系转移接续')")
    page.select_option("select[name=source]", "working")
    page.click("text=新建草稿并编辑")
    page.wait_for_selector("body[data-modeler-ready='1']")
    assert page.locator(".djs-element").count() > 10  # the modeler drew the diagram
    page.locator(".djs-element[data-element-id='contact_letter']").first.click(force=True)
    page.wait_for_selector("#prop-id:text-is('contact_letter')")  # the panel works
    shot(page, "csp_modeler")
    assert _violations(page, console) == []

    # A case's diagram in the navigated viewer (clerk's case page).
    freeze(START)
    number = submit(live_server.backoffice, reviewed=False)
    page.context.clear_cookies()
    sign_in(page, live_server, "reviewer_330602")
    page.goto(f"{live_server.url}/cases/{number}")
    page.wait_for_selector('[data-bpmn-url][data-ready="true"]', timeout=15000)
    assert page.locator(".djs-element").count() > 10
    shot(page, "csp_case_diagram")

    # The error page's "返回" link works without a javascript: URL.
    page.goto(f"{live_server.url}/worklist")
    page.goto(f"{live_server.url}/cases/330602-2026-999999")
    page.click("text=返回")
    page.wait_for_url(f"{live_server.url}/worklist", timeout=5000)
    assert _violations(page, console) == []
