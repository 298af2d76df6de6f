"""One file -> ParsedDocument with the parser its content calls for (kind sniffed by ingest.sniff).

Kept free of heavy imports: the parse worker process (ingest.parse_worker) imports only this.
"""
from __future__ import annotations

from .parse_pdf import parse_pdf
from .parse_text import parse_html, parse_text
from .records import ParsedDocument, Source
from .settings import Settings
from .sniff import sniff_file
from .sources import guess_text_title
from .text_pages import paginate


def parse_source(src: Source, settings: Settings, kind: str | None = None) -> ParsedDocument:
    """Parse ``src`` as ``kind`` (pdf | html | text); without a kind the file's content decides."""
    if kind is None:
        sniffed = sniff_file(src.path)
        if not sniffed.ok:
            from .errors import UnsupportedType

            raise UnsupportedType(src.path, sniffed.reason)
        kind = sniffed.kind
    if kind == "pdf":
        doc = parse_pdf(src.path, passwords=[src.password, settings.pdf_password], max_pages=settings.max_pages,
                        min_chars_per_page=settings.min_text_chars_per_page)
    elif kind == "html":
        doc = paginate(parse_html(src.path))
    else:
        doc = parse_text(src.path)
        if not doc.title and doc.pages:
            doc.title = guess_text_title(src.path.read_text(encoding="utf-8", errors="replace"))
        doc = paginate(doc)  # long texts without pages -> section/paragraph pages
    return doc
