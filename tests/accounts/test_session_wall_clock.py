"""Staff sessions idle out on wall-clock time: moving a simulated clock signs nobody out, and a
session left alone for real is still ended (found by the chaos suite: every clock move past
the idle timeout signed every clerk out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import current_clock
from tests.web.clerk_support import Staff, office_of, staff_app


def test_moving_the_simulated_clock_signs_nobody_out(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    clerk = Staff(app, "medical_clerk_330602")
    assert clerk.get("/worklist").status_code == 200
    current_clock().advance(timedelta(days=3))  # POST /api/simulation/clock {"advance": "P3D"}
    assert clerk.get("/worklist").status_code == 200


def test_a_session_idle_in_real_time_is_ended(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app, SESSION_IDLE_MINUTES=5)
    accounts = office_of(app).accounts
    clerk = Staff(app, "medical_clerk_330602")
    assert clerk.get("/worklist").status_code == 200
    accounts.wall = lambda: datetime.now(UTC) + timedelta(minutes=4)
    assert clerk.get("/worklist").status_code == 200  # seen again: the idle time restarts
    accounts.wall = lambda: datetime.now(UTC) + timedelta(minutes=10)
    response = clerk.get("/worklist")
    assert response.status_code == 302 and "/login" in response.location
