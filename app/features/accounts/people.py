"""People as pages name them: a username turned into the person's display name."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.store.db import Database
from app.store.models import User

# Actors that are not staff accounts, as audit events record them.
NON_STAFF = {"system": "系统", "applicant": "申请人", "scheduler": "系统（定时）"}


def display_names(db: Database, usernames: Iterable[str | None]) -> dict[str, str]:
    """username -> display name for the known ones (one query); others are left out."""
    wanted = {u for u in usernames if u and "\x00" not in u}
    if not wanted:
        return {}
    with db.sessions() as session:
        rows = session.execute(
            select(User.username, User.display_name).where(User.username.in_(wanted))
        ).all()
    return {username: name for username, name in rows}
