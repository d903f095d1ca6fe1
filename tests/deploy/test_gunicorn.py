"""The production shape, for real: gunicorn with deploy/gunicorn.conf.py and 2 sync workers on a
free port, a clerk signing in over HTTP and seeing the worklist, then a clean stop."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.entrypoints.demo import DEMO_PASSWORD, demo_name, load_users
from app.store.models import User
from tests.conftest import current_clock, settings_for
from tests.deploy.gunicorn_support import Gunicorn, started_gunicorn
from tests.deploy.gunicorn_support import get as _get


def _healthy(server: Gunicorn) -> bool:
    try:
        return _get(server.base + "/healthz")[0] == 200
    except OSError:
        return False


@pytest.fixture
def gunicorn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Gunicorn, str]]:
    url: str = request.getfixturevalue(request.param)
    settings = {
        "DATABASE_URL": url,
        "WEB_CONCURRENCY": "2",
        "SECRET_KEY": "gunicorn-test-key",
        "COOKIE_SECURE": "0",
        "SCHEDULER": "1",  # must be ignored: web workers never host the scheduler
    }
    with started_gunicorn(settings, tmp_path, _healthy) as server:
        yield server, url


def _sign_in(base: str, username: str, password: str) -> tuple[int, str]:
    """Like a browser: the form's CSRF token, the session cookie, the redirect followed."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    status, html = _get(base + "/login", opener)
    assert status == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": token.group(1)}
    ).encode()
    try:
        with opener.open(base + "/login", data=body, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _check_serving(server: Gunicorn, url: str) -> None:
    assert len(server.workers()) == 2
    # A fresh installation: no accounts (demo users only from load-demo), and the master says
    # how to create the first administrator.
    office = Backoffice(settings_for(url), clock=current_clock())
    try:
        with office.db.sessions() as session:
            assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0
        assert "users create USERNAME --name 姓名 --role admin" in server.output()
        load_users(office)
    finally:
        office.close()

    # Several sign-ins, so both workers serve some of the pages; every one sees the worklist.
    for _ in range(3):
        status, html = _sign_in(server.base, "window_clerk_330602", DEMO_PASSWORD)
        assert status == 200, html[:500]
        assert (
            "<h1>待办" in html and demo_name("window_clerk_330602") in html and "受理窗口" in html
        )
    status, html = _sign_in(server.base, "window_clerk_330602", "wrong-password")
    assert status == 401 and "用户名或密码不正确" in html

    log = server.output()
    assert re.search(r'"POST /login HTTP/1\.1" 302 ', log), log  # the access log is on
    assert "scheduler" not in log.lower()

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=15) == 0


@pytest.mark.parametrize("gunicorn", ["database_url"], indirect=True)
def test_gunicorn_serves_a_clerk_with_two_workers(gunicorn: tuple[Gunicorn, str]) -> None:
    _check_serving(*gunicorn)


@pytest.mark.postgres
@pytest.mark.parametrize("gunicorn", ["postgres_url"], indirect=True)
def test_gunicorn_serves_a_clerk_on_postgresql(gunicorn: tuple[Gunicorn, str]) -> None:
    _check_serving(*gunicorn)
