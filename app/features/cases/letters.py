"""Letters between this deployment's cases and other agencies' deployments (issue 16): a letter
a step throws for a region served elsewhere is signed into the exchange's outbox in the step's
own transaction; a letter received is delivered to its case, or a contact letter opens this
agency's transfer-out case, in the receiver's transaction. Both are case steps in the audit
chain, so replay re-applies them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select

from app.engine.collaboration import DeliverLocally, NotAwaited
from app.engine.host import EngineError
from app.engine.letters import correlations_for
from app.features.cases.caches import CachedWorkflow
from app.features.cases.repository import LETTER_CHANNEL, CaseRecord, insert_case, read_case
from app.features.cases.service import CaseService, _next_number, new_case_values
from app.features.exchange.envelope import Envelope
from app.features.exchange.outbox import Outbox
from app.features.exchange.receiver import MessageDoesNotFit
from app.kernel import workdays
from app.kernel.errors import ValidationFailed, WorkflowFailed
from app.store import case_rows
from app.store.audit_log import AuditBuffer
from app.store.db import Tx, connection_of
from app.store.letter_rows import link_transfer
from app.store.models import Case

# contracts §10 `type`; a diagram's message is named `<insurance>_<type>`.
# (docs/messages.md: `request`, `certificate` and `correction` where the law has them).
LETTER_TYPES = (
    "contact_letter",
    "transfer_info",
    "reply",
    "funds_notice",
    "request",
    "certificate",
    "correction",
)
LETTER_INPUT = "letter"  # case_input kind of a letter received (replay re-delivers it)


def serves(regions: tuple[str, ...], region: str) -> bool:
    """Whether a deployment serving these region prefixes handles `region` (none: all)."""
    return not regions or any(region.startswith(prefix) for prefix in regions)


def routing(regions: tuple[str, ...]) -> DeliverLocally | None:
    """The engine's routing: a message stays in the workflow when its receiving agency's
    region is served here; None (everything local) for a deployment serving every region."""
    if not regions:
        return None
    return lambda _name, payload: serves(regions, str(payload.get("to_region", "")))


def split_name(name: str) -> tuple[str, str]:
    """`pension_transfer_info` -> ("pension", "transfer_info")."""
    for kind in LETTER_TYPES:
        if name.endswith("_" + kind):
            return name[: -len(kind) - 1], kind
    raise ValueError(f"{name!r} is not a letter (<insurance>_<type>)")


def message_name(kind: str, transfer_key: str) -> str:
    return f"{transfer_key.rsplit('/', 1)[-1]}_{kind}"


class CaseLetters:
    """Posts a case's outgoing letters and applies received ones (the exchange's handler)."""

    def __init__(self, cases: CaseService) -> None:
        self.cases = cases
        self.engine = cases.engine
        self.outbox: Outbox | None = None

    def attach(self, outbox: Outbox) -> None:
        """Letters go out through this outbox (the exchange's; wired by app/bootstrap.py)."""
        self.outbox = outbox
        self.cases.store.letter_writer = self.write_outgoing

    # -- sending ----------------------------------------------------------------------------
    def write_outgoing(
        self, tx: Tx, case: CaseRecord, audit: AuditBuffer, now: datetime, workflow: Any
    ) -> None:
        """Sign each letter the step threw for elsewhere into the outbox (same transaction)."""
        assert self.outbox is not None
        for message in self.engine.take_outgoing(workflow):
            _insurance, kind = split_name(message.name)
            # Plain JSON, as it will travel and be read back on the other side.
            payload = orjson.loads(orjson.dumps(message.payload, default=str))
            envelope = self.outbox.queue(
                tx,
                type=kind,
                transfer_key=str(payload.get("transfer_key", "")),
                from_region=str(payload.get("from_region", "")),
                to_region=str(payload.get("to_region", "")),
                payload=payload,
            )
            audit.add(
                "letter_sent",
                "system",
                now,
                case.id,
                id=envelope.id,
                type=kind,
                message=message.name,
                transfer_key=envelope.transfer_key,
                from_region=envelope.from_region,
                to_region=envelope.to_region,
            )

    # -- receiving (MessageHandler) ---------------------------------------------------------
    def apply(self, session: Tx, envelope: Envelope) -> None:
        """Deliver a verified letter in the receiver's transaction; MessageDoesNotFit (409)
        when it fits no case here, and then nothing of it is kept."""
        clock = self.cases.clock
        now = clock.now()
        letter = {
            "id": envelope.id,
            "type": envelope.type,
            "message": message_name(envelope.type, envelope.transfer_key),
            "transfer_key": envelope.transfer_key,
            "from_region": envelope.from_region,
            "to_region": envelope.to_region,
            "sent_at": envelope.sent_at,
            "payload": envelope.payload,
        }
        # The diagrams read the parties from the payload: it must say what the envelope says.
        for field in ("transfer_key", "from_region", "to_region"):
            if envelope.payload.get(field) != letter[field]:
                raise MessageDoesNotFit(f"函件内容的 {field} 与信封不一致")
        audit = AuditBuffer()
        conn = connection_of(session)
        number = envelope.transfer_key.rsplit("/", 1)[0]
        with clock.pinned(now):
            # This deployment accepted the bundle: the letter answers its case. Otherwise it
            # is for this transfer-out agency: each letter starts a run of its participant
            # (docs/messages.md), registered here as a case of its own.
            case_id = conn.execute(
                select(Case.id).where(Case.number == number, Case.channel != LETTER_CHANNEL)
            ).scalar()
            try:
                if case_id is None:
                    case_id = self._open(conn, letter, audit, now)
                else:
                    self._deliver(conn, case_id, letter, audit, now)
            except (ValidationFailed, WorkflowFailed) as exc:  # e.g. a document not buildable
                raise MessageDoesNotFit(exc.message) from exc
            audit.flush(conn)
        # This process's cached workflow of the case (if any) is older than this commit.
        self.cases.workflows.take(case_id)

    def _open(self, conn: Any, letter: dict[str, Any], audit: AuditBuffer, now: datetime) -> int:
        """A letter from the deployment that accepted the bundle opens this agency's case."""
        key = str(letter["transfer_key"])
        insurance, _kind = split_name(str(letter["message"]))
        process_id = f"{insurance}_transfer"
        latest = {r.process_id: r for r in case_rows.latest_versions(conn)}
        if process_id not in latest:
            raise MessageDoesNotFit(f"本部署尚未部署流程 {process_id}")
        top = latest[process_id]
        specs = self.cases.specs.spec_set(conn, top.id, {}, out_only=True)
        workflow = self.engine.new_out_workflow(specs)
        payload = letter["payload"]
        applicant = (payload.get("application") or {}).get("applicant") or {}
        if not applicant.get("name") or not applicant.get("id_number"):
            raise MessageDoesNotFit("函件未载明申请人姓名和身份证号码，不能立案")
        self._catch(workflow, letter)
        region = str(letter["to_region"])
        number = _next_number(conn, region, now.astimezone(workdays.TZ).year)
        case = insert_case(
            conn,
            new_case_values(
                number=number,
                version_id=top.id,
                pinned={},
                applicant=applicant,
                insurances=insurance,
                channel=LETTER_CHANNEL,
                regions=(str(letter["from_region"]), region),
                decision="",
                now=now,
            ),
        )
        link_transfer(conn, key, case.id)
        start = {"letter": letter}
        start_hash = case_rows.insert_input(conn, case.id, "start", start, now)
        audit.add(
            "case_created",
            f"peer:{letter['from_region']}",
            now,
            case.id,
            number=number,
            process=process_id,
            version=top.version,
            pinned={},
            letter=True,
            insurances=[insurance],
            transfer_key=key,
            from_region=letter["from_region"],
            letter_id=letter["id"],
            input_sha256=start_hash,
        )
        entry = CachedWorkflow(0, workflow, open_tasks=set(), armed_timers={})
        self.cases.store.save(conn, case, entry, audit, now)
        return case.id

    def _deliver(
        self, conn: Any, case_id: int, letter: dict[str, Any], audit: AuditBuffer, now: datetime
    ) -> None:
        """The transfer-out agency's answer reaches the bundle case that waits for it."""
        key = str(letter["transfer_key"])
        case = read_case(conn, case_id)
        assert case is not None
        # Only the transfer's other agency may write to the case (its signature is verified).
        if letter["from_region"] != case.transfer_out_region:
            raise MessageDoesNotFit(
                f"发件机构 {letter['from_region']} 不是转移 {key} 的转出地经办机构"
            )
        self.cases.workflows.take(case.id)
        entry = self.cases.store.load(conn, case, None)
        self._catch(entry.workflow, letter)
        digest = case_rows.insert_input(conn, case.id, LETTER_INPUT, letter, now)
        audit.add(
            "letter_received",
            f"peer:{letter['from_region']}",
            now,
            case.id,
            id=letter["id"],
            type=letter["type"],
            message=letter["message"],
            transfer_key=key,
            from_region=letter["from_region"],
            input_sha256=digest,
        )
        self.cases.store.save(conn, case, entry, audit, now)

    def _catch(self, workflow: Any, letter: dict[str, Any]) -> None:
        catch(self.engine.deliver, workflow, letter, MessageDoesNotFit)


def catch(
    deliver: Callable[..., None],
    workflow: Any,
    letter: dict[str, Any],
    refusal: Callable[[str], Exception],
) -> None:
    """Deliver a recorded letter to a workflow (live and on replay alike)."""
    name, payload = str(letter["message"]), dict(letter["payload"])
    try:
        deliver(workflow, name, payload, correlations_for(workflow, name, payload))
    except NotAwaited as exc:
        raise refusal(f"办件当前不等待该函件（{name}）") from exc
    except EngineError as exc:
        raise refusal(f"流程无法继续：{exc}") from exc
