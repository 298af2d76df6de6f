"""Sentence-first retrieval: find the sentences that answer, hand back the passages around them.

Candidates come from two sides: the sentences nearest to the question in the sentence index (built
at ingest, so nothing is embedded here but the question) and the sentences inside the best chunks
of the hybrid (dense + BM25) chunk ranking. Each candidate gets the features of ``features.py``
and one probability; passages are the chunks holding the best sentences, ranked by them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from ingest.index.sentence_index import SentenceIndex

from .features import Candidate, Cues, SentenceModel, feature_vector, local_idf, make_idf
from .question_cues import (
    about_document,
    about_the_document,
    answer_type,
    asking_words,
    asks_for_title,
    asks_when_published,
    count_nouns,
    definition_pattern,
    sums_up,
)
from .records import Filters, Passage
from .text import content_words, word_pairs


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass
class Ranked:
    prob: float
    row: int
    cos: float


@dataclass
class _Span:
    start: int
    end: int
    chunk_id: str
    meta: dict


class SentenceRanker:
    def __init__(self, sindex: SentenceIndex, store, retriever, model: SentenceModel | None = None,
                 context_sentences: int = 0, dense_pool: int = 80, chunk_pool: int = 20):
        self.dense_pool = dense_pool  # nearest sentences taken from the whole index
        self.chunk_pool = chunk_pool  # best hybrid chunks whose sentences are all considered
        self.context_sentences = context_sentences  # sentences of the page added before/after each chunk
        self.idx = sindex
        self.store = store
        self.retriever = retriever
        self.model = model or SentenceModel.load()
        self.words = [frozenset(content_words(t)) for t in sindex.texts]
        self.idf = make_idf(self.words)
        sids = sorted(set(sindex.source_ids))
        self._sid_no = {s: i for i, s in enumerate(sids)}
        self.row_source = np.asarray([self._sid_no[s] for s in sindex.source_ids], dtype=np.int32)
        self.registry = store.registry()
        self._spans: dict[tuple[str, int], list[_Span]] = {}
        ids, metas = store.all_chunk_meta()
        for cid, m in zip(ids, metas):
            e = self.registry.get(m["source_id"])
            if e is None or e.sha256 != m["source_hash"]:
                continue
            self._spans.setdefault((m["source_id"], int(m["page_index"])), []).append(_Span(int(m["start"]), int(m["end"]), cid, m))
        for spans in self._spans.values():
            spans.sort(key=lambda s: s.start)
        self._pages: dict[tuple[str, int], tuple[int, int]] = {}
        for r, (sid, pg) in enumerate(zip(sindex.source_ids, sindex.page_index.tolist())):
            lo, _ = self._pages.get((sid, pg), (r, r))
            self._pages[(sid, pg)] = (lo, r + 1)

    # -- helpers --------------------------------------------------------------------------
    def sources(self, filters: Filters) -> list[str]:
        """The indexed documents ``filters`` accept."""
        return [s for s, e in self.registry.items() if s in self._sid_no and filters.accepts(
            {"kind": e.kind, "source_id": s})]

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        if filters.where() is None:  # no filter at all
            return None
        return np.isin(self.row_source, [self._sid_no[s] for s in self.sources(filters)])

    def span_of(self, row: int) -> _Span | None:
        """The chunk holding most of sentence ``row``."""
        sid, pg = self.idx.source_ids[row], int(self.idx.page_index[row])
        s, e = int(self.idx.start[row]), int(self.idx.end[row])
        best, cover = None, 0
        for sp in self._spans.get((sid, pg), []):
            c = min(e, sp.end) - max(s, sp.start)
            if c > cover:
                best, cover = sp, c
        return best

    def _page_rows(self, r: int) -> tuple[int, int]:
        """Rows lo..hi-1 of the sentence index that lie on the same page as row ``r``."""
        return self._pages.get((self.idx.source_ids[r], int(self.idx.page_index[r])), (r, r + 1))

    def _rows_in(self, sid: str, pg: int, start: int, end: int) -> list[int]:
        """Rows of the sentences of page ``pg`` that overlap ``start``..``end``."""
        lo, hi = self._pages.get((sid, pg), (0, 0))
        return [r for r in range(lo, hi) if int(self.idx.end[r]) > start and int(self.idx.start[r]) < end]

    # -- ranking --------------------------------------------------------------------------
    def rank(self, query: str, qv: np.ndarray, filters: Filters | None = None, focus: str | None = None,
             focus_vec: np.ndarray | None = None, limit: int = 60) -> list[Ranked]:
        """Candidate sentences, best first, each with the model's probability that it answers."""
        order, feats, sims = self.featurize(query, qv, filters, focus, focus_vec)
        if not order:
            return []
        probs = self.model.probability(feats)
        out = [Ranked(float(p), r, float(sims[r])) for p, r in zip(probs, order)]
        out.sort(key=lambda x: -x.prob)
        return out[:limit]

    def featurize(self, query: str, qv: np.ndarray, filters: Filters | None = None, focus: str | None = None,
                  focus_vec: np.ndarray | None = None) -> tuple[list[int], np.ndarray, np.ndarray]:
        """(candidate rows, their feature matrix, every sentence's similarity to the question)."""
        filters = filters or Filters()
        if not len(self.idx):
            return [], np.zeros((0, 0)), np.zeros(0)
        q = focus or query
        allowed = self._allowed(filters)
        asks_whole = about_the_document(q)
        whole = allowed is not None and asks_whole
        if whole:
            qv = self._towards_centre(qv, allowed)
        sims = self.idx.vectors @ qv
        if focus_vec is not None:
            sims = 0.5 * sims + 0.5 * (self.idx.vectors @ focus_vec)
        masked = sims if allowed is None else np.where(allowed, sims, -np.inf)
        n = min(self.dense_pool, int(np.isfinite(masked).sum()))
        rows: dict[int, tuple[float, float]] = {}  # row -> (chunk_cos, chunk_rank)
        if n:
            for r in np.argpartition(-masked, n - 1)[:n].tolist():
                rows[int(r)] = (0.0, 0.0)
        if whole:  # the opening page (abstract, summary) of the documents in scope (up to three) is always considered
            for sid in self.sources(filters)[:3]:
                lo, hi = self._pages.get((sid, 0), (0, 0))
                for r in range(lo, hi):
                    rows.setdefault(r, (0.0, 0.0))
        chunks = self.retriever.candidates(query, qv, filters)[:self.chunk_pool]
        chunk_feats: dict[str, tuple[float, float]] = {}
        for rank, c in enumerate(chunks):
            cf = (c.sim, 1.0 / (1 + rank))
            chunk_feats[c.id] = cf
            m = c.meta
            for r in self._rows_in(m["source_id"], int(m["page_index"]), int(m["start"]), int(m["end"])):
                rows[r] = max(rows.get(r, (0.0, 0.0)), cf, key=lambda t: t[1])
        if not rows:
            return [], np.zeros((0, 0)), sims
        # chunk similarity for dense-only candidates: their chunk's vector, fetched in one call
        need = {}
        for r, (_, crank) in rows.items():
            if crank == 0.0:
                sp = self.span_of(r)
                if sp is not None:
                    if sp.chunk_id in chunk_feats:
                        rows[r] = chunk_feats[sp.chunk_id]
                    else:
                        need.setdefault(sp.chunk_id, []).append(r)
        if need:
            got = self.store.chunks.get(ids=list(need), include=["embeddings"])
            for cid, emb in zip(got["ids"], got["embeddings"]):
                c = float(np.dot(np.asarray(emb, dtype=np.float32), qv))
                for r in need[cid]:
                    rows[r] = (c, 0.0)
        order = sorted(rows)
        q_words = content_words(q) - asking_words(q)
        pool = [self.words[r] for r in order]
        cues = Cues(q_words, answer_type(q), self.idf, local_idf(q_words, pool), definition_pattern(q), frozenset(word_pairs(q)),
                    asks_for_title(q), about_document(q), asks_whole, count_nouns(q), asks_when_published(q))
        qvec = qv if focus_vec is None else (qv + focus_vec) / 2
        feats = np.stack([feature_vector(self._candidate(r, sims, rows[r], qvec, cues.title), cues) for r in order])
        return order, feats, sims

    def shares_words(self, question: str, ranked: list[Ranked], top: int = 5) -> bool:
        """Does any content word of the question occur in or next to one of the ``top`` best sentences?

        Numbers do not count: a year shared with a reference list ("2010") says nothing about the topic. A
        question about the document itself shares the words that state it ("edited" and "editors")."""
        q = {w for w in content_words(question) if not w.isdigit()}
        states = about_document(question)
        for rk in ranked[:top]:
            r = rk.row
            lo, hi = self._page_rows(r)
            if any(q & self.words[x] for x in range(max(lo, r - 1), min(hi, r + 2))):
                return True
            if states is not None and states.search(self.idx.texts[r]):
                return True
        return False

    def _towards_centre(self, qv: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """The question's vector moved halfway to the mean of the documents in scope: "What were the results?"
        has no topic of its own, and the sentences that sum a document up lie nearest its centre."""
        centre = self.idx.vectors[allowed].mean(axis=0)
        v = qv / (np.linalg.norm(qv) or 1.0) + centre / (np.linalg.norm(centre) or 1.0)
        return (v / (np.linalg.norm(v) or 1.0)).astype(qv.dtype)

    def _window_cos(self, rows: list[int], qv: np.ndarray) -> float:
        v = self.idx.vectors[rows].sum(axis=0)
        n = float(np.linalg.norm(v))
        return float(v @ qv) / n if n else 0.0

    def _candidate(self, r: int, sims: np.ndarray, chunk: tuple[float, float], qv: np.ndarray,
                   title_asked: bool = False) -> Candidate:
        """One candidate's inputs; whether it is part of the title is looked up only for a question asking for it."""
        sid, pg = self.idx.source_ids[r], int(self.idx.page_index[r])
        lo, hi = self._page_rows(r)
        nb = [x for x in (r - 1, r + 1) if lo <= x < hi]
        sp = self.span_of(r)
        section = sp.meta.get("section", "") if sp else ""
        first_of_doc = pg == 0 and r == lo and (r == 0 or self.idx.source_ids[r - 1] != sid)
        return Candidate(row=r, cos=float(sims[r]), cos_ctx=max((float(sims[x]) for x in nb), default=0.0),
                         cos_win=self._window_cos(sorted(nb + [r]), qv),
                         cos_prev_win=self._window_cos([x for x in (r - 1, r) if lo <= x < hi], qv),
                         chunk_cos=chunk[0], chunk_rank=chunk[1], text=self.idx.texts[r], words=self.words[r],
                         context_words=frozenset().union(*(self.words[x] for x in nb + [r])),
                         section=section, title=first_of_doc,
                         head=pg == 0 and r - lo < 8, lead=pg == 0 or sums_up(section),
                         in_title=title_asked and pg == 0 and r - lo < 8 and self._in_title(sid, self.idx.texts[r]))

    def _in_title(self, sid: str, text: str) -> bool:
        """Is ``text`` the document's registered title, a part of it ("More than a mandate?"), or holding it?"""
        e = self.registry.get(sid)
        title, t = _norm(e.title if e else ""), _norm(text)
        return len(t) >= 8 and len(title) >= 8 and (t in title or title in t)

    # -- passages -------------------------------------------------------------------------
    def passages(self, ranked: list[Ranked], k: int, max_chars: int = 2500) -> tuple[list[Passage], dict[int, int]]:
        """The chunks holding the best sentences, best first; and sentence row -> passage index.

        A sentence whose chunk overlaps a passage already chosen on the same page widens that
        passage instead of adding a near-duplicate one.
        """
        out: list[Passage] = []
        where: dict[int, int] = {}
        for rk in ranked:
            r = rk.row
            sid, pg = self.idx.source_ids[r], int(self.idx.page_index[r])
            s, e = int(self.idx.start[r]), int(self.idx.end[r])
            same = [i for i, p in enumerate(out) if p.source_id == sid and p.page_index == pg]
            inside = next((i for i in same if out[i].start <= s and e <= out[i].end), None)
            if inside is not None:
                where[r] = inside
                continue
            p = self._passage(r, rk)
            if p is None:
                continue
            near = next((i for i in same if p.start < out[i].end and out[i].start < p.end
                         and max(p.end, out[i].end) - min(p.start, out[i].start) <= max_chars), None)
            if near is not None:
                out[near] = self._widen(out[near], p)
                where[r] = near
                continue
            if len(out) >= k:
                continue
            where[r] = len(out)
            out.append(p)
        return out, where

    def _widen(self, a: Passage, b: Passage) -> Passage:
        start, end = min(a.start, b.start), max(a.end, b.end)
        page = self.retriever.page_text(a.source_id, a.source_hash, a.page_index) or ""
        para = a.paragraph if a.start <= b.start else b.paragraph
        return replace(a, start=start, end=end, text=page[start:end], paragraph=para)

    def _passage(self, r: int, rk: Ranked) -> Passage | None:
        sid, pg = self.idx.source_ids[r], int(self.idx.page_index[r])
        e = self.registry.get(sid)
        sp = self.span_of(r)
        if e is None or sp is None:
            return None
        s0, e0 = int(self.idx.start[r]), int(self.idx.end[r])
        start, end = min(sp.start, s0), max(sp.end, e0)
        if self.context_sentences:
            lo, hi = self._page_rows(r)
            inside = self._rows_in(sid, pg, start, end)
            if inside:
                a = max(lo, inside[0] - self.context_sentences)
                b = min(hi - 1, inside[-1] + self.context_sentences)
                start, end = min(start, int(self.idx.start[a])), max(end, int(self.idx.end[b]))
        page = self.retriever.page_text(sid, e.sha256, pg)
        if page is None:
            return None
        m = sp.meta
        para = int(m.get("paragraph", 0) or 0)
        if para and start < sp.start:
            para -= page.count("\n\n", start, sp.start)
        return Passage.from_metadata(sp.chunk_id, {**m, "source_hash": e.sha256, "title": m.get("title", e.title),
                                                   "kind": m.get("kind", e.kind)}, page[start:end], start=start, end=end,
                                     score=rk.prob, similarity=rk.cos, paragraph=para)


_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*")


def focus_passage(p: Passage, start: int, end: int, max_chars: int = 320) -> Passage:
    """The passage narrowed to a window around one of its sentences (short prompts for small models).

    The window holds whole sentences only: a small model copies what it is shown, and a window opening
    mid-word ("rity institutions. The main goal …") came back as the answer's first words."""
    if len(p.text) <= max_chars:
        return p
    lo = max(p.start, min(start, end - max_chars))
    hi = min(p.end, max(end, lo + max_chars))
    if lo < start:  # context before the sentence: from the first sentence that starts inside the window
        m = _SENTENCE_END.search(p.text, lo - p.start, start - p.start)
        lo = p.start + m.end() if m else start
    if hi > end:  # context after it: up to the last sentence that ends inside the window
        ends = list(_SENTENCE_END.finditer(p.text, end - p.start, hi - p.start))
        hi = p.start + len(p.text[:ends[-1].end()].rstrip()) if ends else end
    return replace(p, start=lo, end=hi, text=p.text[lo - p.start: hi - p.start])
