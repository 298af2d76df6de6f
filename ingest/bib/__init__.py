"""Bibliographies: a document's reference list, its in-text citations, and their links to ingested sources.

Layered without cycles: ``patterns`` (regexes) <- ``references`` (the list) <- ``citations`` (in-text,
linked to the list) <- ``document`` (both for one document) <- ``links`` (references -> ingested
sources, the persisted bibliography of an index, coverage) <- ``cli`` (``python -m ingest refs``).
"""
