"""统一身份认证: a full sign-in through a real OIDC provider on localhost (discovery, authorize
redirect, token endpoint with PKCE, JWKS), and every refusal: a token with a forged signature,
another issuer, another audience, another nonce, an expired one, a forged state, a provider that
names another issuer, a subject linked to no account, a disabled account. Each spoiled token
differs from a good one in one thing only, and the audit log names the guard that caught it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.entrypoints.demo import load_users
from app.kernel.config import OidcSettings
from app.store.models import WebSession
from tests.accounts.oidc_provider import Provider, RunningProvider
from tests.conftest import settings_for
from tests.helpers import events_of_kind

CLERK = "medical_clerk_330602"


@pytest.fixture
def provider() -> Iterator[Provider]:
    running = RunningProvider(Provider())
    yield running.provider
    running.stop()


def _app(database_url: str, make_app: Any, provider: Provider) -> Flask:
    settings = settings_for(database_url)
    settings.oidc = OidcSettings(provider.issuer, provider.client_id, provider.client_secret)
    app: Flask = make_app(settings)
    load_users(app.extensions["backoffice"])
    return app


def _sso(client: FlaskClient, next_path: str = "") -> Any:
    """Click the button, let the provider answer over HTTP, come back to the callback."""
    start = client.get("/login/sso" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/login/sso/callback"
    return client.get(f"{back.path}?{back.query}")


def _refusals(app: Flask) -> list[str]:
    events = events_of_kind(app.extensions["backoffice"], "sign_in_failed")
    return [e.data["reason"] for e in events if e.data.get("method") == "sso"]


def test_a_linked_clerk_signs_in_through_the_provider(
    database_url: str, make_app: Any, provider: Provider
) -> None:
    app = _app(database_url, make_app, provider)
    office = app.extensions["backoffice"]
    office.sso.link(CLERK, provider.subject, "admin_330602")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "使用统一身份认证登录" in page and 'name="password"' in page

    answer = _sso(client, "/worklist")
    assert answer.status_code == 302 and answer.headers["Location"] == "/worklist"
    assert client.get("/worklist").status_code == 200  # the app's own session from here on

    [authorize] = provider.authorize_requests
    assert authorize["code_challenge_method"] == "S256" and authorize["nonce"]
    assert authorize["state"] and authorize["redirect_uri"] == "http://localhost/login/sso/callback"
    [token_request] = provider.token_requests
    assert len(token_request["code_verifier"]) >= 43  # PKCE: the verifier went to the provider
    [signed_in] = events_of_kind(office, "user_signed_in")
    assert signed_in.actor == CLERK and signed_in.data["method"] == "sso"
    with office.db.sessions() as session:
        methods = session.execute(select(WebSession.method)).scalars().all()
    assert methods == ["sso"]
    # Signing out ends it like any session.
    token = client.get("/worklist").get_data(as_text=True).split('name="csrf_token" value="')[1]
    client.post("/logout", data={"csrf_token": token.split('"')[0]})
    assert client.get("/worklist").status_code == 302


@pytest.mark.parametrize(
    ("spoil", "reason", "message"),
    [
        ({"sign_with_stranger_key": True}, "signature", "签名无效"),
        ({"claims_override": {"iss": "http://127.0.0.1:9/another"}}, "issuer", "签发方"),
        ({"claims_override": {"aud": "another-client"}}, "audience", "不是签发给本系统"),
        ({"claims_override": {"nonce": "not-the-one-we-sent"}}, "nonce", "nonce"),
        ({"claims_override": {"exp": int(time.time()) - 3600}}, "expired", "已过期"),
    ],
)
def test_a_spoiled_id_token_is_refused_by_its_own_guard(
    database_url: str,
    make_app: Any,
    provider: Provider,
    spoil: dict[str, Any],
    reason: str,
    message: str,
) -> None:
    app = _app(database_url, make_app, provider)
    app.extensions["backoffice"].sso.link(CLERK, provider.subject, "admin_330602")
    for name, value in spoil.items():
        setattr(provider, name, value)
    client = app.test_client()
    answer = _sso(client, "/worklist")
    assert answer.status_code == 403
    assert message in answer.get_data(as_text=True)
    assert _refusals(app) == [reason]
    assert events_of_kind(app.extensions["backoffice"], "user_signed_in") == []
    assert client.get("/worklist").status_code == 302  # nobody signed in


def test_a_forged_state_and_a_replayed_code_are_refused(
    database_url: str, make_app: Any, provider: Provider
) -> None:
    app = _app(database_url, make_app, provider)
    app.extensions["backoffice"].sso.link(CLERK, provider.subject, "admin_330602")
    client = app.test_client()
    start = client.get("/login/sso")
    back = urlsplit(
        requests.get(start.headers["Location"], allow_redirects=False).headers["Location"]
    )
    query = parse_qs(back.query)
    forged = client.get(f"{back.path}?code={query['code'][0]}&state=forged-by-someone")
    assert forged.status_code == 400 and "登录请求已失效" in forged.get_data(as_text=True)
    good = client.get(f"{back.path}?{back.query}")
    assert good.status_code == 302
    again = app.test_client().get(f"{back.path}?{back.query}")  # another browser, same URL
    assert again.status_code == 400
    assert _refusals(app) == ["state", "state"]


def test_the_provider_must_name_the_configured_issuer(
    database_url: str, make_app: Any, provider: Provider
) -> None:
    app = _app(database_url, make_app, provider)
    provider.advertised_issuer = "https://someone-else.example"
    answer = app.test_client().get("/login/sso")
    assert answer.status_code == 502 and "签发方不一致" in answer.get_data(as_text=True)
    assert provider.authorize_requests == []
    assert _refusals(app) == ["discovery"]


def test_an_unknown_subject_is_refused_and_no_account_is_made(
    database_url: str, make_app: Any, provider: Provider
) -> None:
    app = _app(database_url, make_app, provider)
    office = app.extensions["backoffice"]
    before = len(office.account_admin.list())
    answer = _sso(app.test_client())
    assert answer.status_code == 403
    text = answer.get_data(as_text=True)
    assert "尚未关联本系统的工作人员账号" in text and provider.subject in text
    assert len(office.account_admin.list()) == before
    [event] = events_of_kind(office, "sign_in_failed")
    assert event.actor == "-" and event.data["reason"] == "unknown_subject"
    assert event.data["subject"] == provider.subject


def test_a_disabled_account_is_refused(
    database_url: str, make_app: Any, provider: Provider
) -> None:
    app = _app(database_url, make_app, provider)
    office = app.extensions["backoffice"]
    office.sso.link(CLERK, provider.subject, "admin_330602")
    office.account_admin.set_active(CLERK, False, "admin_330602")
    client = app.test_client()
    answer = _sso(client)
    assert answer.status_code == 403 and "已停用" in answer.get_data(as_text=True)
    [event] = events_of_kind(office, "sign_in_failed")
    assert event.actor == CLERK and event.data["reason"] == "disabled"
    assert client.get("/worklist").status_code == 302


def test_without_settings_the_login_page_is_unchanged(database_url: str, make_app: Any) -> None:
    app = make_app(settings_for(database_url))
    client = app.test_client()
    assert "统一身份认证" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_hostile_callbacks_are_refusals_never_server_errors(
    database_url: str, make_app: Any, provider: Provider
) -> None:
    app = _app(database_url, make_app, provider)
    client = app.test_client()
    client.get("/login/sso")  # a flow in progress: its state is in this browser's session
    for query in [
        "error=%00access_denied&error_description=%00",
        "error=" + "x" * 5000,
        "code=%00&state=%00",
        "code=a&state=" + "s" * 5000,
        "code=%FF%FE&state=%C0",
        "",
    ]:
        answer = client.get(f"/login/sso/callback?{query}")
        # 422: the request hygiene refuses a NUL in the query before the view runs
        assert answer.status_code in (400, 403, 422), (query, answer.status_code)
    assert client.get("/login/sso?next=%00").status_code in (302, 422)
    assert client.get("/login/sso?next=https://evil.example/").status_code == 302
    assert set(_refusals(app)) == {"provider_error", "state"}


def test_the_return_address_stays_on_this_site(
    database_url: str, make_app: Any, provider: Provider
) -> None:
    app = _app(database_url, make_app, provider)
    app.extensions["backoffice"].sso.link(CLERK, provider.subject, "admin_330602")
    answer = _sso(app.test_client(), "https://evil.example/phish")
    assert answer.status_code == 302 and "evil" not in answer.headers["Location"]


def test_an_unreachable_provider_is_a_clear_refusal(database_url: str, make_app: Any) -> None:
    running = RunningProvider(Provider())
    app = _app(database_url, make_app, running.provider)
    running.stop()  # the platform is down: nothing listens at its address any more
    answer = app.test_client().get("/login/sso")
    assert answer.status_code == 502
    assert "暂时无法连接统一身份认证平台" in answer.get_data(as_text=True)
    assert _refusals(app) == ["provider_unreachable"]
