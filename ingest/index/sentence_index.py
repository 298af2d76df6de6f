"""Sentence vectors of every stored page, built at ingest so answering never embeds sentences.

The answer engine ranks sentences (the unit that answers a question) and hands back the passage
around the best ones. Embedding the sentences of the retrieved passages at query time cost
hundreds of milliseconds and grew with page length; here each source version's sentences are
split and embedded once, saved as ``<version>.p<parser>.json`` (offsets and text) plus ``.npy``
(float16 vectors) in ``<db>/sentences-<collection>/``. Derived data, like BM25: rebuilt
incrementally from the stored pages, files written atomically, stale versions removed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from ..hyphens import Hyphens
from ..sentences import split_sentences
from .page_breaks import Continuation, join_page_breaks
from .records import version_key
from .store import Store

log = logging.getLogger(__name__)

SPLIT_VERSION = 7  # bump when sentence splitting changes: every source's sentences are split and embedded again


def sentence_dir(db_dir: Path, collection: str) -> Path:
    return Path(db_dir) / f"sentences-{collection}"


def _file_key(source_id: str, entry) -> str:
    """The sentence files' name; a source id too long for a file name (a 240-character file name makes one) is
    replaced by its hash: the name stayed over the file system's 255 bytes and the ingest stopped with a traceback."""
    named = source_id if len(source_id.encode()) <= 160 else hashlib.sha256(source_id.encode()).hexdigest()[:16]
    return f"{version_key(named, entry.sha256)}.p{entry.parser_version}.s{SPLIT_VERSION}"


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_json(path: str, obj) -> None:
    Path(path).write_text(json.dumps(obj))


def _save_npy(path: str, vecs: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, vecs)


def _split_source(store: Store, source_id: str, sha256: str) -> dict:
    got = store.pages.get(where={"$and": [{"source_id": source_id}, {"source_hash": sha256}]},
                          include=["documents", "metadatas"])
    rows = sorted(zip(got["metadatas"], got["documents"]), key=lambda r: int(r[0]["page_index"]))
    pages = [(int(m["page_index"]), str(m.get("page_label", int(m["page_index"]) + 1)), t or "",
              split_sentences(t or "")) for m, t in rows]
    sents, cont = join_page_breaks(pages, Hyphens.of([t for _, _, t, _ in pages]))
    return {"page_index": [pg for pg, _ in sents], "start": [s.start for _, s in sents],
            "end": [s.end for _, s in sents], "text": [s.text for _, s in sents],
            "cont": {str(r): c.to_list() for r, c in cont.items()}}


def build(store: Store, embeddings, db_dir: Path, persist: bool = True,
          load: bool = True) -> dict[str, tuple[dict, np.ndarray]]:
    """Bring the sentence files up to date with the registry; return {source_id: (sentences, vectors)}.

    Only versions without a file are split and embedded, so a rerun after an unchanged ingest costs
    nothing. With ``persist=False`` (or an index folder that cannot be written, e.g. read-only)
    missing parts are computed in memory only. With ``load=False`` (ingest: it only needs the files
    to exist) files already there are not read and the result holds only what was built.
    """
    d = sentence_dir(db_dir, store.settings.collection)
    if persist:
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError:
            persist = False
    registry = store.registry()
    wanted = {_file_key(sid, e): sid for sid, e in registry.items()}
    if persist:
        for f in d.glob("*.json"):
            if f.stem not in wanted:
                for stale in (f, f.with_suffix(".npy")):
                    stale.unlink(missing_ok=True)
    out: dict[str, tuple[dict, np.ndarray]] = {}
    for key, sid in sorted(wanted.items()):
        meta_f, vec_f = d / f"{key}.json", d / f"{key}.npy"
        if not load and persist and meta_f.is_file() and vec_f.is_file():
            continue
        try:
            sents = json.loads(meta_f.read_text())
            vecs = np.load(vec_f)
            if len(vecs) == len(sents["text"]):
                out[sid] = (sents, vecs)
                continue
        except (OSError, ValueError):
            pass
        sents = _split_source(store, sid, registry[sid].sha256)
        texts = sents["text"]
        vecs = (np.asarray(embeddings.embed_documents(texts), dtype=np.float16) if texts
                else np.zeros((0, 384), dtype=np.float16))
        if persist:
            try:  # vectors first: a JSON file without its vectors is rebuilt, never trusted
                _atomic_write(vec_f, partial(_save_npy, vecs=vecs))
                _atomic_write(meta_f, partial(_write_json, obj=sents))
            except OSError as exc:
                log.warning("sentence index not saved (%s); kept in memory", exc)
        out[sid] = (sents, vecs)
    return out


@dataclass
class SentenceIndex:
    """All sentences of the index in one matrix: row i is sentence i of source ``source_ids[i]``."""

    source_ids: list[str] = field(default_factory=list)
    page_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    texts: list[str] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 384), dtype=np.float32))
    continued: dict[int, Continuation] = field(default_factory=dict)  # row -> rest of its sentence on the next page

    @classmethod
    def load_or_build(cls, store: Store, embeddings, db_dir: Path) -> SentenceIndex:
        parts = build(store, embeddings, db_dir)
        idx = cls()
        sids, pages, starts, ends, vecs = [], [], [], [], []
        for sid, (s, v) in sorted(parts.items()):
            for r, c in s.get("cont", {}).items():
                idx.continued[len(sids) + int(r)] = Continuation.from_list(c)
            sids += [sid] * len(s["text"])
            pages += s["page_index"]
            starts += s["start"]
            ends += s["end"]
            idx.texts += s["text"]
            vecs.append(np.asarray(v, dtype=np.float32))
        idx.source_ids = sids
        idx.page_index = np.asarray(pages, dtype=np.int32)
        idx.start = np.asarray(starts, dtype=np.int32)
        idx.end = np.asarray(ends, dtype=np.int32)
        if vecs:
            idx.vectors = np.concatenate(vecs) if len(vecs) > 1 else vecs[0]
        return idx

    def __len__(self) -> int:
        return len(self.texts)

    def texts_by_source(self) -> dict[str, list[str]]:
        """{source id: its sentences in reading order} (rows are grouped by source already)."""
        out: dict[str, list[str]] = {}
        for sid, text in zip(self.source_ids, self.texts):
            out.setdefault(sid, []).append(text)
        return out
