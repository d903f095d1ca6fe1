"""Messages to the applicant on every case status change, through a pluggable notifier.

Every message is written to the `notification` table (the outbox) inside the very transaction
that changed the status, with its audit event: a committed change always has its message, and
a rolled-back one never does. A notifier then delivers it. The default OutboxNotifier delivers
by showing the outbox on the applicant's progress page; an SMS or e-mail adapter implements
`Notifier`, is passed to `install`, and is called after the commit (a gateway is never called
inside a transaction that may still roll back).

Hooked in without touching the case services: `install(cases)` registers a status writer
with the case store and a listener that CaseService calls after each committed use case.
`StatusChangeListener.run` and `notify_status_changes` reconcile: they read the audit log
(`seq` is the primary key, so this is an index range) for `case_status_changed` events and
compare each case's status with the last status it was notified about (kind
`status_changed:<status>`), so a database filled before notifications existed is caught up
and several processes never send a message twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.documents.service_guides import guide_for
from app.features.worklist.case_deadlines import provisional_flags
from app.kernel.clock import Clock
from app.kernel.workdays import WorkingCalendar
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import AuditEvent, Case, Notification
from app.store.prepared import Prepared

if TYPE_CHECKING:
    from app.features.cases.service import CaseService

log = logging.getLogger(__name__)

STATUS_KIND = "status_changed:"  # + the status the message is about
SIGNATURE = "【社保转移一件事】"


@dataclass(frozen=True)
class Message:
    notification_id: int
    case_number: str
    kind: str
    text: str


class Notifier(Protocol):
    """Delivers outbox messages to the applicant (portal, SMS, e-mail...)."""

    channel: str
    # True when writing the outbox row is itself the delivery (nothing to send afterwards).
    delivered_by_outbox: bool

    def deliver(self, message: Message) -> bool:
        """Send one message; True when it reached the channel (then it is marked sent)."""
        ...


class OutboxNotifier:
    """The default: the outbox is shown on the progress page, so writing it delivers it."""

    channel = "portal"
    delivered_by_outbox = True

    def deliver(self, message: Message) -> bool:
        return True


def _day(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def guide_note(region: object) -> str:
    """What the guide promises, in SMS length (seed 000 十七、二十一、二十二、二十三; 001 十三、
    十六至十八; 002 十三、十六至十八), for the transfer-in window that handles the case. The
    office hours are long (seasons, two halls), so the message points to the progress page."""
    guide = guide_for(region)
    if guide is None:
        return "收费、咨询和投诉渠道以办理地服务指南为准。"
    return (
        f"本事项{guide.fee}；咨询电话{guide.consultation}；"
        f"监督投诉{guide.complaints}；办公时间见办件进度页面。"
    )


def status_message(case: Any, calendar: WorkingCalendar | None = None) -> str:
    """The plain-language text of a case row's status (short enough for an SMS), with what the
    transfer-in window's guide promises (fee, consultation, complaints, office hours).
    `calendar` tells which of the two dates is provisional (暂定); without it, neither is."""
    return _status_text(case, calendar) + guide_note(getattr(case, "transfer_in_region", None))


def _status_text(case: Any, calendar: WorkingCalendar | None) -> str:
    head = f"{SIGNATURE}您的社会保险关系转移接续申请（办件编号 {case.number}）"
    status = case.status
    if status == "submitted":
        return head + "已提交，正在受理审查。"
    if status == "accepted":
        committed, legal = (False, False)
        if calendar is not None:
            committed, legal = provisional_flags(
                case.accepted_at,
                case.committed_due,
                case.legal_due,
                bool(case.deadlines_provisional),
                calendar,
            )
        text = head + f"已受理，承诺于{_day(case.committed_due)}前办结"
        text += f"（法定期限{_day(case.legal_due)}）"
        marked = [name for name, flag in (("承诺", committed), ("法定", legal)) if flag]
        if marked:
            dates = "和".join(marked)
            text += f"。因次年节假日安排尚未公布，{dates}日期为暂定，公布后自动更新"
        return text + "。"
    if status == "correction_required":
        return (
            head + "需要补正材料。请在办件进度页面查看《补正材料一次性告知书》，一次补齐全部材料。"
        )
    if status == "refused":
        # After acceptance (a refusal at 审核) it is 不予办理.
        word = "不予办理" if getattr(case, "decision", None) == "accepted" else "不予受理"
        return (
            head + f"{word}。理由及救济途径（60日内申请行政复议或6个月内提起行政诉讼）"
            f"详见办件进度页面的《{word}决定书》。"
        )
    if status == "in_transfer":
        return head + "已通过审核，各险种的转移接续手续正在办理。"
    if status == "in_review":  # cases on diagram versions that reviewed after the transfers
        return head + "各险种转移接续手续已办理完毕，正在审核。"
    if status in ("concluded", "completed"):
        return head + "已办结。请在办件进度页面查看结果、下载办结通知书，欢迎对本次服务作出评价。"
    return head + f"状态已更新（{status}）。"


_CASES = Case.__table__
_NOTES = Notification.__table__
_EVENTS = AuditEvent.__table__
# Built once: this runs after every use case, where statement construction would dominate.
_CASE_ROW = (
    select(
        _CASES.c.id,
        _CASES.c.number,
        _CASES.c.status,
        _CASES.c.committed_due,
        _CASES.c.legal_due,
        _CASES.c.deadlines_provisional,
        _CASES.c.transfer_in_region,
    )
    .where(_CASES.c.id == bindparam("case_id"))
    .with_for_update()  # PostgreSQL: a second process waits, then sees this one's message
)
_LAST_STATUS = (
    select(_NOTES.c.kind)
    .where(_NOTES.c.case_id == bindparam("case_id"), _NOTES.c.kind.like(STATUS_KIND + "%"))
    .order_by(_NOTES.c.id.desc())
    .limit(1)
)
_INSERT_NOTE = Prepared(insert(Notification).returning(Notification.id))
# Only status changes, through the (kind, seq) index: most use cases change no status, and
# this read runs after every one of them.
_NEW_EVENTS = (
    select(_EVENTS.c.seq, _EVENTS.c.case_id, _EVENTS.c.kind)
    .where(_EVENTS.c.kind == "case_status_changed", _EVENTS.c.seq > bindparam("seen"))
    .order_by(_EVENTS.c.seq)
    .limit(bindparam("batch"))
)
_HEAD = select(func.max(_EVENTS.c.seq))


def last_notified_status(conn: Connection, case_id: int) -> str | None:
    kind = conn.execute(_LAST_STATUS, {"case_id": case_id}).scalar()
    return kind[len(STATUS_KIND) :] if kind else None


def write_message(
    conn: Connection,
    notifier: Notifier,
    case: Any,
    audit: AuditBuffer,
    now: datetime,
    calendar: WorkingCalendar | None = None,
) -> Message:
    """The outbox row and its audit event for a case row's current status (in the caller's
    transaction; the audit buffer is flushed with the rest of the use case)."""
    kind, text = STATUS_KIND + case.status, status_message(case, calendar)
    note_id = _INSERT_NOTE.execute(
        conn,
        {
            "case_id": case.id,
            "channel": notifier.channel,
            "kind": kind,
            "message": text,
            "created_at": now,
            "sent_at": now if notifier.delivered_by_outbox else None,
        },
    ).scalar()
    audit.add(
        "applicant_notified",
        "system",
        now,
        case.id,
        notification=note_id,
        channel=notifier.channel,
        kind=kind,
    )
    return Message(note_id, case.number, kind, text)


def notify_status_changes(
    db: Database, clock: Clock, notifier: Notifier, case_ids: Iterable[int] | None = None
) -> int:
    """Write (and deliver) one message for each case whose status changed since its last one.

    `case_ids=None` reconciles every case (after an outage, or to catch up a database that
    was filled before notifications existed). Returns the number of messages written."""
    if case_ids is None:
        with db.sessions() as session:
            case_ids = list(session.execute(select(Case.id).order_by(Case.id)).scalars())
    ids = sorted(set(case_ids))
    now = clock.now()
    written: list[Message] = []
    audit = AuditBuffer()
    with db.transaction() as session:
        conn = session.connection()
        for case_id in ids:
            case = conn.execute(_CASE_ROW, {"case_id": case_id}).first()
            if case is None or case.status == "running":
                continue
            if last_notified_status(conn, case_id) == case.status:
                continue
            written.append(write_message(conn, notifier, case, audit, now))
        audit.flush(session)
    if not notifier.delivered_by_outbox:
        _deliver(db, clock, notifier, written)
    return len(written)


def deliver_pending(db: Database, clock: Clock, notifier: Notifier, limit: int = 100) -> int:
    """Retry messages of this notifier's channel that were written but not delivered."""
    if notifier.delivered_by_outbox:
        return 0
    with db.sessions() as session:
        rows = session.execute(
            select(Notification.id, Case.number, Notification.kind, Notification.message)
            .join(Case, Case.id == Notification.case_id)
            .where(Notification.channel == notifier.channel, Notification.sent_at.is_(None))
            .order_by(Notification.id)
            .limit(limit)
        ).all()
    return _deliver(db, clock, notifier, [Message(*row) for row in rows])


def _deliver(db: Database, clock: Clock, notifier: Notifier, messages: list[Message]) -> int:
    """After commit: a gateway is never called inside a transaction that may still roll back."""
    sent: list[int] = []
    for message in messages:
        try:
            if notifier.deliver(message):
                sent.append(message.notification_id)
        except Exception:  # a failed SMS gateway must not fail the clerk's use case
            log.exception("notifier %s failed for %s", notifier.channel, message.case_number)
    if sent:
        with db.transaction() as session:
            session.execute(
                update(Notification).where(Notification.id.in_(sent)).values(sent_at=clock.now())
            )
    return len(sent)


class StatusChangeListener:
    """Writes the message of each status change inside the use case's transaction (a case
    store status writer) and, for adapters that send, delivers after commit (a CaseService
    listener). `run` reconciles from the audit log past the last event it saw."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        status_changes: Callable[[], int] | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.notifier = notifier
        self.calendar = calendar
        self.status_changes = status_changes  # None: look every time
        self._last_changes = -1
        self._lock = threading.Lock()  # one scan at a time per process
        try:
            self._seen = self._head()
        except SQLAlchemyError:
            self._seen = 0  # no schema yet (before init-db): everything after it is new

    def _head(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(_HEAD).scalar() or 0)

    def write(self, conn: Connection, case: Any, audit: AuditBuffer, now: datetime) -> None:
        """In the transaction that changed the case's status."""
        if case.status != "running":
            write_message(conn, self.notifier, case, audit, now, self.calendar)

    def __call__(self) -> None:
        # The outbox itself is the default delivery; an adapter sends after commit, and only
        # when this process recorded a status change (or it cannot tell).
        if self.notifier.delivered_by_outbox:
            return
        if self.status_changes is not None:
            changes = self.status_changes()
            if changes == self._last_changes:
                return
            self._last_changes = changes
        try:
            deliver_pending(self.db, self.clock, self.notifier)
        except Exception:  # the use case has committed; its caller must still see success
            log.exception("status notifications failed; they are retried on the next change")

    def run(self, batch: int = 5000) -> int:
        """Notify the status changes recorded after the last event seen that have no message
        yet (reconciliation); returns the messages written."""
        with self._lock:
            count = 0
            while True:
                with self.db.engine.connect() as conn:
                    rows = conn.execute(_NEW_EVENTS, {"seen": self._seen, "batch": batch}).all()
                if not rows:
                    return count
                changed = {r.case_id for r in rows if r.kind == "case_status_changed"}
                if changed:
                    deliver_pending(
                        self.db, self.clock, self.notifier
                    )  # an adapter's earlier failures
                    count += notify_status_changes(self.db, self.clock, self.notifier, changed)
                self._seen = rows[-1].seq  # only after success: a failure is retried
                if len(rows) < batch:
                    return count


def install(cases: CaseService, notifier: Notifier | None = None) -> StatusChangeListener:
    """Hook status notifications into the case services. Idempotent; given a notifier when
    already installed (e.g. an SMS adapter configured after start-up), it replaces the old one."""
    for listener in cases.listeners:
        if isinstance(listener, StatusChangeListener):
            if notifier is not None:
                listener.notifier = notifier
            return listener
    store = cases.store
    listener = StatusChangeListener(
        cases.db,
        cases.clock,
        notifier or OutboxNotifier(),
        lambda: store.status_changes,
        cases.engine.functions.calendar,
    )
    store.status_writers.append(listener.write)
    cases.listeners.append(listener)
    return listener
