"""The audit chain's integrity: verify it naming the first broken event, and anchor its head.

An anchor (head seq, hash and time, exported to a file and kept as a row) is what makes a
rewrite of the *whole* chain detectable: a rewritten chain verifies on its own, but no longer
passes through the anchored hash."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.kernel.clock import Clock
from app.store.audit_log import GENESIS, AuditBuffer, canonical, chain_hash
from app.store.models import AuditAnchor, AuditEvent, AuditHead

ANCHOR_FORMAT = "sitransfer-audit-anchor/1"

# problem code -> (English for the CLI, Chinese for the auditor's page)
PROBLEMS: dict[str, tuple[str, str]] = {
    "altered": (
        "its content does not match its hash (the row was altered)",
        "内容与其哈希不符（记录被改动）",
    ),
    "missing": ("the event is missing (deleted)", "缺失（记录被删除）"),
    "link_broken": (
        "it does not link to the event before it (rows reordered, inserted or replaced)",
        "与前一事件的哈希链接断开（记录被调换、插入或替换）",
    ),
    "head_mismatch": (
        "the event is missing: the chain head records more events than the log holds",
        "缺失：链头记录的事件数多于日志中的事件",
    ),
    "beyond_head": (
        "it lies beyond the chain head (appended outside the log)",
        "位于链头之后（绕过日志追加）",
    ),
    "head_altered": (
        "it does not match the hash the chain head records",
        "与链头记录的哈希不符",
    ),
    "anchor_missing": (
        "the event is missing: the chain is shorter than the anchor",
        "缺失：哈希链短于锚定时的长度",
    ),
    "anchor_mismatch": (
        "its hash differs from the anchored hash (the chain was rewritten)",
        "的哈希与锚定值不符（哈希链被整体改写）",
    ),
}


class AnchorFileError(ValueError):
    """An anchor file that cannot be read or is not an anchor."""


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: events checked, and the first broken event if any."""

    count: int
    broken_seq: int | None = None
    kind: str | None = None
    problem: str | None = None
    anchor: Anchor | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        if self.problem is None:
            return f"ok {self.count} events"
        what = f"event {self.broken_seq}" + (f" ({self.kind})" if self.kind else "")
        text = f"broken at {what}: {PROBLEMS[self.problem][0]}"
        if self.anchor is not None and self.problem.startswith("anchor"):
            text += f"; anchored {self.anchor.at.isoformat()} at event {self.anchor.seq}"
        return text

    def describe_zh(self) -> str:
        if self.problem is None:
            return f"哈希链完整，共 {self.count} 条事件校验通过"
        what = f"第 {self.broken_seq} 号事件" + (f"（{self.kind}）" if self.kind else "")
        return f"哈希链在{what}处断开：该事件{PROBLEMS[self.problem][1]}"


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "format": ANCHOR_FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class AnchorStatus:
    """A recorded anchor and whether today's chain still passes through it."""

    id: int
    anchor: Anchor
    exported_to: str
    holds: bool


def walk(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute the chain from the first event; stop at the first event that does not fit."""
    prev, expected, last_seq = GENESIS, 1, 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for event in rows:
            if event.seq != expected:
                return ChainReport(expected - 1, expected, None, "missing")
            if event.prev_hash != prev:
                return ChainReport(expected - 1, event.seq, event.kind, "link_broken")
            content = canonical(
                event.seq, event.kind, event.actor, event.at, event.case_id, event.data
            )
            digest = chain_hash(prev, content)
            if digest != event.hash:
                return ChainReport(expected - 1, event.seq, event.kind, "altered")
            prev, last_seq, expected = digest, event.seq, expected + 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is not None and head.seq > last_seq:
        return ChainReport(last_seq, last_seq + 1, None, "head_mismatch")
    if head is not None and head.seq < last_seq:
        return ChainReport(head.seq, head.seq + 1, None, "beyond_head")
    if head is not None and head.hash != prev:
        return ChainReport(last_seq, last_seq, None, "head_altered")
    return ChainReport(last_seq)


def check_anchor(session: Session, anchor: Anchor) -> tuple[int, str | None, str | None]:
    """(event seq, kind, problem) when the chain no longer passes through the anchored head."""
    if anchor.seq == 0:
        return 0, None, None if anchor.hash == GENESIS else "anchor_mismatch"
    row = session.execute(
        select(AuditEvent.kind, AuditEvent.hash).where(AuditEvent.seq == anchor.seq)
    ).first()
    if row is None:
        return anchor.seq, None, "anchor_missing"
    if row.hash != anchor.hash:
        return anchor.seq, row.kind, "anchor_mismatch"
    return anchor.seq, row.kind, None


class AuditChain:
    """Verification and anchors over one database."""

    def __init__(self, db: Any, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def verify(self, anchor: Anchor | None = None) -> ChainReport:
        with self.db.sessions() as session:
            report = walk(session)
            if not report.ok or anchor is None:
                return report
            seq, kind, problem = check_anchor(session, anchor)
        if problem is None:
            return ChainReport(report.count, anchor=anchor)
        return ChainReport(report.count, seq, kind, problem, anchor)

    def create_anchor(self, path: Path | None, actor: str) -> Anchor:
        """Record the current head as an anchor (row + audit event) and write it to `path`."""
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            head = session.execute(
                select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
            ).first()
            anchor = Anchor(head.seq, head.hash, now) if head else Anchor(0, GENESIS, now)
            target = str(path.resolve()) if path is not None else ""
            session.add(AuditAnchor(seq=anchor.seq, hash=anchor.hash, at=now, exported_to=target))
            audit.add("anchor_recorded", actor, now, None, seq=anchor.seq, hash=anchor.hash)
            if path is not None:
                # Written inside the transaction: a file that cannot be written records nothing.
                write_anchor(path, anchor)
            audit.flush(session)
        return anchor

    def anchors(self, limit: int = 20) -> list[AnchorStatus]:
        """The newest recorded anchors, each checked against today's chain."""
        with self.db.sessions() as session:
            rows = (
                session.execute(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(limit))
                .scalars()
                .all()
            )
            result = []
            for row in rows:
                anchor = Anchor(row.seq, row.hash, row.at)
                holds = check_anchor(session, anchor)[2] is None
                result.append(AnchorStatus(row.id, anchor, row.exported_to, holds))
        return result

    def anchor_by_id(self, anchor_id: int) -> Anchor | None:
        with self.db.sessions() as session:
            row = session.get(AuditAnchor, anchor_id)
        return Anchor(row.seq, row.hash, row.at) if row is not None else None


def write_anchor(path: Path, anchor: Anchor) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(anchor.as_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def read_anchor(path: Path) -> Anchor:
    """Parse an anchor file; AnchorFileError names what is wrong with it."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AnchorFileError(f"{path}: not a readable JSON anchor file ({exc})") from exc
    if not isinstance(body, dict) or body.get("format") != ANCHOR_FORMAT:
        raise AnchorFileError(f"{path}: not an audit anchor (format {ANCHOR_FORMAT} expected)")
    seq, digest, at = body.get("seq"), body.get("hash"), body.get("at")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise AnchorFileError(f"{path}: seq must be a non-negative integer")
    if not isinstance(digest, str) or len(digest) != 64:
        raise AnchorFileError(f"{path}: hash must be 64 hex characters")
    try:
        instant = datetime.fromisoformat(str(at))
    except ValueError as exc:
        raise AnchorFileError(f"{path}: at must be an ISO-8601 time") from exc
    if instant.tzinfo is None:
        raise AnchorFileError(f"{path}: at must carry a time zone")
    return Anchor(seq, digest, instant)
