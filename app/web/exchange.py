"""Letters between deployments over HTTP: POST /exchange/messages (peers, JSON, no CSRF: the
signature is the credential), GET /exchange/receipts/<id> (a hub's signed receipt), and the
supervisor's page of letters that could not be delivered, with 重新发送."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from app.kernel.errors import NotFound

from .auth import backoffice, csrf, require_roles
from .workspace import user

bp = Blueprint("exchange", __name__)
_MESSAGE_ID = re.compile(r"^[0-9a-f-]{36}$")


@bp.post("/exchange/messages")
@csrf.exempt
def receive():
    exchange = backoffice().exchange
    # Read at most one byte more than the limit: the receiver refuses (and audits) a larger one.
    raw = request.stream.read(exchange.settings.max_bytes + 1)
    answer = exchange.receiver.receive(raw)
    return jsonify(answer.as_dict()), answer.status


@bp.get("/exchange/receipts/<message_id>")
def receipt(message_id: str):
    found = None
    if _MESSAGE_ID.match(message_id):
        found = backoffice().exchange.receiver.receipt(message_id)
    if found is None:
        return jsonify({"code": "not_found", "message": "没有该函件的转发回执"}), 404
    return jsonify(found)


@bp.get("/supervision/exchange")
@require_roles("supervisor")
def failed():
    return render_template("supervisor/exchange.html", letters=backoffice().exchange.failed())


@bp.post("/supervision/exchange/<message_id>/resend")
@require_roles("supervisor")
def resend(message_id: str):
    if not _MESSAGE_ID.match(message_id):
        abort(404)
    try:
        backoffice().exchange.resend(message_id, user().username)
    except NotFound as exc:
        flash(exc.message)
        return redirect(url_for("exchange.failed"))
    flash("函件已重新排入发送队列。")
    return redirect(url_for("exchange.failed"))
