"""Small typed records handed between ingest stages: Source -> Page -> Chunk."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

SourceKind = Literal["paper", "cited"]  # the paper itself, or a work it cites


@dataclass(frozen=True)
class Source:
    """One document of the corpus, identified by a stable id and versioned by its content hash."""

    source_id: str
    path: Path
    sha256: str
    title: str
    kind: SourceKind = "cited"
    authors: tuple[str, ...] = ()
    year: int | None = None
    url: str = ""
    password: str = ""

    @property
    def short_hash(self) -> str:
        return self.sha256[:16]


@dataclass(frozen=True)
class Heading:
    page_index: int
    offset: int  # character offset into that page's cleaned text (0 when only the page is known)
    title: str
    level: int = 1


@dataclass(frozen=True)
class Page:
    """Cleaned text of one physical page; chunk offsets point into ``text``."""

    index: int  # 0-based physical page index
    label: str  # printed page label ("iv", "12"); equals index+1 when the PDF has none
    text: str
    # texts without pages (TXT/MD/HTML) are cut into section/paragraph "pages": the number of
    # paragraphs of the same section before this page (None for physical pages)
    para_base: int | None = None
    # offsets of paragraph breaks a PDF prints without a blank line, found by line length: shown as
    # "\n\n" in ``text``, ignored when cutting chunks
    soft_breaks: tuple[int, ...] = ()


@dataclass
class ParsedDocument:
    pages: list[Page]
    headings: list[Heading] = field(default_factory=list)
    title: str = ""  # from PDF metadata / <title>, used when the manifest has none
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    """Where a piece of page text is, exactly: the fields a stored chunk and a retrieved passage share."""

    chunk_id: str
    source_id: str
    source_hash: str
    title: str
    kind: SourceKind
    page_index: int
    page_label: str
    section: str
    start: int  # offset into Page.text
    end: int
    text: str
    url: str = ""
    paragraph: int = 0  # texts without pages: 1-based paragraph (within its section) where the span starts; 0 on physical pages


@dataclass(frozen=True)
class Chunk(Span):
    """A passage of one page, small enough for the embedding window, with exact offsets."""

    position: int = 0  # order of the chunk within the page

    def metadata(self) -> dict:
        d = asdict(self)
        d.pop("text")
        d.pop("chunk_id")
        # pages are per-page chunks; start/end page kept explicit for consumers
        d["page_index_end"] = self.page_index
        d["page_label_end"] = self.page_label
        return d


def version_key(source_id: str, source_hash: str) -> str:
    """One version of one source (the same file under two names stays two sources)."""
    return f"{source_hash[:16]}-{source_id}"


def chunk_id(source_id: str, source_hash: str, page_index: int, position: int) -> str:
    """Deterministic id: same content, page and position -> same id (idempotent upserts)."""
    return f"{version_key(source_id, source_hash)}:p{page_index}:c{position}"


def page_id(source_id: str, source_hash: str, page_index: int) -> str:
    return f"{version_key(source_id, source_hash)}:p{page_index}"
