"""PDF -> cleaned pages with physical index, printed label, and section headings (pypdf)."""
from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

from ..errors import BrokenFile, EmptyDocument, EncryptedPDF, NeedsOCR, TooLarge
from ..index.records import Heading, Page, ParsedDocument
from .clean import clean_pages_with_breaks, heading_candidates

logging.getLogger("pypdf").setLevel(logging.ERROR)

# Bitmap (Type 3) fonts of dvips-made PDFs in LaTeX's T1 encoding carry no Unicode map, and pypdf hands their codes
# on as control characters ("\x1cnally", "\x1ductuation", "di\x1berent"); Python reads 0x1c-0x1f as white space, so
# they became spaces ("nally"). T1 puts the ligatures at 0x1b-0x1f, quotes at 0x10/0x11 and dashes at 0x15/0x16,
# which no text means otherwise (strucchange's 2002 vignette: 50 of its 54 "fluctuation" were "uctuation").
T1_CODES = str.maketrans({"\x1b": "ff", "\x1c": "fi", "\x1d": "fl", "\x1e": "ffi", "\x1f": "ffl",
                          "\x10": "\u201c", "\x11": "\u201d", "\x15": "\u2013", "\x16": "\u2014"})


def _open(path: Path, passwords: list[str]) -> PdfReader:
    try:
        reader = PdfReader(str(path), strict=False)
    except (PdfReadError, PdfStreamError, ValueError, OSError, KeyError, TypeError) as exc:
        raise BrokenFile(path, f"broken PDF, pypdf cannot read it ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pypdf raises many kinds on malformed input
        raise BrokenFile(path, f"broken PDF ({type(exc).__name__}: {exc})") from exc
    if reader.is_encrypted:
        for pw in ["", *[p for p in passwords if p]]:
            try:
                if reader.decrypt(pw):
                    return reader
            except Exception as exc:  # missing crypto backend or damaged encryption dict
                raise EncryptedPDF(path, f"encrypted PDF that cannot be decrypted ({exc})") from exc
        raise EncryptedPDF(path, "encrypted PDF: the empty password does not open it; add its password as "
                                 "`password = \"...\"` to its entry in sources.toml (or MANDATE_PDF_PASSWORD)")
    return reader


def _outline_headings(reader: PdfReader) -> list[Heading]:
    headings: list[Heading] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if title and page is not None and page >= 0:
                headings.append(Heading(page_index=page, offset=0, title=title, level=level))

    try:
        walk(reader.outline, 1)
    except Exception:
        return []
    return sorted(headings, key=lambda h: h.page_index)  # stable: outline order within a page


def _locate(headings: list[Heading], pages: list[Page]) -> list[Heading]:
    """Refine heading offsets to where the heading text occurs on its page (0 if not found)."""
    out = []
    cursor: dict[int, int] = {}
    for h in headings:  # in outline order: search each title after the previous one on its page
        off = cursor.get(h.page_index, 0)
        if 0 <= h.page_index < len(pages):
            found = pages[h.page_index].text.find(h.title, off)
            off = found if found >= 0 else off
        cursor[h.page_index] = off
        out.append(Heading(h.page_index, off, h.title, h.level))
    return sorted(out, key=lambda h: (h.page_index, h.offset))


def parse_pdf(path: Path, *, passwords: list[str] | None = None, max_pages: int = 2000,
              min_chars_per_page: int = 20) -> ParsedDocument:
    reader = _open(path, passwords or [])
    try:
        n = len(reader.pages)
    except Exception as exc:
        raise BrokenFile(path, f"broken PDF: page tree unreadable ({exc})") from exc
    if n == 0:
        raise EmptyDocument(path, "PDF has no pages")
    if n > max_pages:
        raise TooLarge(path, f"PDF has {n} pages, over the cap of {max_pages} (MANDATE_MAX_PAGES)")
    warnings: list[str] = []
    raw: list[str] = []
    has_images = False
    for i, page in enumerate(reader.pages):
        try:
            raw.append((page.extract_text() or "").translate(T1_CODES))
        except FileNotDecryptedError as exc:
            raise EncryptedPDF(path, "encrypted PDF") from exc
        except Exception as exc:
            warnings.append(f"page {i + 1}: text extraction failed ({type(exc).__name__})")
            raw.append("")
        if not has_images:
            try:
                has_images = bool(page.images)
            except Exception:
                pass
    total = sum(len(t.strip()) for t in raw)
    if total < min_chars_per_page * n:
        if has_images:
            raise NeedsOCR(path, f"no text layer ({total} characters on {n} pages, images only): needs OCR")
        if total == 0:
            raise EmptyDocument(path, f"no extractable text on {n} pages")
    try:
        labels = list(reader.page_labels)
    except Exception:
        labels = [str(i + 1) for i in range(n)]
    if len(labels) != n:
        labels = [str(i + 1) for i in range(n)]
    headings = _outline_headings(reader)
    cleaned = clean_pages_with_breaks(raw, {h.title for h in headings})
    pages = [Page(index=i, label=labels[i], text=text, soft_breaks=breaks) for i, (text, breaks) in enumerate(cleaned)]
    if not headings:
        headings = [Heading(i, 0, h) for i, r in enumerate(raw) for h in heading_candidates(r)]
    headings = _locate(headings, pages)
    title = ""
    try:
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else ""
    except Exception:
        pass
    return ParsedDocument(pages=pages, headings=headings, title=title, warnings=warnings)
