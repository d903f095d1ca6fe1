"""督办 → 函件交换: a letter that could not be delivered is listed with its reason and sent
again with 重新发送."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.entrypoints.demo import load_users
from app.store.exchange_rows import OutboxMessage
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import settings_for
from tests.deploy.gunicorn_support import free_port
from tests.exchange.support import directory_file, party, settings


@pytest.fixture
def exchange_server(database_url: str, make_app: Any, tmp_path: Path) -> Iterator[LiveServer]:
    config = settings_for(database_url)
    me = party(tmp_path, "越城区社保中心", "330602")
    there = party(tmp_path, "杭州市社保中心", "330102")
    closed = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    peers = directory_file(tmp_path / "peers.json", [(there, closed)])
    config.exchange = settings(me, peers, max_attempts=1)
    app = make_app(config)
    load_users(app.extensions["backoffice"])
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


def test_supervisor_resends_a_failed_letter(page: Any, exchange_server: LiveServer) -> None:
    office = exchange_server.backoffice
    with office.db.transaction() as session:
        letter = office.exchange.outbox.queue(
            session,
            type="reply",
            transfer_key="YC20260001/pension",
            from_region="330602",
            to_region="330102",
            payload={"复函": "同意接收"},
        )
    office.exchange.sender.send_due()  # refused connection, one try allowed: failed

    sign_in(page, exchange_server, "supervisor_330602")
    page.click("nav >> text=函件交换")
    row = page.locator(f"#failed-letters tr[data-id='{letter.id}']")
    assert "复函" in row.inner_text() and "无法连接对方" in row.inner_text()
    shot(page, "exchange_failed_letters")
    row.locator("button", has_text="重新发送").click()
    page.wait_for_load_state()
    assert "函件已重新排入发送队列" in page.inner_text("body")
    assert "没有发送失败的函件" in page.inner_text("#failed-letters")
    with office.db.sessions() as session:
        found = session.get(OutboxMessage, letter.id)
        assert found is not None and (found.status, found.attempts) == ("pending", 0)
