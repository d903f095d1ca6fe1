"""Integration tokens: created and revoked with the CLI, stored only as sha256, audited."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from app.store.models import ApiToken
from tests.conftest import freeze, settings_for
from tests.helpers import events_of_kind
from tests.web.api_support import START, application


def test_cli_token_lifecycle(database_url: str, make_app: Any) -> None:
    freeze(START)
    app = make_app(settings_for(database_url))
    office = app.extensions["backoffice"]
    runner = app.test_cli_runner()

    created = runner.invoke(args=["api-token", "create", "zjzwfw"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("sit_") and len(token) > 40

    with office.db.sessions() as session:
        row = session.execute(select(ApiToken)).scalar_one()
    assert row.name == "zjzwfw"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row.__dict__)

    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/applications", json=application(), headers=auth).status_code == 201
    with office.db.sessions() as session:
        assert session.execute(select(ApiToken.last_used_at)).scalar_one() is not None

    duplicate = runner.invoke(args=["api-token", "create", "zjzwfw"])
    assert duplicate.exit_code == 1 and "已有有效令牌" in duplicate.output

    listed = runner.invoke(args=["api-token", "list"])
    assert "zjzwfw" in listed.output and "active" in listed.output and token not in listed.output

    revoked = runner.invoke(args=["api-token", "revoke", "zjzwfw"])
    assert revoked.exit_code == 0 and "revoked 1" in revoked.output
    assert client.post("/api/applications", json=application(), headers=auth).status_code == 401
    assert runner.invoke(args=["api-token", "revoke", "zjzwfw"]).exit_code == 1

    assert [e.data["name"] for e in events_of_kind(office, "api_token_created")] == ["zjzwfw"]
    assert [e.data["name"] for e in events_of_kind(office, "api_token_revoked")] == ["zjzwfw"]
    audit_text = repr([e.data for e in events_of_kind(office, "api_token_created")])
    assert token not in audit_text and row.token_hash not in audit_text

    # A new token for the same client after revocation works.
    again = runner.invoke(args=["api-token", "create", "zjzwfw"])
    assert again.exit_code == 0
    new_auth = {"Authorization": f"Bearer {again.output.strip().splitlines()[-1]}"}
    assert client.get("/api/cases/330602-2026-000001", headers=new_auth).status_code == 200


def test_blank_client_name_is_refused(database_url: str, make_app: Any) -> None:
    app = make_app(settings_for(database_url))
    result = app.test_cli_runner().invoke(args=["api-token", "create", "   "])
    assert result.exit_code == 1 and "名称" in result.output
