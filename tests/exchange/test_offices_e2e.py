"""Issue 16's acceptance, end to end: two real servers on localhost with two databases —
越城 (A, 330602) accepts a bundle whose transfer-out region 杭州 (B, 3301) is served by the
other — and the transfers complete by exchanged letters while clerks work in each server's own
UI. Directly, with B killed (-9) while a letter is in flight; and through a hub in between.
Afterwards both sides' audit chains verify and every case replays identically."""

from __future__ import annotations

import dataclasses
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.entrypoints.demo import load_users
from app.features.audit.chain import AuditChain
from app.features.audit.replay import Replayer
from app.features.cases.service import Actor
from app.kernel.clock import Clock
from app.kernel.config import ROOT
from app.store.exchange_rows import OutboxMessage
from app.store.models import AuditEvent, Case, HumanTask
from tests.conftest import settings_for
from tests.deploy.gunicorn_support import free_port
from tests.exchange.support import Party, directory_file, party, settings
from tests.exchange.test_two_deployments import Server, wait_until
from tests.helpers import scenario
from tests.web.clerk_support import form_data

A_REGION, B_REGION = "330602", "330100"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STEP_WAIT = 30.0


@dataclasses.dataclass
class Office:
    server: Server
    party: Party
    directory: Path

    def runtime(self) -> Backoffice:
        config = settings_for(self.server.db_url)
        config.exchange = settings(self.party, self.directory)
        return Backoffice(config, clock=Clock())


def _offices(tmp: Path, template: Path, via_hub: bool) -> dict[str, Office]:
    a = party(tmp, "越城区社保中心", A_REGION)
    b = party(tmp, "杭州市社保中心", "3301")
    hub = party(tmp, "全国转移平台", "*")
    ports = {name: free_port() for name in ("a", "b", "hub")}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    if via_hub:  # each side knows the other's key only; letters go through the hub
        directories = {
            "a": directory_file(tmp / "a.json", [(b, "")], (hub, url["hub"])),
            "b": directory_file(tmp / "b.json", [(a, "")], (hub, url["hub"])),
            "hub": directory_file(tmp / "hub.json", [(a, url["a"]), (b, url["b"])]),
        }
    else:
        directories = {
            "a": directory_file(tmp / "a.json", [(b, url["b"])]),
            "b": directory_file(tmp / "b.json", [(a, url["a"])]),
        }
    parties = {"a": a, "b": b, "hub": hub}
    offices = {}
    for name, directory in directories.items():
        db_file = tmp / f"{name}.db"
        shutil.copyfile(template, db_file)
        me = parties[name]
        env = {
            "PYTHONPATH": str(ROOT),
            "CASE_LETTERS": "1",
            "DATABASE_URL": f"sqlite:///{db_file}",
            "SECRET_KEY": "test",
            "COOKIE_SECURE": "0",
            "REGIONS": "" if name == "hub" else ",".join(me.regions),
            "EXCHANGE_MODE": "hub" if name == "hub" else "peer",
            "EXCHANGE_NAME": me.name,
            "EXCHANGE_DIRECTORY": str(directory),
            "EXCHANGE_PRIVATE_KEY": str(me.key_path),
            "EXCHANGE_POLL_SECONDS": "0.2",
            "EXCHANGE_BACKOFF_SECONDS": "0.2",
            "EXCHANGE_BACKOFF_MAX_SECONDS": "1",
            "EXCHANGE_MAX_ATTEMPTS": "100",
        }
        server = Server(name, env["DATABASE_URL"], ports[name], env, tmp / f"{name}.log")
        offices[name] = Office(server, me, directory)
    return offices


@pytest.fixture(params=["direct", "hub"])
def offices(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[dict[str, Office]]:
    offices = _offices(tmp_path, _sqlite_template, via_hub=request.param == "hub")
    for name in ("a", "b"):
        runtime = offices[name].runtime()
        load_users(runtime)  # the clerks of both regions (demo password)
        runtime.close()
    try:
        for office in offices.values():
            office.server.start()
        yield offices
    finally:
        for office in offices.values():
            office.server.stop()


class Clerk:
    """A clerk in a browser: signs in to their own office's server and completes a task."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.http = requests.Session()
        page = self.http.get(base + "/login", timeout=10)
        answer = self.http.post(
            base + "/login",
            data={"username": username, "password": "demo1234", "csrf_token": _csrf(page.text)},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 302, answer.text[-500:]

    def complete(self, task_id: int, data: dict[str, Any]) -> None:
        page = self.http.get(f"{self.base}/tasks/{task_id}", timeout=10)
        assert page.status_code == 200, page.text[-500:]
        answer = self.http.post(
            f"{self.base}/tasks/{task_id}",
            data={**form_data(data), "csrf_token": _csrf(page.text)},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, answer.text[-800:]


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token"
    return found[1]


def _open_task(office: Office, step: dict[str, Any]) -> HumanTask | None:
    with office.server.db.sessions() as session:
        query = select(HumanTask).where(
            HumanTask.task_spec == step["task"], HumanTask.state.in_(("open", "claimed"))
        )
        if step.get("process"):
            query = query.where(HumanTask.process_id == step["process"])
        return session.execute(query.order_by(HumanTask.id)).scalars().first()


def _await_step(offices: dict[str, Office], step: dict[str, Any]) -> tuple[Office, HumanTask]:
    deadline = time.monotonic() + STEP_WAIT
    while True:
        for name in ("a", "b"):
            task = _open_task(offices[name], step)
            if task is not None:
                return offices[name], task
        assert time.monotonic() < deadline, f"{step['task']} never opened on either side"
        time.sleep(0.1)


def _pending(office: Office) -> int:
    with office.server.db.sessions() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            ).scalar_one()
        )


def test_the_bundle_completes_by_letters_between_two_offices(
    offices: dict[str, Office], request: pytest.FixtureRequest
) -> None:
    a, b = offices["a"], offices["b"]
    story = scenario("bundle_all_three_success")
    office_a = a.runtime()
    try:
        number = office_a.applications.submit(
            story["application"], Actor("portal", "applicant")
        ).case_number
    finally:
        office_a.close()
    clerks: dict[tuple[str, str], Clerk] = {}
    direct = request.node.callspec.params["offices"] == "direct"
    kill_b = direct  # once, directly: B dies (-9) with A's contact letter in flight
    for step in story["steps"]:
        office, task = _await_step(offices, step)
        username = f"{task.role}_{task.region}"
        key = (office.server.name, username)
        if key not in clerks:
            clerks[key] = Clerk(office.server.url, username)
        letter = kill_b and office is a and step["task"] == "contact_letter"
        if letter:
            b.server.kill()
        clerks[key].complete(task.id, step.get("data", {}))
        if letter:
            wait_until(lambda: _attempts(a) >= 2, "A to retry while B is down", 15)
            assert _pending(a) >= 1  # still waiting, nothing lost
            b.server.start()
            kill_b = False
    assert not kill_b, "B was never killed with a letter in flight"
    wait_until(lambda: _status(a, number) == "concluded", "A's case to conclude", STEP_WAIT)
    # Each letter A sent started one run of a transfer-out participant: one case of B's.
    with a.server.db.sessions() as session:
        sent = session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "letter_sent")
        ).scalar_one()
    with b.server.db.sessions() as session:
        opened = session.execute(select(Case.channel, Case.status)).all()
    assert sent >= 3 and sorted(opened) == [("letter", "completed")] * sent
    for office in (a, b):
        _no_step_twice(office)
        runtime = office.runtime()
        try:
            report = AuditChain(runtime.db, runtime.clock).verify()
            assert report.ok, f"{office.server.name}: {report.describe()}"
            results = list(Replayer(runtime).replay_all())
            assert results and all(r.identical for r in results), [
                r.line() for r in results if not r.identical
            ]
        finally:
            runtime.close()


def _attempts(office: Office) -> int:
    with office.server.db.sessions() as session:
        return int(session.execute(select(func.sum(OutboxMessage.attempts))).scalar() or 0)


def _status(office: Office, number: str) -> str:
    with office.server.db.sessions() as session:
        return str(session.execute(select(Case.status).where(Case.number == number)).scalar())


def _no_step_twice(office: Office) -> None:
    """Every letter received is applied once, every task completed once."""
    with office.server.db.sessions() as session:
        rows = session.execute(
            select(AuditEvent.kind, AuditEvent.data).where(
                AuditEvent.kind.in_(("letter_received", "task_completed", "case_created"))
            )
        ).all()
    seen = [
        (kind, data.get("id") or data.get("task") or data.get("letter_id")) for kind, data in rows
    ]
    assert len(seen) == len(set(seen)), seen
