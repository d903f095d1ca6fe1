"""Typed SQLAlchemy models: process versions, cases, human tasks, timers, audit events, users."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import UTCDateTime


class Base(DeclarativeBase):
    pass


class ProcessVersion(Base):
    """An immutable deployed version of one process: its BPMN and its parsed spec, stored once."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    spec_json: Mapped[bytes] = mapped_column(LargeBinary)
    calls: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Case(Base):
    """One application and its workflow; `version` guards against lost updates."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    # process id -> version id for every called process, fixed when the case starts
    pinned: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(30), index=True)
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_masked: Mapped[str] = mapped_column(String(18))
    applicant_id_digest: Mapped[str] = mapped_column(String(64), index=True)
    insurances: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    transfer_in_region: Mapped[str] = mapped_column(String(6), index=True)
    transfer_out_region: Mapped[str] = mapped_column(String(6))
    decision: Mapped[str] = mapped_column(String(30))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    committed_due: Mapped[date | None] = mapped_column(Date)
    legal_due: Mapped[date | None] = mapped_column(Date)
    deadlines_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the top workflow's instance state (no specs); subprocesses live in case_part
    state: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class CasePart(Base):
    """The instance state of one subprocess of a case, written only when it changed."""

    __tablename__ = "case_part"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    part_key: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)


class HumanTask(Base):
    """A user task as a row: what worklists query, without ever loading a workflow."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_task_worklist", "role", "region", "state", "due_at"),
        Index("ix_task_case_state", "case_id", "state"),
        Index("ix_task_assignee", "assignee", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    task_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    process_id: Mapped[str] = mapped_column(String(100))
    task_spec: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6))
    form: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(12))  # open | claimed | completed | cancelled
    assignee: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)


class Timer(Base):
    """A waiting timer event: the scheduler's source of truth for when to wake up."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_pending", "fired_at", "cancelled_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # how the deadline was computed, so a provisional one can be recomputed later
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    working_days: Mapped[int | None] = mapped_column(Integer)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    armed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Append-only, hash-chained record of everything that happened."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row holding the chain head; locking it serialises appends across processes."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    hash: Mapped[str] = mapped_column(String(64))


class CalendarOverride(Base):
    """An official change to the working-day calendar (a State Council notice), by date."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_work: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class User(Base):
    """A staff account (clerk, supervisor, policy staff, auditor, admin) in one agency and region."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6))
    agency: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CaseCounter(Base):
    """Per region and year sequence for readable case numbers."""

    __tablename__ = "case_counter"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
