"""The chaos run's deployment: a throwaway PostgreSQL, one gunicorn master, scheduler processes."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
START = "2026-09-28T09:00:00+08:00"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Postgres:
    """A cluster of our own (initdb as the postgres user, like .ci/run), or a database created
    on CHAOS_POSTGRES_URL. `track_commit_timestamp` gives each timer row's fire its wall time."""

    def __init__(self, server_url: str | None, workdir: Path) -> None:
        self.workdir = workdir
        self.own_dir: Path | None = None
        self.pg_bin: Path | None = None
        if server_url is None:
            server_url = self._start_cluster()
        self.server_url = server_url
        # CHAOS_DATABASE: the name to create on a shared server (dropped at the end)
        self.database = os.environ.get("CHAOS_DATABASE") or f"chaos_{os.getpid()}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}"'))
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
            self.commit_timestamps = (
                conn.execute(text("SHOW track_commit_timestamp")).scalar() == "on"
            )
        admin.dispose()
        self.url = make_url(server_url).set(database=self.database).render_as_string(False)

    def _start_cluster(self) -> str:
        versions = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
        )
        if not versions:
            raise SystemExit("no PostgreSQL under /usr/lib/postgresql (bin/system-deps --postgres)")
        self.pg_bin = versions[-1]
        self.own_dir = Path(tempfile.mkdtemp(prefix="chaos-pg."))
        port = free_port()
        as_postgres: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run it as the postgres user
            shutil.chown(self.own_dir, pwd.getpwnam("postgres").pw_uid)
            as_postgres = ["runuser", "-u", "postgres", "--"]
        data = self.own_dir / "data"
        subprocess.run(
            [*as_postgres, str(self.pg_bin / "initdb"), "-D", str(data), "-A", "trust"]
            + ["-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-h 127.0.0.1 -p {port} -k {self.own_dir} -c fsync=off -c max_connections=200"
            " -c track_commit_timestamp=on"
        )
        subprocess.run(
            [*as_postgres, str(self.pg_bin / "pg_ctl"), "-D", str(data), "-l"]
            + [str(self.own_dir / "log"), "-w", "-o", options, "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self._as_postgres = as_postgres
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        if self.own_dir is None or self.pg_bin is None:
            admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            admin.dispose()
            return
        subprocess.run(
            [*self._as_postgres, str(self.pg_bin / "pg_ctl"), "-D", str(self.own_dir / "data")]
            + ["-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.own_dir, ignore_errors=True)


@dataclass
class Deployment:
    """gunicorn (one master, N sync workers: the master restarts a killed worker by itself) and
    M `flask scheduler` processes (restarted by us after a kill, as systemd would)."""

    database_url: str
    workdir: Path
    workers: int = 3
    schedulers: int = 2
    poll_seconds: float = 0.5
    lease_seconds: float = 1.0
    port: int = field(default_factory=free_port)
    gunicorn: subprocess.Popen[bytes] | None = None
    scheduler_procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "FLASK_APP": "app",
            "DATABASE_URL": self.database_url,
            "SIMULATION": "1",
            "SIMULATION_START": START,
            "SECRET_KEY": "chaos-run-secret-key",
            "COOKIE_SECURE": "0",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_ACCESS_LOG": str(self.workdir / "access.log"),
            "SCHEDULER_POLL_SECONDS": str(self.poll_seconds),
            "TIMER_LEASE_SECONDS": str(self.lease_seconds),
            "SESSION_IDLE_MINUTES": "600",
        }

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=check,
        )

    def prepare(self) -> str:
        """init-db, load-demo and an integration token (the last line of its output)."""
        self.flask("init-db")
        self.flask("load-demo")
        return self.flask("api-token", "create", "chaos").stdout.strip().splitlines()[-1]

    def start(self) -> None:
        log = (self.workdir / "gunicorn.log").open("ab")
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for n in range(self.schedulers):
            self.scheduler_procs.append(self._start_scheduler(n))
        deadline = time.monotonic() + 60
        while len(self.worker_pids()) < self.workers or not self._healthy():
            if self.gunicorn.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {self.workdir / 'gunicorn.log'}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def _start_scheduler(self, n: int) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"scheduler-{n}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "scheduler"],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def worker_pids(self) -> list[int]:
        assert self.gunicorn is not None
        pid = self.gunicorn.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def scheduler_pids(self) -> list[int]:
        return [p.pid for p in self.scheduler_procs if p.poll() is None]

    def kill_worker(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def kill_scheduler(self, n: int) -> int:
        """kill -9 scheduler n; returns its pid. `restart_scheduler(n)` brings it back."""
        proc = self.scheduler_procs[n]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return proc.pid

    def restart_scheduler(self, n: int) -> None:
        self.scheduler_procs[n] = self._start_scheduler(n)

    def stop(self) -> None:
        for proc in [*self.scheduler_procs, *([self.gunicorn] if self.gunicorn else [])]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.scheduler_procs, *([self.gunicorn] if self.gunicorn else [])]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
