"""In a real headless Chromium: ask about the two-column fixture paper, click "Open at p. 2" on the
answer card, and check that the viewer shows physical page 2 with the quoted sentence highlighted
over each of its printed lines (across the hyphen break "inte-/grating").

The image the browser received is fetched from the app and compared pixel for pixel with a fresh
pdfium rendering of that page: identical outside the boxes, marked inside each box.
Screenshots: tests/artifacts/viewer.png (the app), tests/artifacts/viewer_dialog.png (the dialog).
"""
from __future__ import annotations

import io
import re
from urllib.parse import urljoin

import pytest

from .test_browser import ARTIFACTS, CHROMIUM, _ask, _start_app, _stop, browser  # noqa: F401 - browser is a fixture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium)"),
]
# a sentence of the generated paper's page 2 (hyphenated across two lines); paper_index: tests/conftest.py
QUOTE = ("A gender adviser is a full-time specialist who advises the commander on integrating a gender "
         "perspective into planning and operations.")


def _expected_png(pdf_path, page_index: int, quote: str):
    """What the viewer must show: pdfium's rendering of the page with the quote's boxes marked."""
    import pypdfium2 as pdfium
    from PIL import Image

    from app.engine.locate import locate_pdf
    from app.engine.viewer import SCALE, highlight_png

    boxes = locate_pdf(pdf_path, page_index, quote).boxes
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        image = pdf[page_index].render(scale=SCALE).to_pil()
    finally:
        pdf.close()
    marked = Image.open(io.BytesIO(highlight_png(image, boxes, SCALE))).convert("RGB")
    plain = Image.open(io.BytesIO(highlight_png(image, [], SCALE))).convert("RGB")
    return boxes, marked, plain, SCALE


def test_open_at_page_2_shows_the_page_with_the_quote_highlighted(paper_index, browser, tmp_path):  # noqa: F811
    from PIL import Image, ImageChops

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    corpus, _ = paper_index
    proc, url, _ = _start_app(*paper_index, log=tmp_path / "streamlit.log")
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        _ask(page, url, "What is a gender adviser?", dialogs)
        page.locator("[class*='st-key-card-m1-c1']").wait_for(timeout=60_000)
        page.get_by_role("button", name="Export conversation (Markdown)").wait_for(timeout=30_000)
        # the card quoting the definition: the number after it in the answer (other cards of the same
        # passage show the definition as context, and the answer may quote other sentences too)
        said = page.locator("[data-testid='stChatMessage']").last.inner_text()
        cited = re.search(r"A gender adviser is a full-time specialist[^\[]*\[(\d+)\]", said)
        assert cited, said
        card = page.locator(f"[class*='st-key-card-m1-c{cited.group(1)}']")
        assert "p. 2" in card.inner_text() and "A gender adviser is a full-time specialist" in card.inner_text()
        card.get_by_role("button", name="Open at p. 2").click()

        dialog = page.get_by_role("dialog")
        image = dialog.locator("img[alt^='Page 2 of']")
        image.wait_for(timeout=30_000)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        text = dialog.inner_text()
        assert "printed as p. 2" in text and "Page 3 of 8 of the file" in text
        assert "the quote is highlighted on 4 lines" in text
        assert dialog.locator("img[alt='Close-up of the highlighted lines']").count() == 1
        page.wait_for_timeout(300)  # let the dialog's opening animation settle for the screenshot
        page.screenshot(path=str(ARTIFACTS / "viewer.png"))
        dialog.screenshot(path=str(ARTIFACTS / "viewer_dialog.png"))

        served = page.request.get(urljoin(url + "/", image.get_attribute("src")))
        assert served.ok and served.headers["content-type"] == "image/png"
        shown = Image.open(io.BytesIO(served.body())).convert("RGB")
        boxes, marked, plain, scale = _expected_png(corpus / "paper.pdf", 2, QUOTE)
        assert len(boxes) == 4 and shown.size == marked.size
        assert ImageChops.difference(shown, marked).getbbox() is None  # physical page 3 (p. 2), these marks
        changed = ImageChops.difference(shown, plain).convert("L").point(lambda v: 255 if v > 8 else 0)
        for b in boxes:  # every line of the quote is marked, "inte-" and "grating" included
            region = changed.crop(tuple(int(v * scale) for v in b))
            assert region.histogram()[255] > 0.8 * region.size[0] * region.size[1], b
        assert not dialogs, dialogs
        assert page.locator("a[href^='javascript']").count() == 0
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "viewer_failure.png"), full_page=True)
        raise
    finally:
        _stop(proc)
