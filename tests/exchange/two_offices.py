"""Two offices in one test process, each its own runtime and database: 越城 (330602) accepts
bundles, 杭州 (3301) is their transfer-out agency; the test carries letters between their
outboxes and receivers (the sender's HTTP delivery has its own tests)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from app.bootstrap import Backoffice
from app.store.exchange_rows import PENDING, SENT, OutboxMessage
from app.store.models import HumanTask
from tests.exchange.support import Party, directory_file, party
from tests.helpers import scenario

A_REGION, B_REGION = "330602", "330100"
UNUSED = "http://127.0.0.1:9"  # no server: the test carries the letters itself


def parties(tmp_path: Path, *more: Party) -> tuple[Party, Party, Path]:
    """越城's and 杭州's identities and a directory listing them (and any `more`)."""
    yuecheng = party(tmp_path, "越城区社保中心", A_REGION)
    hangzhou = party(tmp_path, "杭州市社保中心", "3301")
    entries = [(p, UNUSED) for p in (yuecheng, hangzhou, *more)]
    return yuecheng, hangzhou, directory_file(tmp_path / "peers.json", entries)


def carry(source: Backoffice, target: Backoffice) -> list[int]:
    """Deliver the source's pending letters to the target's receiver, as the sender would;
    every one must be accepted. The answers' statuses."""
    with source.db.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.envelope)
            .where(OutboxMessage.status == PENDING)
            .order_by(OutboxMessage.created_at)
        ).all()
    answers = []
    for message_id, body in rows:
        answer = target.exchange.receiver.receive(body.encode("utf-8"))
        assert answer.status == 202, answer.as_dict()
        answers.append(answer.status)
        with source.db.transaction() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(status=SENT, sent_at=source.clock.now())
            )
    return answers


def open_task(office: Backoffice, spec: str, process: str | None) -> HumanTask | None:
    with office.db.sessions() as session:
        query = select(HumanTask).where(
            HumanTask.task_spec == spec, HumanTask.state.in_(("open", "claimed"))
        )
        if process:
            query = query.where(HumanTask.process_id == process)
        return session.execute(query.order_by(HumanTask.id)).scalars().first()


def pension_only() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The happy-path bundle with the pension transfer alone."""
    story = scenario("bundle_all_three_success")
    application = copy.deepcopy(story["application"])
    application["insurances"] = ["pension"]
    steps = [
        s for s in story["steps"] if s["task"] == "review" or s.get("process") == "pension_transfer"
    ]
    return application, steps
