"""Integration API (contracts §5–§6): applications, case status and history, simulation clock.

JSON in and out, bearer tokens (created with `flask api-token create NAME`), no CSRF (no
cookies are used). Whatever a client sends, the answer is a 4xx with a reason, never a 500."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app.features.cases.service import Actor
from app.features.cases.simulation import move_clock
from app.features.modeling.scenarios import parse_duration
from app.kernel import workdays
from app.kernel.errors import FieldError, ValidationFailed
from app.rules.acceptance import explain
from app.rules.application_schema import validate_application

from . import http_errors
from .auth import backoffice, csrf
from .input_hygiene import unstorable

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

MAX_BODY = 256 * 1024  # an application is ~1 KB; anything this large is not one
MAX_ADVANCE = timedelta(days=3660)  # timedelta arithmetic overflows long before year 9999


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": code, "message": message, **extra}), status


@bp.record_once
def _json_errors_under_api(state: Any) -> None:
    """Unknown paths and wrong methods under /api/ answer JSON like the rest of the API.

    The app's own 404 page handler stays in charge of every other path."""
    app = state.app
    previous = app.error_handler_spec.get(None, {}).get(404, {})
    page_handler = next(iter(previous.values()), None)

    def handle(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            code = {404: "not_found", 405: "method_not_allowed"}.get(exc.code or 0, "error")
            message = {404: "接口或资源不存在", 405: "该接口不支持此请求方法"}.get(
                exc.code or 0, exc.description or ""
            )
            response, status = _error(exc.code or 400, code, message)
            if exc.code == 405:
                response.headers["Allow"] = ", ".join(exc.valid_methods or [])  # type: ignore[attr-defined]
            return response, status
        if exc.code == 405:  # a wrong method elsewhere is a 405 page, not the 404 page
            return http_errors.answer_for(exc)
        return page_handler(exc) if page_handler else exc

    app.register_error_handler(404, handle)
    app.register_error_handler(405, handle)


@bp.before_request
def _authenticate() -> Any:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    client = None
    if scheme.lower() == "bearer":
        client = backoffice().api_tokens.verify(token.strip())
    if client is None:
        response, status = _error(
            401, "unauthorized", "需要有效的接口令牌：Authorization: Bearer <token>"
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="sitransfer"'
        return response, status
    g.api_client = client
    return None


def _actor() -> Actor:
    return Actor(f"api:{g.api_client.name}", "applicant")


# -- POST /api/applications -----------------------------------------------------------------


def _invalid(errors: list[FieldError]) -> tuple[Response, int]:
    body = {
        "decision": "refused",
        "reasons": ["invalid_application"],
        "missing_materials": [],
        "errors": [e.to_dict() for e in errors],
        "message": "申请内容不是有效的联办申请表，未受理，请按字段错误更正后重新提交",
    }
    return jsonify(body), 422


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _read_application() -> tuple[Any, list[FieldError]]:
    if request.mimetype != "application/json":
        return None, [FieldError("", "请求的 Content-Type 应为 application/json")]
    if (request.content_length or 0) > MAX_BODY:
        return None, [FieldError("", f"请求体过大（上限 {MAX_BODY // 1024} KB）")]
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return None, [FieldError("", f"请求体过大（上限 {MAX_BODY // 1024} KB）")]
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        # UnicodeDecodeError and JSONDecodeError are ValueErrors; too deep nesting recurses.
        return None, [FieldError("", f"请求体不是有效的 UTF-8 JSON：{str(exc)[:120]}")]
    errors = unstorable(body)
    if errors:
        return None, errors
    try:
        errors = validate_application(body, today=workdays.local_date(backoffice().clock.now()))
    except (ValueError, TypeError, RecursionError, OverflowError):
        errors = [FieldError("", "申请内容结构异常，无法校验")]
    return body, errors


@bp.post("/applications")
def submit_application() -> Any:
    body, errors = _read_application()
    if errors:
        return _invalid(errors)
    try:
        submitted = backoffice().applications.submit(body, _actor())
    except ValidationFailed as exc:
        return _invalid(exc.errors)
    decision = submitted.decision
    result: dict[str, Any] = {
        "case_number": submitted.case_number,
        "decision": decision.decision,
        "reasons": list(decision.reasons),
        "missing_materials": list(decision.missing_materials),
        "explanation": explain(decision),
    }
    if decision.decision == "accepted" and submitted.committed and submitted.legal:
        result["deadlines"] = {
            "committed": submitted.committed.isoformat(),
            "legal": submitted.legal.isoformat(),
            "provisional": submitted.provisional,
        }
    response = jsonify(result)
    response.headers["Location"] = f"/api/cases/{submitted.case_number}"
    return response, 201


# -- cases ----------------------------------------------------------------------------------


@bp.get("/cases/<number>")
def case_status(number: str) -> Any:
    status = backoffice().portal.status(number)
    for doc in status["documents"]:
        doc["href"] = f"/api/cases/{number}/documents/{doc['kind']}.pdf"
    return jsonify(status)


@bp.get("/cases/<number>/history")
def case_history(number: str) -> Any:
    return jsonify(backoffice().portal.history(number))


@bp.get("/cases/<number>/documents/<kind>.pdf")
def case_document(number: str, kind: str) -> Any:
    name, content = backoffice().portal.document_pdf(number, kind, _actor().name)
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- simulation clock -----------------------------------------------------------------------


def _simulation_off() -> tuple[Response, int] | None:
    if not current_app.config.get("SIMULATION"):
        return _error(404, "not_found", "未以模拟模式运行（SIMULATION=1），没有模拟时钟")
    return None


def _clock_state(fired: int | None = None) -> dict[str, Any]:
    now = backoffice().clock.now()
    state: dict[str, Any] = {
        "now": now.isoformat(),
        "local": now.astimezone(workdays.TZ).isoformat(),
    }
    if fired is not None:
        state["fired"] = fired
    return state


def _clock_target(body: Any) -> tuple[datetime | None, list[FieldError]]:
    """Where the request asks the clock to go; moving it is the service's business."""
    if not isinstance(body, dict) or set(body) - {"now", "advance"} or len(body) != 1:
        return None, [
            FieldError("", '请求体应为 {"now": ISO-8601 时刻} 或 {"advance": "P3D"} 之一')
        ]
    if "now" in body:
        try:
            target = datetime.fromisoformat(body["now"])
        except (TypeError, ValueError):
            return None, [
                FieldError("/now", "应为带时区的 ISO-8601 时刻，如 2026-09-28T09:00:00+08:00")
            ]
        if target.tzinfo is None or target.utcoffset() is None:
            return None, [FieldError("/now", "时刻必须带时区偏移，如 +08:00")]
        if target - backoffice().clock.now() > MAX_ADVANCE:
            return None, [FieldError("/now", "一次最多拨动 3660 天")]
        return target, []
    try:
        delta = parse_duration(body["advance"]) if isinstance(body["advance"], str) else None
    except (ValueError, OverflowError):  # OverflowError: more days than a timedelta holds
        delta = None
    if delta is None:
        return None, [FieldError("/advance", "应为 ISO-8601 时长，如 P3D、PT2H、P1DT30M")]
    if delta > MAX_ADVANCE:
        return None, [FieldError("/advance", "一次最多拨动 3660 天")]
    return backoffice().clock.now() + delta, []


@bp.get("/simulation/clock")
def simulation_clock() -> Any:
    return _simulation_off() or jsonify(_clock_state())


@bp.post("/simulation/clock")
def move_simulation_clock() -> Any:
    off = _simulation_off()
    if off:
        return off
    try:
        body = json.loads(request.get_data(cache=False).decode("utf-8") or "null")
    except (ValueError, RecursionError):
        body = None
    target, errors = _clock_target(body)
    if errors or target is None:
        return _error(422, "invalid", "模拟时钟参数有误", errors=[e.to_dict() for e in errors])
    fired = move_clock(backoffice().cases, target)
    return jsonify(_clock_state(fired))
