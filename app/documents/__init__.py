"""Official documents of the transfer (参保(合)凭证, 联系函, 信息表, 复函, notices) as HTML and PDF."""

# API: render_html(kind, context) -> str, render_pdf(kind, context) -> bytes,
# build(kind, context) -> dict (the checked view model), DOCUMENT_KINDS (kind -> Chinese title).
# `context` is the case's plain data (see each build_<kind> for its keys); anything a document
# needs that is missing raises DocumentDataError(field, message_zh). No Flask here.

from app.documents.builders import (
    BUILDERS,
    DOCUMENT_KINDS,
    build_completion_notice,
    build_contact_letter,
    build_correction_notice,
    build_info_table,
    build_insurance_certificate,
    build_refusal_decision,
    build_reply_letter,
)
from app.documents.errors import DocumentDataError, UnknownDocumentKind
from app.documents.notices import refusal_title
from app.documents.regions import PROVINCE_ABBR, REGIONS, Region, certificate_number
from app.documents.render import build, render_html, render_pdf

__all__ = [
    "BUILDERS",
    "DOCUMENT_KINDS",
    "PROVINCE_ABBR",
    "REGIONS",
    "DocumentDataError",
    "Region",
    "UnknownDocumentKind",
    "build",
    "build_completion_notice",
    "build_contact_letter",
    "build_correction_notice",
    "build_info_table",
    "build_insurance_certificate",
    "build_refusal_decision",
    "build_reply_letter",
    "certificate_number",
    "refusal_title",
    "render_html",
    "render_pdf",
]
