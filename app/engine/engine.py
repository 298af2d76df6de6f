"""The one entry point every face uses: ``Engine.answer`` / ``answer_stream`` / ``search``.

Pure Python (never imports streamlit). ``Engine`` only wires small parts with explicit inputs:
the read-only index (``index.py``), the query rewriter (``followup.py``), the refusal policy
(``refusal.py``), the quote and generate answerers (``answerers.py``) and the tracer
(``tracing.py``). Refusal is decided from retrieval scores, never by a model.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ingest.index.settings import Settings, get_settings

from .answerers import GenerateAnswerer, QuoteAnswerer
from .definitions import definition_first
from .followup import is_continuation, last_assistant_answer, not_already_said, standalone_query
from .index import EngineNotReady, ReadIndex
from .match import match_of
from .question_cues import about_the_document
from .quote import quotable
from .records import Answer, Filters, Passage, Turn
from .refusal import REFUSAL, Elsewhere, RefusalPolicy

log = logging.getLogger(__name__)

__all__ = ["Engine", "EngineNotReady", "REFUSAL"]


class Engine:
    def __init__(self, settings: Settings | None = None, llm=None, warm: bool = True):
        self.settings = settings or get_settings()
        self._llm = llm  # injected chat model (tests, custom); else built lazily on first generate
        self._llm_name = "injected" if llm is not None else None
        self._open(warm)

    def _open(self, warm: bool = True) -> None:
        s = self.settings
        self.index = ReadIndex.open(s)
        self.policy = RefusalPolicy(self.index, s.refusal_threshold, s.refusal_elsewhere_margin, s.refusal_elsewhere_min)
        if warm:
            self.warm_up()
        self.quote = QuoteAnswerer(self.index.sentences, s.quote)
        self.generator = GenerateAnswerer(self.index.sentences, self.index.verifier, self.quote)
        self.tracer = None
        try:  # tracing into cited sources is an enhancement: answering never depends on it
            from .tracing import Tracer

            self.tracer = Tracer.load(self)
        except Exception as exc:  # noqa: BLE001
            log.warning("citation tracing unavailable: %s: %s", type(exc).__name__, exc)

    def warm_up(self) -> None:
        """Load what the first answer would otherwise pay for (torch's first inference, the word tables)."""
        self.index.warm_up()
        self.policy.warm_up()

    def reload(self) -> None:
        self._open()

    # the index's parts, for the features built on the engine (eval, onboarding, tracing)
    store = property(lambda self: self.index.store)
    embeddings = property(lambda self: self.index.embeddings)
    lexical = property(lambda self: self.index.lexical)
    sentences = property(lambda self: self.index.sentences)
    retriever = property(lambda self: self.index.retriever)
    verifier = property(lambda self: self.index.verifier)
    ranker = property(lambda self: self.index.ranker)
    reranker = property(lambda self: self.index.reranker)

    # -- LLM seam -------------------------------------------------------------------------
    def llm(self):
        if self._llm is None:
            from .llm import describe_llm, make_chat_model

            self._llm = make_chat_model(self.settings)
            self._llm_name = describe_llm(self.settings)
        return self._llm

    def describe_llm(self) -> str:
        if self._llm_name:
            return self._llm_name
        try:
            from .llm import describe_llm

            return describe_llm(self.settings)
        except Exception as exc:  # pragma: no cover - import problems of optional parts
            return f"unavailable ({exc})"

    # -- retrieval ------------------------------------------------------------------------
    def _ranked(self, query: str, filters: Filters | None, focus: str | None = None):
        """(ranked sentences, by probability, again): the first list is reordered by the reranker if one is
        set (and a definition of the term asked about leads it: ``definitions.py``); the second is the calibrated
        model's, which alone decides refusal (its first probability is the evidence); ``again(filters)`` ranks the
        same question, with the same vectors, under other filters."""
        qv = self.query_vector(query)
        fv = self.query_vector(focus) if focus else None

        def again(f: Filters | None):
            return self.ranker.rank(query, qv, f, focus=focus, focus_vec=fv)

        by_prob = ranked = again(filters)
        if self.reranker is not None:
            ranked = self.reranker.rerank(focus or query, ranked, self.sentences.texts)
        ranked = definition_first(focus or query, ranked, self.sentences.texts)
        return ranked, by_prob, again

    def query_vector(self, text: str):
        """The question's embedding, as the query adapter reads it when one is set."""
        return self.index.question_vector(text)

    def searched_as(self, query: str) -> str:
        """The query as it is ranked: spelled as the library spells it ("carageenan" -> "carrageenan") and with the
        words of an acronym the library only writes out ("WPS" -> "WPS (Women, Peace and Security)"). Refusal
        judges the words as typed."""
        return self.policy.expand_acronyms(self.index.speller.correct(query))

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Passage]:
        """Passages holding the sentences that best answer ``query``, best first."""
        ranked, _, _ = self._ranked(self.searched_as(query), filters)
        passages, _ = self.ranker.passages(ranked, k)
        return passages

    def best_elsewhere(self, rank, filters: Filters) -> Elsewhere | None:
        """The library's most probable sentence outside ``filters.source_id`` (same other filters), by the
        question's probability ranking ``rank`` (``_ranked``'s third value: no reranker, like the evidence)."""
        for r in rank(replace(filters, source_id=None)):
            sid = self.sentences.source_ids[r.row]
            if sid != filters.source_id:
                e = self.ranker.registry.get(sid)  # as the index was opened
                return Elsewhere(sid, e.title if e and e.title else sid, r.prob)
        return None

    def documents_in_scope(self, ranked, filters: Filters | None) -> list[str]:
        """The documents ``filters`` accept, those of the ``ranked`` sentences first."""
        first = [self.sentences.source_ids[r.row] for r in ranked]
        return list(dict.fromkeys(first + self.ranker.sources(filters or Filters())))

    def _about_the_paper(self, query: str, filters: Filters | None) -> Filters | None:
        """A question about "the paper" as a whole ("What does the paper conclude?"), asked of the whole library,
        is about the one paper the library is built around, not about whichever cited source sums itself up best."""
        if (filters and (filters.source_id or filters.scope != "all")) or not about_the_document(query):
            return filters
        papers = self.ranker.sources(Filters(scope="paper"))
        return replace(filters or Filters(), source_id=papers[0]) if len(papers) == 1 else filters

    def standalone(self, question: str, history: list[Turn] | None, use_llm: bool) -> str:
        return standalone_query(question, history, self.llm if use_llm else None)

    def unknown_specific_terms(self, query: str) -> list[str]:
        return self.policy.unknown_terms(query)

    # -- answering ------------------------------------------------------------------------
    def answer(self, question: str, history: list[Turn] | None = None, mode: str | None = None,
               filters: Filters | None = None) -> Answer:
        final = None
        for item in self.answer_stream(question, history, mode, filters):
            if isinstance(item, Answer):
                final = item
        return final

    def answer_stream(self, question: str, history: list[Turn] | None = None, mode: str | None = None,
                      filters: Filters | None = None) -> Iterator[str | Answer]:
        """Yield text deltas (str) as they are produced, then the final, verified Answer."""
        t0 = time.perf_counter()
        mode = mode or self.settings.mode
        question = " ".join(question.split())
        query = self.standalone(question, history, use_llm=(mode == "generate"))
        continuing = bool(history) and is_continuation(question)  # "Tell me more": the previous question, again
        searched = self.searched_as(query)
        filters = self._about_the_paper(query, filters)
        if self.policy.wordless(question, query):  # "?", "...": nothing to rank; ``decide`` refuses it
            ranked, by_prob, rank, passages, where = [], [], None, [], {}
        else:
            focus = self.index.speller.correct(question) if query != question and not continuing else None
            ranked, by_prob, rank = self._ranked(searched, filters, focus=focus)
            passages, where = self.ranker.passages(ranked, self.settings.top_k)
        evidence = by_prob[0].prob if by_prob else 0.0
        timings = {"retrieve_s": time.perf_counter() - t0}
        base = dict(question=question, standalone_query=searched, timings=timings, evidence=evidence)
        source_id = filters.source_id if filters else None
        refusal = self.policy.decide(question, query, by_prob, passages, evidence, source_id=source_id,
                                     elsewhere=lambda: self.best_elsewhere(rank, filters),
                                     documents=lambda: self.documents_in_scope(by_prob, filters))
        if refusal is not None:
            yield refusal.text
            timings["total_s"] = time.perf_counter() - t0
            other = refusal.elsewhere
            yield Answer(text=refusal.text, refused=True, mode=mode, passages=passages[:3], unknown_terms=refusal.unknown,
                         elsewhere=other.source_id if other else "", elsewhere_title=other.title if other else "", **base)
            return
        notice, model, mode_used = "", "none", "quote"
        if continuing:  # what the previous answer did not say
            ranked = not_already_said(ranked, self.sentences.texts, last_assistant_answer(history))
        ranked = quotable(ranked, self.sentences.texts, question)
        if mode == "generate":
            gen = self.generator
            text, citations, checks, notice, model = yield from gen.stream(self.llm, self.describe_llm, question,
                                                                           gen.focused(ranked, where, passages), timings, t0)
            if citations:
                mode_used = "generate"
                text, citations, checks = gen.with_key_quotes(text, citations, checks, ranked, where, passages)
            else:
                notice = notice or "The model's answer could not be verified against the sources; showing quoted evidence instead."
        if mode_used == "quote":
            text, citations, checks = self.quote.answer(ranked, where, passages)
            if mode == "quote":
                yield text
        if self.tracer is not None:
            t2 = time.perf_counter()
            citations = self.tracer.trace(citations)
            timings["trace_s"] = time.perf_counter() - t2
        timings["total_s"] = time.perf_counter() - t0
        yield Answer(text=text, refused=False, mode=mode_used, citations=citations, verified=checks,
                     passages=passages, model=model, notice=notice,
                     match=match_of(evidence, self.settings.match_close, self.settings.match_weak), **base)

    # -- library --------------------------------------------------------------------------
    def stats(self) -> dict:
        reg = self.store.registry()
        return {"sources": len(reg), "chunks": self.store.chunks.count(), "pages": sum(e.pages for e in reg.values()),
                "embedding_model": self.settings.embedding_model, "index": self.settings.chroma_mode(),
                "llm": self.describe_llm(), "mode": self.settings.mode}

    def library(self) -> list[dict]:
        return sorted((e.__dict__.copy() for e in self.store.registry().values()), key=lambda d: (d["kind"] != "paper", d["title"]))

    def source_path(self, source_id: str) -> Path | None:
        return self.index.source_path(source_id)

    def page_text(self, source_id: str, page_index: int) -> str | None:
        return self.index.page_text(source_id, page_index)

    # -- source viewer ("Open at p. N", `python -m app locate`) ----------------------------
    def viewer(self):
        from .viewer import SourceViewer

        return SourceViewer(self.settings, self.store)

    def open_page(self, source_id: str, page_index: int, quote: str = "", quote_start: int | None = None,
                  page_label: str = ""):
        """The page as the viewer shows it (PageView: PNG + boxes; TextView for HTML/TXT/MD)."""
        return self.viewer().open_page(source_id, page_index, quote, quote_start, page_label)

    def locate(self, source_id: str, quote: str, page_label: str | None = None, page_index: int | None = None,
               quote_start: int | None = None):
        return self.viewer().locate(source_id, quote, page_label, page_index, quote_start)
