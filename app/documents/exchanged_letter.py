"""A letter exchanged with another agency's deployment as a printable page (HTML or PDF): the
envelope's facts and the payload in words (computed by the caller), raw content behind 技术细节."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents.render import TEMPLATES, _css, _environment

TEMPLATE = "exchanged_letter.html"


def render_exchanged_letter(view: Mapping[str, Any]) -> str:
    """A complete, self-contained HTML page (the documents' CSS inlined, no script)."""
    template = _environment().get_template(TEMPLATE)
    return template.render(view, css=_css(), kind="exchanged-letter", kind_title=view["title"])


def exchanged_letter_pdf(view: Mapping[str, Any]) -> bytes:
    """The same page as PDF, for the file and the printer (WeasyPrint embeds the fonts)."""
    # Imported here: WeasyPrint loads Pango and fonts, which only PDF output needs.
    from weasyprint import HTML

    return HTML(string=render_exchanged_letter(view), base_url=str(TEMPLATES)).write_pdf()
