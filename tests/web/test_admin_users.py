"""系统管理 · 账号: the administrator creates, disables, enables accounts and resets passwords in
the browser-facing pages; bad input is a field error that changes nothing; others get 403."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.store.models import AuditEvent, User
from tests.web.clerk_support import Staff, office_of, staff_app

ADMIN = "admin_330602"
GOOD = "Qiantang-river-2026"


def _users(app: Any) -> int:
    with office_of(app).db.sessions() as session:
        return int(session.execute(select(func.count()).select_from(User)).scalar_one())


def _events(app: Any, kind: str) -> int:
    with office_of(app).db.sessions() as session:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind)
        return int(session.execute(query).scalar_one())


def _new(**changes: str) -> dict[str, str]:
    form = {
        "username": "zhang.wei",
        "name": "张伟",
        "role": "medical_clerk",
        "region": "330602",
        "agency": "",
        "password": GOOD,
        "password_again": GOOD,
    }
    form.update(changes)
    return form


def _sign_in(app: Any, username: str, password: str) -> int:
    client = app.test_client()
    staff = Staff.__new__(Staff)
    staff.client = client
    token = staff.token("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    return int(response.status_code)


def test_the_administrator_creates_an_account_that_can_sign_in(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    admin = Staff(app, ADMIN)
    assert admin.get("/").status_code in (200, 302)
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "账号管理" in page and "medical_clerk_330602" in page
    response = admin.post("/admin/users", _new())
    assert response.status_code == 302
    assert "zhang.wei" in admin.get("/admin/users").get_data(as_text=True)
    assert _events(app, "user_created") == 1
    assert _sign_in(app, "zhang.wei", GOOD) == 302


def test_bad_details_or_a_weak_password_are_field_errors_and_change_nothing(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    admin = Staff(app, ADMIN)
    before = _users(app)
    for form, message in [
        (_new(password="123456789a", password_again="123456789a"), "密码"),
        (_new(password_again="something-else-2026"), "两次输入的密码不一致"),
        (_new(role="wizard"), "未知角色"),
        (_new(region="999999"), "不是本系统的地区"),
        (_new(username="x"), "用户名应为"),
        (_new(username="admin_330602"), "已存在"),
        (_new(name="\x00"), "姓名"),
    ]:
        response = admin.post("/admin/users", form)
        assert response.status_code == 422, form
        assert message in response.get_data(as_text=True)
    assert _users(app) == before
    assert _events(app, "user_created") == 0


def test_disabling_ends_sign_in_and_enabling_restores_it(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    admin = Staff(app, ADMIN)
    clerk = Staff(app, "medical_clerk_330602")
    assert (
        admin.post("/admin/users/medical_clerk_330602/active", {"active": "0"}).status_code == 302
    )
    assert clerk.get("/worklist").status_code == 302  # its session ended: back to sign-in
    assert _sign_in(app, "medical_clerk_330602", "demo1234") == 401
    again = admin.post("/admin/users/medical_clerk_330602/active", {"active": "0"})
    assert again.status_code == 409 and "已是停用状态" in again.get_data(as_text=True)
    assert (
        admin.post("/admin/users/medical_clerk_330602/active", {"active": "1"}).status_code == 302
    )
    assert _sign_in(app, "medical_clerk_330602", "demo1234") == 302
    mine = admin.post(f"/admin/users/{ADMIN}/active", {"active": "0"})
    assert mine.status_code == 409 and "不能停用自己" in mine.get_data(as_text=True)


def test_resetting_a_password(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    admin = Staff(app, ADMIN)
    path = "/admin/users/pension_clerk_330602/password"
    assert admin.get(path).status_code == 200
    weak = admin.post(path, {"password": "password12", "password_again": "password12"})
    assert weak.status_code == 422
    assert _sign_in(app, "pension_clerk_330602", "demo1234") == 302
    assert admin.post(path, {"password": GOOD, "password_again": GOOD}).status_code == 302
    assert _sign_in(app, "pension_clerk_330602", "demo1234") == 401
    assert _sign_in(app, "pension_clerk_330602", GOOD) == 302
    assert _events(app, "user_password_reset") == 1


def test_only_the_administrator_and_only_existing_accounts(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    clerk = Staff(app, "medical_clerk_330602")
    assert clerk.get("/admin/users").status_code == 403
    assert clerk.post("/admin/users", _new()).status_code == 403
    admin = Staff(app, ADMIN)
    for name in ["nobody_here", "a%00b", "x" * 500, "..%2F..%2Fetc"]:
        assert admin.get(f"/admin/users/{name}/password").status_code == 404
        assert admin.post(f"/admin/users/{name}/active", {"active": "0"}).status_code == 404
