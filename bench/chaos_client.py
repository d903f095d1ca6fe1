"""The chaos run's clients: whole bundles over HTTP (API for applications, clerk UI for tasks),
retried across killed workers, with every 5xx and dropped connection counted."""

from __future__ import annotations

import copy
import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, text

from bench.chaos_cluster import ROOT

SCENARIOS = ROOT / "tests" / "processes" / "scenarios"
# Complete online bundles whose steps are all completions that must succeed (clock steps are
# left to the run's own clock); each ends concluded. Every task is at a demo region's agency
# (cross-province cases wait for another deployment's messages instead).
SCENARIO_FILES = (
    "bundle_all_three_success",
    "bundle_only_medical_express",
    "bundle_medical_only_late_first_insured_out_of_province",
    "bundle_hangzhou_window_service_guide",
    "pension_temporary_account",
    "medical_both_correction_loops",
    # the short bundles twice: more bundles per minute on a small machine
    "bundle_hangzhou_window_service_guide",
    "pension_temporary_account",
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NAME_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥春夏秋冬东南西北金木水火土山川"
DAWDLE_SHARE = 0.125  # of the steps, left open a day or two of simulated time
STEP_TIMEOUT = 180.0  # wall seconds a bundle waits for its next task to open


def load_scenarios() -> list[dict[str, Any]]:
    return [json.loads((SCENARIOS / f"{n}.json").read_text("utf-8")) for n in SCENARIO_FILES]


def id_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def variant(application: dict[str, Any], n: int) -> dict[str, Any]:
    """The scenario's applicant made unique: same region, birth year and month and sex, another
    day and sequence number (nothing the acceptance rules look at), and a name we can find."""
    body = copy.deepcopy(application)
    original = body["applicant"]["id_number"]
    day = 1 + n % 28
    seq = f"{(n // 28) % 100:02d}{original[16]}"
    first17 = original[:12] + f"{day:02d}" + seq
    body["applicant"]["id_number"] = first17 + id_check_digit(first17)
    suffix, k = "", n
    while True:
        suffix = NAME_CHARS[k % len(NAME_CHARS)] + suffix
        k //= len(NAME_CHARS)
        if k == 0:
            break
    body["applicant"]["name"] = body["applicant"]["name"][:1] + "混沌" + suffix
    return body


def form_data(data: dict[str, Any]) -> dict[str, Any]:
    """Task data as a browser posts it (booleans as "true"/"false", lists repeated)."""
    posted: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, bool):
            posted[key] = "true" if value else "false"
        elif isinstance(value, list):
            posted[key] = [str(v) for v in value]
        else:
            posted[key] = str(value)
    return posted


@dataclass
class Tally:
    """What the clients saw, shared by every client thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    acknowledged_cases: list[str] = field(default_factory=list)
    acknowledged_tasks: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    bundles_done: int = 0
    abandoned: int = 0
    retries: int = 0
    completion_seconds: list[float] = field(default_factory=list)
    sign_ins: dict[str, Any] = field(default_factory=dict)
    sign_in_locks: dict[str, threading.Lock] = field(default_factory=dict)

    def note(self, **changes: Any) -> None:
        with self.lock:
            for key, value in changes.items():
                current = getattr(self, key)
                if isinstance(current, list):
                    current.append(value)
                else:
                    setattr(self, key, current + value)


class Client:
    """One concurrent client: signs in as whichever demo clerk a task needs."""

    def __init__(self, base: str, token: str, db: Engine, tally: Tally, rng: random.Random):
        self.base = base
        self.token = token
        self.db = db
        self.tally = tally
        self.rng = rng
        self.sessions: dict[str, requests.Session] = {}
        self.hard_deadline = float("inf")  # monotonic; no new step of a bundle after it

    # -- HTTP ------------------------------------------------------------------------------
    def call(self, session: requests.Session, method: str, path: str, **kw: Any) -> Any:
        """One request; None for a dropped connection. 5xx are recorded with their path."""
        self.tally.note(requests=1)
        try:
            response = session.request(
                method, self.base + path, timeout=60, allow_redirects=False, **kw
            )
        except requests.RequestException:
            self.tally.note(connection_errors=1)
            return None
        with self.tally.lock:
            self.tally.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.tally.note(
                server_errors={
                    "at": time.time(),
                    "method": method,
                    "path": path,
                    "status": response.status_code,
                    "body": response.text[:300],
                }
            )
        return response

    def pause(self) -> None:
        self.tally.note(retries=1)
        time.sleep(0.1 + self.rng.random() * 0.3)

    def signed_in(self, username: str, fresh: bool = False) -> requests.Session:
        """A session of that clerk. Sign-ins are shared by all clients (a sign-in costs a slow
        password hash, as it should): each client gets its own copy of the session cookie."""
        session = self.sessions.get(username)
        if session is not None and not fresh:
            return session
        with self.tally.lock:
            lock = self.tally.sign_in_locks.setdefault(username, threading.Lock())
        with lock:
            cookies = self.tally.sign_ins.get(username)
            if cookies is None or fresh:
                cookies = self._sign_in(username)
                self.tally.sign_ins[username] = cookies
        session = requests.Session()
        session.cookies.update(cookies)
        self.sessions[username] = session
        return session

    def _sign_in(self, username: str) -> Any:
        for _ in range(50):
            session = requests.Session()
            page = self.call(session, "GET", "/login")
            if page is None or page.status_code != 200:
                self.pause()
                continue
            token = CSRF.search(page.text)
            assert token, "no CSRF token on /login"
            answer = self.call(
                session,
                "POST",
                "/login",
                data={"username": username, "password": "demo1234", "csrf_token": token[1]},
            )
            if answer is not None and answer.status_code == 302:
                return session.cookies.copy()
            self.pause()
        raise RuntimeError(f"{username} could not sign in")

    # -- a bundle --------------------------------------------------------------------------
    def run_bundle(self, scenario: dict[str, Any], n: int, clock: ClockReader) -> None:
        body = variant(scenario["application"], n)
        number = self.submit(body)
        if number is None:
            self.tally.note(failures=f"bundle {n}: application not accepted")
            return
        done: set[int] = set()
        for step in scenario["steps"]:
            if "task" not in step:
                continue  # the run's clock moves by itself
            if time.monotonic() > self.hard_deadline:
                self.tally.note(abandoned=1)  # left open, as a clerk going home would
                return
            self.dawdle(clock)
            if not self.complete(number, step, done):
                return
        self.finish(number, scenario, n)

    def dawdle(self, clock: ClockReader) -> None:
        """Some clerks leave a task open for days (simulated), so that its limits fall due."""
        if self.rng.random() < DAWDLE_SHARE:
            clock.wait_until(clock.now() + timedelta(days=self.rng.choice((1, 2))), timeout=10.0)

    def submit(self, body: dict[str, Any]) -> str | None:
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {self.token}"
        for _ in range(100):
            answer = self.call(api, "POST", "/api/applications", json=body)
            if answer is not None and answer.status_code == 201:
                number: str = answer.json()["case_number"]
                self.tally.note(acknowledged_cases=number)
                return number
            if answer is not None and answer.status_code < 500:
                self.tally.note(failures=f"application {answer.status_code}: {answer.text[:200]}")
                return None
            # The worker died (or failed) mid-request: did the application commit?
            found = self._case_of(body["applicant"]["name"])
            if found:
                return found
            self.pause()
        return None

    def _case_of(self, name: str) -> str | None:
        with self.db.connect() as conn:
            found: str | None = conn.execute(
                text('SELECT number FROM "case" WHERE applicant_name = :n'), {"n": name}
            ).scalar()
        return found

    def _open_task(self, number: str, step: dict[str, Any], done: set[int]) -> Any:
        """The oldest open task of that element (and process) — read from the tables, as the
        scenario runner does; the clerk then finds it on the task page."""
        query = (
            'SELECT t.id, t.role, t.region FROM human_task t JOIN "case" c ON c.id = t.case_id'
            " WHERE c.number = :number AND t.task_spec = :spec AND t.state IN ('open', 'claimed')"
        )
        params: dict[str, Any] = {"number": number, "spec": step["task"]}
        if step.get("process"):
            query += " AND t.process_id = :process"
            params["process"] = step["process"]
        with self.db.connect() as conn:
            rows = conn.execute(text(query + " ORDER BY t.id"), params).all()
        return next((r for r in rows if r.id not in done), None)

    def _task_state(self, task_id: int) -> str:
        with self.db.connect() as conn:
            state: str = conn.execute(
                text("SELECT state FROM human_task WHERE id = :id"), {"id": task_id}
            ).scalar_one()
        return state

    def complete(self, number: str, step: dict[str, Any], done: set[int]) -> bool:
        deadline = time.monotonic() + STEP_TIMEOUT
        started = time.monotonic()
        while time.monotonic() < deadline:
            row = self._open_task(number, step, done)
            if row is None:
                time.sleep(0.2)  # not open yet (a timer or a previous step's effect)
                continue
            username = f"{row.role}_{row.region}"
            session = self.signed_in(username)
            page = self.call(session, "GET", f"/tasks/{row.id}")
            if page is not None and page.status_code == 302:  # signed out
                self.signed_in(username, fresh=True)
                continue
            if page is None or page.status_code != 200:
                self.pause()
                continue
            token = CSRF.search(page.text)
            if token is None:
                self.pause()
                continue
            answer = self.call(
                session,
                "POST",
                f"/tasks/{row.id}",
                data={**form_data(step["data"]), "csrf_token": token[1]},
            )
            if answer is not None and "/login" in answer.headers.get("Location", ""):
                self.signed_in(username, fresh=True)
                continue
            if answer is not None and answer.status_code == 302:
                done.add(row.id)
                self.tally.note(
                    acknowledged_tasks=row.id, completion_seconds=time.monotonic() - started
                )
                return True
            if answer is not None and answer.status_code == 422:
                self.tally.note(failures=f"{number} {step['task']}: 422 {answer.text[-300:]}")
                return False
            # Dropped, 5xx or 409: the retry decides from the task row, never completes twice.
            if self._task_state(row.id) == "completed":
                done.add(row.id)
                return True
            self.pause()
        self.tally.note(failures=f"{number} {step['task']}: task never opened")
        return False

    def finish(self, number: str, scenario: dict[str, Any], n: int) -> None:
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {self.token}"
        expected = scenario.get("expect", {}).get("status")
        for _ in range(100):
            answer = self.call(api, "GET", f"/api/cases/{number}")
            if answer is not None and answer.status_code == 200:
                status = answer.json()["status"]
                if expected is None or status == expected:
                    self.tally.note(bundles_done=1)
                    return
                self.tally.note(failures=f"bundle {n} {number}: {status}, expected {expected}")
                return
            self.pause()


class ClockReader:
    """The deployment's simulated now, read from its row; clients wait on it to dawdle."""

    def __init__(self, db: Engine) -> None:
        self.db = db
        self.stop = threading.Event()
        self.end: datetime | None = None

    def now(self) -> datetime:
        with self.db.connect() as conn:
            found: datetime = conn.execute(
                text("SELECT now_at FROM simulation_time WHERE id = 1")
            ).scalar_one()
        return found

    def wait_until(self, at: datetime, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stop.is_set() and self.now() < at:
            if self.end is not None and self.now() >= self.end:
                return  # the clock has stopped for good
            time.sleep(0.3)


def results_path() -> Path:
    return ROOT / "bench" / "results"
