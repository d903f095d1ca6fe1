"""Must-change-password: after an administrator's reset (the page or `flask users
reset-password`) the next password sign-in leads to 修改密码 and nothing else is reachable until
the password is changed; bearer-token API calls and SSO sessions are not held up."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.entrypoints.demo import load_users
from app.kernel.config import OidcSettings
from app.store.models import User
from tests.accounts.oidc_provider import Provider, RunningProvider
from tests.accounts.test_sso import _sso
from tests.conftest import settings_for
from tests.helpers import events_of_kind
from tests.web.clerk_support import Staff, staff_app

CLERK = "medical_clerk_330602"
RESET = "Reset-by-admin-2026"
MINE = "Only-I-know-this-7"


def _csrf(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, path
    return match.group(1)


def _sign_in(app: Flask, password: str, next_path: str = "") -> tuple[FlaskClient, Any]:
    client = app.test_client()
    token = _csrf(client, "/login")
    answer = client.post(
        "/login" + (f"?next={next_path}" if next_path else ""),
        data={"username": CLERK, "password": password, "csrf_token": token},
    )
    return client, answer


def _flag(app: Flask) -> bool:
    with app.extensions["backoffice"].db.sessions() as session:
        user = session.query(User).filter_by(username=CLERK).one()
        return bool(user.must_change_password)


def _reset_on_the_page(app: Flask) -> None:
    admin = Staff(app, "admin_330602")
    path = f"/admin/users/{CLERK}/password"
    assert admin.post(path, {"password": RESET, "password_again": RESET}).status_code == 302


def test_after_a_reset_only_the_change_password_page_until_it_is_changed(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    _reset_on_the_page(app)
    assert _flag(app)
    client, answer = _sign_in(app, RESET, "/worklist")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/account/password?next=/worklist"
    page = client.get("/account/password?next=/worklist").get_data(as_text=True)
    assert "系统管理员重置了您的密码" in page
    for path in ["/worklist", "/", "/supervision", "/audit", "/intake"]:
        held = client.get(path)
        assert held.status_code == 303, path
        assert held.headers["Location"].startswith("/account/password")
    token = _csrf(client, "/account/password")
    assert client.post("/tasks/1/claim", data={"csrf_token": token}).status_code == 303

    form = {"current_password": RESET, "password": MINE, "password_again": MINE}
    for wrong, field_message in [
        ({"current_password": "not-my-password"}, "当前密码不正确"),
        ({"password": "password12", "password_again": "password12"}, "过于常见"),
        ({"password": RESET, "password_again": RESET}, "不能与当前密码相同"),
        ({"password_again": "Something-else-9"}, "两次输入的新密码不一致"),
    ]:
        refused = client.post("/account/password", data={**form, **wrong, "csrf_token": token})
        assert refused.status_code == 422 and field_message in refused.get_data(as_text=True)
        assert _flag(app)
    assert client.get("/worklist").status_code == 303

    changed = client.post("/account/password?next=/worklist", data={**form, "csrf_token": token})
    assert changed.status_code == 302 and changed.headers["Location"] == "/worklist"
    assert client.get("/worklist").status_code == 200
    assert not _flag(app)
    [event] = events_of_kind(app.extensions["backoffice"], "user_password_changed")
    assert event.actor == CLERK and event.data["required"] is True
    # The next password sign-in goes straight to work.
    _, again = _sign_in(app, MINE, "/worklist")
    assert again.headers["Location"] == "/worklist"


def test_the_cli_reset_sets_the_flag_too_and_api_tokens_are_not_held(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = app.extensions["backoffice"]
    bearer = office.api_tokens.create("county-hall", "cli")
    result = app.test_cli_runner().invoke(
        args=["users", "reset-password", CLERK, "--password-stdin"], input=f"{RESET}\n"
    )
    assert result.exit_code == 0, result.output
    assert _flag(app)
    client, answer = _sign_in(app, RESET)
    assert answer.headers["Location"].startswith("/account/password")
    assert client.get("/worklist").status_code == 303
    # The same browser's API call with a bearer token is the API's business, not the session's.
    api = client.get("/api/cases/NO-SUCH-CASE", headers={"Authorization": f"Bearer {bearer}"})
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_changing_ends_the_other_sessions_but_keeps_this_one(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    elsewhere = Staff(app, CLERK)
    here = Staff(app, CLERK)
    token = here.token("/account/password")
    form = {"current_password": "demo1234", "password": MINE, "password_again": MINE}
    assert (
        here.client.post("/account/password", data={**form, "csrf_token": token}).status_code == 302
    )
    assert here.get("/worklist").status_code == 200
    assert elsewhere.get("/worklist").status_code == 302  # signed out
    [event] = events_of_kind(app.extensions["backoffice"], "user_password_changed")
    assert event.data == {"required": False, "sessions_ended": 1}


def test_an_sso_session_is_not_held_by_the_password_flag(database_url: str, make_app: Any) -> None:
    running = RunningProvider(Provider())
    try:
        provider = running.provider
        settings = settings_for(database_url)
        settings.oidc = OidcSettings(provider.issuer, provider.client_id, provider.client_secret)
        app: Flask = make_app(settings)
        load_users(app.extensions["backoffice"])
        office = app.extensions["backoffice"]
        office.sso.link(CLERK, provider.subject, "admin_330602")
        office.account_admin.reset_password(CLERK, RESET, "admin_330602")
        client = app.test_client()
        assert _sso(client, "/worklist").headers["Location"] == "/worklist"
        assert client.get("/worklist").status_code == 200
    finally:
        running.stop()
