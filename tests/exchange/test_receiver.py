"""POST /exchange/messages on one deployment (real app, real database): each answer of
contracts §10, the audit of every refusal, and that a refusal changes nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.bootstrap import Backoffice
from app.features.exchange.envelope import Envelope
from tests.conftest import settings_for
from tests.exchange.support import (
    Party,
    RecordingHandler,
    applied_ids,
    counts,
    directory_file,
    letter,
    party,
    settings,
)

HERE = "330602"


@pytest.fixture
def parties(tmp_path: Path) -> dict[str, Party]:
    return {
        "me": party(tmp_path, "越城区社保中心", HERE),
        "hz": party(tmp_path, "杭州市社保中心", "330102"),
        "stranger": party(tmp_path, "冒名者", "330102"),
    }


@pytest.fixture
def app(database_url: str, make_app: Any, parties: dict[str, Party], tmp_path: Path) -> Flask:
    config = settings_for(database_url)
    directory = directory_file(tmp_path / "peers.json", [(parties["hz"], "http://127.0.0.1:9/")])
    config.exchange = settings(parties["me"], directory)
    made: Flask = make_app(config, exchange_handler=RecordingHandler())
    return made


def office(app: Flask) -> Backoffice:
    found: Backoffice = app.extensions["backoffice"]
    return found


def post(app: Flask, body: bytes | Envelope) -> tuple[int, dict[str, Any]]:
    raw = body.body() if isinstance(body, Envelope) else body
    response = app.test_client().post(
        "/exchange/messages", data=raw, content_type="application/json"
    )
    return response.status_code, response.get_json()


def rejections(app: Flask) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from app.store.models import AuditEvent

    with office(app).db.sessions() as session:
        return list(
            session.execute(
                select(AuditEvent.data).where(AuditEvent.kind == "message_rejected")
            ).scalars()
        )


def _refused(app: Flask, body: bytes | Envelope, status: int, code: str) -> dict[str, Any]:
    """Posts a letter that must be refused: the answer, one audit event, nothing else."""
    before = counts(office(app).db)
    answer_status, answer = post(app, body)
    assert (answer_status, answer["code"]) == (status, code), answer
    after = counts(office(app).db)
    assert after.pop("audit:message_rejected") == before.pop("audit:message_rejected", 0) + 1
    assert after == before
    return answer


def test_a_letter_is_applied_once_and_its_replay_is_accepted_without_a_second_apply(
    app: Flask, parties: dict[str, Party]
) -> None:
    sent = letter(parties["hz"], HERE)
    assert post(app, sent) == (202, {"code": "accepted", "message": "函件已接收"})
    assert applied_ids(office(app).db) == [sent.id]
    before = counts(office(app).db)
    assert before["inbox"] == 1 and before["audit:message_received"] == 1

    status, answer = post(app, sent)
    assert (status, answer["code"]) == (202, "duplicate")
    assert counts(office(app).db) == before  # nothing applied, recorded or audited again


def test_same_id_with_other_content_is_refused(app: Flask, parties: dict[str, Party]) -> None:
    sent = letter(parties["hz"], HERE)
    assert post(app, sent)[0] == 202
    other = letter(parties["hz"], HERE, id=sent.id, payload={"联系函编号": "HZ-002"})
    _refused(app, other, 409, "id_reused")
    assert rejections(app)[-1]["id"] == sent.id


def test_bad_signature_and_unknown_sender_are_401(app: Flask, parties: dict[str, Party]) -> None:
    forged = letter(parties["stranger"], HERE)  # claims 330102 with another key
    _refused(app, forged, 401, "bad_signature")
    tampered = json.loads(letter(parties["hz"], HERE).body())
    tampered["payload"]["联系函编号"] = "HZ-999"
    _refused(app, json.dumps(tampered).encode(), 401, "bad_signature")
    unknown = letter(parties["hz"], HERE, from_region="440103")
    answer = _refused(app, unknown, 401, "unknown_sender")
    assert "440103" in answer["message"]
    audited = rejections(app)[-1]
    assert (audited["code"], audited["from"], audited["to"]) == ("unknown_sender", "440103", HERE)
    assert applied_ids(office(app).db) == []


def test_malformed_is_422_naming_the_fields(app: Flask, parties: dict[str, Party]) -> None:
    body = json.loads(letter(parties["hz"], HERE).body())
    body["to_region"] = "33"
    body["extra"] = True
    answer = _refused(app, json.dumps(body).encode(), 422, "malformed")
    fields = {e["field"] for e in answer["errors"]}
    assert fields == {"/to_region", "/extra"}
    _refused(app, b"not json", 422, "malformed")
    big = letter(parties["hz"], HERE, payload={"text": "字" * 100_000})
    answer = _refused(app, big, 422, "malformed")
    assert "大小上限" in answer["errors"][0]["message"]


def test_a_region_not_served_here_is_409(app: Flask, parties: dict[str, Party]) -> None:
    _refused(app, letter(parties["hz"], "330304"), 409, "region_not_served")


def test_a_letter_that_does_not_fit_rolls_back_the_handler_too(
    app: Flask, parties: dict[str, Party]
) -> None:
    refused = letter(parties["hz"], HERE, payload={"refuse": True})
    answer = _refused(app, refused, 409, "does_not_fit")
    assert answer["message"] == "办件当前状态不能接收该函件"
    assert applied_ids(office(app).db) == []  # the handler's own write was rolled back
    # Not recorded as received: the same letter may come again once the case is ready.
    assert post(app, letter(parties["hz"], HERE, id=refused.id))[0] == 202


def test_the_cases_refuse_a_letter_that_fits_no_case(
    database_url: str, make_app: Any, parties: dict[str, Party], tmp_path: Path
) -> None:
    """The runtime's own handler (the case letters): a letter whose payload contradicts its
    envelope, a letter without the applicant, a reply for no case here (it starts nothing)."""
    config = settings_for(database_url)
    directory = directory_file(tmp_path / "peers.json", [(parties["hz"], "http://127.0.0.1:9/")])
    config.exchange = settings(parties["me"], directory)
    office: Flask = make_app(config)
    answer = _refused(office, letter(parties["hz"], HERE), 409, "does_not_fit")
    assert "与信封不一致" in answer["message"]
    key, hz = "330602-2026-000009/pension", parties["hz"].regions[0].ljust(6, "1")[:6]
    head = {"transfer_key": key, "from_region": hz, "to_region": HERE}
    no_applicant = letter(parties["hz"], HERE, transfer_key=key, payload=head)
    assert "申请人" in _refused(office, no_applicant, 409, "does_not_fit")["message"]
    person = {"application": {"applicant": {"name": "张三", "id_number": "330602199001011231"}}}
    reply = letter(parties["hz"], HERE, type="reply", transfer_key=key, payload={**head, **person})
    assert "不等待" in _refused(office, reply, 409, "does_not_fit")["message"]


def test_no_receipt_outside_a_hub(app: Flask) -> None:
    response = app.test_client().get("/exchange/receipts/6f1c2a4e-8b3d-4e5f-9a01-23456789abcd")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
