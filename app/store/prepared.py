"""Hot-path statements: a Core statement compiled once and run straight on SQLite's cursor.

A case use case runs about ten small statements. On SQLite, SQLAlchemy's per-execution work
(execution context, parameter and result wrapping) costs ~50 µs each, several times what
SQLite itself needs, and about a tenth of a task completion. `Prepared` keeps SQLAlchemy for
what it is good at — building the SQL for the dialect and converting values through each
column's own type (so rows read either way are identical) — and skips the rest. Other
databases (PostgreSQL) run the statement through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Select

Processor = Callable[[Any], Any] | None
Params = dict[str, Any] | Sequence[dict[str, Any]] | None


@dataclass(frozen=True)
class Outcome:
    """What a statement gave back: rows (converted by the column types) and the row count."""

    rows: list[tuple[Any, ...]]
    rowcount: int
    keys: tuple[str, ...]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def mappings(self) -> list[dict[str, Any]]:
        return [dict(zip(self.keys, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # In positional order: name, the value fixed in the statement (e.g. .values(state="done"))
    # or _REQUIRED, and the column type's conversion.
    slots: tuple[tuple[str, Any, Processor], ...]
    results: tuple[Processor, ...]


class Prepared:
    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self.statement = statement
        self.columns: list[ColumnElement[Any]] = list(_result_columns(statement))
        self.keys = tuple(str(column.key) for column in self.columns)
        # SQLite compilations by parameter names: an INSERT without .values() takes its
        # columns from the parameters given, as SQLAlchemy itself does. Compiled with the first
        # SQLite dialect seen: every engine comes from store.db.make_engine, configured alike.
        self._sqlite: dict[tuple[str, ...], _Compiled] = {}

    def execute(self, conn: Connection, params: Params = None) -> Outcome:
        if conn.dialect.name != "sqlite":
            result = conn.execute(self.statement, params)
            rows = [tuple(row) for row in result] if result.returns_rows else []
            return Outcome(rows, result.rowcount, self.keys)
        first = params if isinstance(params, dict) else (params[0] if params else {})
        names = tuple(first)
        compiled = self._sqlite.get(names) or self._compile(conn.dialect, names)
        if not conn.in_transaction():
            conn.begin()  # what SQLAlchemy's autobegin would do on its own execute
        driver = conn.connection.dbapi_connection
        assert driver is not None
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            if params is None or isinstance(params, dict):
                cursor = driver.execute(compiled.sql, _bind(compiled.slots, params or {}))
                fetched = cursor.fetchall() if self.columns else []
            elif self.columns:  # RETURNING for several rows: one execution (and result) each
                fetched = []
                for one in params:
                    cursor = driver.execute(compiled.sql, _bind(compiled.slots, one))
                    fetched += cursor.fetchall()
            else:
                cursor = driver.executemany(
                    compiled.sql, [_bind(compiled.slots, one) for one in params]
                )
                fetched = []
        except dbapi_error as exc:
            # The exception SQLAlchemy itself raises for the same failure (IntegrityError,
            # OperationalError, ...), so callers catch one type on every database.
            raise DBAPIError.instance(compiled.sql, params, exc, dbapi_error) from exc
        rowcount = cursor.rowcount
        processors = compiled.results
        rows = [
            tuple(
                value if p is None else p(value) for p, value in zip(processors, row, strict=True)
            )
            for row in fetched
        ]
        return Outcome(rows, rowcount, self.keys)

    def _compile(self, dialect: Dialect, names: tuple[str, ...]) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(names))
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError(
                "an expanding IN is rendered per execution: use literal values or one row per "
                "parameter set"
            )
        binds: dict[str, BindParameter[Any]] = compiled.binds
        slots = []
        for name in compiled.positiontup or ():
            bind = binds[name]
            fixed = bind.required or bind.callable is not None
            slots.append(
                (
                    name,
                    _REQUIRED if fixed else bind.effective_value,
                    # dialect_impl: e.g. DateTime becomes SQLite's DATETIME, which stores text.
                    bind.type.dialect_impl(dialect).bind_processor(dialect),
                )
            )
        result = self._sqlite[names] = _Compiled(
            sql=compiled.string,
            slots=tuple(slots),
            results=tuple(
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in self.columns
            ),
        )
        return result


_REQUIRED = object()


def _bind(slots: tuple[tuple[str, Any, Processor], ...], params: dict[str, Any]) -> tuple[Any, ...]:
    values = []
    for name, default, processor in slots:
        value = params.get(name, default)
        if value is _REQUIRED:
            raise KeyError(f"no value for the parameter {name!r}")
        values.append(value if processor is None else processor(value))
    return tuple(values)


def _result_columns(statement: Select[Any] | UpdateBase) -> Sequence[ColumnElement[Any]]:
    if isinstance(statement, Select):
        return list(statement.selected_columns)
    if isinstance(statement, UpdateBase):
        return list(statement.exported_columns)  # the RETURNING columns, if any
    return []
