"""Own exception types for bad input; each carries a one-line, user-facing reason.

``MandateError`` is the root of every exception the project raises (ingest and app alike: app depends
on ingest, never the reverse), so a caller can catch "anything this project refuses" in one clause.
Classes that callers also catch by a builtin base keep it too (``class LLMUnavailable(MandateError, RuntimeError)``).
"""
from __future__ import annotations

from .terminal import shown


class MandateError(Exception):
    """Root of every project exception; the CLI maps it (and its subclasses) to exit codes (app.cli)."""


class IngestError(MandateError):
    """Base class: a source could not be ingested; the rest of the run continues."""

    kind = "error"

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{shown(self.path)}: {reason}")


class EncryptedPDF(IngestError):
    kind = "encrypted"


class NeedsOCR(IngestError):
    kind = "needs_ocr"


class BrokenFile(IngestError):
    kind = "broken"


class EmptyDocument(IngestError):
    kind = "empty"


class UnsupportedType(IngestError):
    kind = "unsupported"


class TooLarge(IngestError):
    kind = "too_large"


class ConfigError(MandateError):
    """Usage or configuration problem (exit code 2)."""


class IndexMismatch(ConfigError):
    """The index was built with another embedding model or chunking settings."""


class OverBudget(IngestError):
    """Parsing took longer (or needed more memory) than the per-file budget allows."""

    kind = "over_budget"


ERROR_TYPES = {cls.__name__: cls for cls in (IngestError, EncryptedPDF, NeedsOCR, BrokenFile, EmptyDocument,
                                             UnsupportedType, TooLarge, OverBudget)}
