"""One document's bibliography: its reference list and its in-text citations linked to it.

Built from ``references`` (the list) and ``citations`` (the in-text side); both are pure functions
on page texts, so this module is the only one that needs both (no import cycle).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..index.records import Page
from .citations import InText, extract_citations
from .references import Reference, extract_references


@dataclass
class DocumentBibliography:
    """References and in-text citations of one document."""

    source_id: str
    title: str = ""
    kind: str = ""
    references: list[Reference] = field(default_factory=list)
    citations: list[InText] = field(default_factory=list)


def extract_bibliography(pages: list[Page], source_id: str = "", title: str = "", kind: str = "") -> DocumentBibliography:
    """References, in-text citations, and the links between them, from a document's page texts."""
    refs = extract_references(pages)
    cites = extract_citations(pages, refs) if refs else []
    return DocumentBibliography(source_id, title, kind, refs, cites)
