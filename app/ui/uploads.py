"""Checks and safe saving of uploaded documents (pure Python, no streamlit).

Only the types of ``ingest.parsers.registry`` (PDF/HTML/TXT/MD), at most ``max_mb``; what the bytes
are is decided by ``ingest.parsers.sniff`` (the same check the corpus folder gets: PDF magic, text
decoding ratio, known binary formats); names are reduced to ``[A-Za-z0-9._-]`` and files are only ever written directly inside the corpus folder
(never through a symlink, never over another document).
"""
from __future__ import annotations

import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ingest.parsers.registry import ACCEPTED, EXTENSIONS, kind_for
from ingest.parsers.sniff import sniff_data

UPLOAD_TYPES = sorted(ext.lstrip(".") for ext in EXTENSIONS)  # for st.file_uploader(type=...)


@dataclass
class SavedUpload:
    name: str  # the name as uploaded
    path: Path | None  # where it was written (None when rejected)
    status: Literal["added", "duplicate", "rejected"]
    reason: str = ""


def sanitize_name(name: str) -> str:
    """A plain file name: no folders, ASCII letters/digits/._-, no leading dot, lower-case extension."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, ext = os.path.splitext(base)
    ext = ext.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", ext or "."):
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:120] or "document"
    return stem + ext


def check_upload(name: str, data: bytes, max_mb: float) -> str | None:
    """Why this upload is refused, or None when it is acceptable."""
    ext = os.path.splitext(sanitize_name(name))[1]
    if kind_for(ext) is None:
        return f"unsupported file type {ext or '(none)'!r}: upload {ACCEPTED}"
    if not data:
        return "the file is empty"
    if len(data) > max_mb * 1024 * 1024:
        return f"{len(data) / 1e6:.1f} MB is over the {max_mb:g} MB limit (MANDATE_MAX_FILE_MB)"
    sniffed = sniff_data(data, ext)  # the content decides, as for the corpus folder (ingest.parsers.sniff)
    return None if sniffed.ok else sniffed.reason


def save_upload(corpus_dir: Path, name: str, data: bytes, max_mb: float) -> SavedUpload:
    """Check and write one upload into ``corpus_dir`` (atomically; never overwrites another file)."""
    reason = check_upload(name, data, max_mb)
    if reason:
        return SavedUpload(name, None, "rejected", reason)
    corpus = Path(corpus_dir)
    corpus.mkdir(parents=True, exist_ok=True)
    corpus = corpus.resolve()
    safe = sanitize_name(name)
    stem, ext = os.path.splitext(safe)
    for i in range(1, 1000):
        candidate = corpus / (safe if i == 1 else f"{stem}-{i}{ext}")
        if candidate.is_symlink() or candidate.resolve().parent != corpus:
            continue
        if candidate.exists():
            if candidate.is_file() and candidate.read_bytes() == data:
                return SavedUpload(name, candidate, "duplicate", "already in the corpus")
            continue
        tmp = corpus / f".upload-{uuid.uuid4().hex}.part"
        try:
            with open(tmp, "xb") as fh:
                fh.write(data)
            os.replace(tmp, candidate)
        finally:
            tmp.unlink(missing_ok=True)
        return SavedUpload(name, candidate, "added")
    return SavedUpload(name, None, "rejected", "too many files with this name")
