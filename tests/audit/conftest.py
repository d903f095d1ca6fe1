"""Fixtures for the audit tests: an app over a fresh database filled with the demo cases."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.audit.support import load_demo
from tests.conftest import settings_for


@pytest.fixture
def demo_app(database_url: str, make_app: Any) -> Flask:
    """The app (CLI and web) over a busy database: demo users and cases in every stage."""
    app: Flask = make_app(settings_for(database_url))
    load_demo(app.extensions["backoffice"])
    return app
