"""app.entrypoints.production (what app.entrypoints.wsgi serves): no scheduler in web workers and, behind a trusted
proxy, the client's own address (the per-address sign-in limit and the audit log need it)."""

from __future__ import annotations

import dataclasses
from typing import Any

from app.entrypoints.production import build
from tests.conftest import settings_for
from tests.helpers import events_of_kind


def _failed_sign_in_from(app: Any, forwarded_for: str) -> str:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login",
        data={"username": "nobody", "password": "wrong-password", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
    )
    [event] = events_of_kind(app.extensions["backoffice"], "sign_in_failed")
    return str(event.data["remote"])


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(
    database_url: str,
) -> None:
    settings = dataclasses.replace(settings_for(database_url), scheduler=True, trusted_proxies=1)
    app = build(settings)
    try:
        assert app.extensions["backoffice"].settings.scheduler is False
        assert _failed_sign_in_from(app, "10.20.30.40") == "10.20.30.40"
    finally:
        app.extensions["backoffice"].close()


def test_without_trusted_proxies_a_forwarded_header_is_not_believed(database_url: str) -> None:
    app = build(settings_for(database_url))
    try:
        assert _failed_sign_in_from(app, "10.20.30.40") == "127.0.0.1"
    finally:
        app.extensions["backoffice"].close()
