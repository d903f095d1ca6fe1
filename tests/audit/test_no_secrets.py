"""Logs never contain full ID numbers or passwords: every audit event of a busy demo database
(cases in every stage, sign-ins, a revealed ID, exports) is scanned for them."""

from __future__ import annotations

import re
from typing import Any

import orjson
from flask import Flask
from sqlalchemy import select

from app.entrypoints.demo import DEMO_PASSWORD
from app.features.audit.case_history import CaseAudit, redact
from app.rules.id_number import check_character
from app.store.models import AuditEvent, CaseInput

CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def id_numbers(text: str) -> list[str]:
    """GB 11643 numbers in a text: 17 digits and a matching check character."""
    return [m for m in CANDIDATE.findall(text) if check_character(m[:17]) == m[17].upper()]


def _leaks(app: Flask) -> list[str]:
    office = app.extensions["backoffice"]
    found = []
    with office.db.sessions() as session:
        for event in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
            text = event.actor + " " + orjson.dumps(event.data).decode()
            for number in id_numbers(text):
                found.append(f"event {event.seq} ({event.kind}): ID number {number}")
            for secret in (DEMO_PASSWORD, "scrypt:", "pbkdf2:"):
                if secret in text:
                    found.append(f"event {event.seq} ({event.kind}): password material {secret}")
    return found


def _csrf(client: Any, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_scanner_finds_an_id_number() -> None:
    # The check below would pass vacuously if the scanner could not see a number at all.
    assert id_numbers('{"x": "申请人330602199001011231，电话13800000000"}') == [
        "330602199001011231"
    ]
    assert id_numbers("330602199001011232") == []  # wrong check digit: not an ID number
    assert redact({"a": ["330602199001011231"]}) == {"a": ["330602********1231"]}


def test_no_audit_event_of_a_demo_database_holds_an_id_number_or_a_password(
    demo_app: Flask,
) -> None:
    office = demo_app.extensions["backoffice"]
    with office.db.sessions() as session:
        inputs = session.execute(select(CaseInput.kind, CaseInput.data)).all()
    # The full numbers are in the database (the applications, and the household heads' on the
    # 参保(合)凭证 kept as personal inputs), just never in the log; so are the 社会保障卡号 the
    # unemployment reviews entered for the 联系函 (2021 通知 第三条（一）).
    assert [kind for kind, _ in inputs].count("start") == 8
    assert {kind for kind, _ in inputs} == {"start", "personal"}
    cards = [data for _, data in inputs if data.get("spec") == "out_review"]
    assert cards and all(
        set(data["data"]) == {"unemployment_social_security_card_number"} for data in cards
    )
    card_numbers = {data["data"]["unemployment_social_security_card_number"] for data in cards}
    assert all(id_numbers(orjson.dumps(data).decode()) for _, data in inputs if data not in cards)
    client = demo_app.test_client()
    token = _csrf(client)
    client.post(
        "/login",
        data={"username": "auditor_330602", "password": "wrong-password", "csrf_token": token},
    )
    client.post(
        "/login",
        data={"username": "auditor_330602", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    number = "330602-2026-000006"
    page = client.post(
        f"/audit/cases/{number}/reveal",
        data={
            "reason": "核对申请人身份信息",
            "csrf_token": _csrf(client, f"/audit/cases/{number}"),
        },
    )
    assert page.status_code == 200 and id_numbers(page.get_data(as_text=True))
    for fmt in ("json", "csv"):
        export = client.get(f"/audit/cases/{number}/history.{fmt}")
        assert export.status_code == 200 and not id_numbers(export.get_data(as_text=True))
    CaseAudit(office).reveal_id(number, "330602", "auditor_330602", "第二次核对")
    assert _leaks(demo_app) == []
    with office.db.sessions() as session:
        logged = [
            orjson.dumps(e.data).decode() for e in session.execute(select(AuditEvent)).scalars()
        ]
    assert not [text for text in logged for card in card_numbers if card in text]


def test_an_id_number_typed_as_a_username_is_not_logged(demo_app: Flask) -> None:
    client = demo_app.test_client()
    client.post(
        "/login",
        data={"username": "330602199001011231", "password": "x", "csrf_token": _csrf(client)},
    )
    assert _leaks(demo_app) == []
