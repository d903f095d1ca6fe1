"""What every page shows the same way: instants in Beijing time (the `beijing` filter), people
by display name (`person`), and a case's committed and legal dates with their 暂定 marks and
lateness (`case_deadlines`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, current_app, g

from app.features.accounts.people import NON_STAFF, display_names
from app.features.worklist.case_deadlines import CaseDeadline, provisional_flags, row_deadlines
from app.kernel.workdays import TZ

MINUTES = "%Y-%m-%d %H:%M"


def beijing(value: Any, fmt: str = MINUTES) -> str:
    """An instant as Beijing (Asia/Shanghai) wall time; a date as it is. Instants are stored in
    UTC, so a naive datetime is read as UTC, never as the server's own zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:  # a day stays the day it names; only an instant is converted
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(TZ).strftime(fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def deadlines_of(summary: Any) -> list[CaseDeadline]:
    """The committed and legal dates of a case summary (or row), as of the runtime's now."""
    office = current_app.extensions["backoffice"]
    return row_deadlines(summary, office.clock.now(), office.working_calendar)


def status_flags(status: dict[str, Any]) -> tuple[bool, bool]:
    """(committed, legal) provisional marks of a case status as the portal and API give it."""
    deadlines = status.get("deadlines") or {}
    accepted = status.get("accepted_at")
    if not deadlines or not accepted:
        return False, False
    return provisional_flags(
        datetime.fromisoformat(accepted),
        date.fromisoformat(deadlines["committed"]),
        date.fromisoformat(deadlines["legal"]),
        bool(deadlines.get("provisional")),
        current_app.extensions["backoffice"].working_calendar,
    )


def person(username: str | None) -> str:
    """A person by display name, never by login; looked up once per request."""
    if not username:
        return ""
    known: dict[str, str] = g.setdefault("_display_names", {})
    if username not in known:
        found = display_names(current_app.extensions["backoffice"].db, [username])
        known[username] = found.get(username) or NON_STAFF.get(username, username)
    return known[username]


def install(app: Flask) -> None:
    app.jinja_env.filters["beijing"] = beijing
    app.jinja_env.filters["person"] = person
    app.jinja_env.globals["case_deadlines"] = deadlines_of
    app.jinja_env.globals["provisional_flags_of"] = status_flags
