"""Applicant pages (zh-CN, public): apply online, follow a case, download documents, rate.

No staff sign-in. A case is shown only after its number and the applicant's ID number were
given together (or it was just submitted from this browser); the session then remembers the
case number — never the ID number. Forms carry CSRF tokens like every other form."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.documents.service_guides import guide_for, load_guides
from app.features.cases.service import Actor
from app.features.intake.portal import RATING_LEVELS, PortalService, normalize_case_number
from app.kernel import workdays
from app.kernel.errors import AppError, FieldError, ValidationFailed

from . import portal_form
from .auth import backoffice

bp = Blueprint("portal", __name__, url_prefix="/portal")

SESSION_KEY = "portal_cases"
REMEMBERED = 10  # case numbers one browser may follow at once
APPLICANT = Actor("applicant", "applicant")
MATERIAL_LABELS = {
    "id_card": "社会保障卡或居民身份证",
    "application_form": "《社会保险关系转移接续“一件事”联办申请表》",
    "stamped_id_copy": "加盖公章的社会保障卡或身份证复印件（单位代办）",
    "hukou_certificate": "户籍证明",
}
STAGES = ("申请", "受理", "审核", "办理", "办结", "送达")  # seed 000 十四: 审核 before 办理


class AddressLimit:
    """Events per client address in a sliding window: failed lookups (a case number and an ID
    number must not be guessed), applications (the anonymous form must not be flooded)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _count(self, key: str) -> int:
        # Real time, not the simulated clock: this defends the real server.
        events = self._events.get(key)
        if events is None:
            return 0
        now = time.monotonic()
        while events and now - events[0] > self.window_s:
            events.popleft()
        if not events:
            del self._events[key]  # idle addresses do not pile up
        return len(events)

    def blocked(self, key: str) -> bool:
        with self._lock:
            return 0 < self.limit <= self._count(key)

    def record(self, key: str) -> None:
        with self._lock:
            self._count(key)
            self._events.setdefault(key, deque()).append(time.monotonic())


def _limit(name: str, limit: int, window_s: float) -> AddressLimit:
    found: AddressLimit = current_app.extensions.setdefault(name, AddressLimit(limit, window_s))
    return found


def _lookups() -> AddressLimit:
    return _limit("portal_lookup_limit", 10, 600.0)


def _applications() -> AddressLimit:
    per_hour = int(current_app.config.get("PORTAL_APPLICATIONS_PER_HOUR", 20))
    return _limit("portal_application_limit", per_hour, 3600.0)


def _portal() -> PortalService:
    return backoffice().portal


def _remember(number: str) -> None:
    numbers = [n for n in session.get(SESSION_KEY, []) if n != number]
    session[SESSION_KEY] = [number, *numbers][:REMEMBERED]


def _allowed(number: str) -> bool:
    return number in session.get(SESSION_KEY, [])


def _today() -> Any:
    return workdays.local_date(backoffice().clock.now())


@bp.get("/")
def index() -> Any:
    return render_template(
        "portal/index.html", remembered=session.get(SESSION_KEY, []), guides=load_guides()
    )


@bp.route("/apply", methods=["GET", "POST"])
def apply() -> Any:
    errors: dict[str, list[str]] = {}
    form = request.form
    status = 200
    if request.method == "POST":
        body = portal_form.application_from_form(form)
        found = portal_form.check(body, _today())
        address = request.remote_addr or "-"
        if not found and _applications().blocked(address):
            message = "本网络地址提交申请过于频繁，请一小时后再试；单位批量代办请到服务窗口办理。"
            found, status = [FieldError("", message)], 429
        elif not found:
            try:
                submitted = backoffice().applications.submit(body, APPLICANT)
            except AppError as exc:
                found = list(getattr(exc, "errors", [])) or [FieldError("", exc.message)]
            else:
                _applications().record(address)
                _remember(submitted.case_number)
                flash("申请已提交。请记下办件编号，凭办件编号和身份证号码随时查询进度。")
                return redirect(url_for("portal.case", number=submitted.case_number))
        errors = portal_form.by_field(found)
    return render_template(
        "portal/apply.html",
        form=form,
        errors=errors,
        insurances=portal_form.INSURANCES,
        deliveries=portal_form.DELIVERIES,
        today=_today().isoformat(),
    ), (status if status != 200 else 422 if errors else 200)


@bp.route("/track", methods=["GET", "POST"])
def track() -> Any:
    error = None
    status = 200
    number = request.values.get("number", "").strip()
    if request.method == "POST":
        key = request.remote_addr or "-"
        if _lookups().blocked(key):
            error, status = "查询失败次数过多，请10分钟后再试。", 429
        else:
            found = _portal().verify(number, request.form.get("id_number", ""))
            if found is None:
                _lookups().record(key)
                # The same answer whether the case exists or not: numbers cannot be probed.
                error, status = "办件编号或身份证号码不正确，请核对后重新输入。", 404
            else:
                _remember(found)
                return redirect(url_for("portal.case", number=found))
    return render_template("portal/track.html", number=number, error=error), status


@bp.post("/forget")
def forget() -> Any:
    session.pop(SESSION_KEY, None)
    flash("已退出查询。")
    return redirect(url_for("portal.index"))


def _guard(number: str) -> Any:
    """None when this browser may see the case; else where to send it (the lookup form)."""
    if normalize_case_number(number) is None or not _allowed(number):
        return redirect(url_for("portal.track", number=number))
    return None


def _stage(status: dict[str, Any]) -> int:
    """Index into STAGES of where the case stands."""
    code = status["status"]
    if code in ("concluded", "completed"):
        return 5 if status["delivered_at"] else 4
    # accepted: under review; in_transfer: review passed, transfers running. in_review is a
    # case on an earlier diagram version, reviewed after its transfers.
    stages = {"submitted": 1, "correction_required": 1, "accepted": 2, "in_transfer": 3}
    return {**stages, "in_review": 2}.get(code, 1)


@bp.get("/cases/<number>")
def case(number: str) -> Any:
    redirect_to = _guard(number)
    if redirect_to is not None:
        return redirect_to
    return _case_page(number)


def _case_page(number: str, **extra: Any) -> Any:
    portal = _portal()
    status = portal.status(number)
    supplement = (
        portal.supplement_task(number) if status["status"] == "correction_required" else None
    )
    missing = [m.removeprefix("missing:") for m in status["missing_materials"]]
    return render_template(
        "portal/case.html",
        s=status,
        stages=STAGES,
        stage=_stage(status),
        messages=portal.messages(number),
        rating=portal.rating(number),
        levels=RATING_LEVELS,
        can_rate=status["completed_at"] is not None,
        supplement=supplement,
        missing=missing,
        material_labels=MATERIAL_LABELS,
        tz=workdays.TZ,
        # the window that handles the case: the transfer-in region (seed 000 十三、二十三)
        guide=guide_for(status["transfer_in_region"]),
        **extra,
    )


@bp.get("/cases/<number>/documents/<kind>.pdf")
def document(number: str, kind: str) -> Any:
    redirect_to = _guard(number)
    if redirect_to is not None:
        return redirect_to
    name, content = _portal().document_pdf(number, kind, APPLICANT.name)
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/cases/<number>/rating")
def rate(number: str) -> Any:
    redirect_to = _guard(number)
    if redirect_to is not None:
        return redirect_to
    comment = request.form.get("comment", "")
    try:
        _portal().rate(number, request.form.get("level"), comment, APPLICANT)
    except ValidationFailed as exc:
        # What is missing is said next to the rating form, with the comment kept.
        return _case_page(number, rating_errors=exc.errors, rating_comment=comment), 422
    except AppError as exc:
        errors = getattr(exc, "errors", None)
        flash("；".join(e.message for e in errors) if errors else exc.message, "error")
    else:
        flash("感谢您的评价！")
    return redirect(url_for("portal.case", number=number) + "#rating")


@bp.post("/cases/<number>/supplement")
def supplement(number: str) -> Any:
    redirect_to = _guard(number)
    if redirect_to is not None:
        return redirect_to
    materials = [m for m in request.form.getlist("materials") if m in MATERIAL_LABELS]
    if not materials:
        flash("请勾选已补正的材料。", "error")
        return redirect(url_for("portal.case", number=number) + "#supplement")
    try:
        _portal().supplement(number, materials, request.form.get("note", ""))
    except AppError as exc:
        flash(exc.message, "error")
    else:
        flash("补正材料已提交，系统已重新审查。")
    return redirect(url_for("portal.case", number=number))
