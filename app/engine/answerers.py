"""The two answer steps: quote (verbatim sentences, no model) and generate (a model's words, verified).

Both receive the ranked sentences and the passages around them and return (text, citations,
checks); neither decides refusal (``refusal.py`` does, before either runs).
"""
from __future__ import annotations

import time

from ingest.index.settings import QuoteSettings

from .generate import build_messages, finalize
from .quote import compose_ranked
from .records import Passage
from .sentence_rank import focus_passage


def _covers(a, b) -> bool:
    """Does citation ``a`` quote all of ``b``'s text (a key passage running on past the model's sentence does not)?"""
    return (a.source_id == b.source_id and a.page_index == b.page_index
            and a.quote_start <= b.quote_start and b.quote_end <= a.quote_end)


class QuoteAnswerer:
    def __init__(self, sentences, settings: QuoteSettings):
        self.sentences = sentences
        self.s = settings

    def answer(self, ranked, where: dict[int, int], passages: list[Passage]):
        sure = bool(ranked) and ranked[0].prob >= self.s.sure
        return compose_ranked(ranked, where, passages, self.sentences,
                              max_sentences=self.s.max_sentences if sure else self.s.max_unsure,
                              per_passage=self.s.per_passage, rel_floor=self.s.rel_floor,
                              follow=self.s.follow_unsure and not sure, lead_in=self.s.lead_in)


class GenerateAnswerer:
    """Prompt the model with the best passages (narrowed to their best sentence), verify, add key passages."""

    def __init__(self, sentences, verifier, quote: QuoteAnswerer, n_passages: int = 5):
        self.sentences = sentences
        self.verifier = verifier
        self.quote = quote
        self.n_passages = n_passages

    def focused(self, ranked, where: dict[int, int], passages: list[Passage]) -> list[Passage]:
        """The first passages, each narrowed to a window around its best sentence (short prompts for small models)."""
        best: dict[int, int] = {}
        for rk in ranked:
            i = where.get(rk.row)
            if i is not None and i < self.n_passages:
                best.setdefault(i, rk.row)
        idx = self.sentences
        return [focus_passage(p, int(idx.start[best[i]]), int(idx.end[best[i]])) if i in best else p
                for i, p in enumerate(passages[: self.n_passages])]

    def stream(self, llm, describe, question: str, focused: list[Passage], timings: dict, t0: float):
        """Yield text deltas; return (text, citations, checks, notice, model name).

        ``llm()`` gives the chat model (built lazily: it may fail, which falls back to quotes), ``describe()`` its name."""
        raw, notice, model = "", "", ""
        try:
            llm = llm()
            model = describe()
            for chunk in llm.stream(build_messages(question, focused)):
                delta = chunk.content if isinstance(chunk.content, str) else ""
                if delta:
                    timings.setdefault("first_token_s", time.perf_counter() - t0)
                    raw += delta
                    yield delta
        except Exception as exc:  # noqa: BLE001 - any model failure falls back to quote mode, with the reason shown
            model = describe()
            notice = f"The language model is unavailable ({type(exc).__name__}: {str(exc)[:160]}); answered in quote mode."
            return "", [], [], notice, model
        timings["generate_s"] = time.perf_counter() - t0 - timings["retrieve_s"]
        timings["raw_chars"] = float(len(raw))
        t1 = time.perf_counter()
        text, citations, checks = finalize(raw, focused, self.verifier)
        timings["verify_s"] = time.perf_counter() - t1
        return text, citations, checks, notice, model

    def with_key_quotes(self, text, citations, checks, ranked, where, passages):
        """A generated answer ends with quote mode's sentences, verbatim, except those it already cites.

        The model paraphrases; a trainer checking a claim wants the source's own words next to it,
        and these are exactly what quote mode would have answered (so generate never knows less)."""
        _, quoted, quoted_checks = self.quote.answer(ranked, where, passages)
        extra = [(c, k) for c, k in zip(quoted, quoted_checks) if not any(_covers(have, c) for have in citations)]
        if not extra:
            return text, citations, checks
        parts = []
        for cit, check in extra:
            cit.n = len(citations) + 1
            check.citations = [cit.n]
            check.note = "key passage, verbatim"
            citations, checks = citations + [cit], checks + [check]
            parts.append(f"“{cit.sentence}” [{cit.n}]")
        label = "Key passage" if len(parts) == 1 else "Key passages"
        return f"{text} {label}: {' '.join(parts)}", citations, checks
