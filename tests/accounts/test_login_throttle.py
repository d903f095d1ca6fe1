"""Failed sign-ins lock the account and the client address for a while, counted in the database
so that every web worker (here: two apps on one database) refuses alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.entrypoints.demo import DEMO_PASSWORD, load_users
from app.features.accounts.login_throttle import locked_until
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import events_of_kind

LOCKED = "登录失败次数过多，请 15 分钟后再试"


def _csrf(client: Any) -> str:
    html = client.get("/login").get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _login(client: Any, username: str, password: str) -> Any:
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": _csrf(client)}
    )


class WallClock:
    """Stands in for the wall clock the throttle reads (it does not follow the app clock)."""

    def __init__(self) -> None:
        self.at = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def _workers(
    database_url: str, make_app: Any, address: str = "10.1.2.3", wall: WallClock | None = None
) -> tuple[Any, Any]:
    """Two apps on one database, as two gunicorn workers are: each keeps its own memory."""
    first = make_app(settings_for(database_url))
    second = make_app(settings_for(database_url))
    wall = wall or WallClock()
    for app in (first, second):
        app.extensions["backoffice"].accounts.throttle.now = wall
    load_users(first.extensions["backoffice"])
    return _client(first, address), _client(second, address)


def _client(app: Any, address: str) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_five_failures_lock_the_account_on_every_worker_for_15_minutes(
    database_url: str, make_app: Any
) -> None:
    wall = WallClock()
    one, two = _workers(database_url, make_app, wall=wall)
    for attempt in range(5):
        worker = one if attempt % 2 == 0 else two
        assert _login(worker, "reviewer_330602", "wrong-password").status_code == 401
    # The right password no longer opens the account, on either worker; nothing says whether
    # the password was right.
    for worker in (one, two):
        refused = _login(worker, "reviewer_330602", DEMO_PASSWORD)
        assert refused.status_code == 429
        assert LOCKED in refused.get_data(as_text=True)
        assert worker.get_cookie("sit_session") is None
    # Another account from the same address is not locked by these five.
    assert _login(one, "auditor_330602", DEMO_PASSWORD).status_code == 302

    wall.at += timedelta(minutes=10)
    still = _login(two, "reviewer_330602", DEMO_PASSWORD)
    assert still.status_code == 429 and "请 5 分钟后再试" in still.get_data(as_text=True)
    wall.at += timedelta(minutes=5)
    assert _login(two, "reviewer_330602", DEMO_PASSWORD).status_code == 302
    office = one.application.extensions["backoffice"]
    throttled = events_of_kind(office, "sign_in_throttled")
    assert [(e.actor, e.data["scope"]) for e in throttled] == [("reviewer_330602", "account")] * 3


def test_many_failures_from_one_address_lock_that_address_only(
    database_url: str, make_app: Any
) -> None:
    one, two = _workers(database_url, make_app, address="10.9.9.9")
    # Guessing across many names (known and unknown), four each: no account reaches its limit.
    names = [f"guess_{n}" for n in range(16)] + ["reviewer_330602"] * 4
    for n, name in enumerate(names):
        assert _login(one if n % 2 else two, name, "wrong-password").status_code == 401
    refused = _login(one, "auditor_330602", DEMO_PASSWORD)
    assert refused.status_code == 429 and LOCKED in refused.get_data(as_text=True)
    elsewhere = _client(two.application, "10.9.9.10")
    assert _login(elsewhere, "auditor_330602", DEMO_PASSWORD).status_code == 302


def test_an_unknown_name_locks_like_a_known_one(database_url: str, make_app: Any) -> None:
    # Otherwise the lock message would tell a guesser which usernames exist.
    one, _two = _workers(database_url, make_app)
    for _ in range(5):
        assert _login(one, "nobody_here", "wrong-password").status_code == 401
    assert _login(one, "nobody_here", "wrong-password").status_code == 429


def test_a_successful_sign_in_starts_the_account_count_afresh(
    database_url: str, make_app: Any
) -> None:
    one, _two = _workers(database_url, make_app)
    for _ in range(4):
        assert _login(one, "reviewer_330602", "wrong-password").status_code == 401
    assert _login(one, "reviewer_330602", DEMO_PASSWORD).status_code == 302
    fresh = _client(one.application, "10.1.2.3")
    for _ in range(4):
        assert _login(fresh, "reviewer_330602", "wrong-password").status_code == 401
    assert _login(fresh, "reviewer_330602", DEMO_PASSWORD).status_code == 302


def test_the_lock_runs_on_wall_time_not_on_the_app_clock(database_url: str, make_app: Any) -> None:
    # A simulated (training) clock stands still or jumps: neither may freeze or lift a lock.
    freeze("2026-10-12T09:00:00+08:00")
    one, _two = _workers(database_url, make_app)
    for _ in range(5):
        assert _login(one, "reviewer_330602", "wrong-password").status_code == 401
    current_clock().advance(timedelta(days=3))
    assert _login(one, "reviewer_330602", DEMO_PASSWORD).status_code == 429


def test_locked_until_counts_failures_within_the_window() -> None:
    t0 = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
    lock = timedelta(minutes=15)
    spread = [t0 + timedelta(minutes=4 * n) for n in range(5)]  # 16 minutes apart end to end
    assert locked_until(spread, 5, lock) is None
    close = [t0 + timedelta(minutes=n) for n in range(5)]
    assert locked_until(close, 5, lock) == t0 + timedelta(minutes=4) + lock
    assert locked_until(close[:4], 5, lock) is None
    assert locked_until(close, 0, lock) is None  # 0 switches the limit off
