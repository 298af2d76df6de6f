"""The one list of accepted file types: extension -> parser kind, and the ``Parser`` protocol.

Corpus discovery (ingest.sources), uploads (app.ui.uploads), fetching (ingest.fetch) and content
sniffing (ingest.parsers.sniff) all read this table; nothing else lists extensions. The extension only
admits a file: what its bytes are (ingest.parsers.sniff) picks the parser.
Imports nothing at run time: the UI, sniffing and the parse worker read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..index.records import ParsedDocument, Source
    from ..index.settings import Settings


class Parser(Protocol):
    """Turns one accepted file (already sniffed as ``kind``) into page-exact text."""

    kind: str

    def parse(self, src: Source, settings: Settings) -> ParsedDocument: ...


@dataclass(frozen=True)
class FileType:
    kind: str  # the parser: pdf | html | text
    extensions: tuple[str, ...]  # lower-case, with the dot
    labels: tuple[str, ...]  # how messages name it


MARKDOWN = (".md", ".markdown")  # text files whose "#" lines are headings
FILE_TYPES: tuple[FileType, ...] = (
    FileType("pdf", (".pdf",), ("PDF",)),
    FileType("html", (".html", ".htm"), ("HTML",)),
    FileType("text", (".txt", *MARKDOWN), ("TXT", "MD")),
)
KINDS: tuple[str, ...] = tuple(t.kind for t in FILE_TYPES)
EXTENSIONS: dict[str, str] = {ext: t.kind for t in FILE_TYPES for ext in t.extensions}
_LABELS = [label for t in FILE_TYPES for label in t.labels]
ACCEPTED = ", ".join(_LABELS[:-1]) + " or " + _LABELS[-1]  # "PDF, HTML, TXT or MD", for messages


def kind_for(ext: str) -> str | None:
    """The parser kind an extension (".PDF", "pdf") admits, or None when the type is not accepted."""
    ext = ext.lower()
    return EXTENSIONS.get(ext if ext.startswith(".") or not ext else "." + ext)


def is_markdown(ext: str) -> bool:
    return ext.lower() in MARKDOWN
