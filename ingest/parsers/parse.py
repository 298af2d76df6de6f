"""One file -> ParsedDocument with the parser its content calls for (kind sniffed by ingest.parsers.sniff).

``PARSERS`` maps each kind of the registry (ingest.parsers.registry) to its ``Parser``.
Kept free of heavy imports beyond the parsers themselves: the parse worker process imports only this.
"""
from __future__ import annotations

import re

from ..errors import UnsupportedType
from ..index.records import ParsedDocument, Source
from ..index.settings import Settings
from .pages import paginate
from .pdf import parse_pdf
from .registry import KINDS, Parser
from .sniff import sniff_file
from .text import parse_html, parse_text, read_text

_NAV_LINES = {"skip to main content", "back to resources", "publication", "menu", "search", "home"}


def guess_text_title(text: str) -> str:
    """A plausible title from the first lines of a text page (skipping navigation words)."""
    for line in text.splitlines()[:15]:
        s = line.strip()
        words = s.split()
        if s.lower() in _NAV_LINES or not 3 <= len(words) <= 25 or s.endswith((".", ":")):
            continue
        if re.search(r"\d{1,2} \w+, \d{4}", s):
            continue
        return s
    return ""


class PdfParser:
    kind = "pdf"

    def parse(self, src: Source, settings: Settings) -> ParsedDocument:
        return parse_pdf(src.path, passwords=[src.password, settings.pdf_password], max_pages=settings.max_pages,
                         min_chars_per_page=settings.min_text_chars_per_page)


class HtmlParser:
    kind = "html"

    def parse(self, src: Source, settings: Settings) -> ParsedDocument:
        return paginate(parse_html(src.path))


class TextParser:
    kind = "text"

    def parse(self, src: Source, settings: Settings) -> ParsedDocument:
        doc = parse_text(src.path)
        if not doc.title and doc.pages:
            doc.title = guess_text_title(read_text(src.path))  # decoded as the parser did ("Café", UTF-16)
        return paginate(doc)  # long texts without pages -> section/paragraph pages


PARSERS: dict[str, Parser] = {p.kind: p for p in (PdfParser(), HtmlParser(), TextParser())}
assert set(PARSERS) == set(KINDS), "every kind of the registry has exactly one parser"


def parse_source(src: Source, settings: Settings, kind: str | None = None) -> ParsedDocument:
    """Parse ``src`` as ``kind`` (pdf | html | text); without a kind the file's content decides."""
    if kind is None:
        sniffed = sniff_file(src.path)
        if not sniffed.ok:
            raise UnsupportedType(src.path, sniffed.reason)
        kind = sniffed.kind
    return PARSERS.get(kind, PARSERS["text"]).parse(src, settings)
