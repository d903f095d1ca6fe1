"""Letters between real deployments on localhost, each its own process and SQLite database:
杭州 (A) sends to 越城 (B) directly; B is killed with -9 while letters wait and restarted;
and the same delivery through a hub (H) that keeps a signed receipt.

One module, servers shared by module fixtures (CI time)."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.audit.chain import AuditChain
from app.features.exchange.envelope import canonical_bytes, parse
from app.kernel.clock import Clock
from app.kernel.config import ROOT
from app.store.db import Database
from app.store.exchange_rows import InboxMessage, OutboxMessage
from tests.conftest import settings_for
from tests.deploy.gunicorn_support import free_port
from tests.exchange.support import (
    Party,
    applied_ids,
    counts,
    directory_file,
    letter,
    party,
    settings,
)

A_REGION, B_REGION, B_VIA_HUB = "330102", "330602", "330603"
WAIT = 30.0


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@dataclass
class Server:
    name: str
    db_url: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    db: Database = field(init=False)

    def __post_init__(self) -> None:
        self.db = Database(self.db_url)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.exchange.peer_server"],
                cwd=ROOT,
                env={**os.environ, **self.env, "PORT": str(self.port)},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._up, f"{self.name} to start:\n{self.log.read_text()}")

    def _up(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.db.dispose()


@dataclass
class World:
    a: Server
    b: Server
    hub: Server
    a_office: Backoffice  # the test's own runtime on A's database, to queue letters
    parties: dict[str, Party]

    def queue(self, n: int, to_region: str) -> list[str]:
        ids = []
        with self.a_office.db.transaction() as session:
            for i in range(n):
                ids.append(
                    self.a_office.exchange.outbox.queue(
                        session,
                        type="transfer_info",
                        transfer_key=f"HZ2026{i:04d}/pension",
                        from_region=A_REGION,
                        to_region=to_region,
                        payload={"本息合计": f"1020{i}.05"},
                    ).id
                )
        return ids

    def statuses(self, ids: list[str]) -> list[str]:
        with self.a.db.sessions() as session:
            rows = session.execute(
                select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))
            ).scalars()
            return sorted(rows)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("exchange")
    a = party(tmp, "杭州市社保中心", A_REGION)
    b = party(tmp, "越城区社保中心", B_REGION, B_VIA_HUB)
    h = party(tmp, "全国转移平台", "*")
    ports = {"a": free_port(), "b": free_port(), "hub": free_port()}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    # A reaches 越城 (330602) directly and everything else through the hub; B knows A's key
    # (and where it is); the hub knows both and forwards 330603 to B.
    directories = {
        "a": directory_file(
            tmp / "a.json",
            [(Party(b.name, [B_REGION], b.key_path, b.public), url["b"])],
            (h, url["hub"]),
        ),
        "b": directory_file(tmp / "b.json", [(a, url["a"])], (h, url["hub"])),
        "hub": directory_file(tmp / "hub.json", [(a, url["a"]), (b, url["b"])]),
    }
    parties = {"a": a, "b": b, "hub": h}
    servers = {}
    for name in ("a", "b", "hub"):
        db_file = tmp / f"{name}.db"
        shutil.copyfile(_sqlite_template, db_file)
        me = parties[name]
        env = {
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{db_file}",
            "SECRET_KEY": "test",
            "COOKIE_SECURE": "0",
            "REGIONS": "" if name == "hub" else ",".join(me.regions),
            "EXCHANGE_MODE": "hub" if name == "hub" else "peer",
            "EXCHANGE_NAME": me.name,
            "EXCHANGE_DIRECTORY": str(directories[name]),
            "EXCHANGE_PRIVATE_KEY": str(me.key_path),
            "EXCHANGE_POLL_SECONDS": "0.2",
            "EXCHANGE_BACKOFF_SECONDS": "0.2",
            "EXCHANGE_BACKOFF_MAX_SECONDS": "1",
            "EXCHANGE_MAX_ATTEMPTS": "100",
        }
        servers[name] = Server(name, env["DATABASE_URL"], ports[name], env, tmp / f"{name}.log")
    config = settings_for(servers["a"].db_url)
    config.exchange = settings(a, directories["a"])
    a_office = Backoffice(config, clock=Clock())
    try:
        for server in servers.values():
            server.start()
        yield World(servers["a"], servers["b"], servers["hub"], a_office, parties)
    finally:
        a_office.close()
        for server in servers.values():
            server.stop()


def _chains_verify(*servers: Server) -> None:
    for server in servers:
        report = AuditChain(server.db, Clock()).verify()
        assert report.ok, f"{server.name}: {report.describe()}"


def test_three_letters_are_delivered_and_applied_exactly_once(world: World) -> None:
    ids = world.queue(3, B_REGION)
    wait_until(lambda: world.statuses(ids) == ["sent"] * 3, "A to send three letters")
    assert sorted(set(applied_ids(world.b.db)) & set(ids)) == sorted(ids)
    assert len(applied_ids(world.b.db)) == len(set(applied_ids(world.b.db)))
    _chains_verify(world.a, world.b)


def test_letters_wait_while_the_receiver_is_killed_and_arrive_once_after_restart(
    world: World,
) -> None:
    world.b.kill()
    before = counts(world.b.db)
    ids = world.queue(3, B_REGION)
    # A tries, fails (connection refused) and backs off; nothing is lost meanwhile.
    wait_until(lambda: _attempts(world, ids) >= 2 * len(ids), "A to retry while B is down", 15)
    assert world.statuses(ids) == ["pending"] * 3
    world.b.start()
    wait_until(lambda: world.statuses(ids) == ["sent"] * 3, "A to deliver after the restart")
    after = counts(world.b.db)
    assert after["inbox"] - before["inbox"] == 3
    assert after["audit:letter_applied"] - before["audit:letter_applied"] == 3
    assert sorted(set(ids) & set(applied_ids(world.b.db))) == sorted(ids)
    _chains_verify(world.a, world.b)


def _attempts(world: World, ids: list[str]) -> int:
    with world.a.db.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
        ).scalars()
        return sum(rows)


def test_the_same_delivery_through_a_hub_with_a_signed_receipt(world: World) -> None:
    ids = world.queue(2, B_VIA_HUB)
    wait_until(lambda: world.statuses(ids) == ["sent"] * 2, "A to hand the letters to the hub")
    wait_until(lambda: set(ids) <= set(applied_ids(world.b.db)), "the hub to relay to B")
    assert applied_ids(world.hub.db) == []  # a hub applies nothing itself
    with world.hub.db.sessions() as session:
        relayed = session.execute(
            select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))
        ).scalars()
        assert sorted(relayed) == ["sent", "sent"]

    receipt = requests.get(f"{world.hub.url}/exchange/receipts/{ids[0]}", timeout=5).json()
    assert (receipt["id"], receipt["from_region"], receipt["to_region"]) == (
        ids[0],
        A_REGION,
        B_VIA_HUB,
    )
    assert receipt["hub"] == "全国转移平台"
    with world.a.db.sessions() as session:
        sent = session.get(OutboxMessage, ids[0])
        assert sent is not None
    envelope = parse(sent.envelope.encode())
    assert receipt["sha256"] == envelope.digest()
    hub_key = world.a_office.exchange.directory.hub
    assert hub_key is not None
    signature = base64.b64decode(receipt.pop("signature"))
    hub_key.public_key.verify(signature, canonical_bytes(receipt))  # raises if forged
    # The letter B applied is A's, signature untouched: B verified A's key, not the hub's.
    with world.b.db.sessions() as session:
        row = session.get(InboxMessage, ids[0])
        assert row is not None and row.sha256 == envelope.digest()
    # The hub cannot forge a letter: one it signs in A's name is refused by B.
    forged = letter(world.parties["hub"], B_VIA_HUB, from_region=A_REGION)
    answer = requests.post(
        f"{world.b.url}/exchange/messages",
        data=forged.body(),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert (answer.status_code, answer.json()["code"]) == (401, "bad_signature")
    _chains_verify(world.a, world.hub, world.b)
