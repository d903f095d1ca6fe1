"""What auditors read about a case: search, the full timeline with data changes and the replayed
state at every step, exports, and revealing the full ID number (itself an audit event)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import or_, select

from app.features.audit.case_views import (
    CaseAuditView,
    CaseChain,
    CaseFacts,
    CasePage,
    Diagram,
    TimelineEntry,
    _facts,
    _facts_json,
)
from app.features.audit.kinds import kind_label
from app.features.audit.replay import Replayer
from app.kernel import workdays
from app.kernel.errors import FieldError, NotFound, ValidationFailed
from app.rules.id_number import mask_id_number
from app.store.audit_log import AuditBuffer, canonical, chain_hash
from app.store.models import AuditEvent, Case, CaseInput, ProcessVersion

PAGE_SIZE = 20
REASON_MIN, REASON_MAX = 4, 200
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_SECRET_KEYS = ("password", "secret", "token")
_BPMN_CONTAINERS = ("process", "subProcess")


def redact(value: Any) -> Any:
    """Mask every 18-character ID number and hide secrets anywhere in a JSON-like value."""
    if isinstance(value, str):
        return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0).upper()), value)
    if isinstance(value, dict):
        return {
            k: ("******" if any(s in str(k).lower() for s in _SECRET_KEYS) else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def local_time(at: datetime | None) -> str:
    return at.astimezone(workdays.TZ).strftime("%Y-%m-%d %H:%M:%S") if at else ""


class CaseAudit:
    def __init__(self, backoffice: Any) -> None:
        self.db = backoffice.db
        self.clock = backoffice.clock
        self.replayer = Replayer(backoffice)

    # -- search --------------------------------------------------------------------------
    def search(self, region: str, query: str = "", status: str = "", page: int = 1) -> CasePage:
        """Cases of the auditor's region (transfer-in or -out), newest first, one page."""
        page = max(page, 1)
        stmt = select(Case).where(
            or_(Case.transfer_in_region == region, Case.transfer_out_region == region)
        )
        query = query.strip()
        if query:
            stmt = stmt.where(
                or_(Case.number.startswith(query), Case.applicant_name.startswith(query))
            )
        if status:
            stmt = stmt.where(Case.status == status)
        stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc())
        stmt = stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        with self.db.sessions() as session:
            rows = [_facts(c) for c in session.execute(stmt).scalars()]
        return CasePage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)

    def facts(self, number: str, region: str) -> CaseFacts:
        with self.db.sessions() as session:
            case = session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
        if case is None or region not in (case.transfer_in_region, case.transfer_out_region):
            raise NotFound(f"案件 {number} 不存在或不属于本地区")
        return _facts(case)

    # -- the case page -------------------------------------------------------------------
    def view(self, number: str, region: str) -> CaseAuditView:
        facts = self.facts(number, region)
        history = self.replayer.load(number)
        result = self.replayer.replay_history(history, snapshots=True)
        steps = {s.event.seq: s for s in result.steps}
        timeline: list[TimelineEntry] = []
        slider: list[dict[str, Any]] = []
        before: dict[str, Any] = {}
        for event in history.events:
            entry = TimelineEntry(
                event.seq,
                event.at,
                event.kind,
                kind_label(event.kind),
                event.actor,
                redact(event.data),
            )
            step = steps.get(event.seq)
            if step is not None:
                entry.step, entry.identical = step.number, step.identical
                if step.snapshot is not None:
                    after = redact(_merged(step.snapshot.data))
                    entry.changes = _changes(before, after)
                    before = after
                    slider.append(_slider_step(step, after))
            timeline.append(entry)
        with self.db.sessions() as session:
            chain = _check_case_chain(session, [e.seq for e in history.events])
            diagrams = _diagrams(session, _versions(history))
        return CaseAuditView(facts, chain, result, timeline, diagrams, slider)

    def diagram_xml(self, number: str, region: str, version_id: int) -> str:
        """The BPMN of one of the versions this case ran on (and no other)."""
        self.facts(number, region)
        history = self.replayer.load(number)
        if version_id not in _versions(history):
            raise NotFound("该流程版本不属于本案件")
        with self.db.sessions() as session:
            xml = session.execute(
                select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
            ).scalar_one_or_none()
        if xml is None:
            raise NotFound("流程版本不存在")
        return xml

    # -- exports -------------------------------------------------------------------------
    def export(self, number: str, region: str, actor: str, fmt: str) -> tuple[str, bytes]:
        """The case's complete history as JSON or CSV; the export itself is audited."""
        facts = self.facts(number, region)
        with self.db.sessions() as session:
            rows = list(
                session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.case_id == facts.id)
                    .order_by(AuditEvent.seq)
                ).scalars()
            )
            chain = _check_case_chain(session, [r.seq for r in rows])
        events = [
            {
                "seq": r.seq,
                "at": r.at.isoformat(),
                "kind": r.kind,
                "kind_label": kind_label(r.kind),
                "actor": r.actor,
                "data": redact(r.data),
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            }
            for r in rows
        ]
        if fmt == "csv":
            body = _csv(events)
            name = f"{number}-history.csv"
        else:
            document = {
                "case": redact(_facts_json(facts)),
                "chain": {"ok": chain.ok, "events": chain.count, "broken_at": chain.broken_seq},
                "exported_at": self.clock.now().isoformat(),
                "exported_by": actor,
                "events": events,
            }
            body = orjson.dumps(document, option=orjson.OPT_INDENT_2)
            name = f"{number}-history.json"
        self._record(facts.id, actor, "case_history_exported", format=fmt, events=len(events))
        return name, body

    # -- revealing the ID number ---------------------------------------------------------
    def reveal_id(self, number: str, region: str, actor: str, reason: str) -> str:
        """The full ID number, once, for a stated reason; the reveal is an audit event (without
        the number)."""
        reason = (reason or "").strip()
        if not REASON_MIN <= len(reason) <= REASON_MAX:
            raise ValidationFailed(
                "请填写查看完整证件号码的理由",
                [FieldError("reason", f"查看理由需 {REASON_MIN}–{REASON_MAX} 个字")],
            )
        facts = self.facts(number, region)
        with self.db.sessions() as session:
            data = session.execute(
                select(CaseInput.data)
                .where(CaseInput.case_id == facts.id, CaseInput.kind == "start")
                .order_by(CaseInput.id)
                .limit(1)
            ).scalar_one_or_none()
        id_number = ((data or {}).get("application") or {}).get("applicant", {}).get("id_number")
        if not id_number:
            raise NotFound("该案件没有保存证件号码")
        self._record(facts.id, actor, "id_number_revealed", reason=reason)
        return str(id_number)

    def _record(self, case_id: int, actor: str, kind: str, **data: Any) -> None:
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            audit.add(kind, actor, now, case_id, **data)
            audit.flush(session)


def _check_case_chain(session: Any, seqs: list[int]) -> CaseChain:
    """Each event's hash over its content and stored predecessor hash, and that predecessor
    hash against the previous event's row (whole-chain verification is `audit verify`)."""
    if not seqs:
        return CaseChain(0)
    wanted = sorted(set(seqs) | {s - 1 for s in seqs if s > 1})
    rows: dict[int, AuditEvent] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in session.execute(select(AuditEvent).where(AuditEvent.seq.in_(chunk))).scalars():
            rows[row.seq] = row
    for seq in seqs:
        event = rows.get(seq)
        if event is None:
            return CaseChain(len(seqs), seq, "missing")
        previous = rows.get(seq - 1)
        if seq > 1 and (previous is None or previous.hash != event.prev_hash):
            return CaseChain(len(seqs), seq, "link_broken")
        content = canonical(event.seq, event.kind, event.actor, event.at, event.case_id, event.data)
        if chain_hash(event.prev_hash, content) != event.hash:
            return CaseChain(len(seqs), seq, "altered")
    return CaseChain(len(seqs))


def _versions(history: Any) -> list[int]:
    """Every process version the case ran on: those it started with, then any it was migrated
    to (each once, in that order)."""
    ids: list[Any] = [history.top_version_id, *history.pinned.values()]
    for event in history.events:
        if event.kind == "case_migrated":
            ids.append((event.data.get("process_version_id") or {}).get("new"))
            ids.extend(((event.data.get("pinned") or {}).get("new") or {}).values())
    return list(dict.fromkeys(i for i in ids if isinstance(i, int)))


def _diagrams(session: Any, ids: list[int]) -> list[Diagram]:
    if not ids:
        return []
    rows = {
        r.id: r
        for r in session.execute(
            select(
                ProcessVersion.id,
                ProcessVersion.process_id,
                ProcessVersion.version,
                ProcessVersion.bpmn_xml,
            ).where(ProcessVersion.id.in_(ids))
        )
    }
    return [
        Diagram(i, rows[i].process_id, rows[i].version, _process_ids(rows[i].bpmn_xml))
        for i in ids
        if i in rows
    ]


def _process_ids(xml: str) -> list[str]:
    """Ids of the processes and embedded subprocesses a BPMN file draws."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return []
    return [
        str(el.get("id"))
        for el in root.iter()
        if str(el.tag).rsplit("}", 1)[-1] in _BPMN_CONTAINERS and el.get("id")
    ]


def _merged(data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One view of the case's variables: the bundle's, then each transfer's on top."""
    merged: dict[str, Any] = {}
    for part in data.values():
        merged.update(part)
    return merged


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= 300 else text[:297] + "…"


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    changes = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            changes.append((key, _show(before[key]), ""))
        elif before.get(key, _MISSING) != after[key]:
            changes.append((key, _show(before[key]) if key in before else "", _show(after[key])))
    return changes


_MISSING = object()


def _slider_step(step: Any, data: dict[str, Any]) -> dict[str, Any]:
    snapshot = step.snapshot
    return {
        "n": step.number,
        "seq": step.event.seq,
        "kind": step.event.kind,
        "kind_label": kind_label(step.event.kind),
        "label": step.event.label,
        "at": local_time(step.event.at),
        "actor": step.event.actor,
        "identical": step.identical,
        "tokens": snapshot.tokens,
        "visited": snapshot.visited,
        "timers": [
            {**t, "due_at": local_time(datetime.fromisoformat(t["due_at"]))}
            for t in snapshot.timers
        ],
        "data": data,
    }


def _csv(events: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["seq", "at", "kind", "kind_label", "actor", "data", "prev_hash", "hash"])
    for e in events:
        writer.writerow(
            [
                e["seq"],
                e["at"],
                e["kind"],
                e["kind_label"],
                e["actor"],
                orjson.dumps(e["data"], option=orjson.OPT_SORT_KEYS).decode(),
                e["prev_hash"],
                e["hash"],
            ]
        )
    # A byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
