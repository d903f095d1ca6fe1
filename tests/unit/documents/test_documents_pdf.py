"""PDF output: a real PDF whose text extracts back as Chinese, with the CJK font embedded."""

from __future__ import annotations

import io
import re

import pytest
from documents_helpers import case_data
from pypdf import PdfReader

from app.documents import render_pdf

# WeasyPrint 70 warns once, at import, when the system lacks libharfbuzz-subset0 (it then
# subsets fonts with fontTools, which works). Debian's package removes the warning.
pytestmark = pytest.mark.filterwarnings(
    "ignore:HarfBuzz-Subset will be required:DeprecationWarning"
)


@pytest.fixture(scope="module")
def certificate_pdf() -> bytes:
    return render_pdf("insurance_certificate", case_data("insurance_certificate"))


def text_of(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", "", text)


def test_certificate_pdf_is_a_pdf_with_three_copies(certificate_pdf: bytes) -> None:
    assert certificate_pdf.startswith(b"%PDF")
    reader, text = text_of(certificate_pdf)
    assert len(reader.pages) == 3  # one copy per page
    for ordinal in ("第一联", "第二联", "第三联"):
        assert ordinal in text


def test_certificate_pdf_text_is_chinese(certificate_pdf: bytes) -> None:
    _, text = text_of(certificate_pdf)
    assert "参保(合)凭证" in text or "参保（合）凭证" in text
    assert "张三" in text
    assert "壹万零贰佰零叁元零伍分" in text and "10,203.05" in text
    assert "（浙）（杭州市）（2026）第000123号" in text


def test_certificate_pdf_embeds_its_fonts(certificate_pdf: bytes) -> None:
    reader, _ = text_of(certificate_pdf)
    embedded = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.append(str(descriptor["/FontName"]))
    assert embedded, "no embedded font"
    assert any("WenQuanYi" in name or "Noto" in name for name in embedded), embedded


def test_a_letter_renders_to_pdf() -> None:
    pdf = render_pdf("refusal_decision", case_data("refusal_decision"))
    assert pdf.startswith(b"%PDF")
    _, text = text_of(pdf)
    assert "不予受理决定书" in text and "张三" in text and "行政复议" in text
