"""`audit verify` (contracts §7): passes on a busy database, and names the first broken event
after any single audit row is altered, deleted or reordered directly in the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, select

from app.store.models import AuditEvent
from tests.audit.support import EVENTS, alter, head_seq, remove, swap, tampering


def _verify(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def _first(app: Flask, kind: str) -> int:
    office = app.extensions["backoffice"]
    with office.db.sessions() as session:
        return int(
            session.execute(
                select(AuditEvent.seq).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
            )
            .scalars()
            .first()
        )


def test_verify_passes_on_a_busy_demo_database(demo_app: Flask) -> None:
    result = _verify(demo_app)
    count = head_seq(demo_app.extensions["backoffice"])
    assert count > 100  # the demo cases leave a long chain
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"ok {count} events"


def _data(conn: Connection, seq: int) -> None:
    data = conn.execute(select(EVENTS.c.data).where(EVENTS.c.seq == seq)).scalar_one()
    alter(conn, seq, data={**data, "data": {"review_passed": False}})


def _backdate(conn: Connection, seq: int) -> None:
    at = conn.execute(select(EVENTS.c.at).where(EVENTS.c.seq == seq)).scalar_one()
    alter(conn, seq, at=at - timedelta(days=1))


TAMPERING: dict[str, tuple[str, Callable[[Connection, int], None], str]] = {
    # name: (which event, what is done to it, what verify must say)
    "data-altered": ("task_completed", _data, "content does not match its hash"),
    "actor-altered": ("task_completed", lambda c, s: alter(c, s, actor="someone_else"), "altered"),
    "time-altered": ("case_created", lambda c, s: _backdate(c, s), "altered"),
    "kind-altered": ("timer_fired", lambda c, s: alter(c, s, kind="timer_cancelled"), "altered"),
    "hash-replaced": ("case_completed", lambda c, s: alter(c, s, hash="0" * 64), "altered"),
    "deleted": ("task_completed", remove, "is missing (deleted)"),
    "reordered": ("task_created", lambda c, s: swap(c, s, s + 1), "does not link"),
    "case-moved": ("id_number_revealed", lambda c, s: alter(c, s, case_id=None), "altered"),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_verify_names_the_event_after_a_single_row_is_tampered_with(
    demo_app: Flask, database_url: str, how: str
) -> None:
    office = demo_app.extensions["backoffice"]
    kind, tamper, message = TAMPERING[how]
    if kind == "id_number_revealed":
        from app.features.audit.case_history import CaseAudit

        CaseAudit(office).reveal_id(
            "330602-2026-000006", "330602", "auditor_330602", "核查身份信息"
        )
    seq = _first(demo_app, kind)
    assert _verify(demo_app).exit_code == 0
    with tampering(database_url) as conn:
        tamper(conn, seq)
    result = _verify(demo_app)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"broken at event {seq}"), result.output
    assert message in result.output
    report = office.audit_chain.verify()
    assert (report.ok, report.broken_seq) == (False, seq)


def test_deleting_the_newest_event_is_caught_by_the_head(
    demo_app: Flask, database_url: str
) -> None:
    last = head_seq(demo_app.extensions["backoffice"])
    with tampering(database_url) as conn:
        remove(conn, last)
    result = _verify(demo_app)
    assert result.exit_code == 1
    assert result.output.startswith(f"broken at event {last}:"), result.output


def test_an_event_appended_outside_the_log_is_caught(demo_app: Flask, database_url: str) -> None:
    office = demo_app.extensions["backoffice"]
    last = head_seq(office)
    with tampering(database_url) as conn:
        forged = dict(conn.execute(select(EVENTS).where(EVENTS.c.seq == last)).mappings().one())
        conn.execute(EVENTS.insert().values({**forged, "seq": last + 1}))
    result = _verify(demo_app)
    assert result.exit_code == 1
    assert result.output.startswith(f"broken at event {last + 1}"), result.output
