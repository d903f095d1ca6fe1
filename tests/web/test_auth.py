"""Sign-in with server-side sessions: wrong password, logout ends the session, CSRF enforced."""

from __future__ import annotations

from typing import Any

from app.entrypoints.demo import demo_name, load_users
from tests.conftest import settings_for
from tests.helpers import events_of_kind


def _client(database_url: str, make_app: Any):  # type: ignore[no-untyped-def]
    app = make_app(settings_for(database_url))
    load_users(app.extensions["backoffice"])
    return app, app.test_client()


def _csrf(client: Any, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_sign_in_sign_out_and_failed_attempt_is_audited(database_url: str, make_app: Any) -> None:
    app, client = _client(database_url, make_app)
    token = _csrf(client)
    bad = client.post(
        "/login", data={"username": "reviewer_330602", "password": "nope", "csrf_token": token}
    )
    assert bad.status_code == 401 and "用户名或密码不正确" in bad.get_data(as_text=True)
    office = app.extensions["backoffice"]
    assert [e.actor for e in events_of_kind(office, "sign_in_failed")] == ["reviewer_330602"]

    ok = client.post(
        "/login", data={"username": "reviewer_330602", "password": "demo1234", "csrf_token": token}
    )
    assert ok.status_code == 302
    cookie = client.get_cookie("sit_session")
    assert cookie is not None and cookie.http_only
    assert demo_name("reviewer_330602") in client.get("/").get_data(as_text=True)

    out = client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert out.status_code == 302
    # The old cookie value no longer opens a session, even if a client kept it.
    client.set_cookie("sit_session", cookie.value)
    assert demo_name("reviewer_330602") not in client.get("/").get_data(as_text=True)


def test_post_without_csrf_token_is_rejected(database_url: str, make_app: Any) -> None:
    _app, client = _client(database_url, make_app)
    response = client.post("/login", data={"username": "reviewer_330602", "password": "demo1234"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
