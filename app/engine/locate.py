"""Where a quote is printed on a PDF page: one box per line it spans, in PDF points, origin top-left.

The quote comes from the cleaned page text of the index (pypdf, hyphen breaks joined, running
headers dropped); the boxes come from pdfium's characters of the same page. Both are reduced to
their letters and digits (NFKC, casefolded), which makes the match blind to what cleaning changes:
line breaks, hyphen breaks ("parti-" + "cipation"), ligatures ("ﬁ" -> "fi"), quote styles and
spacing. Column order needs nothing special: pypdf and pdfium both read the content stream, and
lines are cut from the matched characters by geometry, so a sentence that runs from the foot of
the left column to the top of the right one gets a box in each. A quote that cannot be found gives
no boxes (never an error).

Pure Python over pypdfium2 (BSD/Apache; PyMuPDF is AGPL). Forms are never initialised, so no
document JavaScript can run (pypdfium2's pdfium is built without V8 anyway).
"""
from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

Box = tuple[float, float, float, float]  # pdfium page space: left, bottom, right, top


@dataclass
class Location:
    """The answer of ``python -m app locate`` (``boxes``: [x0, y0, x1, y1], top-left origin, points)."""

    source_id: str
    page_index: int
    page_label: str
    width: float
    height: float
    boxes: list[list[float]] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class PageChars:
    """A page's characters (pdfium order) with their loose boxes, and the page frame."""

    chars: list[str]
    boxes: list[Box]
    crop: Box  # the displayed area (cropbox), page space
    rotation: int = 0  # degrees clockwise the page is shown rotated

    @property
    def size(self) -> tuple[float, float]:
        w, h = self.crop[2] - self.crop[0], self.crop[3] - self.crop[1]
        return (h, w) if self.rotation in (90, 270) else (w, h)


def _fold(text: str) -> tuple[str, list[int]]:
    """Letters and digits of ``text`` (NFKC, casefolded) and, for each, the index of its source char."""
    out, owner = [], []
    for i, ch in enumerate(text):
        if ch.isascii():
            if ch.isalnum():
                out.append(ch.lower())
                owner.append(i)
            continue
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isalnum():
                out.append(c)
                owner.append(i)
    return "".join(out), owner


def read_chars(page: pdfium.PdfPage) -> PageChars:
    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        chars = [chr(pdfium_c.FPDFText_GetUnicode(tp, i) or 32) for i in range(n)]
        boxes = [tp.get_charbox(i, loose=True) for i in range(n)]
    finally:
        tp.close()
    return PageChars(chars, boxes, tuple(page.get_cropbox()), int(page.get_rotation() or 0) % 360)


def find_quote(page_text: str, quote: str, occurrence: int = 0) -> tuple[int, int] | None:
    """Char range [start, end) of ``quote`` in ``page_text`` (pdfium's chars), or None.

    Exact on letters and digits first (the ``occurrence``-th match when the quote repeats); else
    anchored on a stretch of the quote's head and one of its tail, so that a few differing
    characters inside (a footnote mark, a glyph without Unicode) still locate it.
    """
    q, _ = _fold(quote)
    if len(q) < 2:
        return None
    hay, owner = _fold(page_text)
    hits, pos = [], hay.find(q)
    while pos >= 0:
        hits.append(pos)
        pos = hay.find(q, pos + 1)
    if hits:
        a = hits[min(max(occurrence, 0), len(hits) - 1)]
        return _extend(page_text, quote, owner[a], owner[a + len(q) - 1] + 1)
    span = _anchored(hay, q)
    return _extend(page_text, quote, owner[span[0]], owner[span[1] - 1] + 1) if span else None


def _anchored(hay: str, q: str) -> tuple[int, int] | None:
    n = len(q)
    if n < 16:
        return None
    k = min(24, max(8, n // 4))
    for shift in range(0, max(1, n // 3 - k), max(1, k // 2)):
        a = hay.find(q[shift:shift + k])
        if a < 0:
            continue
        start = max(0, a - shift)
        for tail_shift in range(0, max(1, n // 3 - k), max(1, k // 2)):
            piece = q[n - k - tail_shift:n - tail_shift]
            b = hay.find(piece, a + k, start + int(n * 1.5) + 40)
            if b >= 0:
                end = min(len(hay), b + k + tail_shift)
                if end - start >= n * 0.6:
                    return start, end
    return None


def _extend(text: str, quote: str, a: int, b: int) -> tuple[int, int]:
    """Take in the quote's leading/trailing punctuation (an opening quote mark, the full stop)."""
    stripped = quote.strip()
    head = len(stripped) - len(stripped.lstrip("\"'“‘([«"))
    tail = len(stripped) - len(stripped.rstrip(".,;:!?\"'”’)]»…"))
    for _ in range(head):
        if a > 0 and not text[a - 1].isspace() and not text[a - 1].isalnum():
            a -= 1
    for _ in range(tail):
        if b < len(text) and not text[b].isspace() and not text[b].isalnum():
            b += 1
    return a, b


def _same_line(a: Box, b: Box) -> bool:
    """``b`` continues the line of ``a``: overlapping heights, moving right, no column gap."""
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    h = min(a[3] - a[1], b[3] - b[1])
    if h <= 0 or overlap < 0.5 * h:
        return False
    return b[0] >= a[0] - 1.0 and b[0] - a[2] < 3.0 * max(a[3] - a[1], b[3] - b[1])


def line_boxes(pc: PageChars, start: int, end: int) -> list[Box]:
    """The union box of each printed line among chars [start, end) (page space)."""
    lines: list[list[float]] = []
    last: Box | None = None
    for i in range(start, end):
        ch, box = pc.chars[i], pc.boxes[i]
        if ch.isspace() or box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
            continue
        if last is not None and _same_line(last, box):
            cur = lines[-1]
            cur[0], cur[1], cur[2], cur[3] = min(cur[0], box[0]), min(cur[1], box[1]), max(cur[2], box[2]), max(cur[3], box[3])
        else:
            lines.append(list(box))
        last = box
    return [tuple(b) for b in lines]


def to_view(pc: PageChars, box: Box) -> list[float]:
    """A page-space box in the displayed page's points: origin top-left, page rotation applied."""
    cl, cb, cr, ct = pc.crop
    w, h = cr - cl, ct - cb
    x0, y0, x1, y1 = box[0] - cl, ct - box[3], box[2] - cl, ct - box[1]  # unrotated, top-left origin
    if pc.rotation == 90:
        x0, y0, x1, y1 = h - y1, x0, h - y0, x1
    elif pc.rotation == 180:
        x0, y0, x1, y1 = w - x1, h - y1, w - x0, h - y0
    elif pc.rotation == 270:
        x0, y0, x1, y1 = y0, w - x1, y1, w - x0
    return [round(v, 2) for v in (x0, y0, x1, y1)]


def locate_on_page(pc: PageChars, quote: str, occurrence: int = 0) -> list[list[float]]:
    span = find_quote("".join(pc.chars), quote, occurrence) if quote and quote.strip() else None
    return [to_view(pc, b) for b in line_boxes(pc, *span)] if span else []


def open_pdf(path: Path, password: str = "") -> pdfium.PdfDocument:
    """Open without forms (no document scripts, no form widgets): rendering and text only."""
    try:
        return pdfium.PdfDocument(str(path), password=password or None)
    except pdfium.PdfiumError:
        if password:
            return pdfium.PdfDocument(str(path))
        raise


def locate_pdf(path: Path, page_index: int, quote: str, *, source_id: str = "", page_label: str = "",
               occurrence: int = 0, password: str = "") -> Location:
    """Boxes of ``quote`` on physical page ``page_index`` of the PDF at ``path``."""
    pdf = open_pdf(path, password)
    try:
        if not 0 <= page_index < len(pdf):
            raise IndexError(f"{Path(path).name} has {len(pdf)} pages; page index {page_index} is out of range")
        page = pdf[page_index]
        try:
            pc = read_chars(page)
        finally:
            page.close()
        w, h = pc.size
        return Location(source_id, page_index, page_label or str(page_index + 1), round(w, 2), round(h, 2),
                        locate_on_page(pc, quote, occurrence))
    finally:
        pdf.close()


def text_in_box(path: Path, page_index: int, box: list[float], password: str = "") -> str:
    """The text pdfium finds inside a top-left-origin box of an unrotated page (tests, closing notes)."""
    pdf = open_pdf(path, password)
    try:
        page = pdf[page_index]
        cl, cb, cr, ct = page.get_cropbox()
        tp = page.get_textpage()
        try:
            return tp.get_text_bounded(left=box[0] + cl, bottom=ct - box[3], right=box[2] + cl, top=ct - box[1])
        finally:
            tp.close()
            page.close()
    finally:
        pdf.close()
