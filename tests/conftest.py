"""Shared fixtures: a real database per test (SQLite file or PostgreSQL), the real diagrams,
and the app clock frozen by each test that needs time to stand still."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from app import create_app
from app.bootstrap import Backoffice
from app.kernel.clock import Clock
from app.kernel.config import ROOT, Settings
from app.store.migrate import upgrade

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
USE_POSTGRES = os.environ.get("TEST_DATABASE", "sqlite") == "postgres"
_counter = itertools.count()


# A test reaches a database chosen by TEST_DATABASE only through one of these fixtures.
DATABASE_FIXTURES = frozenset({"database_url", "second_database_url", "postgres_url", "_postgres"})


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    if USE_POSTGRES:
        # The PostgreSQL pass runs only the tests a database reaches: the others (rules,
        # documents, the calendar, ...) cannot answer differently, and pass 1 ran them.
        kept = [item for item in items if _reaches_a_database(item)]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set TEST_POSTGRES_URL (CI's second pass does)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _reaches_a_database(item: Any) -> bool:
    if DATABASE_FIXTURES & set(item.fixturenames) or "postgres" in item.keywords:
        return True
    # An indirect parameter may name the database fixture (tests/deploy/test_gunicorn.py).
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(isinstance(v, str) and v in DATABASE_FIXTURES for v in params.values())


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    return f"database: {'postgresql' if USE_POSTGRES else 'sqlite'}; postgres tests: {'on' if POSTGRES_URL else 'skipped'}"


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        simulation=False,
        scheduler=False,
        secret_key="test",
        processes_dir=ROOT / "processes",
        forms_dir=ROOT / "forms",
        cookie_secure=False,  # the test client and browser tests use plain http
    )


def _prepare(url: str) -> None:
    upgrade(url)
    backoffice = Backoffice(settings_for(url))
    backoffice.deployments.deploy_directory("test deployment", "tests")
    backoffice.close()


class PostgresDatabases:
    """A migrated, deployed template database; each test gets a fresh copy of it."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"sit_{os.getpid()}"
        self.template = f"{self.prefix}_template"

    def url(self, name: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def create_template(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}"'))
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        _prepare(self.url(self.template))

    def fresh(self) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres() -> Iterator[PostgresDatabases]:
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL: set TEST_POSTGRES_URL")
    databases = PostgresDatabases(POSTGRES_URL)
    databases.create_template()
    yield databases
    databases.close()


def _sqlite_url(request: pytest.FixtureRequest, tmp_path: Path, name: str = "case.db") -> str:
    template: Path = request.getfixturevalue("_sqlite_template")
    path = tmp_path / name
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def _fresh_database(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> Iterator[str]:
    if USE_POSTGRES:
        databases: PostgresDatabases = request.getfixturevalue("_postgres")
        fresh = databases.fresh()
        yield databases.url(fresh)
        databases.drop(fresh)
    else:
        yield _sqlite_url(request, tmp_path, name)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database with the diagrams deployed: PostgreSQL in CI's second pass."""
    yield from _fresh_database(request, tmp_path, "case.db")


@pytest.fixture
def second_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Another fresh, deployed database beside `database_url` (a second office)."""
    yield from _fresh_database(request, tmp_path, "second.db")


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Always PostgreSQL (for tests marked `postgres`)."""
    databases: PostgresDatabases = request.getfixturevalue("_postgres")
    name = databases.fresh()
    yield databases.url(name)
    databases.drop(name)


# The clock of the test running now: every runtime a test builds through these fixtures (or
# with clock=current_clock()) shares it, so freeze() moves their time together. Test-only
# state, replaced before each test; the app itself has no process-wide clock.
_TEST_CLOCK: list[Clock] = [Clock()]


def current_clock() -> Clock:
    return _TEST_CLOCK[0]


@pytest.fixture(autouse=True)
def _fresh_clock_per_test() -> Iterator[Clock]:
    _TEST_CLOCK[0] = Clock()
    yield _TEST_CLOCK[0]


@pytest.fixture
def backoffice(database_url: str) -> Iterator[Backoffice]:
    office = Backoffice(settings_for(database_url), clock=current_clock())
    yield office
    office.close()


@pytest.fixture
def make_app() -> Iterator[Any]:
    """create_app for tests: every app made is closed (its pools disposed) after the test."""
    made: list[Flask] = []

    def factory(settings: Settings, **overrides: Any) -> Flask:
        if overrides.get("SIMULATION") or settings.simulation:
            # A simulated deployment keeps its clock in its database; it starts where the
            # test's clock stands when the test froze it (SIMULATION_START).
            test_clock = current_clock()
            settings.simulation_start = test_clock.now() if test_clock.simulated else None
            app = create_app(settings, **overrides)
        else:
            app = create_app(settings, clock=current_clock(), **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["backoffice"].close()


def freeze(iso: str) -> datetime:
    """Freeze the test's clock at an ISO instant (with offset), e.g. 2026-09-28T09:00:00+08:00."""
    return current_clock().freeze(datetime.fromisoformat(iso))
