"""Throughput over real HTTP (contracts §8 line `http`): applications per second through the
API and user-task completions per second through the clerk UI, with p50/p95 latencies.

A real server process serves the app: gunicorn when it is installed (one worker with 4
threads on SQLite; BENCH_WORKERS workers, default 3, on PostgreSQL when BENCH_POSTGRES_URL is
set), else Werkzeug's threaded server. The cases are made beforehand through the services
(submitted; half of them past the bundle's review, so three transfer tasks are open). Four
clients then run at once, each signed in as the clerk of one lane (the review, and the three
tasks open after it) and completing that lane's tasks as a browser does: GET the task page,
POST the form with its CSRF token, follow the redirect. A completion's latency is the POST
and its redirect; the API side posts applications with a bearer token from
`flask api-token create`."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from app.bootstrap import Backoffice
from app.entrypoints.demo import load_users
from app.features.cases.service import Actor
from app.kernel.config import ROOT, Settings
from app.store.migrate import upgrade
from app.store.models import HumanTask
from app.web import schema_form

SCENARIO = ROOT / "tests" / "processes" / "scenarios" / "bundle_all_three_success.json"
CASES_PER_LANE = int(os.environ.get("BENCH_HTTP_CASES", "150"))
API_APPLICATIONS = int(os.environ.get("BENCH_HTTP_APPLICATIONS", "400"))
CLIENTS = 4
WARMUP = 5  # per client, not measured
# "staggered": each clerk starts at a different case (as clerks of different lanes mostly
# work on different cases); "same": all four walk the cases in one order, so completions of
# one case's parallel tasks collide and the case lock answers 409 (a stress of the lock).
ORDER = os.environ.get("BENCH_HTTP_ORDER", "staggered")
PASSWORD = "demo1234"  # the demo users' password (app.entrypoints.demo)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BIN = Path(sys.executable).parent


def _scenario() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCENARIO.read_text(encoding="utf-8"))
    return data


@dataclass
class Lane:
    role: str
    region: str
    process: str
    spec: str
    form: str
    tasks: list[int] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)  # the form as posted

    @property
    def user(self) -> str:
        return f"{self.role}_{self.region}"


class Client:
    """One browser: a keep-alive connection, its cookies, redirects followed by hand."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, str]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the kept-alive connection (a sync worker always does).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), data

    def form(self, path: str, fields: dict[str, list[str]], token: str) -> tuple[int, str, str]:
        body = urllib.parse.urlencode({**fields, "csrf_token": [token]}, doseq=True).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def get(self, path: str) -> tuple[int, str, str]:
        return self.request("GET", path)

    def login(self, username: str) -> None:
        _status, _loc, page = self.get("/login")
        token = CSRF.search(page)
        fields = {"username": [username], "password": [PASSWORD]}
        status, _loc, _ = self.form("/login", fields, token.group(1) if token else "")
        assert status == 302, f"sign-in of {username} failed: {status}"


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100)
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1)}


# -- set-up ---------------------------------------------------------------------------------


def prepare(url: str, per_lane: int) -> list[Lane]:
    """Schema, diagrams, demo users, cases; returns the four lanes with their task ids."""
    upgrade(url)
    office = Backoffice(Settings(database_url=url, scheduler=False, secret_key="bench"))
    try:
        office.deployments.deploy_directory("bench", "bench")
        load_users(office)
        scenario = _scenario()
        steps = {(s["task"], s.get("process")): s for s in scenario["steps"] if "task" in s}
        review = steps[("review", None)]
        applicant = Actor("bench", "applicant")
        for index in range(2 * per_lane):
            submitted = office.applications.submit(scenario["application"], applicant)
            if index % 2:
                task = next(t for t in submitted.opened if t.task_spec == "review")
                office.cases.complete_task(task.id, review["data"], Actor("bench", "system"))
        with office.db.sessions() as session:
            rows = session.execute(
                select(HumanTask).where(HumanTask.state == "open").order_by(HumanTask.id)
            ).scalars()
            lanes: dict[tuple[str, str, str, str], Lane] = {}
            for row in rows:
                key = (row.role, row.region, row.process_id, row.task_spec)
                lane = lanes.setdefault(key, Lane(*key, form=row.form or ""))
                lane.tasks.append(row.id)
        chosen = list(lanes.values())
        assert len(chosen) == CLIENTS, f"expected {CLIENTS} lanes, got {list(lanes)}"
        if ORDER == "staggered":
            for index, lane in enumerate(chosen):
                shift = index * len(lane.tasks) // CLIENTS
                lane.tasks = lane.tasks[shift:] + lane.tasks[:shift]
        for lane in chosen:
            step = steps.get((lane.spec, lane.process)) or steps[(lane.spec, None)]
            schema = office.forms.schema(lane.form) if lane.form else {"properties": {}}
            lane.fields = schema_form.raw_from_data(schema, step.get("data", {}))
        return chosen
    finally:
        office.close()


def api_token(url: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "api-token", "create", "bench"],
        cwd=ROOT,
        env=_server_env(url),
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1].strip()


# -- the server -----------------------------------------------------------------------------


def _server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "SCHEDULER": "off",
        "COOKIE_SECURE": "0",
        "PORTAL_APPLICATIONS_PER_HOUR": "0",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(port: int, workers: int, threads: int) -> tuple[list[str], str]:
    gunicorn = BIN / "gunicorn"
    if gunicorn.exists():
        command = [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        label = f"gunicorn {workers} worker(s) x {threads} thread(s)"
        return [*command, "--log-level", "warning", "app:create_app()"], label
    flask = str(BIN / "flask")
    return [flask, "--app", "app", "run", "--port", str(port), "--with-threads"], "werkzeug"


@contextmanager
def server(url: str, workers: int, threads: int) -> Iterator[tuple[int, str, int]]:
    port = _free_port()
    command, label = server_command(port, workers, threads)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=_server_env(url), stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if Client(port).get("/login")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"server did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.2)
            yield port, label, process.pid
        except BaseException:
            log.seek(0)
            print(log.read().decode("utf-8", "replace")[-6000:], file=sys.stderr)
            raise
        finally:
            process.terminate()
            process.wait(timeout=30)


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its workers (robust to a shared host,
    where wall time depends on what else runs)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # gone meanwhile
        pending += [int(child) for child in children]
    return total


def database_cpu(url: str) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends serving this database, when the
    server runs on this host (its processes are titled `postgres: user database ...`); None
    for SQLite (in the server process) or a server elsewhere."""
    if not url.startswith("postgresql"):
        return None
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    ticks = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {name} " not in title:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        total += (int(fields[11]) + int(fields[12])) / ticks
        found = True
    return total if found else None


# -- the two loads --------------------------------------------------------------------------


def _in_parallel(work: list[Any]) -> float:
    errors: list[BaseException] = []

    def guarded(job: Any) -> None:
        try:
            job()
        except BaseException as exc:  # reported after the join
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in work]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def api_load(port: int, token: str, count: int) -> dict[str, Any]:
    body = json.dumps(_scenario()["application"], ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []

    def client() -> None:
        http_client = Client(port)
        for _ in range(count // CLIENTS):
            started = time.perf_counter()
            status, _loc, answer = http_client.request("POST", "/api/applications", body, headers)
            latencies.append(time.perf_counter() - started)
            assert status == 201, f"application answered {status}: {answer[:300]}"

    wall = _in_parallel([client] * CLIENTS)
    return {"applications_per_s": round(len(latencies) / wall, 1), **_percentiles(latencies)}


def ui_load(port: int, lanes: list[Lane], part: slice) -> dict[str, Any]:
    posts: list[float] = []  # POST + its redirect: what the clerk waits for after 提交
    cycles: list[float] = []  # GET the page + POST + redirect

    conflicts: list[int] = []

    def clerk(lane: Lane) -> None:
        browser = Client(port)
        browser.login(lane.user)
        for task_id in lane.tasks[part]:
            path = f"/tasks/{task_id}"
            started = time.perf_counter()
            for _attempt in range(5):
                status, _loc, page = browser.get(path)
                assert status == 200, f"GET {path}: {status}"
                token = CSRF.search(page)
                assert token, f"no CSRF token on {path}"
                posted = time.perf_counter()
                status, location, answer = browser.form(path, lane.fields, token.group(1))
                if status != 409:
                    break
                # Another lane completed a task of the same case at the same moment: the
                # case's version lock refused this one cleanly; the clerk reloads and resubmits.
                conflicts.append(task_id)
            assert status == 302, f"POST {path}: {status} {answer[:500]}"
            status, _loc, _ = browser.get(urllib.parse.urlsplit(location).path)
            assert status == 200, f"GET {location}: {status}"
            ended = time.perf_counter()
            posts.append(ended - posted)
            cycles.append(ended - started)

    wall = _in_parallel([lambda lane=lane: clerk(lane) for lane in lanes])
    cycle = _percentiles(cycles)
    return {
        "completions_per_s": round(len(posts) / wall, 1),
        **_percentiles(posts),
        "cycle_p50_ms": cycle["p50_ms"],
        "cycle_p95_ms": cycle["p95_ms"],
        "conflicts_409": len(conflicts),
    }


def measure(url: str, database: str, workers: int, threads: int) -> dict[str, Any]:
    lanes = prepare(url, CASES_PER_LANE)
    token = api_token(url)
    with server(url, workers, threads) as (port, label, pid):
        ui_load(port, lanes, slice(0, WARMUP))  # first requests: templates, caches, pools
        cpu, db_cpu, client_cpu = server_cpu(pid), database_cpu(url), time.process_time()
        ui = ui_load(port, lanes, slice(WARMUP, None))
        ui_cpu = server_cpu(pid) - cpu
        # The clients share the cores with the server: their CPU counts against a target.
        ui_client_cpu = time.process_time() - client_cpu
        db_after = database_cpu(url)
        ui_db_cpu = db_after - db_cpu if db_after is not None and db_cpu is not None else None
        api_load(port, token, CLIENTS * WARMUP)
        cpu = server_cpu(pid)
        api = api_load(port, token, API_APPLICATIONS)
        api_cpu = server_cpu(pid) - cpu
    completions = CLIENTS * (CASES_PER_LANE - WARMUP)
    applications = CLIENTS * (API_APPLICATIONS // CLIENTS)
    return {
        "database": database,
        "server": label,
        "clients": CLIENTS,
        **ui,
        "order": ORDER,
        "completions": completions,
        "server_cpu_ms_per_completion": round(ui_cpu * 1000 / completions, 1),
        "client_cpu_ms_per_completion": round(ui_client_cpu * 1000 / completions, 1),
        **(
            {"database_cpu_ms_per_completion": round(ui_db_cpu * 1000 / completions, 1)}
            if ui_db_cpu is not None
            else {}
        ),
        "api_applications_per_s": api["applications_per_s"],
        "api_p50_ms": api["p50_ms"],
        "api_p95_ms": api["p95_ms"],
        "server_cpu_ms_per_application": round(api_cpu * 1000 / applications, 1),
        "host_load_1min": round(os.getloadavg()[0], 1),
    }


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database beside the one BENCH_POSTGRES_URL names, dropped afterwards."""
    # BENCH_DB_PREFIX: several people may share one PostgreSQL server.
    name = f"{os.environ.get('BENCH_DB_PREFIX', 'bench_http')}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"bench": "http"}
    if os.environ.get("BENCH_SQLITE", "1") != "0":  # BENCH_SQLITE=0: PostgreSQL only
        folder = tempfile.mkdtemp(prefix="bench-http-")
        try:
            url = f"sqlite:///{Path(folder) / 'http.db'}"
            result["sqlite"] = measure(url, "sqlite", 1, CLIENTS)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    admin_url = os.environ.get("BENCH_POSTGRES_URL")
    if admin_url:
        workers = int(os.environ.get("BENCH_WORKERS", "3"))
        threads = int(os.environ.get("BENCH_THREADS", "1"))
        with postgres_database(admin_url) as url:
            result["postgres"] = measure(url, "postgresql", workers, threads)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False), flush=True)
