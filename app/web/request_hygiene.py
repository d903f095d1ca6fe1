"""URLs no stored object can match: a NUL byte in the path is a 404 and in a query argument a
field error, before any view sends it to the database (PostgreSQL text cannot hold U+0000)."""

from __future__ import annotations

from flask import Flask, abort, request

from app.kernel.errors import FieldError, ValidationFailed


def register(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_in_url() -> None:
        if "\x00" in request.path:
            abort(404)  # no case number, process id or document kind contains one
        errors = [
            FieldError(name, "含有不允许的字符（空字符）")
            for name in sorted(set(request.args))
            if "\x00" in name or any("\x00" in value for value in request.args.getlist(name))
        ]
        if errors:  # the AppError handler answers: JSON under /api/, a page elsewhere
            raise ValidationFailed("网址中的查询参数含有不允许的字符", errors)
