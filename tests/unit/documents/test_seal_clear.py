"""The seal's place on every document covers no text (issue 15 item 8): each PDF page is
rendered as an image (poppler's pdftoppm) and no dark pixel of text lies inside the seal circle."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from documents_helpers import case_data
from PIL import Image

from app.documents import render_pdf
from app.documents.builders import DOCUMENT_KINDS

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed"),
    pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning"),
]
SEALED = ("insurance_certificate", "contact_letter", "info_table", "refusal_decision")


def _seal_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 150 and g < 140 and b < 140 and r - g > 70


def _dark(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return max(r, g, b) < 110 and r - g < 40


def _pages(pdf: bytes, folder: Path) -> list[Image.Image]:
    (folder / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(folder / "doc.pdf"), str(folder / "page")],
        check=True,
        timeout=60,
    )
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob("page-*.png"))]


def _text_under_seal(page: Image.Image) -> int | None:
    """Dark pixels inside the seal's circle; None when the page carries no seal."""
    width, height = page.size
    pixels = page.load()
    red = [(x, y) for y in range(height) for x in range(width) if _seal_red(pixels[x, y])]
    if len(red) < 50:
        return None
    xs, ys = [x for x, _ in red], [y for _, y in red]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    radius = min(max(xs) - min(xs), max(ys) - min(ys)) / 2
    return sum(
        1
        for y in range(int(cy - radius), int(cy + radius) + 1)
        for x in range(int(cx - radius), int(cx + radius) + 1)
        if (x - cx) ** 2 + (y - cy) ** 2 <= radius**2 and _dark(pixels[x, y])
    )


@pytest.mark.parametrize("kind", [k for k in SEALED if k in DOCUMENT_KINDS])
def test_the_seal_covers_no_text(kind: str, tmp_path: Path) -> None:
    pages = _pages(render_pdf(kind, case_data(kind)), tmp_path)
    found = [n for n in (_text_under_seal(p) for p in pages) if n is not None]
    assert found, f"{kind}: no seal found on any page"
    assert found == [0] * len(found), f"{kind}: text under the seal ({found} dark pixels)"
