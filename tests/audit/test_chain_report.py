"""What `walk` reports about a broken chain, field by field: the events that still verify
before the break, the broken event's number and kind, and the problem (the auditor's page
and the CLI print these, so a wrong count or a missing kind is a wrong report)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.bootstrap import Backoffice
from app.features.audit.chain import ChainReport
from app.features.cases.service import Actor
from app.store.audit_log import GENESIS, canonical, chain_hash
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
    report = backoffice.audit_chain.verify()
    assert report == ChainReport(seq - 1, seq, kind if named else None, problem)


def test_the_hashed_form_of_an_event_is_fixed() -> None:
    """Known answer: the canonical bytes and the chain hash of one event. Chains written by
    earlier releases must still verify, so any change to the hashed form is a break."""
    at = datetime(2026, 11, 20, 1, 2, 3, 456789, tzinfo=UTC)
    data = {"task": "t-1", "data": {"amount": "1234.56", "ok": True}, "名": "张三"}
    content = canonical(7, "task_completed", "clerk_330602", at, 42, data)
    assert (
        content
        == (
            '{"actor":"clerk_330602","at":"2026-11-20T01:02:03.456789+00:00","case_id":42,'
            '"data":{"data":{"amount":"1234.56","ok":true},"task":"t-1","名":"张三"},'
            '"kind":"task_completed","seq":7}'
        ).encode()
    )
    assert chain_hash(GENESIS, content) == (
        "711ed73e3c7d3c1af0cb2d51c48a52f63523550cfce48366550dc16fef198f46"
    )
