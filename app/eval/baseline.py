"""The naive baseline: what a LangChain RAG tutorial does.

Plain dense top-k from the same Chroma collection and embedding model (``similarity_search_with_score``):
no BM25, no merging or diversity, no follow-up rewriting (the question alone is embedded), no refusal.
Its "answer" is the first chunk; its "citations" are the first ``cite_k`` chunks (LangChain's default
k = 4), each quoting the whole chunk.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..engine import Passage

LANGCHAIN_DEFAULT_K = 4


@dataclass
class BaselineResult:
    answer: str
    passages: list[Passage]  # ranked, as many as asked for
    citations: list[Passage]  # the first cite_k passages
    latency_s: float
    distances: list[float] = field(default_factory=list)


def doc_to_passage(doc, distance: float) -> Passage:
    m = doc.metadata or {}
    return Passage.from_metadata(str(getattr(doc, "id", "") or ""), m, doc.page_content, similarity=1.0 - float(distance))


class NaiveBaseline:
    name = "naive dense top-k"

    def __init__(self, engine, cite_k: int = LANGCHAIN_DEFAULT_K):
        from langchain_chroma import Chroma

        self.cite_k = cite_k
        self.vs = Chroma(client=engine.store.client, collection_name=engine.store.chunks.name,
                         embedding_function=engine.embeddings)

    def run(self, question: str, k: int = 10, where: dict | None = None) -> BaselineResult:
        """Dense top-k, within ``where`` (a Chroma filter: the same scope as the engine's question) if given."""
        t0 = time.perf_counter()
        hits = self.vs.similarity_search_with_score(question, k=max(k, self.cite_k), filter=where)
        latency = time.perf_counter() - t0
        passages = [doc_to_passage(d, s) for d, s in hits]
        return BaselineResult(answer=passages[0].text if passages else "", passages=passages[:k],
                              citations=passages[: self.cite_k], latency_s=latency,
                              distances=[float(s) for _, s in hits])
