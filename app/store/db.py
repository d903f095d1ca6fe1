"""Database engines and sessions; SQLite is tuned for one writer at a time, PostgreSQL as is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# What a unit of work runs on: an ORM session, or a bare connection on the hot path.
Tx = Session | Connection


def connection_of(tx: Tx) -> Connection:
    return tx.connection() if isinstance(tx, Session) else tx


def _json(value: object) -> str:
    # orjson is several times faster than json.dumps for the audit data written on every step.
    return orjson.dumps(value).decode()


def make_engine(url: str, *, immediate: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=_json
        )
        _tune_sqlite(engine, immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json)


def _tune_sqlite(engine: Engine, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy issue BEGIN itself so that writers can make it BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            # WAL: readers never wait for the writer. NORMAL: commits survive a process
            # crash without an fsync per commit.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # Writers take the write lock up front, so a read-then-write transaction never fails
        # half-way with "database is locked": concurrent writers queue instead.
        # Straight on the driver: it runs before every transaction, statement-free itself.
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the engines and session factories for one DATABASE_URL.

    `sessions()` is for reading; `transaction()` is the one unit of work of a use case (ORM
    or, through `session.connection()`, prebuilt Core statements on the same transaction).
    On SQLite they use separate engines so that reads never take the write lock."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.write_engine = (
            make_engine(url, immediate=True) if url.startswith("sqlite") else self.engine
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writers = sessionmaker(self.write_engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case = one transaction: commit on success, roll back on any error."""
        session = self._writers()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
