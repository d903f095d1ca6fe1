"""Linking staff accounts to provider subjects: `flask users link-sso|unlink-sso` and the
administrator's page; one account per subject, bad input changes nothing, every change audited."""

from __future__ import annotations

from typing import Any

from tests.helpers import events_of_kind
from tests.web.clerk_support import Staff, staff_app

CLERK = "medical_clerk_330602"


def test_cli_links_and_unlinks_and_refuses_a_taken_subject(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = app.extensions["backoffice"]
    cli = app.test_cli_runner()
    linked = cli.invoke(args=["users", "link-sso", CLERK, "zj-000123", "--by", "wang.admin"])
    assert linked.exit_code == 0 and "linked medical_clerk_330602" in linked.output
    taken = cli.invoke(args=["users", "link-sso", "pension_clerk_330602", "zj-000123"])
    assert taken.exit_code == 1 and f"已关联账号 {CLERK}" in taken.output
    blank = cli.invoke(args=["users", "link-sso", "pension_clerk_330602", " zj "])
    assert blank.exit_code == 1 and "subject" in blank.output
    nobody = cli.invoke(args=["users", "link-sso", "nobody_here", "zj-9"])
    assert nobody.exit_code == 1 and "不存在" in nobody.output
    assert office.sso.link_of("pension_clerk_330602").subject is None
    [event] = events_of_kind(office, "user_sso_linked")
    assert event.actor == "wang.admin"
    assert event.data == {"username": CLERK, "subject": "zj-000123", "previous": None}
    assert cli.invoke(args=["users", "unlink-sso", CLERK]).exit_code == 0
    assert office.sso.link_of(CLERK).subject is None
    again = cli.invoke(args=["users", "unlink-sso", CLERK])
    assert again.exit_code == 1 and "未关联" in again.output
    assert len(events_of_kind(office, "user_sso_unlinked")) == 1


def test_the_administrator_page_links_and_unlinks(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = app.extensions["backoffice"]
    admin = Staff(app, "admin_330602")
    assert "统一身份认证" in admin.get("/admin/users").get_data(as_text=True)
    path = f"/admin/users/{CLERK}/sso"
    page = admin.get(path).get_data(as_text=True)
    assert "未设置 OIDC_ISSUER" in page
    assert admin.post(path, {"subject": "zj-000123"}).status_code == 302
    assert office.sso.link_of(CLERK).subject == "zj-000123"
    taken = admin.post("/admin/users/pension_clerk_330602/sso", {"subject": "zj-000123"})
    assert taken.status_code == 409 and "已关联账号" in taken.get_data(as_text=True)
    bad = admin.post(path, {"subject": "x" * 300})
    assert bad.status_code == 422 and office.sso.link_of(CLERK).subject == "zj-000123"
    assert admin.post(path, {"subject": ""}).status_code == 302
    assert office.sso.link_of(CLERK).subject is None
    assert admin.get("/admin/users/nobody_here/sso").status_code == 404
    assert Staff(app, CLERK).get(path).status_code == 403
