"""PostgreSQL: senders share the outbox without sending a letter twice (the claim skips rows
another sender has locked, and a committed claim is a lease)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.bootstrap import Backoffice
from app.features.cases.timer_leases import wall_now
from app.features.exchange.sender import Sender
from app.store.exchange_rows import claim_due
from tests.conftest import current_clock, settings_for
from tests.exchange.support import directory_file, party, settings
from tests.exchange.test_sender import HERE, THERE, Peer, queue

pytestmark = pytest.mark.postgres


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = Peer()
    yield server
    server.close()


@pytest.fixture
def office(postgres_url: str, tmp_path: Path, peer: Peer) -> Iterator[Backoffice]:
    config = settings_for(postgres_url)
    me = party(tmp_path, "越城区社保中心", HERE)
    there = party(tmp_path, "杭州市社保中心", THERE)
    config.exchange = settings(me, directory_file(tmp_path / "peers.json", [(there, peer.url)]))
    backoffice = Backoffice(config, clock=current_clock())
    yield backoffice
    backoffice.close()


def test_a_claim_skips_rows_another_open_claim_holds(office: Backoffice) -> None:
    queue(office, 4)
    now = wall_now()
    lease = now + timedelta(seconds=60)
    with office.db.transaction() as first:
        mine = claim_due(first, now, "first", lease, 2)  # locked until this commits
        with office.db.transaction() as second:
            # Without SKIP LOCKED this waits for `first` and fails after the lock timeout.
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            theirs = claim_due(second, now, "second", lease, 4)
    assert len(mine) == 2 and len(theirs) == 2
    assert not {c.id for c in mine} & {c.id for c in theirs}


def test_two_senders_racing_post_each_letter_once(office: Backoffice, peer: Peer) -> None:
    ids = queue(office, 20)
    senders = [
        Sender(office.db, office.exchange.settings, office.clock.now, batch=3) for _ in range(2)
    ]
    sent: list[int] = []
    threads = [threading.Thread(target=lambda s=s: sent.append(s.send_due())) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 20
    posted = Counter(body.split(b'"id":"')[1][:36].decode() for body in peer.bodies)
    assert set(posted) == set(ids) and set(posted.values()) == {1}
