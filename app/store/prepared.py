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
    names: tuple[str, ...]  # parameter names in positional order
    defaults: dict[str, Any]  # values fixed in the statement (e.g. .values(state="done"))
    binds: dict[str, Processor]
    results: tuple[Processor, ...]


class Prepared:
    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self.statement = statement
        self.columns: list[ColumnElement[Any]] = list(_result_columns(statement))
        self.keys = tuple(str(column.key) for column in self.columns)
        # SQLite compilations by parameter names: an INSERT without .values() takes its
        # columns from the parameters given, as SQLAlchemy itself does.
        self._sqlite: dict[tuple[str, ...], _Compiled] = {}

    def execute(self, conn: Connection, params: Params = None) -> Outcome:
        if conn.dialect.name != "sqlite":
            result = conn.execute(self.statement, params)  # type: ignore[arg-type]
            rows = [tuple(row) for row in result] if result.returns_rows else []
            return Outcome(rows, result.rowcount, self.keys)
        first = params if isinstance(params, dict) else (params[0] if params else {})
        names = tuple(first)
        compiled = self._sqlite.get(names) or self._compile(conn.dialect, names)
        cursor = conn.connection.cursor()
        try:
            if params is None or isinstance(params, dict):
                cursor.execute(compiled.sql, _bind(compiled, params or {}))
                fetched = cursor.fetchall() if self.columns else []
            elif self.columns:  # RETURNING for several rows: the cursor returns one set each
                fetched = []
                for one in params:
                    cursor.execute(compiled.sql, _bind(compiled, one))
                    fetched += cursor.fetchall()
            else:
                cursor.executemany(compiled.sql, [_bind(compiled, one) for one in params])
                fetched = []
            rowcount = cursor.rowcount
        finally:
            cursor.close()
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
        if compiled.post_compile_params or compiled.literal_execute_params:  # type: ignore[attr-defined]
            raise ValueError(
                "an expanding IN is rendered per execution: use literal values or one row per "
                "parameter set"
            )
        binds: dict[str, BindParameter[Any]] = compiled.binds  # type: ignore[attr-defined]
        result = self._sqlite[names] = _Compiled(
            sql=compiled.string,
            names=tuple(compiled.positiontup or ()),  # type: ignore[attr-defined]
            defaults={
                name: bind.effective_value
                for name, bind in binds.items()
                if not bind.required and bind.callable is None
            },
            # dialect_impl: e.g. DateTime becomes SQLite's DATETIME, which stores text.
            binds={
                name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                for name, bind in binds.items()
            },
            results=tuple(
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in self.columns
            ),
        )
        return result


def _bind(compiled: _Compiled, params: dict[str, Any]) -> tuple[Any, ...]:
    values = []
    for name in compiled.names:
        value = params[name] if name in params else compiled.defaults[name]
        processor = compiled.binds[name]
        values.append(value if processor is None else processor(value))
    return tuple(values)


def _result_columns(statement: Select[Any] | UpdateBase) -> Sequence[ColumnElement[Any]]:
    if isinstance(statement, Select):
        return list(statement.selected_columns)
    if isinstance(statement, UpdateBase):
        return list(statement.exported_columns)  # the RETURNING columns, if any
    return []
