"""The one entry point every face uses: ``Engine.answer`` / ``answer_stream`` / ``search``.

Pure Python (never imports streamlit). Refusal is decided from retrieval scores, never by a model.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

from ingest.embedder import load_embeddings, tokenizer_of
from ingest.errors import ConfigError, IndexMismatch
from ingest.lexical import LexicalIndex
from ingest.sentence_index import SentenceIndex
from ingest.settings import Settings, get_settings
from ingest.store import Store

from .followup import accept_rewrite, heuristic_standalone, is_follow_up
from .generate import build_messages, finalize, rewrite_messages
from .quote import compose_ranked
from .records import Answer, Filters, Passage, Turn
from .reranker import load_reranker
from .retrieval import HybridRetriever
from .sentence_rank import SentenceRanker, focus_passage
from .text import STOPWORDS
from .verify import Verifier

log = logging.getLogger(__name__)

REFUSAL = ("The paper and its cited sources do not cover this question, so I won't answer it. "
           "The closest passages are shown below in case they help.")


class EngineNotReady(Exception):
    """No usable index yet; the message says what to do."""


class Engine:
    def __init__(self, settings: Settings | None = None, llm=None):
        self.settings = settings or get_settings()
        self._llm = llm  # injected chat model (tests, custom); else built lazily on first generate
        self._llm_name = "injected" if llm is not None else None
        self.tracer = None  # set by the tracing module when references are available
        self._open()

    def _open(self) -> None:
        s = self.settings
        try:
            self.store = Store(s, create=False)
        except IndexMismatch:
            raise
        except ConfigError as exc:
            raise EngineNotReady(f"No index yet at {s.chroma_mode()}. Put documents in {s.corpus_dir} (or upload them on the "
                                 f"Library page) and run `python -m ingest`. ({exc})") from exc
        if self.store.chunks.count() == 0:
            raise EngineNotReady(f"The index at {s.chroma_mode()} is empty. Put documents in {s.corpus_dir} (or upload "
                                 f"them on the Library page) and run `python -m ingest`.")
        self.embeddings = load_embeddings(s.embedding_model, s.embed_batch_size)
        self.lexical = LexicalIndex.load_or_build(self.store, s.db_dir)
        self.retriever = HybridRetriever(self.store, self.embeddings, self.lexical)
        self.verifier = Verifier(self.embeddings, s.verify_threshold)
        self.sentences = SentenceIndex.load_or_build(self.store, self.embeddings, s.db_dir)
        self.ranker = SentenceRanker(self.sentences, self.store, self.retriever, context_sentences=1)
        self.reranker = load_reranker(s.reranker)
        # pay torch's first-inference cost here, not in the user's first answer
        self.retriever.embed_query("warm-up query about gender training")
        self.embeddings.embed_documents(["Warm-up sentence one about training.", "A second, somewhat longer warm-up "
                                         "sentence so that batching code paths are exercised too."])
        self.tracer = None
        try:  # tracing into cited sources is an enhancement: answering never depends on it
            from .tracing import Tracer

            self.tracer = Tracer.load(self)
        except Exception as exc:  # noqa: BLE001
            log.warning("citation tracing unavailable: %s: %s", type(exc).__name__, exc)

    def reload(self) -> None:
        self._open()

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
    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Passage]:
        """Passages holding the sentences that best answer ``query``, best first."""
        qv = self.retriever.embed_query(query)
        ranked = self.ranker.rank(query, qv, filters)
        if self.reranker is not None:
            ranked = self.reranker.rerank(query, ranked, self.sentences.texts)
        passages, _ = self.ranker.passages(ranked, k)
        return passages

    def standalone(self, question: str, history: list[Turn] | None, use_llm: bool) -> str:
        query = heuristic_standalone(question, history)
        if use_llm and history and is_follow_up(question):
            try:
                out = self.llm().invoke(rewrite_messages(question, history)).content.strip()
                if accept_rewrite(out, question, heuristic=query):
                    return out
            except Exception:
                pass
        return query

    def unknown_specific_terms(self, query: str) -> list[str]:
        """Names, acronyms, numbers and technical terms of the question that occur nowhere in the corpus.

        A question about "Norwegian police", "resolution 2242" or "hepcidin" is not answered by
        passages about police, resolutions or iron in general, however similar they look to the
        embedding model. A lower-case word counts as a technical term when the embedding model's own
        vocabulary splits it into four or more word pieces (hepcidin, rupintrivir): everyday words a
        paraphrase might use ("syllabi", "fieldwork") are one to three pieces, so they never refuse.
        """
        specific = []
        for sentence in re.split(r"(?<=[.?!])\s+", query):
            words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", sentence)
            specific += [w for i, w in enumerate(words) if w.lower() not in STOPWORDS
                         and ((i > 0 and w[0].isupper()) or any(ch.isdigit() for ch in w) or self._technical(w))]
        return self.lexical.unknown_terms(list(dict.fromkeys(specific))) if specific else []

    def _technical(self, word: str) -> bool:
        if len(word) < 6 or not word.isalpha():
            return False
        try:
            return len(tokenizer_of(self.embeddings).tokenize(word.lower())) >= 4
        except Exception:  # noqa: BLE001 - an embedder without a word-piece tokenizer: no technical terms
            return False

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
        """Yield text deltas as they are produced, then the final, verified Answer."""
        t0 = time.perf_counter()
        mode = mode or self.settings.mode
        question = " ".join(question.split())
        query = self.standalone(question, history, use_llm=(mode == "generate"))
        qv = self.retriever.embed_query(query)
        followed = query != question
        ranked = self.ranker.rank(query, qv, filters, focus=question if followed else None,
                                  focus_vec=self.retriever.embed_query(question) if followed else None)
        evidence = ranked[0].prob if ranked else 0.0  # the calibrated model's, whatever a reranker does
        if self.reranker is not None:
            ranked = self.reranker.rerank(question, ranked, self.sentences.texts)
        passages, where = self.ranker.passages(ranked, self.settings.top_k)
        timings = {"retrieve_s": time.perf_counter() - t0}
        base = dict(question=question, standalone_query=query, timings=timings)
        unknown = list(dict.fromkeys(w for text in dict.fromkeys((query, question)) for w in self.unknown_specific_terms(text)))
        # weak evidence and none of the question's words anywhere near the best sentences: off topic
        # (COVID-QA held-out set and dev set: refuses no answerable question of either)
        unrelated = evidence < 0.2 and not self.ranker.shares_words(question, ranked)
        if not passages or evidence < self.settings.refusal_threshold or unknown or unrelated:
            closest = passages[:3]
            text = REFUSAL
            if unknown:
                text = (f"The paper and its cited sources never mention {', '.join(repr(w) for w in unknown)}, "
                        f"so I won't answer this question. The closest passages are shown below in case they help.")
            yield text
            timings["total_s"] = time.perf_counter() - t0
            yield Answer(text=text, refused=True, mode=mode, passages=closest, evidence=evidence, **base)
            return
        notice, model = "", "none"
        if mode == "generate":
            result = yield from self._generate(question, self._focused(ranked, where, passages), timings, t0)
            text, citations, checks, notice, model = result
            if not citations:
                mode_used = "quote"
                notice = notice or "The model's answer could not be verified against the sources; showing quoted evidence instead."
            else:
                mode_used = "generate"
                text, citations, checks = self._with_key_quote(text, citations, checks, ranked, where, passages)
        else:
            mode_used, text, citations, checks = "quote", "", [], []
        if mode_used == "quote":
            text, citations, checks = compose_ranked(ranked, where, passages, self.sentences)
            if mode == "quote":
                yield text
        if self.tracer is not None:
            t2 = time.perf_counter()
            citations = self.tracer.trace(citations)
            timings["trace_s"] = time.perf_counter() - t2
        timings["total_s"] = time.perf_counter() - t0
        yield Answer(text=text, refused=False, mode=mode_used, citations=citations, verified=checks,
                     passages=passages, model=model, notice=notice, evidence=evidence, **base)

    def _focused(self, ranked, where: dict[int, int], passages: list[Passage], n: int = 5) -> list[Passage]:
        """The first ``n`` passages, each narrowed to a window around its best sentence."""
        best: dict[int, int] = {}
        for rk in ranked:
            i = where.get(rk.row)
            if i is not None and i < n:
                best.setdefault(i, rk.row)
        idx = self.sentences
        return [focus_passage(p, int(idx.start[best[i]]), int(idx.end[best[i]])) if i in best else p
                for i, p in enumerate(passages[:n])]

    def _with_key_quote(self, text, citations, checks, ranked, where, passages):
        """A generated answer ends with quote mode's sentences, verbatim, except those it already cites.

        The model paraphrases; a trainer checking a claim wants the source's own words next to it,
        and these are exactly what quote mode would have answered (so generate never knows less)."""
        _, quoted, quoted_checks = compose_ranked(ranked, where, passages, self.sentences)
        have = {(c.source_id, c.page_index, c.quote_start) for c in citations}
        extra = [(c, k) for c, k in zip(quoted, quoted_checks) if (c.source_id, c.page_index, c.quote_start) not in have]
        if not extra:
            return text, citations, checks
        parts = []
        for cit, check in extra:
            cit.n = len(citations) + 1
            check.citations = [cit.n]
            check.note = "key passage, verbatim"
            citations, checks = citations + [cit], checks + [check]
            parts.append(f"“{cit.quote}” [{cit.n}]")
        label = "Key passage" if len(parts) == 1 else "Key passages"
        return f"{text} {label}: {' '.join(parts)}", citations, checks

    def _generate(self, question: str, focused: list[Passage], timings: dict, t0: float):
        raw, notice = "", ""
        try:
            llm = self.llm()
            model = self.describe_llm()
            for chunk in llm.stream(build_messages(question, focused)):
                delta = chunk.content if isinstance(chunk.content, str) else ""
                if delta:
                    timings.setdefault("first_token_s", time.perf_counter() - t0)
                    raw += delta
                    yield delta
        except Exception as exc:
            model = self.describe_llm()
            notice = f"The language model is unavailable ({type(exc).__name__}: {str(exc)[:160]}); answered in quote mode."
            return "", [], [], notice, model
        timings["generate_s"] = time.perf_counter() - t0 - timings["retrieve_s"]
        timings["raw_chars"] = float(len(raw))
        t1 = time.perf_counter()
        text, citations, checks = finalize(raw, focused, self.verifier)
        timings["verify_s"] = time.perf_counter() - t1
        return text, citations, checks, notice, model

    # -- library --------------------------------------------------------------------------
    def stats(self) -> dict:
        reg = self.store.registry()
        return {"sources": len(reg), "chunks": self.store.chunks.count(), "pages": sum(e.pages for e in reg.values()),
                "embedding_model": self.settings.embedding_model, "index": self.settings.chroma_mode(),
                "llm": self.describe_llm(), "mode": self.settings.mode}

    def library(self) -> list[dict]:
        return sorted((e.__dict__.copy() for e in self.store.registry().values()), key=lambda d: (d["kind"] != "paper", d["title"]))

    def source_path(self, source_id: str) -> Path | None:
        e = self.store.registry().get(source_id)
        return Path(e.path) if e and Path(e.path).is_file() else None

    def page_text(self, source_id: str, page_index: int) -> str | None:
        e = self.store.registry().get(source_id)
        return self.retriever.page_text(source_id, e.sha256, page_index) if e else None

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
