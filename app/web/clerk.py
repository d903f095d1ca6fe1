"""The clerk's workspace: worklist (待办), task page (case, form, diagram, documents), claim/release."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from app import documents
from app.features.cases.certificates import ISSUER_ROLE
from app.features.cases.view import CaseSummary, DocumentLink, TaskInfo
from app.features.worklist.worklist import WorklistQuery, badge
from app.kernel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
    WorkflowFailed,
)

from . import review_page, schema_form
from .auth import backoffice, require_roles, stashed_form
from .workspace import (
    TASK_ROLES,
    actor,
    deny,
    install,
    may_view_case,
    may_view_task,
    may_work,
    owner,
    task_actions,
    thresholds,
    user,
    views,
    worklists,
)

bp = Blueprint("clerk", __name__)


@bp.record_once
def _setup(state: Any) -> None:
    install(state.app)


@bp.get("/worklist")
@require_roles(*TASK_ROLES)
def worklist():
    query = WorklistQuery.parse(request.args)
    page = worklists().page(owner(), query)
    return render_template("clerk/worklist.html", page=page, query=query)


# -- the task page ------------------------------------------------------------------------------


@bp.route("/tasks/<id:task_id>", methods=["GET", "POST"])
@require_roles()
def task(task_id: int):
    info = _visible_task(task_id)
    if request.method == "POST":
        if not may_work(info):
            deny(f"complete task {task_id} of {info.role}/{info.region}")
        return _complete(info)
    restored = stashed_form(request.path)
    return _render_task(task_id, raw=restored, restored=restored is not None, info=info)


def _visible_task(task_id: int) -> TaskInfo:
    info = views().task(task_id)
    if info is None:
        abort(404)
    if not may_view_task(info):
        deny(f"task {task_id} of {info.role}/{info.region}")
    return info


def _complete(info: TaskInfo):
    office = backoffice()
    schema = office.forms.schema(info.form) if info.form else {"properties": {}}
    raw = schema_form.raw_from_form(request.form)
    data, errors = schema_form.parse(schema, raw)
    if info.form:
        unreadable = {e.field for e in errors}
        errors += [e for e in schema_form.validate(schema, data) if e.field not in unreadable]
    if errors:
        return _render_task(info.id, raw=raw, errors=errors, status=422)
    try:
        office.cases.complete_task(info.id, data, actor())
    except ValidationFailed as exc:
        return _render_task(info.id, raw=raw, errors=exc.errors, status=422)
    except Conflict as exc:
        return _render_task(info.id, conflict=exc.message, status=409)
    except Forbidden as exc:
        deny(exc.message)
    except WorkflowFailed as exc:
        return _render_task(info.id, raw=raw, errors=[FieldError("", exc.message)], status=422)
    flash(f"“{info.title}”已办理完成。")
    return redirect(url_for("clerk.task", task_id=info.id))


def _render_task(
    task_id: int,
    *,
    raw: schema_form.Raw | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
    conflict: str | None = None,
    restored: bool = False,
    info: TaskInfo | None = None,
):
    page = views().task_page(task_id, info)
    task = page.task
    editable = task.is_open and may_work(task)
    form_fields: list[schema_form.Field] = []
    general: list[str] = []
    if editable:
        schema = backoffice().forms.schema(task.form) if task.form else {"properties": {}}
        if raw is None:
            raw = schema_form.raw_from_data(schema, page.prefill)
        form_fields, general = schema_form.fields(schema, raw, errors)
    mark = badge(
        task.due_at,
        task.created_at,
        backoffice().clock.now(),
        thresholds(),
        task.due_provisional,
        backoffice().working_calendar,
    )
    body = render_template(
        "clerk/task.html",
        page=page,
        task=task,
        case=page.case,
        summary=page.case.summary,
        editable=editable,
        fields=form_fields,
        general_errors=general,
        conflict=conflict,
        restored=restored,
        badge=mark,
        reissue=_reissue_form(page.case.summary, page.documents),
        diagram_url=url_for("clerk.task_diagram", task_id=task.id),
        diagram_current=json.dumps(_current_in(page.case.open_tasks, task.process_id)),
        **review_page.context(page),
    )
    return body, status


def _current_in(open_tasks: list[TaskInfo], process_id: str) -> list[str]:
    return sorted({t.task_spec for t in open_tasks if t.process_id == process_id})


# -- claim and release --------------------------------------------------------------------------


@bp.route("/tasks/<id:task_id>/claim", methods=["GET", "POST"])
@require_roles(*TASK_ROLES)
def claim(task_id: int):
    if request.method == "GET":  # e.g. after signing in again: show the task instead
        return redirect(url_for("clerk.task", task_id=task_id))
    info = _visible_task(task_id)
    try:
        task_actions().claim(task_id, actor())
    except Forbidden as exc:
        deny(exc.message)
    except Conflict as exc:
        return _render_task(info.id, conflict=exc.message, status=409)
    flash("已认领，请办理。")
    return redirect(url_for("clerk.task", task_id=task_id))


@bp.route("/tasks/<id:task_id>/release", methods=["GET", "POST"])
@require_roles(*TASK_ROLES)
def release(task_id: int):
    if request.method == "GET":
        return redirect(url_for("clerk.task", task_id=task_id))
    info = _visible_task(task_id)
    try:
        task_actions().release(task_id, actor())
    except Forbidden as exc:
        deny(exc.message)
    except Conflict as exc:
        return _render_task(info.id, conflict=exc.message, status=409)
    flash(f"“{info.title}”已退回待认领。")
    return redirect(url_for("clerk.worklist"))


# -- diagrams -----------------------------------------------------------------------------------


@bp.get("/tasks/<id:task_id>/diagram.bpmn")
@require_roles()
def task_diagram(task_id: int):
    info = _visible_task(task_id)
    case = views().summary_by_id(info.case_id)
    return _bpmn(case, info.process_id)


@bp.get("/cases/<number>/diagram.bpmn")
@require_roles()
def case_diagram(number: str):
    return _bpmn(_visible_case(number), "one_thing_bundle")


def _bpmn(case: CaseSummary, process_id: str) -> Response:
    diagram = views().diagram(case, process_id)
    response = Response(diagram.xml, mimetype="application/xml")
    response.headers["X-Current-Elements"] = " ".join(diagram.current)
    return response


# -- the case page and its documents ------------------------------------------------------------


def _visible_case(number: str) -> CaseSummary:
    case = views().summary(number)
    if case is None:
        abort(404)
    if not may_view_case(case):
        deny(f"case {number}")
    return case


@bp.get("/cases/<number>")
@require_roles()
def case(number: str):
    return _render_case(_visible_case(number))


def _render_case(
    summary: CaseSummary,
    *,
    reason: str = "",
    errors: list[FieldError] | None = None,
    status: int = 200,
    conflict: str | None = None,
):
    case_views = views()
    detail = case_views.detail(summary.id)
    diagram = case_views.diagram(summary, "one_thing_bundle")
    docs = case_views.documents(detail)
    body = render_template(
        "clerk/case.html",
        case=detail,
        summary=summary,
        documents=docs,
        reissue=_reissue_form(summary, docs, reason, errors),
        conflict=conflict,
        diagram_url=url_for("clerk.case_diagram", number=summary.number),
        diagram_current=json.dumps(diagram.current),
    )
    return body, status


def _reissue_form(
    summary: CaseSummary,
    docs: list[DocumentLink],
    reason: str = "",
    errors: list[FieldError] | None = None,
) -> dict[str, Any] | None:
    """The 补办 form for the clerk who issued the certificate, once it can be printed."""
    me = user()
    issued = any(d.kind == "insurance_certificate" and d.available for d in docs)
    if not issued or me.role != ISSUER_ROLE or me.region != summary.transfer_out_region:
        return None
    return {"reason": reason, "errors": [e.message for e in errors or []]}


@bp.post("/cases/<number>/certificate/reissue")
@require_roles(ISSUER_ROLE)
def reissue_certificate(number: str):
    """规程 第四条: 参保人遗失参保（合）凭证，转出地经办机构应予补办."""
    summary = _visible_case(number)
    reason = request.form.get("reason", "")
    try:
        count = backoffice().certificates.reissue(number, reason, actor())
    except Forbidden as exc:
        deny(exc.message)
    except ValidationFailed as exc:
        return _render_case(summary, reason=reason, errors=exc.errors, status=422)
    except Conflict as exc:
        return _render_case(summary, reason=reason, conflict=exc.message, status=409)
    flash(f"已补办参保(合)凭证（第 {count} 次补办），请打印凭证交参保人。")
    return redirect(url_for("clerk.case", number=number))


@bp.get("/cases/<number>/documents/<kind>")
@require_roles()
def document(number: str, kind: str):
    summary = _visible_case(number)
    insurance = request.args.get("insurance", "")
    if kind not in documents.DOCUMENT_KINDS or insurance not in ("", *summary.insurances):
        raise NotFound("没有这种文书")
    case_views = views()
    detail = case_views.detail(summary.id)
    links = case_views.documents(detail, [(kind, insurance)])
    if not links[0].available:
        raise NotFound(f"{links[0].title}暂不能打印：{links[0].problem}")
    # Issuing goes through the case documents service: every print is an audit event.
    fmt = "pdf" if request.args.get("format") == "pdf" else "html"
    output = backoffice().documents.issue(number, kind, insurance or None, fmt, user().username)
    if fmt == "pdf":
        response = Response(output, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{number}-{kind}.pdf"'
        return response
    return Response(output, mimetype="text/html")
