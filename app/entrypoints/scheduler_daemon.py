"""The standalone scheduler process (`flask scheduler`): logs to stderr, stops cleanly on
SIGTERM (systemd) or Ctrl-C, and may serve its own /metrics for its timer lateness."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from app.bootstrap import Backoffice
from app.entrypoints.scheduler import TimerScheduler
from app.features.operations.health import HealthChecks
from app.features.operations.metrics import Metrics

log = logging.getLogger("app.entrypoints.scheduler")


def run(backoffice: Backoffice, metrics_port: int | None = None, host: str = "127.0.0.1") -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("app").setLevel(logging.INFO)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler = TimerScheduler(backoffice, BackgroundScheduler())
    if metrics_port is not None:
        # The web workers' /metrics cannot see this process's histogram: serve it here.
        from prometheus_client import start_http_server

        metrics = Metrics(
            HealthChecks(backoffice.db, backoffice.settings, backoffice.clock.now),
            backoffice.cases.timer_leases,
            lambda: len(backoffice.workflows),
        )
        start_http_server(metrics_port, addr=host, registry=metrics.registry)
        log.info("metrics on http://%s:%d/metrics", host, metrics_port)
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown()
        log.info("scheduler %s stopped", scheduler.id)
