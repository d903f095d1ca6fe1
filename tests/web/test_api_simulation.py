"""POST /api/simulation/clock (contracts §6): moves the one clock and fires due timers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from app.bootstrap import Backoffice
from app.store.simulation_time import ClockMovedBackwards, StoredTime
from tests.conftest import freeze, settings_for
from tests.helpers import case_row, tasks
from tests.web.api_support import START, api_app, application, row_counts


def test_outside_simulation_the_clock_route_does_not_exist(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = api.backoffice.clock.now()
    for method in (api.client.post, api.client.get):
        response = method("/api/simulation/clock", json={"advance": "P3D"}, headers=api.headers)
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    assert api.backoffice.clock.now() == before
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
    assert api.backoffice.clock.now() == datetime.fromisoformat("2026-10-16T00:00:01+08:00")
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
    before, rows = api.backoffice.clock.now(), row_counts(api.backoffice)
    response = api.post("/api/simulation/clock", body)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"]
    assert api.backoffice.clock.now() == before
    assert row_counts(api.backoffice) == rows


def test_a_simulated_app_starts_with_a_frozen_clock(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app, SIMULATION=True)
    assert api.backoffice.clock.simulated
    first = api.get("/api/simulation/clock").get_json()["now"]
    assert api.get("/api/simulation/clock").get_json()["now"] == first


def test_every_worker_of_a_simulated_deployment_reads_the_clock_one_of_them_moved(
    database_url: str, make_app: Any
) -> None:
    """Three web workers (three runtimes on one database): the clock lives in the database."""
    freeze(START)
    first = api_app(database_url, make_app, SIMULATION=True)
    apps = [first.app] + [make_app(settings_for(database_url), SIMULATION=True) for _ in range(2)]
    offices = [a.extensions["backoffice"] for a in apps]
    clients = [a.test_client() for a in apps]
    assert {o.clock.now() for o in offices} == {datetime.fromisoformat(START)}

    moved = clients[1].post("/api/simulation/clock", json={"advance": "P2D"}, headers=first.headers)
    assert moved.status_code == 200
    expected = datetime.fromisoformat("2026-09-30T09:00:00+08:00")
    assert [o.clock.now() for o in offices] == [expected] * 3
    shown = clients[2].get("/api/simulation/clock", headers=first.headers).get_json()["now"]
    assert shown == moved.get_json()["now"]
    # No worker can take the shared clock back.
    back = clients[0].post("/api/simulation/clock", json={"now": START}, headers=first.headers)
    assert back.status_code == 422
    assert offices[2].clock.now() == expected


def test_simulation_start_sets_where_a_new_deployment_starts_and_a_restart_keeps_its_time(
    database_url: str, make_app: Any
) -> None:
    settings = settings_for(database_url)
    settings.simulation = True
    settings.simulation_start = datetime.fromisoformat("2027-02-01T09:00:00+08:00")
    first = Backoffice(settings)
    try:
        assert first.clock.now() == settings.simulation_start
        first.clock.advance(timedelta(days=3))
    finally:
        first.close()
    restarted = Backoffice(settings)  # the same SIMULATION_START: the stored time wins
    try:
        assert restarted.clock.now() == datetime.fromisoformat("2027-02-04T09:00:00+08:00")
    finally:
        restarted.close()


def test_the_stored_clock_refuses_to_go_back_even_when_the_caller_did_not_look(
    database_url: str,
) -> None:
    """The compare-and-set in the database, not the route's check, keeps two movers apart."""
    settings = settings_for(database_url)
    start = datetime.fromisoformat("2027-02-01T09:00:00+08:00")
    office = Backoffice(settings)
    try:
        source = StoredTime(office.db, start)
        source.write(start + timedelta(days=1))
        with pytest.raises(ClockMovedBackwards):
            source.write(start)
        assert source.read() == start + timedelta(days=1)
    finally:
        office.close()
