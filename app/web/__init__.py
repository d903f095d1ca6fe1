"""Web layer: blueprints and the translation of project errors into pages and JSON."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from app.errors import AppError

from . import home


def register(app: Flask) -> None:
    app.register_blueprint(home.bp)

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):  # type: ignore[no-untyped-def]
        body = {"error": exc.code, "message": exc.message}
        errors = getattr(exc, "errors", None)
        if errors:
            body["errors"] = [e.as_dict() for e in errors]
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(body), exc.status
        return render_template("error.html", error=exc), exc.status
