"""Backup and restore of the whole database: SQLite through its online backup API, PostgreSQL
through pg_dump/pg_restore, both wrapped in one self-checking file.

A backup file is a header line, a JSON manifest line (kind, payload size and sha256, schema
revision, audit chain head, when) and the payload: the SQLite database file as the backup API
wrote it, or a `pg_dump --format=custom` archive. The checksum is what lets `restore` refuse a
damaged or altered file before it touches the database; the audit head in the manifest is
what an anchor exported before the backup is checked against after a restore."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from app.features.audit.chain import walk

MAGIC = b"SITRANSFER-BACKUP/1\n"
KINDS = ("sqlite", "postgresql")
# Tables every database of this application has; a payload without them is not ours.
REQUIRED_TABLES = ("alembic_version", "audit_event", "audit_head", "case")
_CHUNK = 1 << 20
_MANIFEST_LIMIT = 64 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


@dataclass(frozen=True)
class Manifest:
    kind: str
    size: int
    sha256: str
    created_at: str
    revision: str
    audit_seq: int
    audit_hash: str

    def as_json(self) -> dict[str, Any]:
        return {"format": MAGIC.decode().strip(), **self.__dict__}


def database_kind(url: str) -> str:
    """'sqlite' or 'postgresql' for a DATABASE_URL; anything else is refused."""
    backend = make_url(url).get_backend_name()
    if backend not in KINDS:
        raise BackupError(f"不支持的数据库类型：{backend}（仅支持 SQLite 与 PostgreSQL）")
    return backend


# -- backup ----------------------------------------------------------------------------------
def backup(url: str, out: Path, now: datetime) -> Manifest:
    """Write a backup of the database at `url` to `out` (atomically: a failed backup leaves
    no file). `now` is when the backup is taken (the caller's clock)."""
    kind = database_kind(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _scratch(out.parent) as scratch:
        payload = scratch / "payload"
        if kind == "sqlite":
            _sqlite_copy(_sqlite_path(url, must_exist=True), payload)
            revision, seq, digest = _sqlite_facts(payload)
        else:
            # Facts first, dump second: the dump holds at least the head read here, so an
            # anchor taken before the backup is always within the backup.
            revision, seq, digest = _postgres_facts(url)
            _run([_pg_tool("pg_dump"), "--format=custom", "--file", str(payload)], url)
        size, sha = _digest(payload)
        manifest = Manifest(kind, size, sha, now.isoformat(), revision, seq, digest)
        partial = scratch / "backup"
        with partial.open("wb") as target, payload.open("rb") as source:
            target.write(MAGIC)
            target.write(json.dumps(manifest.as_json(), ensure_ascii=False).encode() + b"\n")
            shutil.copyfileobj(source, target, _CHUNK)
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, out)
    return manifest


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database page by page through the online backup API: a consistent
    snapshot even while other processes write (they wait only for the copy itself)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # A self-contained file: no -wal beside it is needed to read it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _sqlite_facts(path: Path) -> tuple[str, int, str]:
    conn = sqlite3.connect(_read_only(path), uri=True)
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"数据库尚未初始化或已损坏（{exc}），无法备份") from exc
    finally:
        conn.close()
    seq, digest = head if head else (0, "0" * 64)
    return (revision[0] if revision else ""), int(seq), str(digest)


def _postgres_facts(url: str) -> tuple[str, int, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            head = conn.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    except Exception as exc:  # any driver error: the database is not reachable or not ours
        raise BackupError(
            f"无法读取 PostgreSQL 数据库（{exc.__class__.__name__}），无法备份"
        ) from exc
    finally:
        engine.dispose()
    seq, digest = (head[0], head[1]) if head else (0, "0" * 64)
    return str(revision or ""), int(seq), str(digest)


# -- restore ---------------------------------------------------------------------------------
def read_manifest(file: Path) -> Manifest:
    """The manifest of a backup file, after checking the payload against its checksum."""
    try:
        handle = file.open("rb")
    except OSError as exc:
        raise BackupError(f"{file}：无法读取（{exc.strerror}）") from exc
    with handle:
        manifest = _header(file, handle)
        size = 0
        sha = hashlib.sha256()
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            sha.update(chunk)
    if size != manifest.size or sha.hexdigest() != manifest.sha256:
        raise BackupError(f"{file}：备份内容与其校验和不符（文件被改动或已损坏），拒绝恢复")
    return manifest


def _header(file: Path, handle: IO[bytes]) -> Manifest:
    start = handle.read(len(MAGIC))
    if start != MAGIC:
        hint = ""
        if start.startswith(b"SQLite format 3"):
            hint = "（这是一个裸 SQLite 数据库文件，不是 flask backup 生成的备份）"
        elif start.startswith(b"PGDMP"):
            hint = "（这是一个裸 pg_dump 归档，不是 flask backup 生成的备份）"
        raise BackupError(f"{file}：不是本系统的备份文件{hint}，拒绝恢复")
    line = handle.readline(_MANIFEST_LIMIT)
    try:
        body = json.loads(line)
        manifest = Manifest(
            kind=str(body["kind"]),
            size=int(body["size"]),
            sha256=str(body["sha256"]),
            created_at=str(body["created_at"]),
            revision=str(body["revision"]),
            audit_seq=int(body["audit_seq"]),
            audit_hash=str(body["audit_hash"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(
            f"{file}：备份文件头已损坏（{exc.__class__.__name__}），拒绝恢复"
        ) from exc
    if manifest.kind not in KINDS:
        raise BackupError(f"{file}：未知的备份类型 {manifest.kind}，拒绝恢复")
    return manifest


def restore(url: str, file: Path) -> Manifest:
    """Replace the database at `url` with the backup in `file`. Everything is checked first
    (format, kind, checksum, contents); a refused restore changes nothing."""
    kind = database_kind(url)
    manifest = read_manifest(file)
    if manifest.kind != kind:
        raise BackupError(
            f"{file}：这是 {_label(manifest.kind)} 的备份，而 DATABASE_URL 指向"
            f" {_label(kind)} 数据库，拒绝恢复"
        )
    target = _sqlite_path(url, must_exist=False) if kind == "sqlite" else None
    with _scratch(target.parent if target else None) as scratch:
        payload = scratch / "payload"
        _extract(file, payload)
        if target is not None:
            _sqlite_check(payload, file)
            _sqlite_restore(payload, target)
        else:
            _postgres_check(payload, file)
            _run(
                [
                    _pg_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    # All or nothing: a restore that fails half-way leaves the database as it was.
                    "--single-transaction",
                    str(payload),
                ],
                url,
            )
    return manifest


def _label(kind: str) -> str:
    return "SQLite" if kind == "sqlite" else "PostgreSQL"


def _extract(file: Path, payload: Path) -> None:
    with file.open("rb") as source, payload.open("wb") as target:
        source.read(len(MAGIC))
        source.readline(_MANIFEST_LIMIT)
        shutil.copyfileobj(source, target, _CHUNK)


def _sqlite_check(payload: Path, file: Path) -> None:
    conn = sqlite3.connect(_read_only(payload), uri=True)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file}：备份中的 SQLite 数据库无法打开（{exc}），拒绝恢复") from exc
    finally:
        conn.close()
    if verdict != "ok":
        raise BackupError(f"{file}：备份中的 SQLite 数据库已损坏（{verdict}），拒绝恢复")
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise BackupError(f"{file}：备份中缺少本系统的数据表 {', '.join(missing)}，拒绝恢复")
    # The audit chain inside the backup must hold before it replaces anything: a file altered
    # and given a new checksum is still refused (PostgreSQL's is checked right after restore).
    engine = create_engine(f"sqlite:///{payload}")
    try:
        with Session(engine) as session:
            report = walk(session)
    finally:
        engine.dispose()
    if not report.ok:
        raise BackupError(f"{file}：备份中的审计哈希链不完整（{report.describe()}），拒绝恢复")


def _sqlite_restore(payload: Path, target: Path) -> None:
    """Copy the backup into the target file through the backup API: the target is written
    under SQLite's own locks (in WAL mode too), never by replacing the file under a reader."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(_read_only(payload), uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _postgres_check(payload: Path, file: Path) -> None:
    listing = subprocess.run(
        [_pg_tool("pg_restore"), "--list", str(payload)], capture_output=True, text=True
    )
    if listing.returncode != 0:
        raise BackupError(f"{file}：备份中的 pg_dump 归档无法读取，拒绝恢复")
    missing = [name for name in REQUIRED_TABLES if f" TABLE public {name} " not in listing.stdout]
    if missing:
        raise BackupError(f"{file}：备份中缺少本系统的数据表 {', '.join(missing)}，拒绝恢复")


# -- helpers ---------------------------------------------------------------------------------
def _sqlite_path(url: str, *, must_exist: bool) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("DATABASE_URL 须指向一个 SQLite 数据库文件（内存数据库无法备份或恢复）")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"SQLite 数据库文件不存在：{path}")
    return path


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore from PATH, else the newest under /usr/lib/postgresql/*/bin (Debian
    keeps them there); a newer tool reads and writes every older server's format."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    candidates.sort(key=lambda p: _major(Path(p).parent.parent.name), reverse=True)
    if not candidates:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：postgresql-client）")
    return candidates[0]


def _major(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the tools, with the password passed in the environment
    (never on a command line, where `ps` shows it)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], url: str) -> None:
    dsn, env = _libpq(url)
    args = [*command[:1], "--dbname", dsn, *command[1:]]
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tool = Path(command[0]).name
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{tool} 失败（退出码 {done.returncode}）：{' / '.join(detail[-3:])}")


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            sha.update(chunk)
    return size, sha.hexdigest()


def _read_only(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"


@contextlib.contextmanager
def _scratch(near: Path | None) -> Iterator[Path]:
    """A private temporary directory, on the target's file system when given (so the final
    rename is atomic and a large payload does not fill /tmp)."""
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=near) as name:
        yield Path(name)
