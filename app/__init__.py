"""The back office package. `flask --app app ...` finds create_app here; importing any part of
`app` (rules, kernel, engine) does not load Flask."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(*args: Any, **kwargs: Any) -> Flask:
    """The Flask application (app.entrypoints.web_app.create_app)."""
    from app.entrypoints.web_app import create_app as build

    return build(*args, **kwargs)
