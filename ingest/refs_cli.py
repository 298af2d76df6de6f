"""Moved to ingest.bib.cli; this alias keeps ``ingest.refs_cli`` importable for older callers."""
from .bib.cli import *  # noqa: F403
