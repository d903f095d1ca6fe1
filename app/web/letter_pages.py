"""A case's letters between deployments on the clerk's and the auditor's case pages (往来函件),
and each letter as a printable document; only staff who may see the case may read them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from app.documents.exchanged_letter import exchanged_letter_pdf, render_exchanged_letter
from app.features.audit.case_history import CaseAudit
from app.features.cases.letter_views import CaseLetter, LetterViews
from app.kernel.errors import NotFound

from . import labels
from .auth import backoffice, current_user, require_roles
from .case_data import CaseDataLabels
from .display import beijing
from .workspace import deny, may_view_case, views

bp = Blueprint("letter_pages", __name__)

# What the envelope already says: not repeated among the content.
ENVELOPE_KEYS = ("transfer_key", "from_region", "to_region")
SECONDS = "%Y-%m-%d %H:%M:%S"


def _letters() -> LetterViews:
    office = backoffice()
    return LetterViews(office.db, office.exchange.directory)


def agency(letters: LetterViews, region: str) -> str:
    """The other agency by its directory name, else by its region's name."""
    return letters.agency(region) or f"{labels.region_name(region)}社会保险经办机构"


@bp.app_template_global("case_letters")
def case_letters(case_id: int) -> list[dict[str, Any]]:
    """The rows of the 往来函件 section (template global: the case pages only include it)."""
    letters = _letters()
    return [
        {
            "letter": letter,
            "agency": agency(letters, letter.other_region),
            "started": [_started(s) for s in letter.started],
        }
        for letter in letters.of_case(case_id)
    ]


def _started(task: Any) -> str:
    state = {"completed": "已办理", "cancelled": "已取消"}.get(task.state, "办理中")
    if not task.due_at:
        return f"{task.title}：无时限（{state}）"
    provisional = "（暂定）" if task.provisional else ""
    return f"{task.title}：{beijing(task.due_at)}前{provisional}（{state}）"


@bp.get("/cases/<number>/letters/<message_id>")
@require_roles()
def clerk_letter(number: str, message_id: str):
    summary = views().summary(number)
    if summary is None:
        raise NotFound(f"办件 {number} 不存在")
    if not may_view_case(summary):
        deny(f"case {number} letter {message_id}")
    return _document(summary.id, message_id)


@bp.get("/audit/cases/<number>/letters/<message_id>")
@require_roles("auditor")
def audit_letter(number: str, message_id: str):
    user = current_user()
    assert user is not None  # require_roles guarantees a signed-in user
    facts = CaseAudit(backoffice()).facts(number, user.region)  # NotFound outside the region
    return _document(facts.id, message_id)


def _document(case_id: int, message_id: str) -> Response:
    letters = _letters()
    letter = letters.one(case_id, message_id)
    if letter is None:
        raise NotFound(f"本办件没有编号为 {message_id} 的函件")
    view = document_view(letters, letter)
    if request.args.get("format") == "pdf":  # as the case documents: ?format=pdf
        response = Response(exchanged_letter_pdf(view), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{letter.id}.pdf"'
    else:
        response = Response(render_exchanged_letter(view), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def document_view(letters: LetterViews, letter: CaseLetter) -> dict[str, Any]:
    data = CaseDataLabels(backoffice().forms.folder)
    plain: list[tuple[str, str]] = []
    sections: list[dict[str, Any]] = [{"title": "", "rows": plain}]
    for key, value in letter.payload.items():
        if key in ENVELOPE_KEYS:
            continue
        if isinstance(value, dict) and value:
            rows = []
            for inner, item in value.items():
                if isinstance(item, dict):  # e.g. the application's applicant
                    rows += [(data.label(k, inner), data.show(k, v)) for k, v in item.items()]
                else:
                    rows.append((data.label(inner, key), data.show(inner, item)))
            sections.append({"title": data.label(key), "rows": rows})
        else:
            plain.append((data.label(key), data.show(key, value)))
    delivery = ""
    if letter.direction == "sent":
        delivery = letter.delivery_label
        if letter.delivery == "failed" and letter.last_error:
            delivery += f"（{letter.last_error}）"
    return {
        "title": letter.title,
        "issuing_agency": agency(letters, letter.from_region),
        "direction": letter.direction_label,
        "letter_id": letter.id,
        "transfer_key": letter.transfer_key,
        "case_number": letter.case_number,
        "sender": agency(letters, letter.from_region),
        "receiver": agency(letters, letter.to_region),
        "sent_at": beijing(letter.sent_at, SECONDS),
        "received_at": beijing(letter.received_at, SECONDS),
        "delivery": delivery,
        "started": [_started(s) for s in letter.started],
        "sections": [s for s in sections if s["rows"]],
        "raw": letter.raw_json(),
    }
