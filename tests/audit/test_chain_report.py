"""What `walk` reports about a broken chain, field by field: the events that still verify
before the break, the broken event's number and kind, and the problem (the auditor's page
and the CLI print these, so a wrong count or a missing kind is a wrong report)."""

from __future__ import annotations

import pytest

from app.services.audit import AuditChain, ChainReport
from app.services.backoffice import Backoffice
from app.services.cases import Actor
from tests.audit.support import alter, remove, row, tampering
from tests.helpers import scenario


@pytest.mark.parametrize(
    ("how", "problem", "named"),
    [("actor", "altered", True), ("link", "link_broken", True), ("delete", "missing", False)],
)
def test_a_broken_event_is_reported_with_its_number_kind_and_the_count_before_it(
    backoffice: Backoffice, database_url: str, how: str, problem: str, named: bool
) -> None:
    backoffice.applications.submit(
        scenario("bundle_all_three_success")["application"], Actor("portal", "applicant")
    )
    seq = 3  # inside the chain: events before and after it
    with tampering(database_url) as conn:
        kind = row(conn, seq)["kind"]
        if how == "actor":
            alter(conn, seq, actor="someone_else")
        elif how == "link":
            alter(conn, seq, prev_hash="f" * 64)
        else:
            remove(conn, seq)
    report = AuditChain(backoffice.db).verify()
    assert report == ChainReport(seq - 1, seq, kind if named else None, problem)
