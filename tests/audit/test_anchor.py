"""Anchors: `audit anchor --out FILE` exports the chain head; `audit verify --anchor FILE` then
catches a rewrite of the whole chain, which plain verification cannot."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.features.audit.chain import ANCHOR_FORMAT
from app.store.models import AuditAnchor, AuditEvent
from tests.audit.support import alter, head_seq, remove, rewrite_from, tampering
from tests.helpers import events_of_kind


def _cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_anchor_exports_the_head_and_records_it(demo_app: Flask, tmp_path: Path) -> None:
    office = demo_app.extensions["backoffice"]
    head = head_seq(office)
    target = tmp_path / "anchors" / "head.json"
    result = _cli(demo_app, "anchor", "--out", str(target), "--by", "auditor_330602")
    assert result.exit_code == 0, result.output
    body = json.loads(target.read_text(encoding="utf-8"))
    assert body["format"] == ANCHOR_FORMAT and body["seq"] == head
    with office.db.sessions() as session:
        stored = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == head)).scalar_one()
        row = session.execute(select(AuditAnchor)).scalar_one()
    assert body["hash"] == stored == row.hash
    assert row.exported_to == str(target.resolve())
    assert f"anchored event {head} {stored}" in result.output
    # Anchoring is itself on the record, after the head it anchors.
    [event] = events_of_kind(office, "anchor_recorded")
    assert (event.seq, event.actor, event.data["seq"]) == (head + 1, "auditor_330602", head)

    verified = _cli(demo_app, "verify", "--anchor", str(target))
    assert verified.exit_code == 0, verified.output
    assert verified.output.splitlines()[0] == f"ok {head + 1} events"
    assert f"passes through event {head}" in verified.output


def test_a_rewritten_chain_passes_verify_but_not_the_anchor(
    demo_app: Flask, database_url: str, tmp_path: Path
) -> None:
    office = demo_app.extensions["backoffice"]
    target = tmp_path / "anchor.json"
    assert _cli(demo_app, "anchor", "--out", str(target)).exit_code == 0
    anchored = json.loads(target.read_text(encoding="utf-8"))["seq"]
    with office.db.sessions() as session:
        victim = session.execute(
            select(AuditEvent.seq, AuditEvent.data)
            .where(AuditEvent.kind == "task_completed")
            .order_by(AuditEvent.seq)
        ).first()
    assert victim is not None
    with tampering(database_url) as conn:
        alter(conn, victim.seq, data={**victim.data, "data": {"review_passed": False}})
        rewrite_from(conn, victim.seq)

    plain = _cli(demo_app, "verify")
    assert plain.exit_code == 0, plain.output  # a consistent forgery fools the chain alone ...
    caught = _cli(demo_app, "verify", "--anchor", str(target))
    assert caught.exit_code == 1, caught.output  # ... but not the anchor taken before it
    assert caught.output.startswith(f"broken at event {anchored}"), caught.output
    assert "rewritten" in caught.output
    [status] = office.audit_chain.anchors()
    assert status.holds is False


def test_a_truncated_chain_is_caught_by_the_anchor(
    demo_app: Flask, database_url: str, tmp_path: Path
) -> None:
    office = demo_app.extensions["backoffice"]
    target = tmp_path / "anchor.json"
    assert _cli(demo_app, "anchor", "--out", str(target)).exit_code == 0
    last = head_seq(office)
    with tampering(database_url) as conn:
        for seq in range(last, last - 5, -1):
            remove(conn, seq)
        rewrite_from(conn, last - 5)  # moves the head back to the new end
    assert _cli(demo_app, "verify").exit_code == 0
    caught = _cli(demo_app, "verify", "--anchor", str(target))
    assert caught.exit_code == 1
    assert "shorter than the anchor" in caught.output


def test_an_unreadable_anchor_file_is_a_usage_error(demo_app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"seq": "x"}', encoding="utf-8")
    result = _cli(demo_app, "verify", "--anchor", str(bad))
    assert result.exit_code == 2
    assert "not an audit anchor" in result.output
    missing = _cli(demo_app, "verify", "--anchor", str(tmp_path / "none.json"))
    assert missing.exit_code == 2
    assert "not a readable JSON anchor file" in missing.output


def test_anchoring_a_broken_chain_is_refused(
    demo_app: Flask, database_url: str, tmp_path: Path
) -> None:
    with tampering(database_url) as conn:
        remove(conn, 5)
    target = tmp_path / "anchor.json"
    result = _cli(demo_app, "anchor", "--out", str(target))
    assert result.exit_code == 1
    assert "broken at event 5" in result.output
    assert not target.exists()
