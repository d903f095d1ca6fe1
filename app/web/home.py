"""The landing page: what this service is, and the overall state of the back office."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from app.clock import clock
from app.store.models import Case, HumanTask

bp = Blueprint("home", __name__)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    backoffice = current_app.extensions["backoffice"]
    with backoffice.db.sessions() as session:
        by_status = dict(
            session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
        )
        open_tasks = session.execute(
            select(func.count())
            .select_from(HumanTask)
            .where(HumanTask.state.in_(("open", "claimed")))
        ).scalar_one()
    return render_template(
        "index.html",
        by_status=by_status,
        open_tasks=open_tasks,
        now=clock.now(),
        simulated=clock.simulated,
    )


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return {"status": "ok", "now": clock.now().isoformat()}
