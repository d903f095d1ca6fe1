"""UTCDateTime writes on SQLite exactly the text SQLAlchemy's own DATETIME would write."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.base import DATETIME

from app.store.types import UTCDateTime

SQLITE = sqlite.dialect()
# As the ORM and app.store.prepared get them: through the dialect's implementation.
FAST = UTCDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
STOCK = DATETIME().bind_processor(SQLITE)

aware = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.builds(
        timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))
    ),
)


@given(aware)
def test_same_text_as_sqlalchemy(value: datetime) -> None:
    assert FAST(value) == STOCK(value.astimezone(UTC).replace(tzinfo=None))


def test_none_and_naive() -> None:
    assert FAST(None) is None
    with pytest.raises(ValueError, match="naive"):
        FAST(datetime(2026, 9, 28, 9, 0))


def test_round_trip_is_aware_utc() -> None:
    value = datetime(2026, 9, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    read = UTCDateTime().dialect_impl(SQLITE).result_processor(SQLITE, None)
    assert read(FAST(value)) == value
    assert read(FAST(value)).tzinfo is UTC


def test_other_databases_keep_sqlalchemy_processing() -> None:
    # psycopg takes datetime objects: no text formatting, the naive-UTC conversion only.
    dialect = postgresql.dialect()
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    value = datetime(2026, 9, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    assert process(value) == datetime(2026, 9, 28, 1, 0)
