"""Chroma storage: chunks (vectors, via langchain-chroma), page texts, and a source registry.

The same code runs on an embedded PersistentClient or a Chroma server (HttpClient). The
registry entry of a source is written last, so a source is "done" only once its chunks and
pages are all stored; anything else found in the index is an orphan and gets collected.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import chromadb

from ..errors import ConfigError, IndexMismatch
from .embedder import updates_tag
from .records import Chunk, Page, Source, page_id
from .settings import Settings

SCHEMA = 1
PARSER_VERSION = 12  # bump when parsing/cleaning/chunking output changes: sources are re-ingested
MARKDOWN_VERSION = 1  # Markdown's own changes (markup stripped, Setext headings): only .md files are re-ingested
# Texts without pages (TXT, MD, HTML) of their own: only those are re-ingested. 1: a short one is paragraphs too
# ("¶ 7", not "p. 1" of a page that was never printed).
TEXT_VERSION = 1


def parser_version(markdown: bool, text: bool = False) -> int:
    """The version a source's registry entry records: texts without pages and Markdown files carry their own parts."""
    return PARSER_VERSION + (1000 * MARKDOWN_VERSION if markdown else 0) + (100_000 * TEXT_VERSION if text else 0)
DUMMY = [1.0]  # pages and registry need no vectors; Chroma wants one anyway


@dataclass
class RegistryEntry:
    source_id: str
    sha256: str
    path: str
    title: str
    kind: str
    url: str
    pages: int
    chunks: int
    authors: list[str]
    year: int | None = None
    parser_version: int = 0
    headings: list = field(default_factory=list)  # [{title, level, page_index, offset}] in document order

    @classmethod
    def from_json(cls, s: str) -> RegistryEntry:
        return cls(**json.loads(s))


def make_client(settings: Settings, create: bool = True):
    """The Chroma client of ``settings``. ``create=False`` (readers): an embedded index folder without its
    database is "no index", and nothing is written there (``ask --db <typo>`` left an empty chroma.sqlite3 in
    whatever folder it named, the corpus folder included)."""
    tele = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=tele)
        except Exception as exc:
            raise ConfigError(f"cannot reach the Chroma server at {settings.chroma_mode()}: {exc}") from exc
    db = Path(settings.db_dir)
    if db.exists() and not db.is_dir():
        raise ConfigError(f"the index location {db} is a file, not a folder (check --db / MANDATE_DB_DIR)")
    if not create and not (db / "chroma.sqlite3").is_file():
        raise ConfigError(f"no index at {settings.chroma_mode()}: run `python -m ingest` first")
    try:
        db.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the index folder {db} ({exc.strerror or exc})") from exc
    return chromadb.PersistentClient(path=str(db), settings=tele)


def is_read_only(db_dir: Path) -> bool:
    """True when this process may not write the embedded index (read-only mount or permissions)."""
    db = Path(db_dir)
    files = [db, db / "chroma.sqlite3"]
    return db.is_dir() and any(p.exists() and not os.access(p, os.W_OK) for p in files)


_SNAPSHOTS: dict[str, Path] = {}


def reader_settings(settings: Settings) -> Settings:
    """Settings a reader (ask, search, check, the app) opens the index with.

    Chroma's embedded store cannot open a database read-only (it writes on open), so a read-only
    index is served from a private snapshot copy: nothing is ever written to the original.
    """
    if settings.chroma_host or not is_read_only(settings.db_dir):
        return settings
    key = str(Path(settings.db_dir).resolve())
    snap = _SNAPSHOTS.get(key)
    if snap is None or not snap.exists():
        base = Path(tempfile.mkdtemp(prefix="mandate-readonly-"))
        snap = base / "index"
        shutil.copytree(settings.db_dir, snap, ignore=shutil.ignore_patterns("write.lock", "*.tmp"))
        for p in [snap, *snap.rglob("*")]:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
        atexit.register(shutil.rmtree, base, True)
        _SNAPSHOTS[key] = snap
    return settings.model_copy(update={"db_dir": snap})


def drop_index(settings: Settings) -> None:
    """Delete the index's collections (for a rebuild); opening a Store would refuse a mismatched index."""
    client = make_client(settings)
    for suffix in ("chunks", "pages", "sources"):
        try:
            client.delete_collection(f"{settings.collection}_{suffix}")
        except Exception:  # not there: nothing to drop
            pass


def index_signature(settings: Settings) -> dict:
    sig = {"embedding_model": settings.embedding_model, "chunk_tokens": settings.chunk_tokens,
           "chunk_overlap_tokens": settings.chunk_overlap_tokens, "schema": SCHEMA}
    tag = updates_tag(settings.embedding_model)  # only for the fitted model: other indexes keep their signature
    return sig | ({"embedding_updates": tag} if tag else {})


class Store:
    """The three collections of one index, opened with a signature check."""

    def __init__(self, settings: Settings, client=None, create: bool = True):
        self.settings = settings
        self.client = client or make_client(settings, create=create)
        name = settings.collection
        sig = index_signature(settings)
        existing = {c.name if hasattr(c, "name") else c for c in self.client.list_collections()}
        chunks_name = f"{name}_chunks"
        if chunks_name in existing:
            self.chunks = self.client.get_collection(chunks_name, embedding_function=None)
            self._check_signature(self.chunks.metadata or {}, sig)
        elif create:
            self.chunks = self.client.create_collection(
                chunks_name, metadata={"hnsw:space": "cosine", **sig}, embedding_function=None)
        else:
            raise ConfigError(f"no index at {settings.chroma_mode()}: run `python -m ingest` first")
        self.pages = self.client.get_or_create_collection(f"{name}_pages", embedding_function=None)
        self.registry_col = self.client.get_or_create_collection(f"{name}_sources", embedding_function=None)

    def _check_signature(self, meta: dict, sig: dict) -> None:
        diff = {k: (meta.get(k), v) for k, v in sig.items() if meta.get(k) != v}
        if diff:
            parts = ", ".join(f"{k}: index has {a!r}, settings ask for {b!r}" for k, (a, b) in diff.items())
            raise IndexMismatch(
                f"the index at {self.settings.chroma_mode()} was built with other settings ({parts}). "
                f"Rebuild it with `python -m ingest --rebuild` (or point MANDATE_DB_DIR at a new folder), "
                f"or set the MANDATE_ variables back to the index's values.")

    # -- registry -------------------------------------------------------------------------
    def registry(self) -> dict[str, RegistryEntry]:
        got = self.registry_col.get(include=["documents"])
        return {i: RegistryEntry.from_json(d) for i, d in zip(got["ids"], got["documents"])}

    def put_registry(self, entry: RegistryEntry) -> None:
        self.registry_col.upsert(ids=[entry.source_id], embeddings=[DUMMY],
                                 documents=[json.dumps(entry.__dict__)], metadatas=[{"sha256": entry.sha256}])

    def drop_registry(self, source_id: str) -> None:
        self.registry_col.delete(ids=[source_id])

    # -- writes ---------------------------------------------------------------------------
    def vectorstore(self, embeddings):
        """The chunks collection as a LangChain vector store (embeds on add, searches by query)."""
        from langchain_chroma import Chroma

        return Chroma(client=self.client, collection_name=self.chunks.name, embedding_function=embeddings)

    def upsert_chunks(self, vectorstore, chunks: list[Chunk]) -> None:
        """Embed and upsert one batch through langchain-chroma (ids are deterministic: idempotent)."""
        vectorstore.add_texts([c.text for c in chunks], metadatas=[c.metadata() for c in chunks],
                              ids=[c.chunk_id for c in chunks])

    def upsert_pages(self, source: Source, pages: list[Page]) -> None:
        if not pages:
            return
        self.pages.upsert(
            ids=[page_id(source.source_id, source.sha256, p.index) for p in pages], embeddings=[DUMMY] * len(pages),
            documents=[p.text for p in pages],
            metadatas=[{"source_id": source.source_id, "source_hash": source.sha256,
                        "page_index": p.index, "page_label": p.label} for p in pages])

    def delete_source(self, source_id: str, keep_hash: str | None = None) -> None:
        """Delete a source's chunks and pages, except those of ``keep_hash`` (its current version)."""
        where: dict = {"source_id": source_id}
        if keep_hash:
            where = {"$and": [{"source_id": source_id}, {"source_hash": {"$ne": keep_hash}}]}
        self.chunks.delete(where=where)
        self.pages.delete(where=where)

    def prune_version(self, source_id: str, source_hash: str, keep_chunks: set[str], keep_pages: set[str]) -> None:
        """Remove rows of this exact version that a re-parse no longer produces (e.g. after a parser upgrade)."""
        where = {"$and": [{"source_id": source_id}, {"source_hash": source_hash}]}
        for col, keep in ((self.chunks, keep_chunks), (self.pages, keep_pages)):
            stale = [i for i in col.get(where=where, include=[])["ids"] if i not in keep]
            if stale:
                col.delete(ids=stale)

    def collect_orphans(self, registry: dict[str, RegistryEntry], in_progress: set[str] = frozenset()) -> None:
        """Remove chunks/pages of sources that are not (or no longer) registered, or of old versions."""
        known = sorted(set(registry) | set(in_progress))
        for col in (self.chunks, self.pages):
            if known:
                col.delete(where={"source_id": {"$nin": known}})
            elif col.count():
                col.delete(where={"source_id": {"$ne": ""}})
        for sid, entry in registry.items():
            if sid not in in_progress:
                self.delete_source(sid, keep_hash=entry.sha256)

    # -- reads ----------------------------------------------------------------------------
    def page_text(self, source_id: str, source_hash: str, page_index: int) -> str | None:
        got = self.pages.get(ids=[page_id(source_id, source_hash, page_index)], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def all_chunk_meta(self) -> tuple[list[str], list[dict]]:
        got = self.chunks.get(include=["metadatas"])
        return got["ids"], got["metadatas"]

