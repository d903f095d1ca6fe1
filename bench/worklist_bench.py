"""Worklist page latency over HTTP at 10^3 and 10^5 open cases (contracts §8 line `worklist`).

A real server on a local port serves the app; a signed-in clerk requests worklist pages
(first page, a later page, reversed sort, a filter). The open cases and their task rows are
inserted in bulk with Core statements — the page reads only rows, so how they were made does
not matter to it, and running 10^5 cases through the engine would take an hour."""

from __future__ import annotations

import hashlib
import http.cookiejar
import logging
import random
import re
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from werkzeug.serving import make_server

from app import create_app
from app.bootstrap import Backoffice
from app.entrypoints.demo import load_users
from app.kernel.config import ROOT, Settings
from app.store.migrate import upgrade
from app.store.models import Case, HumanTask, ProcessVersion

REGION_IN, REGION_OUT = "330602", "330100"
CLERK = "medical_clerk_330602"
# (role, region, process, task id, title, form) of the three tasks a bundle case has open
# right after acceptance: what a real 10^5-case back office would mostly hold.
OPEN_TASKS = (
    ("pension_clerk", REGION_IN, "pension_transfer", "contact_letter", "审核转入申请并发出联系函"),
    ("medical_clerk", REGION_IN, "medical_transfer", "contact_letter", "审核并发出联系函"),
    (
        "unemployment_out_clerk",
        REGION_OUT,
        "unemployment_transfer",
        "out_review",
        "审核并出具联系函",
    ),
)
NAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
PATHS = (
    "/worklist",
    "/worklist?page=2",
    "/worklist?sort=deadline_desc",
    "/worklist?insurance=medical&page=3",
)
WARMUP = 20
REQUESTS = 400


def settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        scheduler=False,
        secret_key="bench",
        processes_dir=ROOT / "processes",
        forms_dir=ROOT / "forms",
        cookie_secure=False,
    )


def insert_open_cases(office: Backoffice, count: int, *, seed: int = 7, batch: int = 5000) -> None:
    """`count` accepted bundle cases, each with its three open task rows (Core, in batches)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with office.db.sessions() as session:
        version_id = session.execute(
            select(ProcessVersion.id)
            .where(ProcessVersion.process_id == "one_thing_bundle")
            .order_by(ProcessVersion.version.desc())
            .limit(1)
        ).scalar_one()
        start = session.execute(select(Case.id).order_by(Case.id.desc()).limit(1)).scalar() or 0
    for first in range(0, count, batch):
        cases, tasks = [], []
        for offset in range(first, min(first + batch, count)):
            case_id = start + offset + 1
            created = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
            name = rng.choice(NAMES) + rng.choice(NAMES)
            cases.append(
                {
                    "id": case_id,
                    "number": f"{REGION_IN}-2026-{case_id:07d}",
                    "process_version_id": version_id,
                    "pinned": {},
                    "status": "accepted",
                    "applicant_name": name,
                    "applicant_id_masked": f"{REGION_IN}********{case_id % 10000:04d}",
                    "applicant_id_digest": hashlib.sha256(str(case_id).encode()).hexdigest(),
                    "insurances": "pension,medical,unemployment",
                    "channel": "online",
                    "transfer_in_region": REGION_IN,
                    "transfer_out_region": REGION_OUT,
                    "decision": "accepted",
                    "accepted_at": created,
                    "committed_due": None,
                    "legal_due": None,
                    "deadlines_provisional": False,
                    "warned": False,
                    "overdue": False,
                    "created_at": created,
                    "updated_at": created,
                    "completed_at": None,
                    "version": 1,
                }
            )
            for index, (role, region, process, spec, title) in enumerate(OPEN_TASKS):
                undated = rng.random() < 0.1
                tasks.append(
                    {
                        "case_id": case_id,
                        "task_uuid": f"bench-{case_id}-{index}",
                        "process_id": process,
                        "task_spec": spec,
                        "title": title,
                        "role": role,
                        "region": region,
                        "form": f"{process}.{spec}.json",
                        "state": "open",
                        "assignee": None,
                        "created_at": created,
                        "claimed_at": None,
                        "completed_at": None,
                        "completed_by": None,
                        "due_at": None if undated else created + timedelta(days=21),
                        "due_provisional": False,
                    }
                )
        with office.db.transaction() as session:
            session.execute(insert(Case), cases)
            session.execute(insert(HumanTask), tasks)


class _Server:
    def __init__(self, app: Any) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def _signed_in_opener(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    body = urllib.parse.urlencode(
        {"username": CLERK, "password": "demo1234", "csrf_token": token.group(1)}
    ).encode()
    page = opener.open(f"{base}/login", data=body).read().decode()
    assert "待认领" in page, "the clerk did not reach the worklist"
    return opener


class _Site:
    """A database with `count` open cases, served on a local port, and a signed-in clerk."""

    def __init__(self, count: int) -> None:
        self.folder = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(self.folder.name) / 'bench.db'}"
        upgrade(url)
        app = create_app(settings(url))
        self.office: Backoffice = app.extensions["backoffice"]
        self.office.deployments.deploy_directory("worklist bench", "bench")
        load_users(self.office)
        insert_open_cases(self.office, count)
        self.server = _Server(app)
        self.opener = _signed_in_opener(self.server.url)

    def get_ms(self, path: str) -> float:
        started = time.perf_counter()
        with self.opener.open(self.server.url + path) as response:
            body = response.read()
            assert response.status == 200 and b"data-task=" in body, path
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.server.stop()
        self.office.close()
        self.folder.cleanup()


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[int(len(ordered) * 0.95) - 1]


def run() -> dict[str, Any]:
    # Both sites run at once and their requests alternate, so that whatever else the machine
    # does at that moment weighs on both measurements alike.
    small, large = _Site(1_000), _Site(100_000)
    try:
        timings: dict[int, list[float]] = {1_000: [], 100_000: []}
        for n in range(WARMUP + REQUESTS):
            path = PATHS[n % len(PATHS)]
            for count, site in ((1_000, small), (100_000, large)):
                elapsed = site.get_ms(path)
                if n >= WARMUP:
                    timings[count].append(elapsed)
    finally:
        small.close()
        large.close()
    p95_small, p95_large = _p95(timings[1_000]), _p95(timings[100_000])
    return {
        "bench": "worklist",
        "p95_ms_at_1e3": round(p95_small, 2),
        "p95_ms_at_1e5": round(p95_large, 2),
        "ratio": round(p95_large / p95_small, 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False))
