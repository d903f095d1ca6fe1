"""Delivers due outbox letters: 202 → sent; 5xx, no answer or timeout → retried with exponential
backoff up to EXCHANGE_MAX_ATTEMPTS; 401/409/422 → failed at once with the peer's reason."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from app.features.cases.timer_leases import process_id, wall_now
from app.kernel.config import ExchangeSettings
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.exchange_rows import FAILED, PENDING, SENT, Claimed, any_due, claim_due, finish

log = logging.getLogger(__name__)
ACTOR = "exchange"
FINAL_REFUSALS = (401, 409, 422)  # the peer read the letter and will never take it
MAX_ROUNDS = 1000


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | failed
    error: str = ""


def deliver(url: str, body: bytes, timeout: float) -> Outcome:
    """One HTTP POST of the envelope; what the answer means for the letter."""
    try:
        answer = requests.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=timeout
        )
    except requests.Timeout:
        return Outcome("retry", f"对方在 {timeout:g} 秒内未应答")
    except requests.RequestException as exc:
        return Outcome("retry", f"无法连接对方（{type(exc).__name__}）")
    if answer.status_code == 202:
        return Outcome("sent")
    reason = _reason(answer)
    if answer.status_code in FINAL_REFUSALS:
        return Outcome("failed", f"对方拒收（HTTP {answer.status_code}）：{reason}")
    return Outcome("retry", f"对方答复 HTTP {answer.status_code}：{reason}")


def _reason(answer: requests.Response) -> str:
    try:
        data = answer.json()
    except ValueError:
        return answer.text[:200]
    if isinstance(data, dict):
        return f"{data.get('message', '')}（{data.get('code', '')}）"[:500]
    return json.dumps(data, ensure_ascii=False)[:200]


class Sender:
    """Any number of senders (scheduler processes) share the outbox through leases."""

    def __init__(
        self,
        db: Database,
        settings: ExchangeSettings,
        now: Callable[[], datetime],
        *,
        wall: Callable[[], datetime] = wall_now,
        holder: str | None = None,
        batch: int | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.now = now  # the app clock, for the audit events
        self.wall = wall  # real time: leases and retries are about networks and processes
        self.holder = holder or process_id()
        # A claim must outlive its deliveries: a batch is what half the lease can send even
        # when every peer times out, so no other sender takes a letter over mid-batch.
        self.batch = batch or max(1, int(settings.lease_seconds // (2 * settings.timeout_seconds)))

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try: base·2^(n-1), capped."""
        seconds = self.settings.backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.settings.backoff_max_seconds))

    def claim(self, holder: str | None = None) -> list[Claimed]:
        wall = self.wall()
        with self.db.sessions() as session:
            if not any_due(session, wall):
                return []
        lease = wall + timedelta(seconds=self.settings.lease_seconds)
        with self.db.transaction() as session:
            return claim_due(session, wall, holder or self.holder, lease, self.batch)

    def send_due(self) -> int:
        """Deliver every due letter (one claim of `batch` at a time); returns how many went."""
        sent = 0
        for _ in range(MAX_ROUNDS):
            claimed = self.claim()
            if not claimed:
                break
            for letter in claimed:
                outcome = deliver(
                    letter.endpoint, letter.envelope.encode("utf-8"), self.settings.timeout_seconds
                )
                if self.record(letter, outcome):
                    sent += outcome.status == "sent"
        return sent

    def record(self, letter: Claimed, outcome: Outcome) -> bool:
        """Write a delivery's outcome (and its audit event) while the claim is still ours."""
        attempts = letter.attempts + 1
        wall, now = self.wall(), self.now()
        head = json.loads(letter.envelope)
        data = {
            "id": letter.id,
            "type": head["type"],
            "transfer_key": head["transfer_key"],
            "from": head["from_region"],
            "to": head["to_region"],
            "endpoint": letter.endpoint,
            "attempts": attempts,
        }
        audit = AuditBuffer()
        if outcome.status == "sent":
            values: dict[str, object] = {
                "status": SENT,
                "attempts": attempts,
                "sent_at": wall,
                "last_error": "",
            }
            audit.add("message_sent", ACTOR, now, None, **data)
        else:
            final = outcome.status == "failed" or attempts >= self.settings.max_attempts
            values = {"attempts": attempts, "last_error": outcome.error}
            if final:
                values["status"] = FAILED
            else:
                values["status"] = PENDING
                values["next_attempt_at"] = wall + self.backoff(attempts)
            audit.add(
                "message_delivery_failed",
                ACTOR,
                now,
                None,
                **data,
                reason=outcome.error,
                final=final,
            )
            log.warning(
                "letter %s to %s: try %d failed (%s)%s",
                letter.id,
                letter.endpoint,
                attempts,
                outcome.error,
                "; marked failed" if final else f"; next in {self.backoff(attempts)}",
            )
        with self.db.transaction() as session:
            if not finish(session, letter.id, self.holder, **values):
                return False  # our lease ran out and another sender took the letter over
            audit.flush(session)
        return True
