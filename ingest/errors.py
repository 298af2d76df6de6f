"""Own exception types for bad input; each carries a one-line, user-facing reason."""
from __future__ import annotations


class IngestError(Exception):
    """Base class: a source could not be ingested; the rest of the run continues."""

    kind = "error"

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


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


class ConfigError(Exception):
    """Usage or configuration problem (exit code 2)."""


class IndexMismatch(ConfigError):
    """The index was built with another embedding model or chunking settings."""


class OverBudget(IngestError):
    """Parsing took longer (or needed more memory) than the per-file budget allows."""

    kind = "over_budget"


ERROR_TYPES = {cls.__name__: cls for cls in (IngestError, EncryptedPDF, NeedsOCR, BrokenFile, EmptyDocument,
                                             UnsupportedType, TooLarge, OverBudget)}
