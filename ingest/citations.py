"""Moved to ingest.bib.citations; this alias keeps ``ingest.citations`` importable for older callers."""
from .bib.citations import *  # noqa: F403
