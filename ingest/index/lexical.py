"""BM25 index over all chunks, built at ingest time and persisted next to the vector index.

The engine loads it and never rebuilds it per query; a fingerprint of the registry tells
whether it still matches the stored chunks.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import bm25s

from .store import Store

_STEMMER = None


def stemmer():
    global _STEMMER
    if _STEMMER is None:
        try:
            import Stemmer

            _STEMMER = Stemmer.Stemmer("english")
        except ImportError:
            _STEMMER = False
    return _STEMMER or None


def tokenize(texts: list[str]):
    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer(), show_progress=False)


def fingerprint(store: Store) -> str:
    reg = store.registry()
    items = sorted((sid, e.sha256, e.chunks) for sid, e in reg.items())
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:32]


def bm25_dir(db_dir: Path, collection: str) -> Path:
    return Path(db_dir) / f"bm25-{collection}"


def build(store: Store, db_dir: Path) -> Path:
    """(Re)build the BM25 index from every stored chunk; swap it in atomically."""
    got = store.chunks.get(include=["documents"])
    ids, docs = got["ids"], got["documents"]
    target = bm25_dir(db_dir, store.settings.collection)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=target.parent))
    retriever = bm25s.BM25()
    if docs:
        retriever.index(tokenize(docs), show_progress=False)
        retriever.save(str(tmp / "index"))
    (tmp / "ids.json").write_text(json.dumps(ids))
    (tmp / "fingerprint").write_text(fingerprint(store))
    old = target.with_name(target.name + ".old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    return target


class LexicalIndex:
    """A loaded BM25 index: query -> [(chunk_id, score)]."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.ids: list[str] = json.loads((self.dir / "ids.json").read_text())
        self.fingerprint = (self.dir / "fingerprint").read_text().strip()
        self.retriever = bm25s.BM25.load(str(self.dir / "index")) if self.ids else None

    @classmethod
    def load_or_build(cls, store: Store, db_dir: Path) -> LexicalIndex:
        d = bm25_dir(db_dir, store.settings.collection)
        try:
            idx = cls(d)
            if idx.fingerprint == fingerprint(store):
                return idx
        except (OSError, ValueError, json.JSONDecodeError):
            pass
        return cls(build(store, db_dir))

    def vocabulary(self) -> set[str]:
        """Stemmed terms of the whole corpus (as BM25 saw them)."""
        if not hasattr(self, "_vocab"):
            self._vocab = set(self.retriever.vocab_dict) if self.retriever else set()
        return self._vocab

    def unknown_terms(self, words: list[str]) -> list[str]:
        """Words none of whose terms occur anywhere in the corpus, or with a long number the corpus lacks.

        Numbers of one or two digits ("25 January", "Feb. 10", the "2" of "2,000") are too common to
        tell anything and are ignored; a word made only of them is never unknown.
        """
        vocab = self.vocabulary()
        out = []
        for w in words:
            toks = tokenize([w])
            terms = [t for t, _ in sorted(toks.vocab.items(), key=lambda kv: kv[1])]
            checked = [t for t in terms if not (t.isdigit() and len(t) < 3)]
            if not checked:
                continue
            if not any(t in vocab for t in checked) or any(t not in vocab for t in checked if t.isdigit()):
                if not self.near_known(w, vocab):
                    out.append(w)
        return out

    @staticmethod
    def near_known(word: str, vocab: set[str]) -> bool:
        """"COVID19" for "COVID-19", "Zanamavir" for "zanamivir": a spelling variant is not an unknown name."""
        import difflib

        parts = re.findall(r"[^\W\d_]+|\d+", word.lower())  # letters of any script: "Müller", "Côte"
        if len(parts) > 1 and all(p in vocab or (p.isdigit() and len(p) < 3) for p in parts):
            return True
        low = re.sub(r"[\W_]", "", word.lower())
        if low.isalpha() and len(low) >= 5 and any(len(v) >= len(low) + 4 and v.startswith(low) for v in vocab):
            return True  # a short form of a longer word: "Staph" for "Staphylococcus" (not "Niger" for "Nigeria")
        if len(low) < 6 or low.isdigit():
            return False
        # the word's stem, never a number part ("19" of "COVID-19"); of stems as long, the first in the word
        # ("elisa" of "ELISA-array"): the tokenizer's vocabulary order changes with Python's hash seed
        terms = sorted((t for t in tokenize([word]).vocab if not t.isdigit()), key=lambda t: (-len(t), word.lower().find(t)))
        probe = terms[0] if terms else low
        if len(probe) >= 7:  # same word family: "phagocytic" (phagocyt) for "phagocytosis" (phagocytosi)
            head = probe[: max(6, len(probe) - 2)]
            if any(v.startswith(head) for v in vocab):
                return True
        near = [v for v in vocab if v[:2] == probe[:2] and abs(len(v) - len(probe)) <= 2]
        return bool(difflib.get_close_matches(probe, near, n=1, cutoff=0.85))

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        if not self.retriever or not query.strip():
            return []
        toks = tokenize([query])
        if not toks.vocab:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.retriever.retrieve(toks, k=k, show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
