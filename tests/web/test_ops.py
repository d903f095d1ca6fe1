"""/readyz answers 503 with the reasons (database, schema, scheduler heartbeat, overdue
timers) and 200 otherwise; /metrics speaks the Prometheus text format from a registry per app."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app.bootstrap import Backoffice
from app.features.cases.service import Actor
from app.features.cases.timer_leases import Heartbeat
from tests.conftest import freeze, settings_for
from tests.helpers import scenario

START = "2026-09-28T09:00:00+08:00"


def _app(url: str, make_app: Any, **settings: Any) -> Flask:
    config = settings_for(url)
    for key, value in settings.items():
        setattr(config, key, value)
    app: Flask = make_app(config)
    return app


def _office(app: Flask) -> Backoffice:
    office: Backoffice = app.extensions["backoffice"]
    return office


def _beat(app: Flask, age_seconds: float = 0.0, poll_seconds: float = 5.0) -> None:
    """A scheduler's heartbeat written `age_seconds` ago (the real Heartbeat class)."""
    at = datetime.now(UTC) - timedelta(seconds=age_seconds)
    Heartbeat(_office(app).db, f"test-host:1:{age_seconds}", poll_seconds, wall=lambda: at).beat()


def _submit(app: Flask) -> str:
    story = scenario("bundle_all_three_success")
    return (
        _office(app)
        .applications.submit(story["application"], Actor("portal", "applicant"))
        .case_number
    )


def _ready(app: Flask) -> tuple[int, dict[str, Any]]:
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def test_ready_with_database_schema_heartbeat_and_no_overdue_timer(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    app = _app(database_url, make_app)
    _submit(app)
    _beat(app, age_seconds=9, poll_seconds=5)  # younger than twice its poll interval
    status, body = _ready(app)
    assert status == 200, body
    assert body == {
        "status": "ready",
        "checks": {"database": "ok", "schema": "ok", "scheduler": "ok", "timers": "ok"},
    }
    assert app.test_client().get("/healthz").status_code == 200


def test_unready_without_a_recent_scheduler_heartbeat(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    status, body = _ready(app)
    assert status == 503
    assert body["status"] == "unready"
    assert [r.split(":")[0] for r in body["reasons"]] == ["scheduler"]
    assert "从未有过" in body["reasons"][0]

    _beat(app, age_seconds=11, poll_seconds=5)  # older than twice its poll interval
    status, body = _ready(app)
    assert status == 503 and body["reasons"][0].startswith("scheduler: ")
    assert "11 秒前" in body["reasons"][0]

    # A deployment that runs no scheduler at all says so.
    quiet = _app(database_url, make_app, ready_expect_scheduler=False)
    status, body = _ready(quiet)
    assert status == 200 and body["checks"]["scheduler"] == "not expected"


def test_unready_while_a_due_timer_waits_longer_than_the_threshold(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    app = _app(database_url, make_app, ready_timer_delay_seconds=300)
    _submit(app)
    _beat(app)
    committed_due = "2026-10-15T23:59:59.999999+08:00"
    freeze("2026-10-16T00:04:00+08:00")  # due 4 minutes ago, threshold 5: still ready
    assert _ready(app)[0] == 200
    freeze("2026-10-16T00:05:01+08:00")
    status, body = _ready(app)
    assert status == 503
    (reason,) = body["reasons"]
    assert reason.startswith("timers: ") and "超过 300 秒仍未触发" in reason
    assert datetime.fromisoformat(committed_due).astimezone(UTC).isoformat() in reason
    # Firing it makes the deployment ready again.
    assert _office(app).cases.fire_due_timers() >= 1
    assert _ready(app)[0] == 200


def test_unready_when_the_schema_is_behind_head(database_url: str, make_app: Any) -> None:
    app = _app(database_url, make_app)
    _beat(app)
    with _office(app).db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    status, body = _ready(app)
    assert status == 503
    assert body["reasons"][0].startswith("schema: 数据库结构版本 0005，应为 ")


def test_unready_when_the_sqlite_database_is_gone(
    tmp_path: Path, make_app: Any, _sqlite_template: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(_sqlite_template, folder / "office.db")
    app = _app(f"sqlite:///{folder / 'office.db'}", make_app, ready_expect_scheduler=False)
    assert _ready(app)[0] == 200
    shutil.rmtree(folder)  # the volume went away
    _office(app).db.dispose()  # pooled connections still hold the old file open
    status, body = _ready(app)
    assert status == 503
    assert body["reasons"] == ["database: 数据库无法连接（OperationalError）"]
    metrics = _metrics(app)  # /metrics still answers, and says the database is down
    assert metrics["sitransfer_database_up"] == 0


class _Proxy:
    """A TCP relay in front of PostgreSQL: stopping it is the server going away."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        # shutdown() first: a bare close() leaves the socket listening for the blocked accept().
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.mark.postgres
def test_unready_when_postgresql_stops_answering(postgres_url: str, make_app: Any) -> None:
    parts = urlsplit(postgres_url)
    proxy = _Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    through = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    try:
        app = _app(through, make_app, ready_expect_scheduler=False)
        assert _ready(app)[0] == 200
        proxy.stop()
        status, body = _ready(app)
        assert status == 503
        assert body["reasons"] == ["database: 数据库无法连接（OperationalError）"]
        assert _metrics(app)["sitransfer_database_up"] == 0
    finally:
        proxy.stop()


def _metrics(app: Flask) -> dict[str, float]:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def test_metrics_in_prometheus_text_format(database_url: str, make_app: Any) -> None:
    freeze(START)
    app = _app(database_url, make_app)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/tasks/7").status_code in (302, 404)
    numbers = [_submit(app), _submit(app)]
    _beat(app)
    freeze("2026-10-16T00:00:01+08:00")
    before = _metrics(app)
    assert before["sitransfer_timers_due_unfired"] == 2
    fired = _office(app).cases.fire_due_timers()
    samples = _metrics(app)

    latency = (
        'sitransfer_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}'
    )
    assert samples[latency] == 3
    # The URL rule, never the id in the path: one series per route.
    assert any('route="/tasks/<id:task_id>"' in key for key in samples)
    assert not any("/tasks/7" in key for key in samples)
    assert samples["sitransfer_timer_lateness_seconds_count"] == fired
    assert samples['sitransfer_timer_lateness_seconds_bucket{le="5.0"}'] >= 2  # due 00:00:00
    assert samples["sitransfer_timers_due_unfired"] == 0
    assert samples['sitransfer_cases{status="accepted"}'] == len(numbers)
    assert samples["sitransfer_audit_chain_length"] > 0
    assert samples["sitransfer_task_completions_total"] == 0
    assert samples["sitransfer_workflow_cache_entries"] == len(numbers)
    assert samples["sitransfer_database_up"] == 1
    assert 0 <= samples["sitransfer_scheduler_heartbeat_age_seconds"] < 5


def test_each_app_has_its_own_registry(database_url: str, make_app: Any) -> None:
    first = _app(database_url, make_app)
    second = _app(database_url, make_app)  # would raise "Duplicated timeseries" on one registry
    first.test_client().get("/healthz")
    key = (
        'sitransfer_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}'
    )
    assert _metrics(first)[key] == 1
    assert key not in _metrics(second)
