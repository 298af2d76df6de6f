"""The index as the engine reads it: store, BM25, sentence index, retriever, verifier, ranker.

Opened once per engine. Opening checks the index and loads what answering needs; it never
re-embeds documents. Heavy first-inference costs are paid in ``warm_up``, which ``Engine`` calls on
opening unless it is built with ``warm=False``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ingest.errors import ConfigError, IndexMismatch, MandateError
from ingest.index.embedder import BUILTIN, load_embeddings, sentence_model
from ingest.index.lexical import LexicalIndex, stemmer
from ingest.index.sentence_index import SentenceIndex
from ingest.index.settings import Settings
from ingest.index.store import Store

from .query_adapter import LowRankQueryEncoder, QueryAdapter, load_adapter
from .reranker import load_reranker
from .retrieval import HybridRetriever
from .sentence_rank import SentenceRanker
from .spelling import Speller
from .verify import Verifier


class EngineNotReady(MandateError):
    """No usable index yet; the message says what to do."""


def one_blas_thread() -> None:
    """numpy's BLAS on one thread, for the whole process. Answering alternates torch (the question, the
    cross-encoder) with numpy products over the sentence vectors; with both libraries' thread pools spinning on
    the machine's two cores, numpy's took turns with torch's: COVID-QA test half, answer p50 193-207 ms against
    125 ms on one BLAS thread, every answer identical (docs/benchmarks.md, session 21)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@dataclass
class ReadIndex:
    settings: Settings
    store: Store
    embeddings: object
    lexical: LexicalIndex
    sentences: SentenceIndex
    retriever: HybridRetriever
    verifier: Verifier
    ranker: SentenceRanker
    reranker: object | None = None
    adapter: QueryAdapter | LowRankQueryEncoder | None = None  # reads the question for similarity (query_adapter.py)

    @classmethod
    def open(cls, s: Settings) -> ReadIndex:
        one_blas_thread()
        try:
            store = Store(s, create=False)
        except IndexMismatch:
            raise
        except ConfigError as exc:
            raise EngineNotReady(f"No index yet at {s.chroma_mode()}. Put documents in {s.corpus_dir} (or upload them on the "
                                 f"Library page) and run `python -m ingest`. ({exc})") from exc
        if store.chunks.count() == 0:
            raise EngineNotReady(f"The index at {s.chroma_mode()} is empty. Put documents in {s.corpus_dir} (or upload "
                                 f"them on the Library page) and run `python -m ingest`.")
        embeddings = load_embeddings(s.embedding_model, s.embed_batch_size)
        lexical = LexicalIndex.load_or_build(store, s.db_dir)
        retriever = HybridRetriever(store, embeddings, lexical, pool=s.retrieval.pool,
                                    mmr_lambda=s.retrieval.mmr_lambda, rrf_k=s.retrieval.rrf_k)
        sentences = SentenceIndex.load_or_build(store, embeddings, s.db_dir)
        ranker = SentenceRanker(sentences, store, retriever, context_sentences=s.retrieval.context_sentences,
                                dense_pool=s.retrieval.dense_pool, chunk_pool=s.retrieval.chunk_pool)
        return cls(settings=s, store=store, embeddings=embeddings, lexical=lexical, sentences=sentences,
                   retriever=retriever, verifier=Verifier(embeddings, s.verify_threshold), ranker=ranker,
                   reranker=load_reranker(s.reranker, sentence_model(embeddings) if s.embedding_model == BUILTIN else None,
                                          top=s.retrieval.rerank_top, max_length=s.retrieval.rerank_max_length),
                   adapter=load_adapter(s.query_adapter, s.embedding_model, sentences.vectors.shape[1],
                                        lambda: sentence_model(embeddings)))

    def warm_up(self) -> None:
        """Pay torch's first-inference cost now, not in the user's first answer."""
        self.question_vector("warm-up query about gender training")
        self.embeddings.embed_documents(["Warm-up sentence one about training.", "A second, somewhat longer warm-up "
                                         "sentence so that batching code paths are exercised too."])
        self.speller.warm_up()

    def question_vector(self, text: str):
        """The question's embedding as the query adapter reads it, when one is set."""
        embed = self.retriever.embed_query
        return self.adapter.vector(text, embed) if self.adapter is not None else embed(text)

    @cached_property
    def speller(self) -> Speller:
        """The library's words, for reading a misspelt question word as the one it meant."""
        stem = stemmer()
        return Speller(self.sentences.texts, self.lexical.vocabulary(), stem.stemWord if stem else None)

    def registry(self) -> dict:
        return self.store.registry()

    def page_text(self, source_id: str, page_index: int) -> str | None:
        e = self.registry().get(source_id)
        return self.retriever.page_text(source_id, e.sha256, page_index) if e else None

    def source_path(self, source_id: str) -> Path | None:
        e = self.registry().get(source_id)
        return Path(e.path) if e and Path(e.path).is_file() else None
