"""The database itself refuses to change history: UPDATE and DELETE on audit_event and
audit_anchor fail (triggers of migration 0003, on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from app.bootstrap import Backoffice


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 1",
        "UPDATE audit_anchor SET seq = 0",
        "DELETE FROM audit_anchor",
    ],
)
def test_audit_rows_cannot_be_updated_or_deleted(
    backoffice: Backoffice, database_url: str, statement: str
) -> None:
    backoffice.audit_chain.create_anchor(None, "tests")  # an event and an anchor row
    engine = create_engine(database_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
    assert backoffice.audit_chain.verify().ok


def test_audit_log_cannot_be_truncated_on_postgresql(
    backoffice: Backoffice, database_url: str
) -> None:
    engine = create_engine(database_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event CASCADE"))
    finally:
        engine.dispose()
