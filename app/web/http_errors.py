"""HTTP errors no view handles (413, 400, 415, 500, ...): JSON under /api/, a Chinese page elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

# Stable codes and Chinese messages by status; anything else gets the generic pair.
_KNOWN: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式有误，无法处理"),
    405: ("method_not_allowed", "不支持此请求方法"),
    411: ("length_required", "请求缺少 Content-Length"),
    413: ("payload_too_large", "提交的内容过大"),
    414: ("uri_too_long", "网址过长"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    431: ("headers_too_large", "请求头过大"),
    500: ("internal_error", "服务器内部错误，请稍后重试；如持续出现请联系系统管理员"),
}


class _Message:
    """What error.html shows: a message and no field errors."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.errors: list[Any] = []


def _limit_text() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit:
        return ""
    return (
        f"（上限 {limit // 1024} KB）"
        if limit < 1024 * 1024
        else f"（上限 {limit / 1048576:g} MB）"
    )


def _answer(status: int) -> Response:
    code, message = _KNOWN.get(status, ("error", "请求无法处理"))
    if status == 413:
        message += _limit_text()
    if request.path.startswith("/api/"):
        response = jsonify({"error": code, "message": message})
    else:
        response = make_response(render_template("error.html", error=_Message(message)))
    response.status_code = status
    return response


def answer_for(exc: HTTPException) -> Response:
    """The JSON or Chinese page for an HTTP error, with its Allow header for a 405."""
    response = _answer(exc.code or 500)
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def register(app: Flask) -> None:
    """Handlers for every HTTP error the more specific ones (404, 403, CSRF, AppError) leave."""

    @app.before_request
    def _refuse_oversized_body() -> None:
        # Werkzeug enforces MAX_CONTENT_LENGTH only when the body is read, i.e. after the
        # session and CSRF checks or a view's own checks; a declared length is refused at once.
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if exc.code is None or exc.code < 400:
            return exc  # redirects and the like raised as exceptions pass through
        return answer_for(exc)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Any:
        return _answer(413)

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> Any:
        # Flask has logged the original exception already; the client learns nothing of it.
        return _answer(500)
