"""Open a cited source at its page, by source id: a rendered PDF page with the quote's lines
highlighted, or (HTML/TXT/MD) the section of text with the quoted paragraph marked.

Only files of the indexed corpus are ever opened: the path comes from the index's registry (never
from the browser), must lie inside the corpus folder without symlinks, stay under the size cap and
still have the content hash that was indexed. The UI receives PNG bytes or plain text, never the
document itself, so nothing from the document (scripts, links, forms) reaches the browser.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.errors import MandateError
from ingest.parsers.sniff import PDF_HEADER_BYTES, is_pdf_header

from .locate import Location, locate_on_page, open_pdf, read_chars

MAX_SIDE_PX = 2000  # longest side of a rendered page, whatever its size in points
SCALE = 1.5  # pixels per point (108 dpi)
FILL, OUTLINE = (255, 208, 0, 110), (232, 140, 0, 255)
MAX_SECTION_CHARS = 12_000


class DocumentUnavailable(MandateError):
    """The source can't be shown (not in the library, moved, changed, a symlink, too large)."""


@dataclass
class PageView:
    """A rendered PDF page (PNG) with the quote highlighted; ``location.boxes`` empty = not found."""

    source_id: str
    title: str
    page_index: int
    page_label: str
    n_pages: int
    png: bytes
    size_px: tuple[int, int]
    scale: float
    location: Location
    focus_png: bytes = b""  # a close-up strip of the page around the highlighted lines (none when not found)
    focus_top: float = 0.0  # where the strip starts on the page, in points from the top


@dataclass
class TextView:
    """A text source's section around the quote: ``quote`` and ``paragraph`` are spans of ``text``."""

    source_id: str
    title: str
    page_index: int
    page_label: str
    section: str
    text: str
    quote: tuple[int, int] | None = None
    paragraph: tuple[int, int] | None = None
    note: str = ""
    headings: list[str] = field(default_factory=list)


@lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def occurrence(page_text: str | None, quote: str, quote_start: int | None) -> int:
    """How many times ``quote`` occurs in ``page_text`` before ``quote_start`` (which repeat to mark)."""
    if not page_text or quote_start is None or not quote:
        return 0
    return page_text[:max(0, quote_start)].count(quote)


class SourceViewer:
    """Pages of indexed sources, for the UI's "Open at p. N" and ``python -m app locate``."""

    def __init__(self, settings, store):
        self.settings = settings
        self.store = store

    # -- which file ---------------------------------------------------------------------------
    def entry(self, source_id: str):
        e = self.store.registry().get(source_id)
        if e is None:
            raise DocumentUnavailable(f"{source_id!r} is not in the library")
        return e

    def indexed_file(self, source_id: str) -> tuple[object, Path]:
        """The registry entry and the file as it was indexed, or DocumentUnavailable saying why."""
        e = self.entry(source_id)
        corpus = Path(os.path.abspath(self.settings.corpus_dir))
        path = Path(os.path.abspath(e.path))
        name = path.name
        try:
            rel = path.relative_to(corpus)
        except ValueError:
            raise DocumentUnavailable(f"{name} is outside the corpus folder {corpus} (was the index built from another "
                                      f"folder? name it with --corpus or MANDATE_CORPUS_DIR)") from None
        if ".." in rel.parts:
            raise DocumentUnavailable(f"{name} is outside the corpus folder")
        for k in range(1, len(rel.parts) + 1):
            if (corpus.joinpath(*rel.parts[:k])).is_symlink():
                raise DocumentUnavailable(f"{name}: symbolic links are not opened")
        if not Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(corpus))):
            raise DocumentUnavailable(f"{name} is outside the corpus folder")
        try:
            st = path.stat()
        except OSError:
            raise DocumentUnavailable(f"{name} is no longer in the corpus folder; run `python -m ingest`") from None
        if not path.is_file():
            raise DocumentUnavailable(f"{name} is not a file")
        if st.st_size > self.settings.max_file_mb * 1024 * 1024:
            raise DocumentUnavailable(f"{name} is over the {self.settings.max_file_mb:g} MB cap (MANDATE_MAX_FILE_MB)")
        if _sha256(str(path), st.st_size, st.st_mtime_ns) != e.sha256:
            raise DocumentUnavailable(f"{name} changed since it was indexed; run `python -m ingest` to index it again")
        return e, path

    # -- which page ---------------------------------------------------------------------------
    def labels(self, source_id: str) -> list[str]:
        """Printed page labels by physical page index, as the index stored them."""
        e = self.entry(source_id)
        got = self.store.pages.get(where={"$and": [{"source_id": source_id}, {"source_hash": e.sha256}]},
                                   include=["metadatas"])
        by_index = {int(m["page_index"]): str(m.get("page_label", "")) for m in got["metadatas"]}
        return [by_index.get(i, str(i + 1)) for i in range(max(by_index, default=-1) + 1)]

    def page_index(self, source_id: str, label: str) -> int:
        """The physical page printed as ``label`` (roman front matter, offsets); ValueError if none."""
        labels = self.labels(source_id)
        want = str(label).strip()
        for i, lab in enumerate(labels):
            if lab == want:
                return i
        for i, lab in enumerate(labels):
            if lab.lower() == want.lower():
                return i
        shown = ", ".join(labels[:12]) + (", …" if len(labels) > 12 else "")
        raise ValueError(f"{source_id} has no page labelled {want!r} (labels: {shown})")

    def page_text(self, source_id: str, page_index: int) -> str | None:
        return self.store.page_text(source_id, self.entry(source_id).sha256, page_index)

    # -- locate and show ----------------------------------------------------------------------
    def locate(self, source_id: str, quote: str, page_label: str | None = None, page_index: int | None = None,
               quote_start: int | None = None) -> Location:
        """Boxes of ``quote`` on that page (empty when not found, or for a text source)."""
        e, path = self.indexed_file(source_id)
        if page_index is None:
            page_index = self.page_index(source_id, page_label or "1")
        labels = self.labels(source_id)
        if not 0 <= page_index < max(len(labels), e.pages):
            raise ValueError(f"{source_id} has {e.pages} pages; page index {page_index} is out of range")
        label = page_label or (labels[page_index] if page_index < len(labels) else str(page_index + 1))
        if not _is_pdf(path):
            return Location(source_id, page_index, label, 0.0, 0.0, [])
        occ = occurrence(self.page_text(source_id, page_index), quote, quote_start)
        loc = _render(str(path), e.sha256, page_index, quote or "", occ, self.settings.pdf_password, 0.0)[0]
        return Location(source_id, page_index, label, loc.width, loc.height, loc.boxes)

    def open_page(self, source_id: str, page_index: int, quote: str = "", quote_start: int | None = None,
                  page_label: str = "", scale: float = SCALE) -> PageView | TextView:
        """What the viewer shows; a PDF that pdfium cannot open falls back to the page's text."""
        e, path = self.indexed_file(source_id)
        label = page_label or next(iter(self.labels(source_id)[page_index:page_index + 1]), str(page_index + 1))
        page_text = self.page_text(source_id, page_index)
        if _is_pdf(path):
            try:
                occ = occurrence(page_text, quote, quote_start)
                loc, png, size, focus, top = _render(str(path), e.sha256, page_index, quote or "", occ,
                                                     self.settings.pdf_password, scale)
                loc = Location(source_id, page_index, label, loc.width, loc.height, loc.boxes)
                return PageView(source_id, e.title, page_index, label, e.pages, png, size, scale, loc, focus, top)
            except Exception as exc:  # noqa: BLE001 - show the text instead, say why
                note = f"The page could not be rendered ({type(exc).__name__}); showing its text instead."
                return text_view(e, page_index, label, page_text or "", quote, quote_start, note=note)
        return text_view(e, page_index, label, page_text or "", quote, quote_start)


def _is_pdf(path: Path) -> bool:
    """The file's bytes decide, as at ingest: a PDF named ``.txt`` is shown as pages, not as text."""
    try:
        with open(path, "rb") as fh:
            return is_pdf_header(fh.read(PDF_HEADER_BYTES))
    except OSError:
        return False


@lru_cache(maxsize=16)
def _render(path: str, sha: str, page_index: int, quote: str, occ: int, password: str, scale: float):
    """(Location, PNG, (w, h) px, close-up PNG, close-up top in points) of one page; ``scale`` 0 = locate
    only. Cached per file version (the sha is part of the key)."""
    pdf = open_pdf(Path(path), password)
    try:
        if not 0 <= page_index < len(pdf):
            raise ValueError(f"page index {page_index} is out of range ({len(pdf)} pages)")
        page = pdf[page_index]
        try:
            pc = read_chars(page)
            w, h = pc.size
            loc = Location("", page_index, "", round(w, 2), round(h, 2), locate_on_page(pc, quote, occ))
            if not scale:
                return loc, b"", (0, 0), b"", 0.0
            scale = min(scale, MAX_SIDE_PX / max(w, h, 1.0))
            image = page.render(scale=scale, may_draw_forms=False).to_pil()
        finally:
            page.close()
    finally:
        pdf.close()
    marked = highlight(image, loc.boxes, scale)
    focus, top = b"", 0.0
    strip = focus_strip(loc.boxes, loc.height)
    if strip:
        top, bottom = strip
        focus = _png(marked.crop((0, int(top * scale), marked.size[0], min(marked.size[1], int(bottom * scale)))))
    return loc, _png(marked), image.size, focus, top


def focus_strip(boxes: list[list[float]], height: float, margin: float = 30.0,
                max_share: float = 0.4) -> tuple[float, float] | None:
    """Top and bottom (points) of a page-wide strip around the first highlighted lines, at most
    ``max_share`` of the page high (a quote running on into the next column keeps to its start)."""
    if not boxes:
        return None
    top = max(0.0, boxes[0][1] - margin)
    bottom = boxes[0][3] + margin
    for b in boxes[1:]:
        if b[1] >= top + margin and b[3] + margin - top <= max_share * height:
            bottom = max(bottom, b[3] + margin)
    return top, min(height, bottom)


def highlight_png(image, boxes: list[list[float]], scale: float) -> bytes:
    """PNG of ``image`` with translucent marker boxes (top-left-origin points x ``scale``) drawn on it."""
    return _png(highlight(image, boxes, scale))


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def highlight(image, boxes: list[list[float]], scale: float):
    """``image`` (RGB) with translucent marker boxes (top-left-origin points x ``scale``) drawn on it."""
    from PIL import Image, ImageDraw

    base = image.convert("RGBA")
    if boxes:
        layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for x0, y0, x1, y1 in boxes:
            draw.rectangle([x0 * scale - 2, y0 * scale - 1, x1 * scale + 2, y1 * scale + 1], fill=FILL,
                           outline=OUTLINE, width=2)
        base = Image.alpha_composite(base, layer)
    return base.convert("RGB")


def text_view(e, page_index: int, label: str, page_text: str, quote: str, quote_start: int | None,
              note: str = "") -> TextView:
    """The section of ``page_text`` holding the quote (headings from the registry), paragraph marked."""
    span = None
    if quote:
        if quote_start is not None and page_text[quote_start:quote_start + len(quote)] == quote:
            span = (quote_start, quote_start + len(quote))
        else:
            m = re.search(r"\s+".join(re.escape(w) for w in quote.split()), page_text) if quote.split() else None
            span = (m.start(), m.end()) if m else None
    heads = sorted((int(h.get("offset", 0)), str(h.get("title", ""))) for h in (e.headings or [])
                   if int(h.get("page_index", -1)) == page_index)
    at = span[0] if span else 0
    start, end, section = 0, len(page_text), ""
    for off, title in heads:
        if off <= at:
            start, section = off, title
        elif off > at:
            end = off
            break
    para = None
    if span:
        p0 = page_text.rfind("\n\n", start, span[0])
        p1 = page_text.find("\n\n", span[1], end)
        para = (p0 + 2 if p0 >= 0 else start, p1 if p1 >= 0 else end)
    if end - start > MAX_SECTION_CHARS:  # a long section: a window around the paragraph
        centre = para[0] if para else start
        start = max(start, centre - MAX_SECTION_CHARS // 3)
        end = min(end, start + MAX_SECTION_CHARS)

    def rel(s):
        if not s:
            return None
        a, b = max(s[0], start) - start, min(s[1], end) - start
        return (a, b) if b > a else None

    return TextView(e.source_id, e.title, page_index, label, section, page_text[start:end], rel(span), rel(para),
                    note=note if span or not quote else (note + " The quoted words were not found on this page.").strip(),
                    headings=[t for _, t in heads])
