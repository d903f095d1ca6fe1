"""The outbox and its sender against a real HTTP server on localhost: the transactional
queue, 202 → sent, retries with exponential backoff, refusals, leases, the supervisor's retry,
and what /readyz and /metrics say."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.bootstrap import Backoffice
from app.features.exchange.sender import Outcome, Sender
from app.store.exchange_rows import OutboxMessage
from app.store.models import AuditEvent
from tests.conftest import settings_for
from tests.deploy.gunicorn_support import free_port
from tests.exchange.support import Party, directory_file, party, settings
from tests.web.clerk_support import Staff

HERE, THERE = "330602", "330102"


class Peer:
    """A real HTTP server answering POSTs with the statuses it is given, in order."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.bodies: list[bytes] = []
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _wsgi(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.bodies.append(request.get_data())
        status, body = self.answers.pop(0) if self.answers else (202, {"code": "accepted"})
        response = Response(
            json.dumps(body, ensure_ascii=False), status, mimetype="application/json"
        )
        return response(environ, start_response)

    def close(self) -> None:
        self.server.shutdown()


class Wall:
    """The sender's real-time source, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.at = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = Peer()
    yield server
    server.close()


@pytest.fixture
def me(tmp_path: Path) -> Party:
    return party(tmp_path, "越城区社保中心", HERE)


def _app(database_url: str, make_app: Any, me: Party, endpoint: str, tmp_path: Path) -> Flask:
    config = settings_for(database_url)
    there = party(tmp_path, "杭州市社保中心", THERE)
    config.exchange = settings(
        me, directory_file(tmp_path / "peers.json", [(there, endpoint)]), max_attempts=3
    )
    from app.entrypoints.demo import load_users

    app: Flask = make_app(config)
    load_users(app.extensions["backoffice"])
    return app


def office(app: Flask) -> Backoffice:
    found: Backoffice = app.extensions["backoffice"]
    return found


def queue(backoffice: Backoffice, n: int = 1) -> list[str]:
    ids = []
    with backoffice.db.transaction() as session:
        for i in range(n):
            envelope = backoffice.exchange.outbox.queue(
                session,
                type="contact_letter",
                transfer_key=f"YC2026000{i}/pension",
                from_region=HERE,
                to_region=THERE,
                payload={"n": i},
            )
            ids.append(envelope.id)
    return ids


def row(backoffice: Backoffice, message_id: str) -> OutboxMessage:
    with backoffice.db.sessions() as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None
        return found


def kinds(backoffice: Backoffice) -> list[str]:
    with backoffice.db.sessions() as session:
        return list(
            session.execute(
                select(AuditEvent.kind)
                .where(AuditEvent.kind.like("message_%"))
                .order_by(AuditEvent.seq)
            ).scalars()
        )


def test_a_letter_queued_in_a_rolled_back_step_is_never_sent(
    database_url: str, make_app: Any, me: Party, peer: Peer, tmp_path: Path
) -> None:
    backoffice = office(_app(database_url, make_app, me, peer.url, tmp_path))
    with pytest.raises(RuntimeError), backoffice.db.transaction() as session:
        backoffice.exchange.outbox.queue(
            session,
            type="reply",
            transfer_key="YC20260001/pension",
            from_region=HERE,
            to_region=THERE,
            payload={},
        )
        raise RuntimeError("the case step failed")
    assert backoffice.exchange.sender.send_due() == 0
    assert peer.bodies == []


def test_5xx_and_no_answer_are_retried_with_backoff_then_sent(
    database_url: str, make_app: Any, me: Party, peer: Peer, tmp_path: Path
) -> None:
    backoffice = office(_app(database_url, make_app, me, peer.url, tmp_path))
    wall = Wall()
    sender = Sender(backoffice.db, backoffice.exchange.settings, backoffice.clock.now, wall=wall)
    backoffice.exchange.outbox.wall = wall
    (message_id,) = queue(backoffice)
    peer.answers = [(503, {"code": "busy", "message": "稍后再试"}), (500, {})]

    assert sender.send_due() == 0
    first = row(backoffice, message_id)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at == wall.at + timedelta(seconds=0.2)  # base · 2^0
    assert "503" in first.last_error and "稍后再试" in first.last_error
    assert sender.send_due() == 0  # not due yet: nothing posted
    assert len(peer.bodies) == 1

    wall.at += timedelta(seconds=0.2)
    assert sender.send_due() == 0
    assert row(backoffice, message_id).next_attempt_at == wall.at + timedelta(seconds=0.4)
    wall.at += timedelta(seconds=0.4)
    assert sender.send_due() == 1
    sent = row(backoffice, message_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 3, "")
    # The same bytes every time: the envelope is signed once and never rewritten.
    assert len(set(peer.bodies)) == 1 and json.loads(peer.bodies[0])["id"] == message_id
    assert kinds(backoffice) == [
        "message_delivery_failed",
        "message_delivery_failed",
        "message_sent",
    ]


def test_after_max_attempts_a_letter_fails_and_the_supervisor_resends_it(
    database_url: str, make_app: Any, me: Party, tmp_path: Path
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nobody listens: connection refused
    app = _app(database_url, make_app, me, closed, tmp_path)
    backoffice = office(app)
    wall = Wall()
    sender = Sender(backoffice.db, backoffice.exchange.settings, backoffice.clock.now, wall=wall)
    backoffice.exchange.outbox.wall = wall
    (message_id,) = queue(backoffice)
    for _ in range(3):
        sender.send_due()
        wall.at += timedelta(seconds=10)
    failed = row(backoffice, message_id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert "无法连接" in failed.last_error

    ready = app.test_client().get("/readyz").get_json()
    assert any(r.startswith("letters: 1 封函件发送失败") for r in ready["reasons"])
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'sitransfer_exchange_outbox{status="failed"} 1.0' in metrics

    supervisor = Staff(app, "supervisor_330602")
    page = supervisor.get("/supervision/exchange").get_data(as_text=True)
    assert "联系函" in page and "YC20260000/pension" in page and "无法连接" in page
    response = supervisor.post(f"/supervision/exchange/{message_id}/resend")
    assert response.status_code == 302
    again = row(backoffice, message_id)
    assert (again.status, again.attempts) == ("pending", 0)
    assert kinds(backoffice)[-1] == "message_resent"
    assert "没有发送失败的函件" in supervisor.get("/supervision/exchange").get_data(as_text=True)
    # A clerk of another role may not resend.
    clerk = Staff(app, "window_clerk_330602")
    assert clerk.post(f"/supervision/exchange/{message_id}/resend").status_code == 403


def test_a_refusal_by_the_peer_fails_at_once_with_its_reason(
    database_url: str, make_app: Any, me: Party, peer: Peer, tmp_path: Path
) -> None:
    backoffice = office(_app(database_url, make_app, me, peer.url, tmp_path))
    ids = queue(backoffice, 3)
    peer.answers = [
        (401, {"code": "bad_signature", "message": "签名不符"}),
        (409, {"code": "does_not_fit", "message": "办件状态不符"}),
        (422, {"code": "malformed", "message": "信封格式不正确"}),
    ]
    assert backoffice.exchange.sender.send_due() == 0
    rows = [row(backoffice, i) for i in ids]
    assert [(r.status, r.attempts) for r in rows] == [("failed", 1)] * 3
    assert "签名不符" in rows[0].last_error and "does_not_fit" in rows[1].last_error
    assert len(peer.bodies) == 3  # no retry of a refused letter


def test_a_claimed_letter_is_not_sent_by_a_second_sender_until_the_lease_ends(
    database_url: str, make_app: Any, me: Party, peer: Peer, tmp_path: Path
) -> None:
    backoffice = office(_app(database_url, make_app, me, peer.url, tmp_path))
    wall = Wall()
    backoffice.exchange.outbox.wall = wall
    first, second = (
        Sender(backoffice.db, backoffice.exchange.settings, backoffice.clock.now, wall=wall)
        for _ in range(2)
    )
    queue(backoffice, 2)
    claimed = first.claim()  # committed, then (say) its process dies before sending
    assert len(claimed) == 2
    assert second.claim() == []  # the lease guard: not sent twice
    wall.at += timedelta(seconds=backoffice.exchange.settings.lease_seconds + 1)
    assert {c.id for c in second.claim()} == {c.id for c in claimed}  # taken over
    # The first sender wakes up late: its outcome no longer counts, the new holder's does.
    assert not first.record(claimed[0], Outcome("retry", "超时"))
    assert second.record(claimed[0], Outcome("sent"))
    assert row(backoffice, claimed[0].id).status == "sent"
    assert kinds(backoffice) == ["message_sent"]
