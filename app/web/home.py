"""The landing page: the applicant's way in, the staff sign-in, and for staff the office at a glance."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.features.worklist.overview import office_overview
from app.web.auth import backoffice, current_user
from app.web.labels import CASE_STATUS, label
from app.web.workspace import workspace_url

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    user = current_user()
    office = backoffice()
    by_status: list[tuple[str, int]] = []
    open_tasks = 0
    if user is not None:
        rows, open_tasks = office_overview(office.db, user.region, user.role)
        by_status = [(label(CASE_STATUS, status), count) for status, count in rows]
    return render_template(
        "index.html",
        by_status=by_status,
        open_tasks=open_tasks,
        workspace=workspace_url(user.role) if user else None,
        now=office.clock.now(),
        simulated=office.clock.simulated,
    )


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "now": backoffice().clock.now().isoformat()}
