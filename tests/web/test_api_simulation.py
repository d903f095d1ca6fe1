"""POST /api/simulation/clock (contracts §6): moves the one clock and fires due timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app.clock import clock
from tests.conftest import freeze
from tests.helpers import case_row, tasks
from tests.web.api_support import START, api_app, application, row_counts


def test_outside_simulation_the_clock_route_does_not_exist(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = clock.now()
    for method in (api.client.post, api.client.get):
        response = method("/api/simulation/clock", json={"advance": "P3D"}, headers=api.headers)
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    assert clock.now() == before
    assert api.client.post("/api/simulation/clock", json={"advance": "P3D"}).status_code == 401


def test_advancing_past_the_committed_limit_fires_its_timer(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app, SIMULATION=True)
    number = api.post("/api/applications", application()).get_json()["case_number"]

    small = api.post("/api/simulation/clock", {"advance": "PT2H"})
    assert small.status_code == 200
    assert small.get_json()["now"] == "2026-09-28T03:00:00+00:00"
    assert small.get_json()["local"] == "2026-09-28T11:00:00+08:00"
    assert small.get_json()["fired"] == 0

    # The committed limit ends with 2026-10-15 (Beijing time); one second later it has fired.
    moved = api.post("/api/simulation/clock", {"now": "2026-10-16T00:00:01+08:00"})
    assert moved.status_code == 200 and moved.get_json()["fired"] >= 1
    assert clock.now() == datetime.fromisoformat("2026-10-16T00:00:01+08:00")
    assert case_row(api.backoffice, number).warned is True
    status = api.get(f"/api/cases/{number}").get_json()
    assert "committed_deadline_passed" in {w["code"] for w in status["warnings"]}
    assert "escalate_committed" in {t.task_spec for t in tasks(api.backoffice, number, "open")}
    assert api.get("/api/simulation/clock").get_json()["now"] == "2026-10-15T16:00:01+00:00"

    # Moving again fires nothing twice.
    again = api.post("/api/simulation/clock", {"advance": "P1D"})
    assert again.status_code == 200 and again.get_json()["fired"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"now": "2026-10-01T09:00:00"},  # no offset: a silent guess of the zone
        {"now": "2026-09-01T09:00:00+08:00"},  # backwards
        {"now": "next tuesday"},
        {"now": "9999-12-31T00:00:00+08:00"},
        {"now": 20261001},
        {"advance": "3 days"},
        {"advance": "P-3D"},
        {"advance": "P99999D"},
        {"advance": "P1000000000D"},  # beyond timedelta (found by schemathesis: was a 500)
        {"advance": "PT99999999999999999999H"},
        {"advance": "P"},
        {"now": "2026-10-01T09:00:00+08:00", "advance": "P1D"},
        {},
        [],
        "P3D",
        None,
    ],
)
def test_bad_clock_moves_are_422_and_leave_the_clock_alone(
    database_url: str, make_app: Any, body: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app, SIMULATION=True)
    before, rows = clock.now(), row_counts(api.backoffice)
    response = api.post("/api/simulation/clock", body)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"]
    assert clock.now() == before
    assert row_counts(api.backoffice) == rows


def test_a_simulated_app_starts_with_a_frozen_clock(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app, SIMULATION=True)
    assert clock.simulated
    first = api.get("/api/simulation/clock").get_json()["now"]
    assert api.get("/api/simulation/clock").get_json()["now"] == first
