"""What a clerk or an auditor reads of a case's letters between deployments (issue 16 item 4):
direction, kind, the other agency, when sent and received, delivery state, the deadline a
received letter started here, and the letter itself with every ID number masked."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from app.documents.labels import INSURANCE_SHORT_ZH
from app.features.exchange.directory import Directory
from app.rules.id_number import mask_id_number
from app.store.case_letter_rows import case_letter_rows
from app.store.db import Database

# contracts §10 `type` -> the letter's name; (insurance, type) where an insurance's law names
# it otherwise (docs/messages.md).
KIND = {
    "contact_letter": "联系函",
    "transfer_info": "信息表",
    "reply": "复函",
    "funds_notice": "资金划转通知",
    "request": "转移申请",
    "certificate": "参保(合)凭证",
    "correction": "更正请求",
}
KIND_OF = {
    ("pension", "transfer_info"): "参保信息表及基金",
    ("medical", "transfer_info"): "参保信息表",
    ("unemployment", "transfer_info"): "转移办结（终止）通知",
    ("unemployment", "reply"): "联系复函",
}
DELIVERY = {"pending": "待发送", "sent": "已送达", "failed": "发送失败"}
# Keys whose values are personal ID numbers wherever they appear in a payload.
ID_KEYS = {"id_number"}


@dataclass(frozen=True)
class StartedTask:
    """A task the received letter opened on this side, with the limit it runs against."""

    title: str
    state: str
    due_at: datetime | None
    provisional: bool


@dataclass(frozen=True)
class CaseLetter:
    id: str
    direction: str  # "sent" | "received"
    type: str
    insurance: str
    transfer_key: str
    from_region: str
    to_region: str
    from_agency: str  # the peer directory's name ("" when it lists none)
    to_agency: str
    sent_at: datetime | None  # the envelope's sent_at (the sender's clock)
    received_at: datetime | None  # received here, or (sent) accepted by the peer
    delivery: str = ""  # a letter sent: pending | sent | failed
    last_error: str = ""
    attempts: int = 0
    opened_case: bool = False  # the letter opened this case (来函立案)
    payload: dict[str, Any] = field(default_factory=dict)  # ID numbers masked
    started: tuple[StartedTask, ...] = ()

    @property
    def kind_label(self) -> str:
        return KIND_OF.get((self.insurance, self.type)) or KIND.get(self.type, self.type)

    @property
    def title(self) -> str:
        return f"{INSURANCE_SHORT_ZH.get(self.insurance, self.insurance)}{self.kind_label}"

    @property
    def direction_label(self) -> str:
        return "发出" if self.direction == "sent" else "收到"

    @property
    def delivery_label(self) -> str:
        return DELIVERY.get(self.delivery, self.delivery)

    @property
    def other_region(self) -> str:
        return self.to_region if self.direction == "sent" else self.from_region

    @property
    def other_agency(self) -> str:
        return self.to_agency if self.direction == "sent" else self.from_agency

    @property
    def case_number(self) -> str:
        return self.transfer_key.rsplit("/", 1)[0]

    def raw_json(self) -> str:
        return orjson.dumps(self.payload, option=orjson.OPT_INDENT_2).decode("utf-8")


def masked(value: Any) -> Any:
    """A copy of a payload with every ID number masked (the letter carries the full one)."""
    if isinstance(value, dict):
        return {
            k: mask_id_number(str(v)) if k in ID_KEYS and v else masked(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v) for v in value]
    return copy.copy(value)


def _instant(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


class LetterViews:
    def __init__(self, db: Database, directory: Directory) -> None:
        self.db = db
        self.directory = directory

    def agency(self, region: str) -> str:
        """The peer directory's name for the agency serving `region` ("" when none)."""
        peer = self.directory.sender(region) if region else None
        return peer.name if peer else ""

    def of_case(self, case_id: int) -> list[CaseLetter]:
        """The case's letters, oldest first."""
        with self.db.sessions() as session:
            rows = case_letter_rows(session, case_id)
        letters: list[CaseLetter] = []
        for sent in rows.sent:
            try:
                envelope = orjson.loads(sent.envelope)
            except orjson.JSONDecodeError:
                continue
            letters.append(
                self._letter(
                    envelope,
                    "sent",
                    received_at=sent.sent_at,
                    delivery=sent.status,
                    last_error=sent.last_error,
                    attempts=sent.attempts,
                )
            )
        for got in rows.received:
            started = tuple(
                StartedTask(t.title, t.state, t.due_at, t.due_provisional)
                for t in rows.tasks
                if t.uuid in got.opened_tasks
            )
            letters.append(
                self._letter(
                    got.letter,
                    "received",
                    received_at=got.inbox_received_at or got.received_at,
                    opened_case=got.kind == "start",
                    started=started,
                )
            )
        return sorted(
            letters, key=lambda x: (x.sent_at.timestamp() if x.sent_at else float("inf"), x.id)
        )

    def one(self, case_id: int, letter_id: str) -> CaseLetter | None:
        return next((x for x in self.of_case(case_id) if x.id == letter_id), None)

    def _letter(self, envelope: dict[str, Any], direction: str, **facts: Any) -> CaseLetter:
        key = str(envelope.get("transfer_key", ""))
        source, target = str(envelope.get("from_region", "")), str(envelope.get("to_region", ""))
        payload = envelope.get("payload")
        return CaseLetter(
            id=str(envelope.get("id", "")),
            direction=direction,
            type=str(envelope.get("type", "")),
            insurance=key.rsplit("/", 1)[-1] if "/" in key else "",
            transfer_key=key,
            from_region=source,
            to_region=target,
            from_agency=self.agency(source),
            to_agency=self.agency(target),
            sent_at=_instant(envelope.get("sent_at", "")),
            payload=masked(payload) if isinstance(payload, dict) else {},
            **facts,
        )
