"""Hybrid retrieval: dense (Chroma) + BM25 (bm25s, built at ingest), fused by reciprocal rank,
adjacent chunks of a page merged, then MMR for diversity across sources."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingest.index.lexical import LexicalIndex
from ingest.index.store import Store

from .records import Filters, Passage


@dataclass
class _Cand:
    id: str
    text: str
    meta: dict
    emb: np.ndarray
    fused: float = 0.0
    sim: float = 0.0
    lex: float = 0.0


class HybridRetriever:
    def __init__(self, store: Store, embeddings, lexical: LexicalIndex, pool: int = 30, mmr_lambda: float = 0.75,
                 rrf_k: int = 60):
        self.rrf_k = rrf_k  # reciprocal-rank fusion: score = sum of 1 / (rrf_k + rank)
        self.store = store
        self.embeddings = embeddings
        self.lexical = lexical
        self.pool = pool
        self.mmr_lambda = mmr_lambda
        self._page_text = lru_cache(maxsize=512)(self._load_page)

    def _load_page(self, source_id: str, source_hash: str, page_index: int) -> str | None:
        return self.store.page_text(source_id, source_hash, page_index)

    def page_text(self, source_id: str, source_hash: str, page_index: int) -> str | None:
        return self._page_text(source_id, source_hash, page_index)

    def embed_query(self, query: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(query), dtype=np.float32)

    def candidates(self, query: str, qv: np.ndarray, filters: Filters) -> list[_Cand]:
        n = self.store.chunks.count()
        if n == 0:
            return []
        got = self.store.chunks.query(query_embeddings=[qv.tolist()], n_results=min(self.pool, n), where=filters.where(),
                                      include=["documents", "metadatas", "embeddings", "distances"])
        cands: dict[str, _Cand] = {}
        for cid, doc, meta, emb in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["embeddings"][0]):
            cands[cid] = _Cand(cid, doc, meta, np.asarray(emb, dtype=np.float32))
        dense_order = list(cands)
        lex_hits = self.lexical.search(query, k=self.pool * 2) if self.lexical else []
        missing = [cid for cid, _ in lex_hits if cid not in cands]
        if missing:
            extra = self.store.chunks.get(ids=missing, include=["documents", "metadatas", "embeddings"])
            for cid, doc, meta, emb in zip(extra["ids"], extra["documents"], extra["metadatas"], extra["embeddings"]):
                if filters.accepts(meta):
                    cands[cid] = _Cand(cid, doc, meta, np.asarray(emb, dtype=np.float32))
        lex_order = [cid for cid, _ in lex_hits if cid in cands][: self.pool]
        fused = rrf([dense_order, lex_order], self.rrf_k)
        lex_score, lexed = dict(lex_hits), set(lex_order)
        for cid, c in cands.items():
            c.fused = fused.get(cid, 0.0)
            c.lex = lex_score.get(cid, 0.0) if cid in lexed else 0.0
            c.sim = float(np.dot(c.emb, qv))
        return sorted(cands.values(), key=lambda c: -c.fused)

    def search(self, query: str, k: int = 6, filters: Filters | None = None, qv: np.ndarray | None = None) -> list[Passage]:
        filters = filters or Filters()
        qv = self.embed_query(query) if qv is None else qv
        cands = self.candidates(query, qv, filters)
        return mmr(merge_adjacent(cands[: self.pool], self.page_text), k, self.mmr_lambda)


def rrf(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal-rank fusion: each id scores the sum over rankings of 1 / (k + its 1-based rank)."""
    out: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking):
            out[cid] = out.get(cid, 0.0) + 1.0 / (k + rank + 1)
    return out


def merge_adjacent(cands: list[_Cand], page_text) -> list[tuple[Passage, np.ndarray]]:
    """Merge overlapping/adjacent chunks of the same page into one passage (best member's vector).

    ``page_text(source_id, source_hash, page_index)`` gives the page a merged run is cut from."""
    groups: dict[tuple, list[_Cand]] = {}
    for c in cands:
        groups.setdefault((c.meta["source_id"], c.meta["source_hash"], c.meta["page_index"]), []).append(c)
    out = []
    for (sid, sha, page), members in groups.items():
        members.sort(key=lambda c: c.meta["start"])
        runs: list[list[_Cand]] = [[members[0]]]
        for c in members[1:]:
            if c.meta["start"] <= max(m.meta["end"] for m in runs[-1]) + 1:
                runs[-1].append(c)
            else:
                runs.append([c])
        for run in runs:
            best = max(run, key=lambda c: c.fused)
            start, end = run[0].meta["start"], max(m.meta["end"] for m in run)
            text = best.text
            if len(run) > 1:
                whole = page_text(sid, sha, page)
                text = whole[start:end] if whole else " ".join(m.text for m in run)
            out.append((Passage.from_metadata(best.id, best.meta, text, start=start, end=end, score=max(c.fused for c in run),
                                              similarity=max(c.sim for c in run), lexical=max(c.lex for c in run),
                                              paragraph=int(run[0].meta.get("paragraph", 0) or 0)), best.emb))
    return out


def mmr(items: list[tuple[Passage, np.ndarray]], k: int, lam: float = 0.75) -> list[Passage]:
    """Maximal marginal relevance: relevance (score / best score) against similarity to those already chosen."""
    if not items:
        return []
    top = max(p.score for p, _ in items) or 1.0
    chosen: list[tuple[Passage, np.ndarray]] = []
    rest = sorted(items, key=lambda it: -it[0].score)
    while rest and len(chosen) < k:
        def value(it):
            red = max((float(np.dot(it[1], e)) for _, e in chosen), default=0.0)
            return lam * it[0].score / top - (1 - lam) * red
        best = max(rest, key=value)
        chosen.append(best)
        rest.remove(best)
    return [p for p, _ in chosen]
