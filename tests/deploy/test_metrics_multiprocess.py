"""/metrics under gunicorn with 2 workers and PROMETHEUS_MULTIPROC_DIR: requests served by both
workers are all counted whichever worker answers the scrape, an earlier run's files are wiped
at start, and a killed worker's requests stay counted after the master replaced it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.kernel.config import ROOT
from tests.deploy.gunicorn_support import START_TIMEOUT, Gunicorn, started_gunicorn
from tests.deploy.gunicorn_support import get as _get

COUNT = re.compile(
    r'^sitransfer_http_request_duration_seconds_count\{method="GET",route="/healthz",'
    r'status="200"\} ([0-9.e+]+)$',
    re.MULTILINE,
)


@pytest.fixture
def multiproc_gunicorn(database_url: str, tmp_path: Path) -> Iterator[tuple[Gunicorn, Path]]:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    # A previous run's file: summed into this run's figures unless the master wipes it.
    (metrics_dir / "histogram_4242.db").write_bytes(b"\0" * 64)
    settings = {
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": "2",
        "SECRET_KEY": "metrics-test-key",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }

    def both_workers_up(server: Gunicorn) -> bool:
        return len(_worker_pids(server)) >= 2 and all(_ready(server, metrics_dir))

    with started_gunicorn(settings, tmp_path, both_workers_up) as server:
        yield server, metrics_dir


def _worker_pids(server: Gunicorn) -> list[int]:
    try:
        return server.workers()
    except FileNotFoundError:
        return []


def _ready(server: Gunicorn, metrics_dir: Path) -> list[bool]:
    """Both workers have built their app (each writes its histogram file on its first request):
    poke until each worker has answered once, without counting on /healthz."""
    pids = _worker_pids(server)
    for _ in range(6):
        try:
            _get(server.base + "/login")
        except OSError:
            return [False]
    return [(metrics_dir / f"histogram_{pid}.db").exists() for pid in pids]


def _healthz_total(server: Gunicorn) -> float:
    with urllib.request.urlopen(server.base + "/metrics", timeout=10) as answer:
        body = answer.read().decode()
    found = COUNT.search(body)
    return float(found.group(1)) if found else 0.0


def _served_by(metrics_dir: Path, pid: int, tmp: Path) -> float:
    """/healthz requests one worker counted: its file alone, read by prometheus_client."""
    alone = tmp / str(pid)
    alone.mkdir(exist_ok=True)
    shutil.copy(metrics_dir / f"histogram_{pid}.db", alone)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(alone))
    return _count(registry)


def _count(registry: CollectorRegistry) -> float:
    found = COUNT.search(generate_latest(registry).decode())
    return float(found.group(1)) if found else 0.0


def _spread(server: Gunicorn, metrics_dir: Path, tmp: Path, workers: list[int]) -> int:
    """GET /healthz on new connections until every worker has served some; returns how many."""
    sent = 0
    while sent < 300:
        for _ in range(10):
            assert _get(server.base + "/healthz")[0] == 200
            sent += 1
        if all(_served_by(metrics_dir, pid, tmp) > 0 for pid in workers):
            return sent
    raise AssertionError("one worker took every request")


def test_metrics_sum_every_gunicorn_worker(
    multiproc_gunicorn: tuple[Gunicorn, Path], tmp_path: Path
) -> None:
    server, metrics_dir = multiproc_gunicorn
    assert not (metrics_dir / "histogram_4242.db").exists()  # the earlier run's file: wiped
    workers = _worker_pids(server)
    assert len(workers) == 2
    sent = _spread(server, metrics_dir, tmp_path, workers)
    assert sum(_served_by(metrics_dir, pid, tmp_path) for pid in workers) == sent
    # Each worker answers scrapes too (8 scrapes reach both): whichever does counts them all.
    totals = {_healthz_total(server) for _ in range(8)}
    assert totals == {float(sent)}, totals

    # A worker killed with its figures in memory-mapped files: the master replaces it, and
    # the total keeps what the dead worker counted.
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + START_TIMEOUT
    while workers[0] in _worker_pids(server) or len(_worker_pids(server)) < 2:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)
    for _ in range(10):
        assert _get(server.base + "/healthz")[0] == 200
    assert {_healthz_total(server) for _ in range(8)} == {float(sent + 10)}


def test_a_command_run_with_the_deployments_environment_makes_the_missing_directory(
    database_url: str, tmp_path: Path
) -> None:
    """`flask init-db` runs before gunicorn (the web unit's ExecStartPre), with the same
    environment: prometheus_client opens its files in the directory at once."""
    metrics_dir = tmp_path / "not-yet" / "metrics"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "metrics-test-key",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "users", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert metrics_dir.is_dir()
