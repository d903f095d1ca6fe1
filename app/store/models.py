"""Typed SQLAlchemy models: process versions, cases, human tasks, timers, audit events, users."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
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
    applicant_name: Mapped[str] = mapped_column(String(100), index=True)
    applicant_id_masked: Mapped[str] = mapped_column(String(18))
    applicant_id_digest: Mapped[str] = mapped_column(String(64), index=True)
    insurances: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    transfer_in_region: Mapped[str] = mapped_column(String(6), index=True)
    transfer_out_region: Mapped[str] = mapped_column(String(6), index=True)
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
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class CasePart(Base):
    """The instance state of one part of a case (the top workflow, key 'top', or one
    subprocess; never the specs), written only when it changed."""

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
    # The lease of the scheduler process firing it (app/features/cases/timer_leases.py): another
    # takes the timer over only once lease_until (wall-clock time) has passed.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SchedulerHeartbeat(Base):
    """One row per running scheduler process, rewritten every poll: /readyz reads its age."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid:uuid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    poll_seconds: Mapped[float] = mapped_column(Float)


class AuditEvent(Base):
    """Append-only, hash-chained record of everything that happened."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_kind_seq", "kind", "seq"),)

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
    # The OIDC provider's `sub` of the person who may sign in to this account by SSO (0009).
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    # Set by an administrator's reset: the next password sign-in must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseCounter(Base):
    """Per region and year sequence for readable case numbers."""

    __tablename__ = "case_counter"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class CaseInput(Base):
    """What a case was started with (the application), kept once; audit events carry its hash."""

    __tablename__ = "case_input"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A bearer token of an integration client; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """A message to the applicant; the default notifier only writes this outbox."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Rating(Base):
    """好差评: one rating per concluded case, five levels, optional comment."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A server-side sign-in session: logging out or idling really ends it."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    method: Mapped[str] = mapped_column(String(16), default="password")  # or "sso"


class AuditAnchor(Base):
    """A published chain head (count, hash, time) that a later rewrite cannot match."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    exported_to: Mapped[str] = mapped_column(Text, default="")


class ProcessDraft(Base):
    """A policy officer's working copy of a process (BPMN and forms), before validation and deploy."""

    __tablename__ = "process_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(100))
    deployed_version: Mapped[int | None] = mapped_column(Integer)


class PolicyScenario(Base):
    """A test scenario saved by policy staff: application, task inputs, clock moves, expectation."""

    __tablename__ = "policy_scenario"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SimulationTime(Base):
    """The one simulated "now" of a simulated deployment, shared by every process (contracts §6)."""

    __tablename__ = "simulation_time"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    now_at: Mapped[datetime] = mapped_column(UTCDateTime())
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """A failed sign-in, kept briefly so every worker counts the same failures (throttling).

    `account_key` is a keyed hash of the typed username (known or not, so a lock-out does not
    reveal which names exist, and nothing typed is stored in clear)."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (
        Index("ix_login_failure_account_at", "account_key", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )
