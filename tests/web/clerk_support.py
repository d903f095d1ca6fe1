"""Helpers for the workspace tests: a signed-in test client per user, cases in a known stage."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.bootstrap import Backoffice
from app.entrypoints.demo import load_users
from app.features.cases.service import Actor
from tests.conftest import freeze, settings_for
from tests.helpers import complete, pass_review, scenario

START = "2026-09-28T09:00:00+08:00"


def staff_app(database_url: str, make_app: Any, **overrides: Any) -> Flask:
    app: Flask = make_app(settings_for(database_url), **overrides)
    load_users(app.extensions["backoffice"])
    return app


def office_of(app: Flask) -> Backoffice:
    office: Backoffice = app.extensions["backoffice"]
    return office


class Staff:
    """A test client signed in as one demo user; posts carry the page's CSRF token."""

    def __init__(self, app: Flask, username: str) -> None:
        self.app = app
        self.username = username
        self.client: FlaskClient = app.test_client()
        self.sign_in()

    def sign_in(self) -> Any:
        token = self.token("/login")
        response = self.client.post(
            "/login",
            data={"username": self.username, "password": "demo1234", "csrf_token": token},
        )
        assert response.status_code == 302, f"{self.username} could not sign in"
        return response

    def token(self, path: str = "/login") -> str:
        html = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        body = dict(data or {})
        body.setdefault("csrf_token", self.token("/login"))
        return self.client.post(path, data=body, **kwargs)


def application(**changes: Any) -> dict[str, Any]:
    """The happy-path application of the bundle scenario, with some fields changed
    (keys like "applicant__name" reach into sections)."""
    body: dict[str, Any] = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    for path, value in changes.items():
        node = body
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return body


SUSPEND = "suspend_and_certify"  # medical, at the transfer-out agency (规程 第四条)


def submit(
    office: Backoffice, *, suspended: bool = True, reviewed: bool = True, **changes: Any
) -> str:
    """An accepted online bundle case (three insurances) at the scenario's start time, its
    审核 passed (unless `reviewed` is False) so that the transfers run; unless `suspended` is
    False the transfer-out agency has already suspended medical insurance and issued the
    参保(合)凭证 (so the medical 联系函 is open)."""
    freeze(START)
    number = office.applications.submit(
        application(**changes), Actor("test", "applicant")
    ).case_number
    if not reviewed:
        return number
    pass_review(office, number)
    if suspended and office.scenarios.open_task(number, SUSPEND, "medical_transfer"):
        complete(office, number, _suspend_step())
    return number


def _suspend_step() -> dict[str, Any]:
    steps = scenario("bundle_all_three_success")["steps"]
    return next(s for s in steps if s.get("task") == SUSPEND)


def run_steps(office: Backoffice, number: str, count: int) -> None:
    """Complete the first `count` task steps of the happy-path scenario after the review and
    the medical suspension (which `submit` did)."""
    steps = [s for s in scenario("bundle_all_three_success")["steps"] if "task" in s]
    for step in [s for s in steps if s["task"] not in (SUSPEND, "review")][:count]:
        complete(office, number, step)


def scenario_step(task: str, process: str | None = None) -> dict[str, Any]:
    for step in scenario("bundle_all_three_success")["steps"]:
        if step.get("task") == task and step.get("process") == process:
            return dict(step["data"])
    raise KeyError((task, process))


def form_data(data: dict[str, Any]) -> dict[str, Any]:
    """Task data as a browser would post it (booleans as "true"/"false", lists repeated)."""
    posted: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, bool):
            posted[key] = "true" if value else "false"
        elif isinstance(value, list):
            posted[key] = [str(v) for v in value]
        else:
            posted[key] = str(value)
    return posted


def task_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-task="(\d+)"', html)]
