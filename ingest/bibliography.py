"""Moved to ingest.bib.references and ingest.bib.document; this alias keeps ``ingest.bibliography`` importable for older callers."""
from .bib.document import DocumentBibliography, extract_bibliography
from .bib.links import coverage
from .bib.references import *  # noqa: F403
from .bib.references import __all__ as _names

__all__ = [*_names, "DocumentBibliography", "extract_bibliography", "coverage"]
