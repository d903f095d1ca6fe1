"""`flask backup` / `flask restore` (issue 14 §5): a restored database is the database as it
was at the backup, and passes `audit verify --anchor` against the anchor exported before it;
a file that is not a backup, is damaged, altered or of the other database kind is refused and
changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from app.features.cases.service import Actor
from app.features.operations.backup import MAGIC
from app.store.models import AuditEvent, Case
from tests.audit.support import alter, head_seq, tampering
from tests.conftest import POSTGRES_URL, settings_for
from tests.helpers import pass_review, scenario


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def _submit(app: Flask) -> str:
    office = app.extensions["backoffice"]
    application = scenario("bundle_all_three_success")["application"]
    number: str = office.applications.submit(application, Actor("portal", "applicant")).case_number
    return number


def _counts(app: Flask) -> tuple[int, int]:
    with app.extensions["backoffice"].db.sessions() as session:
        cases = session.execute(select(func.count()).select_from(Case)).scalar_one()
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return cases, events


def _round_trip(app: Flask, tmp_path: Path) -> None:
    """Cases, anchor, backup, more work, restore, verify: the story every test below tells."""
    office = app.extensions["backoffice"]
    first = _submit(app)
    pass_review(office, first)
    anchor = tmp_path / "anchor.json"
    assert _cli(app, "audit", "anchor", "--out", str(anchor)).exit_code == 0
    target = tmp_path / "nightly.bak"
    made = _cli(app, "backup", "--out", str(target))
    assert made.exit_code == 0, made.output
    at_backup = _counts(app)
    assert f"audit chain head at event {head_seq(office)}" in made.output

    later = _submit(app)
    pass_review(office, later)
    late_anchor = tmp_path / "late-anchor.json"
    assert _cli(app, "audit", "anchor", "--out", str(late_anchor)).exit_code == 0
    assert _counts(app) != at_backup

    restored = _cli(app, "restore", str(target))
    assert restored.exit_code == 0, restored.output
    assert f"audit chain: ok {at_backup[1]} events" in restored.output
    assert _counts(app) == at_backup
    office.workflows.clear()  # this process's cache still holds the later case's workflow
    with office.db.sessions() as session:
        numbers = set(session.execute(select(Case.number)).scalars())
    assert first in numbers and later not in numbers

    verified = _cli(app, "audit", "verify", "--anchor", str(anchor))
    assert verified.exit_code == 0, verified.output
    assert "anchor ok" in verified.output
    # An anchor taken after the backup names what the restore lost.
    lost = _cli(app, "audit", "verify", "--anchor", str(late_anchor))
    assert lost.exit_code == 1 and "shorter than the anchor" in lost.output, lost.output

    # Work goes on after a restore: the chain continues from the restored head.
    again = _submit(app)
    pass_review(office, again)
    assert _cli(app, "audit", "verify", "--anchor", str(anchor)).exit_code == 0


def test_backup_restore_round_trip(database_url: str, make_app: Any, tmp_path: Path) -> None:
    _round_trip(make_app(settings_for(database_url)), tmp_path)


def _backup(app: Flask, tmp_path: Path) -> Path:
    target = tmp_path / "b.bak"
    _submit(app)
    made = _cli(app, "backup", "--out", str(target))
    assert made.exit_code == 0, made.output
    _submit(app)  # after the backup: a refused restore must leave it in place
    return target


def _refused(app: Flask, file: Path, reason: str) -> None:
    before = _counts(app)
    result = _cli(app, "restore", str(file))
    assert result.exit_code == 1, result.output
    assert reason in result.output, result.output
    assert _counts(app) == before


def _reseal(path: Path, payload: bytes, **changes: Any) -> None:
    """Rewrite a backup file around a new payload with a matching checksum (a careful forger)."""
    with path.open("rb") as handle:
        handle.read(len(MAGIC))
        manifest = json.loads(handle.readline())
    manifest.update(size=len(payload), sha256=hashlib.sha256(payload).hexdigest(), **changes)
    path.write_bytes(MAGIC + json.dumps(manifest).encode() + b"\n" + payload)


def _payload(path: Path) -> bytes:
    raw = path.read_bytes()
    return raw[raw.index(b"\n", len(MAGIC)) + 1 :]


def test_files_that_are_not_backups_are_refused(
    database_url: str, make_app: Any, tmp_path: Path
) -> None:
    app = make_app(settings_for(database_url))
    _backup(app, tmp_path)
    anchor = tmp_path / "anchor.json"
    assert _cli(app, "audit", "anchor", "--out", str(anchor)).exit_code == 0
    _refused(app, anchor, "不是本系统的备份文件")
    _refused(app, tmp_path / "missing.bak", "无法读取")
    header_only = tmp_path / "header.bak"
    header_only.write_bytes(MAGIC + b"{not json\n")
    _refused(app, header_only, "备份文件头已损坏")


def test_a_damaged_backup_is_refused(database_url: str, make_app: Any, tmp_path: Path) -> None:
    app = make_app(settings_for(database_url))
    target = _backup(app, tmp_path)
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one bit flipped in the payload
    target.write_bytes(bytes(raw))
    _refused(app, target, "校验和不符")
    truncated = tmp_path / "truncated.bak"
    truncated.write_bytes(bytes(raw[: len(raw) - 100]))
    _refused(app, truncated, "校验和不符")


def test_a_backup_of_the_other_kind_is_refused(
    database_url: str, make_app: Any, tmp_path: Path
) -> None:
    app = make_app(settings_for(database_url))
    target = _backup(app, tmp_path)
    kind = "postgresql" if database_url.startswith("sqlite") else "sqlite"
    _reseal(target, _payload(target), kind=kind)
    label = "SQLite 数据库" if kind == "postgresql" else "PostgreSQL 数据库"
    _refused(app, target, label)


def test_a_resealed_sqlite_backup_with_an_altered_event_is_refused(
    tmp_path: Path, make_app: Any, request: pytest.FixtureRequest
) -> None:
    """A forger who alters the backup's audit log and recomputes the file checksum is still
    refused before anything is replaced: the chain inside the backup is verified first."""
    database_url = request.getfixturevalue("database_url")
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite payloads only (PostgreSQL's chain is verified right after restore)")
    app = make_app(settings_for(database_url))
    target = _backup(app, tmp_path)
    copy = tmp_path / "payload.db"
    copy.write_bytes(_payload(target))
    with tampering(f"sqlite:///{copy}") as conn:
        alter(conn, 1, actor="someone_else")
    _reseal(target, copy.read_bytes())
    _refused(app, target, "审计哈希链不完整")


# -- PostgreSQL: its own databases, created and dropped here ------------------------------------
@pytest.fixture
def own_postgres(postgres_url: str) -> Any:
    """The migrated test database, and an empty one of our own (a new server after a loss)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    empty = f"backup_restore_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{empty}"'))
    yield postgres_url, POSTGRES_URL.rsplit("/", 1)[0] + "/" + empty
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_postgres_round_trip_and_restore_into_an_empty_database(
    own_postgres: tuple[str, str], make_app: Any, tmp_path: Path
) -> None:
    source_url, empty_url = own_postgres
    app = make_app(settings_for(source_url))
    _round_trip(app, tmp_path)
    target = tmp_path / "again.bak"
    assert _cli(app, "backup", "--out", str(target)).exit_code == 0
    anchor = tmp_path / "anchor.json"
    assert _cli(app, "audit", "anchor", "--out", str(anchor)).exit_code == 0

    fresh = make_app(settings_for(empty_url))
    restored = _cli(fresh, "restore", str(target))
    assert restored.exit_code == 0, restored.output
    assert _counts(fresh)[0] == _counts(app)[0]
    assert _cli(fresh, "audit", "verify").exit_code == 0


@pytest.mark.postgres
def test_postgres_refuses_a_sqlite_backup(
    own_postgres: tuple[str, str], make_app: Any, tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("needs a SQLite database beside PostgreSQL")
    sqlite_app = make_app(settings_for(database_url))
    target = _backup(sqlite_app, tmp_path)
    app = make_app(settings_for(own_postgres[0]))
    _refused(app, target, "这是 SQLite 的备份")
