"""统一身份认证 in a real browser: the button on the sign-in page, the local OIDC provider's
redirects, and back signed in as the linked staff account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.entrypoints.demo import demo_name, load_users
from app.kernel.config import OidcSettings
from tests.accounts.oidc_provider import Provider, RunningProvider
from tests.browser.conftest import LiveServer, shot
from tests.conftest import settings_for

CLERK = "medical_clerk_330602"


@pytest.fixture
def sso_server(database_url: str, make_app: Any) -> Iterator[tuple[LiveServer, Provider]]:
    running = RunningProvider(Provider())
    provider = running.provider
    settings = settings_for(database_url)
    settings.oidc = OidcSettings(provider.issuer, provider.client_id, provider.client_secret)
    app = make_app(settings)
    office = app.extensions["backoffice"]
    load_users(office)
    office.sso.link(CLERK, provider.subject, "admin_330602")
    server = LiveServer(app)
    server.start()
    yield server, provider
    server.stop()
    running.stop()


def test_the_sso_button_signs_a_linked_clerk_in(
    page: Any, sso_server: tuple[LiveServer, Provider]
) -> None:
    server, provider = sso_server
    page.goto(f"{server.url}/login")
    shot(page, "sso_login_page")
    page.click("text=使用统一身份认证登录")
    page.wait_for_load_state()
    # The browser went to the provider and came back to this site's callback, then on.
    [authorize] = provider.authorize_requests
    assert authorize["redirect_uri"] == f"{server.url}/login/sso/callback"
    assert page.url.startswith(server.url) and "/login" not in page.url
    assert demo_name(CLERK) in page.content()
    page.click("text=退出")
    page.wait_for_load_state()
    assert "工作人员登录" in page.content()
