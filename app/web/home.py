"""The landing page: the applicant's way in, the staff sign-in, and for staff the office at a glance."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from app.kernel.clock import clock
from app.store.models import Case, HumanTask
from app.web.auth import current_user
from app.web.labels import CASE_STATUS, label
from app.web.workspace import workspace_url

bp = Blueprint("home", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    user = current_user()
    by_status: list[tuple[str, int]] = []
    open_tasks = 0
    if user is not None:
        backoffice = current_app.extensions["backoffice"]
        with backoffice.db.sessions() as session:
            rows = session.execute(
                select(Case.status, func.count())
                .where(Case.transfer_in_region == user.region)
                .group_by(Case.status)
            ).all()
            open_tasks = session.execute(
                select(func.count())
                .select_from(HumanTask)
                .where(
                    HumanTask.region == user.region,
                    HumanTask.role == user.role,
                    HumanTask.state.in_(("open", "claimed")),
                )
            ).scalar_one()
        by_status = [(label(CASE_STATUS, status), count) for status, count in rows]
    return render_template(
        "index.html",
        by_status=by_status,
        open_tasks=open_tasks,
        workspace=workspace_url(user.role) if user else None,
        now=clock.now(),
        simulated=clock.simulated,
    )


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return {"status": "ok", "now": clock.now().isoformat()}
