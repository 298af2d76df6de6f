"""The ingest run: corpus -> parse -> chunk -> embed -> Chroma, idempotent and crash-safe.

Order of writes per source: pages, chunks (deterministic ids, upserts), delete the source's
other versions, then its registry entry. A run killed at any point leaves either the old
version registered (new rows are orphans, collected by the next run) or the new one.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from .check import bm25_problem, source_problems
from .chunking import chunk_pages, make_splitter
from .errors import ConfigError, IngestError
from .index.embedder import load_embeddings, tokenizer_of
from .index.lexical import build as build_bm25
from .index.records import ParsedDocument, Source, page_id
from .index.sentence_index import build as build_sentences
from .index.settings import Settings
from .index.store import RegistryEntry, Store, drop_index, parser_version
from .lock import write_lock
from .manifest import in_corpus, load_manifest, with_fetched_files
from .parsers.clean import normalise
from .parsers.registry import is_markdown
from .parsers.worker import ParseWorker
from .sources import Candidate, discover
from .terminal import shown

_log = logging.getLogger(__name__)


@dataclass
class SourceResult:
    path: str
    source_id: str
    status: Literal["added", "updated", "repaired", "unchanged", "removed", "failed"]
    pages: int = 0
    chunks: int = 0
    error: str | None = None
    error_kind: str | None = None


@dataclass
class IngestReport:
    sources: list[SourceResult] = field(default_factory=list)
    chunks_total: int = 0
    pages_total: int = 0
    sources_total: int = 0  # sources in the index after the run (``sources`` also lists failed and removed files)
    seconds: float = 0.0
    chunks_embedded: int = 0
    missing: list[dict] = field(default_factory=list)  # sources.toml entries with no file in the corpus yet

    @property
    def failed(self) -> list[SourceResult]:
        return [s for s in self.sources if s.status == "failed"]

    def to_json(self) -> dict:
        return {"sources": [asdict(s) for s in self.sources], "chunks_total": self.chunks_total,
                "pages_total": self.pages_total, "sources_total": self.sources_total, "seconds": round(self.seconds, 3),
                "chunks_embedded": self.chunks_embedded, "missing": self.missing}


def _missing(entries, corpus: Path) -> list[dict]:
    """Manifest entries whose file is not in the corpus (not downloaded, or named but absent): without this an
    ingest of a corpus holding only sources.toml said "0 sources" and nothing about the paper it lists."""
    return [{"id": e.id, "file": e.file, "url": e.url} for e in entries
            if not e.file or not in_corpus(e.file) or not (corpus / e.file).is_file()]


def _version(c: Candidate) -> int:
    """The parser version a candidate is (to be) stored under: its parser's and, for Markdown, its markup's."""
    return parser_version(is_markdown(Path(c.path).suffix), text=c.kind in ("html", "text"))


def _titled(src: Source, doc: ParsedDocument) -> Source:
    if src.title:
        return src
    title = doc.title or src.path.stem.replace("_", " ").replace("-", " ")
    return Source(**{**src.__dict__, "title": " ".join(normalise(title).split())})  # no control characters


class Ingestor:
    def __init__(self, settings: Settings, progress: bool = True, log=None, on_progress=None):
        self.settings = settings
        self.on_progress = on_progress  # callable(stage, done, total), e.g. for the app's progress bar
        self.progress = progress
        self.log = log or _log.info  # the CLI passes a printer; library callers get logging
        self.store = Store(settings)
        self.embeddings = load_embeddings(settings.embedding_model, settings.embed_batch_size)
        self.splitter = make_splitter(tokenizer_of(self.embeddings), settings.chunk_tokens, settings.chunk_overlap_tokens)
        self.vs = self.store.vectorstore(self.embeddings)

    def _store_source(self, src: Source, doc: ParsedDocument, chunks: list, bar, version: int) -> int:
        self.store.upsert_pages(src, doc.pages)
        step = self.settings.embed_batch_size
        for i in range(0, len(chunks), step):
            batch = chunks[i:i + step]
            self.store.upsert_chunks(self.vs, batch)
            bar.update(len(batch))
            self._embedded += len(batch)
            self._tick("embedding", self._embedded, self._to_embed)
        self.store.delete_source(src.source_id, keep_hash=src.sha256)
        self.store.prune_version(src.source_id, src.sha256, {c.chunk_id for c in chunks},
                                 {page_id(src.source_id, src.sha256, p.index) for p in doc.pages})
        self.store.put_registry(RegistryEntry(
            source_id=src.source_id, sha256=src.sha256, path=str(src.path), title=src.title, kind=src.kind,
            url=src.url, pages=len(doc.pages), chunks=len(chunks), authors=list(src.authors), year=src.year,
            parser_version=version,
            headings=[{"title": h.title, "level": h.level, "page_index": h.page_index, "offset": h.offset} for h in doc.headings]))
        return len(chunks)

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.on_progress:
            try:
                self.on_progress(stage, done, total)
            except Exception:  # a broken observer must not break the ingest
                self.on_progress = None

    def run(self) -> IngestReport:
        t0 = time.perf_counter()
        corpus = Path(self.settings.corpus_dir)
        if not corpus.is_dir():
            raise ConfigError(f"corpus folder {corpus} does not exist")
        entries = with_fetched_files(load_manifest(corpus), corpus)  # downloads keep their entry's metadata
        report = IngestReport(missing=_missing(entries, corpus))
        for m in report.missing:
            if m["file"] and not in_corpus(m["file"]):
                self.log(f"not in the corpus: {m['id']} ({shown(m['file'])}), listed in sources.toml: `file` names a "
                         f"file outside the corpus folder; copy it into {corpus} and give its name there")
                continue
            self.log(f"not in the corpus: {m['id']} ({m['file'] or 'no file yet'}), listed in sources.toml; run "
                     f"`python -m ingest fetch` (online) or put the file into {corpus}")
        registry = self.store.registry()
        broken = source_problems(self.store, registry)  # the registry is not trusted: count what is stored
        for sid, why in sorted(broken.items()):
            self.log(f"repairing {sid}: {'; '.join(why)}")
        todo = self._plan(discover(corpus, entries, self.settings.max_file_mb, self.settings.pdf_password),
                          registry, broken, report)
        parsed = self._parse(todo, report)
        planned = []
        for c, doc in parsed:
            src = _titled(c.source, doc)
            planned.append((c, doc, src, chunk_pages(src, doc.pages, doc.headings, self.splitter)))
        total = sum(len(p[3]) for p in planned)
        self._embedded, self._to_embed = 0, total
        with tqdm(desc="embedding", unit="chunk", total=total, disable=not self.progress, file=sys.stderr) as bar:
            for c, doc, src, chunks in planned:
                n = self._store_source(src, doc, chunks, bar, _version(c))
                sid = c.source.source_id
                status = "repaired" if sid in broken and registry[sid].sha256 == src.sha256 else (
                    "updated" if sid in registry else "added")
                report.sources.append(SourceResult(str(c.path), src.source_id, status, len(doc.pages), n))
                report.chunks_embedded += n
        final = self.store.registry()
        self.store.collect_orphans(final)
        self._derived(rebuild_bm25=bool(todo) or any(s.status == "removed" for s in report.sources))
        report.chunks_total = self.store.chunks.count()
        report.pages_total = sum(e.pages for e in final.values())
        report.sources_total = len(final)
        report.sources.sort(key=lambda s: s.path)
        report.seconds = time.perf_counter() - t0
        for s in report.failed:
            self.log(f"failed: {shown(s.path)}: {s.error}")
        _write_last_report(self.settings, report)
        return report

    def _plan(self, candidates: list[Candidate], registry: dict, broken: dict, report: IngestReport) -> list[Candidate]:
        """Sources to (re)ingest; unchanged ones and bad files are reported, vanished ones removed."""
        todo: list[Candidate] = []
        seen_ids: set[str] = set()
        for c in candidates:
            if c.error:
                report.sources.append(SourceResult(str(c.path), c.sid, "failed",
                                                   error=c.error.reason, error_kind=c.error.kind))
                continue
            seen_ids.add(c.source.source_id)
            reg = registry.get(c.source.source_id)
            current = _version(c)
            if reg and reg.sha256 == c.source.sha256 and reg.parser_version == current and reg.source_id not in broken:
                report.sources.append(SourceResult(str(c.path), reg.source_id, "unchanged", reg.pages, reg.chunks))
            else:
                todo.append(c)
        # Sources whose file is gone: chunks first, registry last (a crash in between is redone).
        for sid, reg in sorted(registry.items()):
            if sid not in seen_ids and not any(c.source and c.source.source_id == sid for c in todo):
                self.store.delete_source(sid)
                self.store.drop_registry(sid)
                report.sources.append(SourceResult(reg.path, sid, "removed"))
        return todo

    def _parse(self, todo: list[Candidate], report: IngestReport) -> list[tuple[Candidate, ParsedDocument]]:
        """Parse every file under a time and memory budget; a failing file is reported, the rest go on."""
        parsed: list[tuple[Candidate, ParsedDocument]] = []
        with ParseWorker(self.settings) as worker:
            for n, c in enumerate(tqdm(todo, desc="parsing", unit="file", disable=not self.progress, file=sys.stderr)):
                self._tick("parsing", n, len(todo))
                try:
                    doc = worker.parse(c.source, c.kind)
                    parsed.append((c, doc))
                    for w in doc.warnings:
                        self.log(f"warning: {shown(c.path)}: {w}")
                except IngestError as exc:
                    report.sources.append(SourceResult(str(c.path), c.source.source_id, "failed", error=exc.reason, error_kind=exc.kind))
                except Exception as exc:  # a parser bug must not stop the run
                    report.sources.append(SourceResult(str(c.path), c.source.source_id, "failed",
                                                       error=f"unexpected error: {type(exc).__name__}: {exc}", error_kind="broken"))
        return parsed

    def _derived(self, rebuild_bm25: bool) -> None:
        """BM25, sentence vectors (new versions only) and the bibliography, all derived from what is stored."""
        if (rebuild_bm25 or not _bm25_present(self.settings)
                or bm25_problem(self.store, self.store.all_chunk_meta()[0])):
            build_bm25(self.store, self.settings.db_dir)
        build_sentences(self.store, self.embeddings, self.settings.db_dir, load=False)
        try:  # the bibliography (references, in-text citations, links) is derived data: never fail the run
            from .bib.links import load_or_build_bibliography

            load_or_build_bibliography(self.store, self.settings)
        except Exception as exc:  # noqa: BLE001
            self.log(f"warning: bibliography not built ({type(exc).__name__}: {exc})")


def _write_last_report(settings: Settings, report: IngestReport) -> None:
    """Keep the last run's per-file outcome (failures and why) for the app's Library page."""
    path = Path(settings.db_dir) / "last_ingest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report.to_json(), indent=1))
    os.replace(tmp, path)


def _bm25_present(settings: Settings) -> bool:
    from .index.lexical import bm25_dir

    return (bm25_dir(settings.db_dir, settings.collection) / "fingerprint").exists()


def run_ingest(settings: Settings, progress: bool = True, rebuild: bool = False, on_progress=None,
               lock_wait: float | None = None, log=None) -> IngestReport:
    """Ingest the corpus; ``on_progress(stage, done, total)`` is called while parsing and embedding.

    Holds the index's write lock for the whole run (``lock_wait`` seconds to get it, default
    ``write_lock_wait_s``); the manifest is checked before anything is written or dropped.
    """
    log = log or _log.info

    def waiting(msg: str) -> None:
        log(msg)
        if on_progress:
            on_progress(msg, 0, 0)

    load_manifest(Path(settings.corpus_dir))  # a bad manifest stops the run before any write
    with write_lock(settings, wait_s=lock_wait, on_wait=waiting):
        if rebuild:
            drop_index(settings)
        return Ingestor(settings, progress=progress, on_progress=on_progress, log=log).run()
