"""Moved to ingest.bib.links; this alias keeps ``ingest.reflinks`` importable for older callers."""
from .bib.links import *  # noqa: F403
