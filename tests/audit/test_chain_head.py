"""The chain head's hash on its own: the newest event rewritten together with its own hash
still links to the event before it and has no successor to betray it; only the hash the head
records (written in the same transaction as every append) catches the forgery."""

from __future__ import annotations

from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.store.audit_log import canonical, chain_hash
from app.store.models import AuditEvent, AuditHead
from tests.audit.support import alter, head_seq, row, tampering
from tests.helpers import scenario


def test_the_newest_event_rewritten_with_a_matching_hash_is_caught_by_the_head(
    backoffice: Backoffice, database_url: str
) -> None:
    backoffice.applications.submit(
        scenario("bundle_all_three_success")["application"], Actor("portal", "applicant")
    )
    last = head_seq(backoffice)
    assert backoffice.audit_chain.verify().ok
    with tampering(database_url) as conn:
        event = row(conn, last)
        forged = {**event["data"], "forged": True}
        content = canonical(
            last, event["kind"], "someone_else", event["at"], event["case_id"], forged
        )
        alter(
            conn,
            last,
            actor="someone_else",
            data=forged,
            hash=chain_hash(event["prev_hash"], content),
        )

    with backoffice.db.sessions() as session:
        stored = session.execute(select(AuditEvent).where(AuditEvent.seq == last)).scalar_one()
        head = session.execute(select(AuditHead)).scalar_one()
        # The forgery is consistent in itself: content, hash and link all agree ...
        assert stored.actor == "someone_else" and stored.prev_hash == event["prev_hash"]
        assert head.seq == last and head.hash != stored.hash
    report = backoffice.audit_chain.verify()
    # ... and only the head's hash gives it away.
    assert (report.ok, report.broken_seq, report.problem) == (False, last, "head_altered")
    assert "does not match the hash the chain head records" in report.describe()
