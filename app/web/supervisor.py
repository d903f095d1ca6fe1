"""督办: warned and overdue cases and steps of the region, escalation tasks, reassignment with a
mandatory reason, and the dashboard with its charts (inline SVG, drawn on the server)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.features.cases.task_actions import POOL
from app.features.worklist.worklist import WorklistQuery
from app.kernel.errors import Conflict, FieldError, Forbidden, ValidationFailed

from . import charts
from .auth import require_roles, stashed_form
from .input_hygiene import page_number
from .labels import CASE_STATUS, PROCESS, label, role_label
from .workspace import actor, deny, owner, supervision, task_actions, user, views, worklists

bp = Blueprint("supervisor", __name__)


@bp.get("/supervision")
@require_roles("supervisor")
def index():
    me = user()
    page = page_number(request.args.get("page"))
    service = supervision()
    cases, has_next = service.flagged_cases(me.region, page)
    escalations = worklists().page(owner(), WorklistQuery(view="unclaimed"))
    mine = worklists().page(owner(), WorklistQuery(view="mine"))
    return render_template(
        "supervisor/index.html",
        cases=cases,
        page=page,
        has_next=has_next,
        steps=service.risky_steps(me.region),
        escalations=escalations.items + mine.items,
    )


@bp.route("/supervision/tasks/<id:task_id>/reassign", methods=["GET", "POST"])
@require_roles("supervisor")
def reassign(task_id: int):
    info = views().task(task_id)
    if info is None:
        abort(404)
    if info.region != user().region:
        deny(f"reassign task {task_id} of region {info.region}")
    if request.method == "GET":
        restored = stashed_form(request.path) or {}
        return _form(info, restored.get("assignee", [""])[0], restored.get("reason", [""])[0])
    to = request.form.get("assignee", "").strip()
    reason = request.form.get("reason", "")
    try:
        task_actions().reassign(task_id, to, reason, actor())
    except ValidationFailed as exc:
        return _form(info, to, reason, exc.errors), 422
    except Conflict as exc:
        return _form(info, to, reason, conflict=exc.message), 409
    except Forbidden as exc:
        deny(exc.message)
    flash(f"“{info.title}”已退回待办池。" if to == POOL else f"“{info.title}”已改派。")
    return redirect(url_for("supervisor.index"))


def _form(
    info,
    assignee: str,
    reason: str,
    errors: list[FieldError] | None = None,
    conflict: str | None = None,
):
    by_field: dict[str, list[str]] = {}
    for error in errors or []:
        by_field.setdefault(error.field, []).append(error.message)
    fresh = views().task(info.id) or info
    return render_template(
        "supervisor/reassign.html",
        task=fresh,
        summary=views().summary_by_id(info.case_id),
        users=task_actions().assignable_users(info.id),
        pool=POOL,
        assignee=assignee,
        reason=reason,
        errors=by_field,
        conflict=conflict,
    )


@bp.get("/supervision/dashboard")
@require_roles("supervisor")
def dashboard():
    me = user()
    try:
        days = min(max(int(request.args.get("days", 365)), 7), 3660)
    except ValueError:
        days = 365
    data = supervision().dashboard(me.region, days)
    status_chart = charts.bar_chart(
        "在办办件（按阶段）",
        [(label(CASE_STATUS, status), n) for status, n in data.open_by_status],
        unit=" 件",
    )
    stage_chart = charts.bar_chart(
        "在办环节（按经办机构）",
        [(f"{role_label(role)}·{title}", n) for role, title, n in data.open_by_agency_stage],
        unit=" 件",
    )
    rate_chart = charts.rate_chart(
        "按时办结率",
        [("承诺时限内", data.on_time_committed), ("法定时限内", data.on_time_legal)],
    )
    days_chart = charts.bar_chart(
        "各环节平均办理工作日",
        [
            (f"{label(PROCESS, process)}·{title}", mean)
            for process, title, mean, _ in data.average_days
        ],
        unit=" 个工作日",
        decimals=1,
    )
    return render_template(
        "supervisor/dashboard.html",
        data=data,
        days=days,
        status_chart=status_chart,
        stage_chart=stage_chart,
        rate_chart=rate_chart,
        days_chart=days_chart,
    )


@bp.get("/supervision/ratings")
@require_roles("supervisor")
def ratings():
    """好差评: the applicants' ratings of the region's concluded cases, newest first."""
    from app.features.intake.portal import RATING_LEVELS
    from app.web.auth import backoffice

    page = page_number(request.args.get("page"))
    rows = backoffice().portal.ratings(user().region, page=page, per_page=50)
    return render_template(
        "supervisor/ratings.html",
        rows=rows,
        page=page,
        has_next=len(rows) == 50,
        levels=RATING_LEVELS,
    )
