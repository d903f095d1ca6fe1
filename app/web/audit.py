"""Auditor pages (read-only role `auditor`): case search, a case's complete timeline with the
diagram and a step slider, chain status and anchors, exports, and revealing an ID number."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from app.features.audit.case_history import CaseAudit, local_time
from app.features.audit.chain import PROBLEMS
from app.kernel.errors import ValidationFailed

from . import labels
from .auth import backoffice, current_user, require_roles
from .case_data import CaseDataLabels
from .input_hygiene import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")

TOKEN_STATE = {"READY": "待办", "WAITING": "等待", "STARTED": "进行中"}
CHAIN_PROBLEM = {code: texts[1] for code, texts in PROBLEMS.items()}


def _cases() -> CaseAudit:
    return CaseAudit(backoffice())


def _region() -> str:
    user = current_user()
    assert user is not None  # require_roles guarantees a signed-in user
    return user.region


@bp.app_template_filter("audit_local_time")
def _local_time(value: Any) -> str:
    return local_time(value)


@bp.get("/")
@require_roles("auditor")
def index():
    query = request.args.get("q", "")[:60]
    status = request.args.get("status", "")
    if status not in labels.CASE_STATUS:
        status = ""
    page = request.args.get("page", "1")
    number = page_number(page)
    result = _cases().search(_region(), query, status, number)
    return render_template("audit/index.html", result=result, q=query, status=status, labels=labels)


@bp.get("/chain")
@require_roles("auditor")
def chain():
    service = backoffice().audit_chain
    return render_template("audit/chain.html", report=service.verify(), anchors=service.anchors())


@bp.get("/anchors/<id:anchor_id>.json")
@require_roles("auditor")
def anchor_file(anchor_id: int):
    anchor = backoffice().audit_chain.anchor_by_id(anchor_id)
    if anchor is None:
        abort(404)
    body = json.dumps(anchor.as_json(), ensure_ascii=False, indent=2)
    return Response(
        body, mimetype="application/json", headers=_download(f"anchor-{anchor.seq}.json")
    )


@bp.get("/cases/<number>")
@require_roles("auditor")
def case(number: str):
    return _case_page(number)


@bp.post("/cases/<number>/reveal")
@require_roles("auditor")
def reveal(number: str):
    user = current_user()
    assert user is not None
    try:
        id_number = _cases().reveal_id(
            number, user.region, user.username, request.form.get("reason", "")
        )
    except ValidationFailed as exc:
        return _case_page(
            number, reveal_errors=exc.errors, reason=request.form.get("reason", ""), status=422
        )
    return _case_page(number, revealed=id_number)


@bp.get("/cases/<number>/diagrams/<id:version_id>.bpmn")
@require_roles("auditor")
def diagram(number: str, version_id: int):
    xml = _cases().diagram_xml(number, _region(), version_id)
    return Response(xml, mimetype="application/xml")


@bp.get("/cases/<number>/history.<fmt>")
@require_roles("auditor")
def export(number: str, fmt: str):
    if fmt not in ("json", "csv"):
        abort(404)
    user = current_user()
    assert user is not None
    name, body = _cases().export(number, user.region, user.username, fmt)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(body, mimetype=mimetype, headers=_download(name))


def _case_page(number: str, *, status: int = 200, **extra: Any):
    view = _cases().view(number, _region())
    data = CaseDataLabels(backoffice().forms.folder)
    payload = {
        "diagrams": [
            {
                "title": f"{labels.PROCESS.get(d.process_id, d.process_id)}（{d.process_id} 第 {d.version} 版）",
                "url": url_for("audit.diagram", number=number, version_id=d.version_id),
                "processes": d.processes,
            }
            for d in view.diagrams
        ],
        # Each step's data also as (Chinese label, shown value, key) rows; the raw JSON stays.
        "steps": [{**step, "rows": data.rows(step["data"])} for step in view.steps],
        "token_states": TOKEN_STATE,
    }
    divergence = view.replay.divergence
    response = render_template(
        "audit/case.html",
        view=view,
        facts=view.facts,
        payload=payload,
        divergence=divergence.describe_zh() if divergence else None,
        divergence_detail=(
            f"预期：{divergence.expected}；实际：{divergence.actual}" if divergence else None
        ),
        chain_problem=CHAIN_PROBLEM,
        labels=labels,
        data=data,
        **extra,
    )
    headers = {"Cache-Control": "no-store"}  # a revealed ID number must not stay in a cache
    return response, status, headers


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
