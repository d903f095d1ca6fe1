"""Shared pieces of the staff workspace pages: who may see what, services per request, nav links."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask, abort, current_app, request, url_for

from app.features.accounts.accounts import SignedIn
from app.features.cases.service import Actor
from app.features.cases.task_actions import TaskActions
from app.features.cases.view import CaseSummary, CaseViews, TaskInfo
from app.features.worklist.supervision import SupervisionService
from app.features.worklist.worklist import Owner, Thresholds, WorklistService

from .auth import backoffice, current_user
from .display import beijing
from .labels import JINJA_FILTERS, ROLE_INSURANCE

# Roles that work tasks (lanes of the diagrams) and so have a worklist.
TASK_ROLES = (
    "window_clerk",
    "reviewer",
    "pension_clerk",
    "medical_clerk",
    "unemployment_clerk",
    "pension_out_clerk",
    "medical_out_clerk",
    "unemployment_out_clerk",
    "supervisor",
)
# Defaults of the deadline warning tiers; override with the Flask config keys (see thresholds()).
DEFAULT_WARN_DAYS_LEFT = 1
DEFAULT_WARN_USED_RATIO = 0.8


def thresholds() -> Thresholds:
    """Yellow when WORKLIST_WARN_DAYS_LEFT working days remain or WORKLIST_WARN_USED_RATIO of
    the limit is used (app config, from the environment variables of the same names)."""
    config = current_app.config
    return Thresholds(
        warn_days_left=int(config.get("WORKLIST_WARN_DAYS_LEFT", DEFAULT_WARN_DAYS_LEFT)),
        warn_used_ratio=float(config.get("WORKLIST_WARN_USED_RATIO", DEFAULT_WARN_USED_RATIO)),
    )


def user() -> SignedIn:
    signed_in = current_user()
    assert signed_in is not None  # routes using this are behind require_roles
    return signed_in


def actor() -> Actor:
    me = user()
    return Actor(me.username, me.role, me.region)


def owner() -> Owner:
    me = user()
    return Owner(me.username, me.role, me.region)


def views() -> CaseViews:
    office = backoffice()
    return CaseViews(office.db, office.cases)


def worklists() -> WorklistService:
    office = backoffice()
    return WorklistService(office.db, office.clock, thresholds(), office.working_calendar)


def task_actions() -> TaskActions:
    return backoffice().task_actions


def supervision() -> SupervisionService:
    office = backoffice()
    return SupervisionService(office.db, office.clock, thresholds(), office.working_calendar)


def deny(reason: str) -> NoReturn:
    """403, and an audit event naming who tried what (not merely a hidden link)."""
    backoffice().accounts.record_denied(current_user(), request.path, reason)
    abort(403)


def may_work(task: TaskInfo) -> bool:
    me = user()
    return me.role == task.role and me.region == task.region


def may_view_task(task: TaskInfo) -> bool:
    """The task's own lane, or the supervisor of its region (read-only, to supervise)."""
    me = user()
    return may_work(task) or (me.role == "supervisor" and me.region == task.region)


def may_view_case(case: CaseSummary) -> bool:
    """Staff who take part in a case: its regions' window, review and supervision, and the
    agencies of the insurances it transfers, each on its own side of the transfer."""
    me = user()
    if me.role == "supervisor":
        return me.region in (case.transfer_in_region, case.transfer_out_region)
    if me.role in ("window_clerk", "reviewer"):
        return me.region == case.transfer_in_region
    insurance = ROLE_INSURANCE.get(me.role)
    if insurance is None or insurance not in case.insurances:
        return False
    side = case.transfer_out_region if me.role.endswith("_out_clerk") else case.transfer_in_region
    return me.region == side


def workspace_url(role: str) -> str | None:
    """Where a role starts its day; None for roles whose pages live elsewhere."""
    if role == "supervisor":
        return url_for("supervisor.index")
    if role == "admin":
        return url_for("admin.users")
    if role in TASK_ROLES:
        return url_for("clerk.worklist")
    return None


def nav_links() -> list[tuple[str, str]]:
    me = current_user()
    if me is None:
        return []
    links = []
    if me.role in TASK_ROLES:
        links.append((url_for("clerk.worklist"), "待办"))
    if me.role == "window_clerk":
        links.append((url_for("intake.new"), "窗口受理"))
    if me.role == "admin":
        links.append((url_for("admin.users"), "账号管理"))
    if me.role == "supervisor":
        links.append((url_for("supervisor.index"), "督办"))
        links.append((url_for("supervisor.dashboard"), "统计"))
        links.append((url_for("exchange.failed"), "函件交换"))
        links.append((url_for("supervisor.ratings"), "好差评"))
    return links


def install(app: Flask) -> None:
    """Template filters and the nav links, once per app (called by the clerk blueprint)."""
    app.jinja_env.filters.update(JINJA_FILTERS)
    app.jinja_env.filters["ws_local_time"] = _local_time

    @app.context_processor
    def _nav() -> dict[str, Any]:
        return {"nav_links": nav_links()}


def _local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant in Asia/Shanghai (the agencies' time), or a date as is (display.beijing)."""
    return beijing(value, fmt)
