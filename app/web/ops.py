"""Operations endpoints: /readyz (503 with reasons) and /metrics (Prometheus), plus the
request timing behind the latency histogram. /healthz (alive) stays in home.py."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState

from app.bootstrap import Backoffice
from app.features.operations.health import HealthChecks
from app.features.operations.metrics import Metrics

bp = Blueprint("ops", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    app = state.app
    office: Backoffice = app.extensions["backoffice"]
    health = HealthChecks(office.db, office.settings, office.clock.now)
    app.extensions["health"] = health
    app.extensions["metrics"] = Metrics(
        health,
        office.cases.timer_leases,
        lambda: len(office.workflows),
        office.settings.metrics_multiprocess_dir,
    )


@bp.before_app_request
def _start_timer() -> None:
    g.request_started = time.perf_counter()


@bp.after_app_request
def _observe(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is not None:
        # The URL rule, not the path: one series per route whatever the ids in the URL.
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        metrics: Metrics = current_app.extensions["metrics"]
        metrics.request_seconds.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response


@bp.get("/readyz")
def readyz():
    health: HealthChecks = current_app.extensions["health"]
    result = health.readiness()
    return jsonify(result.as_dict()), 200 if result.ready else 503


@bp.get("/metrics")
def metrics():
    collected: Metrics = current_app.extensions["metrics"]
    body, content_type = collected.exposition(request.headers.get("Accept"))
    return Response(body, headers={"Content-Type": content_type})
