"""A transfer whose transfer-out agency runs its own deployment: 越城 (A, 330602) accepts the
bundle, its contact letter opens 杭州's (B, 3301) transfer-out case, B's 信息表 reaches A's
case, and both finish as one deployment would. Two real runtimes on two databases, the real
diagrams and the real receivers; the letters are carried between the outboxes and the
receivers by the test (the sender's HTTP delivery has its own tests)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.audit.chain import AuditChain
from app.features.audit.replay import Replayer
from app.features.cases.service import Actor
from app.features.exchange.envelope import Envelope
from app.store.models import AuditEvent, Case
from tests.conftest import current_clock, freeze, settings_for
from tests.exchange.support import Party, party, settings
from tests.exchange.two_offices import A_REGION, B_REGION, carry, open_task, parties, pension_only
from tests.helpers import scenario


def office(url: str, me: Party, directory: Path) -> Backoffice:
    base = settings_for(url)
    return Backoffice(
        dataclasses.replace(base, exchange=settings(me, directory)), clock=current_clock()
    )


@pytest.fixture
def offices(
    database_url: str, second_database_url: str, tmp_path: Path
) -> Iterator[tuple[Backoffice, Backoffice]]:
    yuecheng, hangzhou, directory = parties(tmp_path)
    a = office(database_url, yuecheng, directory)
    b = office(second_database_url, hangzhou, directory)
    yield a, b
    a.close()
    b.close()


def test_a_pension_transfer_completes_by_letters_between_two_deployments(
    offices: tuple[Backoffice, Backoffice],
) -> None:
    a, b = offices
    freeze("2026-09-28T09:00:00+08:00")
    story = scenario("bundle_all_three_success")
    application, steps = story["application"], story["steps"]
    number = a.applications.submit(application, Actor("portal", "applicant")).case_number
    for step in steps:
        task = open_task(a, step["task"], step.get("process"))
        office = a
        if task is None:
            task, office = open_task(b, step["task"], step.get("process")), b
        assert task is not None, f"{step['task']} is open on neither side"
        office.cases.complete_task(
            task.id, step.get("data", {}), Actor("clerk", task.role, task.region)
        )
        assert set(carry(a, b) + carry(b, a)) <= {202}
    with a.db.sessions() as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert case.status == "concluded", case.status
    with b.db.sessions() as session:
        opened = list(session.execute(select(Case)).scalars())
    # pension: the contact letter; medical and unemployment: the request, then the contact
    # letter (medical) or the reply (unemployment): each starts a run of B's participant.
    assert len(opened) == 5
    for letter_case in opened:
        assert letter_case.channel == "letter" and letter_case.status == "completed"
        assert letter_case.transfer_out_region == B_REGION
    for office in (a, b):
        assert AuditChain(office.db, office.clock).verify().ok
        results = list(Replayer(office).replay_all())
        assert results and all(r.identical for r in results), [r.divergence for r in results]


def test_only_the_transfer_out_agency_may_answer_a_case(
    database_url: str, second_database_url: str, tmp_path: Path
) -> None:
    """A third agency in the directory (its signature verifies) sends a 信息表 for 越城's case:
    refused (409), audited, and the case still waits for 杭州's."""
    huzhou = party(tmp_path, "湖州市社保中心", "3305")
    yuecheng, hangzhou, directory = parties(tmp_path, huzhou)
    a = office(database_url, yuecheng, directory)
    b = office(second_database_url, hangzhou, directory)
    try:
        freeze("2026-09-28T09:00:00+08:00")
        application, steps = pension_only()
        number = a.applications.submit(application, Actor("portal", "applicant")).case_number
        for step in steps[:2]:  # 审核, then the contact letter goes to 杭州
            task = open_task(a, step["task"], step.get("process"))
            assert task is not None
            a.cases.complete_task(task.id, step["data"], Actor("clerk", task.role, task.region))
        key = f"{number}/pension"
        forged = Envelope(
            id=str(uuid.uuid4()),
            type="transfer_info",
            transfer_key=key,
            from_region="330501",
            to_region=A_REGION,
            sent_at="2026-09-29T09:00:00+08:00",
            payload={"transfer_key": key, "from_region": "330501", "to_region": A_REGION},
        ).signed_with(huzhou.key)
        before = _kinds(a)
        answer = a.exchange.receiver.receive(forged.body())
        assert (answer.status, answer.code) == (409, "does_not_fit"), answer
        assert "不是转移" in answer.message
        after = _kinds(a)
        assert after.pop("message_rejected") == before.pop("message_rejected", 0) + 1
        assert after == before  # nothing else: no letter_received, no step
        # 杭州's own answer still fits.
        assert set(carry(a, b)) == {202}
        task = open_task(b, "transfer_out", "pension_transfer")
        assert task is not None
        step = next(s for s in steps if s["task"] == "transfer_out")
        b.cases.complete_task(task.id, step["data"], Actor("clerk", task.role, task.region))
        assert set(carry(b, a)) == {202}
        assert open_task(a, "transfer_in", "pension_transfer") is not None
    finally:
        a.close()
        b.close()


def _kinds(office: Backoffice) -> dict[str, int]:
    with office.db.sessions() as session:
        return dict(
            session.execute(select(AuditEvent.kind, func.count()).group_by(AuditEvent.kind)).all()
        )


def test_the_transfer_out_agency_supervises_its_own_late_step(
    offices: tuple[Backoffice, Backoffice],
) -> None:
    """The out-side step limit runs out at 杭州: its 督办 is 杭州's supervisor's (a case a letter
    opened holds only that agency's steps), not 越城's."""
    a, b = offices
    freeze("2026-09-28T09:00:00+08:00")
    application, steps = pension_only()
    a.applications.submit(application, Actor("portal", "applicant"))
    for step in steps[:2]:
        task = open_task(a, step["task"], step.get("process"))
        assert task is not None
        a.cases.complete_task(task.id, step["data"], Actor("clerk", task.role, task.region))
    assert set(carry(a, b)) == {202}
    freeze("2026-12-28T09:00:00+08:00")  # long past the transfer-out step's limit
    assert b.cases.fire_due_timers() >= 1
    escalation = open_task(b, "escalate_step_out", "pension_transfer")
    assert escalation is not None and escalation.region == B_REGION, escalation
