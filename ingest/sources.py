"""Corpus folder -> Source records (type, size cap, content hash, manifest metadata)."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import BrokenFile, EmptyDocument, IngestError, TooLarge, UnsupportedType
from .index.records import Source
from .manifest import LOCK_NAME, MANIFEST_NAME, ManifestEntry, slugify
from .parsers.registry import ACCEPTED, kind_for
from .parsers.sniff import sniff_file

_IGNORED = {MANIFEST_NAME, LOCK_NAME, ".gitignore", ".gitkeep"}


@dataclass
class Candidate:
    """A file found in the corpus, before parsing: a Source, or the reason it is rejected."""

    path: Path
    source: Source | None
    sid: str = ""
    error: IngestError | None = None
    kind: str = ""  # parser chosen by content sniffing: pdf | html | text


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Files and symbolic links under ``corpus_dir`` (links are listed, never followed: discovery refuses them)."""
    files = []
    corpus_dir = Path(corpus_dir)
    for root, dirs, names in os.walk(corpus_dir, followlinks=False):
        base = Path(root)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        links = [d for d in dirs if (base / d).is_symlink()]  # a linked folder: reported like a linked file
        dirs[:] = [d for d in dirs if d not in links]
        for name in names + links:
            p = base / name
            if name.startswith(".") or name in _IGNORED or name.endswith((".part", ".tmp")):
                continue
            if p.is_symlink() or p.is_file():
                files.append(p)
    return sorted(files)


def _match(entries: list[ManifestEntry], rel: str) -> ManifestEntry | None:
    for e in entries:
        if e.file and e.file == rel:
            return e
    stem = Path(rel).with_suffix("").as_posix()
    for e in entries:  # fetch may have saved a landing page as .html instead of .pdf
        if e.file and Path(e.file).with_suffix("").as_posix() == stem:
            return e
    return None


def discover(corpus_dir: Path, entries: list[ManifestEntry], max_mb: float, default_password: str = "") -> list[Candidate]:
    out: list[Candidate] = []
    used: set[str] = {e.id for e in entries}
    for path in corpus_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        entry = _match(entries, rel)
        if entry:
            sid = entry.id
        else:
            sid = slugify(rel)
            if sid in used:
                sid = slugify(rel.replace(".", "-"))
            used.add(sid)
        ext = path.suffix.lower()
        if kind_for(ext) is None and not path.is_symlink():
            out.append(Candidate(path, None, sid=sid, error=UnsupportedType(
                path, f"unsupported file type {ext or '(none)'!r}; use {ACCEPTED}")))
            continue
        size = path.lstat().st_size
        if size == 0 and not path.is_symlink():
            out.append(Candidate(path, None, sid=sid, error=EmptyDocument(path, "empty file (0 bytes)")))
            continue
        if size > max_mb * 1024 * 1024:
            out.append(Candidate(path, None, sid=sid, error=TooLarge(
                path, f"{size / 1e6:.1f} MB is over the {max_mb:g} MB cap (MANDATE_MAX_FILE_MB)")))
            continue
        sniffed = sniff_file(path)
        if not sniffed.ok:
            err = UnsupportedType if sniffed.refusal == "unsupported" else BrokenFile
            out.append(Candidate(path, None, sid=sid, error=err(path, sniffed.reason)))
            continue
        src = Source(
            source_id=sid, path=path, sha256=sha256_file(path),
            title=(entry.title if entry else "") or "", kind=(entry.kind if entry else "cited"),
            authors=tuple(entry.authors) if entry else (), year=entry.year if entry else None,
            url=(entry.url if entry else ""), password=(entry.password if entry else "") or default_password,
        )
        out.append(Candidate(path, src, sid=sid, kind=sniffed.kind))
    return out
