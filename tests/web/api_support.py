"""Shared by the API and portal tests: an app with a token, applications, row counts, IDs."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.cases.notifier import install
from app.store.models import (
    AuditEvent,
    Case,
    CaseInput,
    HumanTask,
    Notification,
    Rating,
    Timer,
)
from tests.conftest import settings_for
from tests.helpers import scenario

START = "2026-09-28T09:00:00+08:00"
COUNTED = (Case, CaseInput, HumanTask, Timer, AuditEvent, Notification, Rating)


def make_id(birth: date, *, male: bool = True, region: str = "330602", seq: int = 12) -> str:
    """A valid GB 11643 number: MOD 11-2 check character computed from its definition."""
    first17 = f"{region}{birth:%Y%m%d}{seq:02d}{3 if male else 4}"
    total = sum(int(ch) * pow(2, 17 - i, 11) for i, ch in enumerate(first17))
    value = (1 - total) % 11
    return first17 + ("X" if value == 10 else str(value))


def application(**sections: Any) -> dict[str, Any]:
    """The happy-path application (all three insurances, online) with sections merged in:
    application(status={"retired": True}) changes one field of a section."""
    body: dict[str, Any] = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key].update(value)
        else:
            body[key] = value
    return body


class ApiApp:
    """A Flask app with status notifications installed and one integration token."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.backoffice: Backoffice = app.extensions["backoffice"]
        install(self.backoffice.cases)
        self.token = self.backoffice.api_tokens.create("provincial_portal", "tests")
        self.client = app.test_client()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers)

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)


def api_app(database_url: str, make_app: Any, **overrides: Any) -> ApiApp:
    return ApiApp(make_app(settings_for(database_url), **overrides))


def row_counts(office: Backoffice) -> dict[str, int]:
    with office.db.sessions() as session:
        return {
            model.__tablename__: session.execute(
                select(func.count()).select_from(model)
            ).scalar_one()
            for model in COUNTED
        }
