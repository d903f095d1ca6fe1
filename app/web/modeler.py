"""Policy staff's process workbench: versions, drafts in bpmn-js, forms, validation, tests, deploy,
diffs and migration of running cases. Only policy staff edit or deploy; auditors may look."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from app.engine.parsing import Problem
from app.features.modeling.bpmn_diff import FIELDS, BpmnDiffError
from app.features.modeling.deployments import DeploymentRejected
from app.features.modeling.drafts import ModelingService, check_form
from app.features.modeling.migration import MigrationService
from app.features.modeling.plain_catalog import limit_texts, process_names, process_timers
from app.features.modeling.plain_view import process_name
from app.features.modeling.policy_scenarios import BUILT_IN
from app.features.modeling.problem_text import ProblemWording
from app.kernel.errors import AppError, FieldError, ValidationFailed
from app.kernel.roles import ROLES
from app.kernel.workdays import TZ

from .auth import backoffice, current_user, require_roles
from .input_hygiene import page_number
from .modeler_names import process_name_filter
from .modeler_problems import problem_json, rejected, wording_for

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
EDIT = ("policy_staff",)
VIEW = ("policy_staff", "auditor")


@bp.app_template_filter("modeler_time")
def _modeler_time(value: datetime | None) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value else ""


bp.app_template_filter("modeler_process_name")(process_name_filter)


def modeling() -> ModelingService:
    service: ModelingService | None = current_app.extensions.get("modeling")
    if service is None:
        configured = current_app.config.get("FOUR_EYES")
        service = ModelingService.for_backoffice(
            backoffice(), four_eyes=None if configured is None else bool(configured)
        )
        current_app.extensions["modeling"] = service
    return service


def _me() -> str:
    user = current_user()
    assert user is not None  # require_roles ran first
    return user.username


def _int_arg(name: str, default: int = 1) -> int:
    return page_number(request.args.get(name), default)


# -- overview and versions -----------------------------------------------------------------
@bp.get("/")
@require_roles(*VIEW)
def index():
    return _index()


def _index(form: dict[str, str] | None = None, errors: list[Any] | None = None) -> Any:
    service = modeling()
    user = current_user()
    can_edit = user is not None and user.role in EDIT
    return render_template(
        "modeler/index.html",
        processes=service.processes(),
        names=process_names(service),
        new_drafts=service.new_process_drafts() if can_edit else [],
        can_edit=can_edit,
        form=form or {"process_id": "", "name": ""},
        errors=errors or [],
    ), (422 if errors else 200)


@bp.post("/processes")
@require_roles(*EDIT)
def new_process():
    """新建流程: a draft of a process that does not exist yet, opened in the editor."""
    form = {key: request.form.get(key, "") for key in ("process_id", "name")}
    try:
        draft_id = modeling().new_process(form["process_id"], form["name"], _me())
    except ValidationFailed as exc:
        return _index(form, exc.errors or [FieldError("process_id", exc.message)])
    flash(f"已新建流程 {form['process_id'].strip()} 的草稿：编辑、校验并部署后即成为第 1 版。")
    return redirect(url_for(".editor", draft_id=draft_id))


@bp.get("/processes/<process_id>")
@require_roles(*VIEW)
def process(process_id: str):
    service = modeling()
    versions = service.versions(process_id, _int_arg("page"))
    known = {p.process_id: p for p in service.processes()}
    if process_id not in known:
        abort(404)
    return render_template(
        "modeler/process.html",
        summary=known[process_id],
        name=process_names(service).get(process_id, process_id),
        timers=process_timers(service, process_id),
        versions=versions,
        drafts=service.drafts(process_id, _int_arg("drafts_page"), per_page=10),
        four_eyes=service.four_eyes,
        can_edit=current_user() is not None and current_user().role in EDIT,  # type: ignore[union-attr]
    )


@bp.get("/processes/<process_id>/versions/<id:version>.bpmn")
@require_roles(*VIEW)
def version_xml(process_id: str, version: int):
    xml = modeling().version_xml(process_id, version)
    return Response(xml, mimetype="application/xml")


@bp.get("/processes/<process_id>/diff")
@require_roles(*VIEW)
def diff(process_id: str):
    service = modeling()
    newest = service.newest_version(process_id)
    if newest is None:
        abort(404)
    new = _int_arg("b", newest)
    old = _int_arg("a", max(1, new - 1))
    return render_template(
        "modeler/diff.html",
        process_id=process_id,
        old_label=f"第 {old} 版",
        new_label=f"第 {new} 版",
        old_url=url_for(".version_xml", process_id=process_id, version=old),
        new_url=url_for(".version_xml", process_id=process_id, version=new),
        diff=service.diff(process_id, old, new),
        fields=FIELDS,
        old=old,
        new=new,
        newest=newest,
    )


# -- drafts ----------------------------------------------------------------------------------
@bp.post("/processes/<process_id>/drafts")
@require_roles(*EDIT)
def open_draft(process_id: str):
    draft_id = modeling().open_draft(process_id, request.form.get("source", "working"), _me())
    return redirect(url_for(".editor", draft_id=draft_id))


@bp.get("/drafts/<id:draft_id>")
@require_roles(*EDIT)
def editor(draft_id: int):
    return _editor(draft_id)


def _editor(draft_id: int, problems: list[Problem] | None = None, status: int = 200) -> Any:
    service = modeling()
    draft = service.draft(draft_id)
    config = {
        "draftId": draft.id,
        "processId": draft.process_id,
        "token": draft.token,
        "editable": draft.deployed_version is None and draft.created_by == _me(),
        "xmlUrl": url_for(".draft_xml", draft_id=draft.id),
        "saveUrl": url_for(".save_draft", draft_id=draft.id),
        "validateUrl": url_for(".validate_draft", draft_id=draft.id),
        "scenariosUrl": url_for(".run_scenarios", draft_id=draft.id),
        "formUrl": url_for(".draft_form", draft_id=draft.id, name="__NAME__"),
        "checkFormUrl": url_for(".check_form_view"),
        "forms": service.form_names(),
        "draftForms": draft.forms,
        "processes": [p.process_id for p in service.processes()],
        "roles": [{"code": code, "label": role.label} for code, role in ROLES.items()],
        "limits": service.limit_keys(),
        "limitBinds": service.limit_binds(),
        "limitTexts": limit_texts(service),
    }
    return render_template(
        "modeler/editor.html",
        wording=wording_for(draft.bpmn_xml),
        draft=draft,
        name=process_name(draft.bpmn_xml, draft.process_id) or draft.process_id,
        config=config,
        four_eyes=service.four_eyes,
        me=_me(),
        new_process=service.is_new_process(draft),
        problems=problems or [],
    ), status


@bp.get("/drafts/<id:draft_id>/bpmn")
@require_roles(*EDIT)
def draft_xml(draft_id: int):
    return Response(modeling().draft(draft_id).bpmn_xml, mimetype="application/xml")


@bp.post("/drafts/<id:draft_id>/save")
@require_roles(*EDIT)
def save_draft(draft_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("请求内容不是 JSON 对象", [])
    draft = modeling().save_draft(
        draft_id,
        body.get("xml", ""),
        body.get("forms", {}),
        _me(),
        expected=body.get("token"),
    )
    return jsonify({"ok": True, "token": draft.token, "approved_by": draft.approved_by})


@bp.post("/drafts/<id:draft_id>/validate")
@require_roles(*EDIT)
def validate_draft(draft_id: int):
    problems = modeling().validate_draft(draft_id)
    wording = wording_for(modeling().draft(draft_id).bpmn_xml)
    return jsonify({"ok": not problems, "problems": [problem_json(p, wording) for p in problems]})


@bp.post("/drafts/<id:draft_id>/scenarios")
@require_roles(*EDIT)
def run_scenarios(draft_id: int):
    try:
        results = modeling().run_scenarios(draft_id)
    except DeploymentRejected as exc:
        return rejected(exc, wording_for(modeling().draft(draft_id).bpmn_xml))
    return jsonify(
        {
            "ok": all(r.passed for r in results),
            "results": [r.__dict__ for r in results],
        }
    )


@bp.get("/drafts/<id:draft_id>/forms/<name>")
@require_roles(*EDIT)
def draft_form(draft_id: int, name: str):
    # Not jsonify: it sorts keys, and a form's fields are shown in the order of its properties.
    body = json.dumps(modeling().form_schema(name, draft_id), ensure_ascii=False)
    return Response(body, mimetype="application/json")


@bp.post("/forms/check")
@require_roles(*EDIT)
def check_form_view():
    body = request.get_json(silent=True) or {}
    errors = check_form(str(body.get("name", "")), body.get("schema", ""))
    return jsonify({"ok": not errors, "errors": [e.as_dict() for e in errors]})


@bp.get("/drafts/<id:draft_id>/diff")
@require_roles(*EDIT)
def draft_diff(draft_id: int):
    service = modeling()
    draft = service.draft(draft_id)
    try:
        changes = service.draft_diff(draft_id)
    except BpmnDiffError as exc:
        raise ValidationFailed(str(exc), []) from exc
    base = draft.base_version
    baseline = "空白（新建流程）" if service.is_new_process(draft) else "工作副本"
    return render_template(
        "modeler/diff.html",
        process_id=draft.process_id,
        old_label=f"第 {base} 版" if base else baseline,
        new_label=f"草稿 #{draft.id}",
        old_url=url_for(".version_xml", process_id=draft.process_id, version=base)
        if base
        else None,
        new_url=url_for(".draft_xml", draft_id=draft.id),
        diff=changes,
        fields=FIELDS,
        old=None,
        new=None,
        newest=None,
    )


@bp.post("/drafts/<id:draft_id>/approve")
@require_roles(*EDIT)
def approve(draft_id: int):
    try:
        modeling().approve(draft_id, _me())
    except DeploymentRejected as exc:
        return _editor(draft_id, exc.problems, 422)
    flash("已复核批准该草稿，可以部署。")
    return redirect(url_for(".editor", draft_id=draft_id))


@bp.post("/drafts/<id:draft_id>/deploy")
@require_roles(*EDIT)
def deploy(draft_id: int):
    try:
        result = modeling().deploy(draft_id, request.form.get("note", ""), _me())
    except DeploymentRejected as exc:
        return _editor(draft_id, exc.problems, 422)
    if result.new:
        message = (
            f"已部署 {result.process_id} 第 {result.version} 版。"
            "新办件将使用该版本，在办件仍按原版本办理。"
        )
    else:
        message = f"与第 {result.version} 版内容相同，未产生新版本。"
    if result.forms_written:
        written = "、".join(result.forms_written.values())
        message += f" 新表单文件：{written}"
    flash(message)
    return redirect(url_for(".process", process_id=result.process_id))


# -- scenarios ---------------------------------------------------------------------------------
@bp.route("/scenarios", methods=["GET", "POST"])
@require_roles(*EDIT)
def scenarios():
    service = modeling()
    errors: list[Any] = []
    form = {"name": "", "body": "", "process_id": "one_thing_bundle"}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in form}
        try:
            service.scenarios.save(form["process_id"], form["name"], form["body"], _me())
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            flash(f"已保存测试场景：{form['name'].strip()}")
            return redirect(url_for(".scenarios"))
    return render_template(
        "modeler/scenarios.html",
        saved=service.scenarios.saved(_int_arg("page")),
        builtin=[s for s in service.scenarios.all() if s["source"] == BUILT_IN],
        processes=[p.process_id for p in service.processes()],
        form=form,
        errors=errors,
    ), (422 if errors else 200)


# -- migration ---------------------------------------------------------------------------------
@bp.route("/processes/<process_id>/migrate", methods=["GET", "POST"])
@require_roles(*EDIT)
def migrate(process_id: str):
    service = modeling()
    newest = service.newest_version(process_id)
    if newest is None:
        abort(404)
    source = request.values.get("from", "")
    target = request.values.get("to", str(newest))
    report = None
    if source:
        try:
            old, new = int(source), int(target)
            if not (1 <= old < 2**31 and 1 <= new < 2**31):  # versions the database can hold
                raise ValueError(source, target)
        except ValueError:
            raise ValidationFailed("版本号须为整数", []) from None
        migrations = MigrationService(backoffice())
        if request.method == "POST":
            report = migrations.migrate(process_id, old, new, _me())
        else:
            report = migrations.plan(process_id, old, new)
    return render_template(
        "modeler/migrate.html",
        process_id=process_id,
        newest=newest,
        source=source,
        target=target,
        report=report,
    )


@bp.errorhandler(DeploymentRejected)
def _deployment_rejected(exc: DeploymentRejected):
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return rejected(exc, ProblemWording(""))
    error = AppError(exc.message)
    return render_template("error.html", error=error), exc.status
