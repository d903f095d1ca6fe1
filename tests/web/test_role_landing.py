"""Signing in lands each role on its own page (issue 15 item 8)."""

from __future__ import annotations

from typing import Any

import pytest

from app.entrypoints.demo import load_users
from tests.conftest import settings_for

LANDING = {
    "auditor_330602": "/audit/",
    "policy_staff_330602": "/modeler/",
    "supervisor_330602": "/supervision",
    "window_clerk_330602": "/worklist",
    "medical_out_clerk_330100": "/worklist",
    "admin_330602": "/admin/users",
}


@pytest.fixture
def client(database_url: str, make_app: Any) -> Any:
    app = make_app(settings_for(database_url))
    load_users(app.extensions["backoffice"])
    return app.test_client()


def _sign_in(client: Any, username: str, next_url: str | None = None) -> Any:
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    path = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(
        path, data={"username": username, "password": "demo1234", "csrf_token": token}
    )


@pytest.mark.parametrize(("username", "landing"), sorted(LANDING.items()))
def test_each_role_lands_on_its_own_page(client: Any, username: str, landing: str) -> None:
    response = _sign_in(client, username)
    assert response.status_code == 302
    assert response.headers["Location"] == landing
    assert client.get(landing).status_code == 200


def test_a_requested_page_still_wins_over_the_landing(client: Any) -> None:
    response = _sign_in(client, "auditor_330602", "/audit/chain")
    assert response.headers["Location"] == "/audit/chain"
