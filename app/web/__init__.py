"""Web layer: blueprints and the translation of project errors into pages and JSON."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.routing import IntegerConverter, Map

from app.kernel.errors import AppError

from . import auth, display, http_errors, path_limits, request_hygiene, security_headers

# Blueprint modules of app.web, each exposing `bp`; one line per module.
BLUEPRINTS = [
    "clerk",
    "supervisor",
    "intake",
    "home",
    "auth",
    "api",
    "openapi",
    "portal",
    "audit",
    "modeler",
    "ops",
    "admin",
    "regions",
    "account",
    "sso",
    "admin_sso",
]


class RowIdConverter(IntegerConverter):
    """`<id:...>`: a row id as every database here can hold it (PostgreSQL `integer`); a larger
    number in a URL is a 404 instead of an overflow in the driver (a 500)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def register(app: Flask) -> None:
    app.url_map.converters["id"] = RowIdConverter  # before any blueprint's rules are bound
    http_errors.register(app)  # first: an oversized body is refused before anything reads it
    request_hygiene.register(app)  # before the session lookup and every view
    path_limits.register(app)  # strings in the path: length and form, before any view
    security_headers.register(app)
    auth.init_app(app)
    display.install(app)  # the `beijing` time filter and case deadlines, for every page
    for name in BLUEPRINTS:
        module = importlib.import_module(f"app.web.{name}")
        app.register_blueprint(module.bp)

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        body: dict[str, Any] = {"error": exc.code, "message": exc.message}
        errors = getattr(exc, "errors", None)
        if errors:
            body["errors"] = [e.as_dict() for e in errors]
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(body), exc.status
        return render_template("error.html", error=exc), exc.status
