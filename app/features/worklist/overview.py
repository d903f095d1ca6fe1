"""The office at a glance for a signed-in clerk: cases by status in the region, open tasks of the lane."""

from __future__ import annotations

from sqlalchemy import func, select

from app.store.db import Database
from app.store.models import Case, HumanTask


def office_overview(db: Database, region: str, role: str) -> tuple[list[tuple[str, int]], int]:
    """(status, count) of the region's cases and the number of open tasks of the user's lane."""
    with db.sessions() as session:
        rows = session.execute(
            select(Case.status, func.count())
            .where(Case.transfer_in_region == region)
            .group_by(Case.status)
        ).all()
        open_tasks = session.execute(
            select(func.count())
            .select_from(HumanTask)
            .where(
                HumanTask.region == region,
                HumanTask.role == role,
                HumanTask.state.in_(("open", "claimed")),
            )
        ).scalar_one()
    return [(str(status), int(count)) for status, count in rows], int(open_tasks)
