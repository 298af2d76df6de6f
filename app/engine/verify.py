"""Support checking: does a passage back a claim? Embedding similarity + lexical overlap + numbers.

Used to verify generated sentences (and repair their citation numbers), by quote mode to pick
sentences, and by the evaluation harness for citation precision.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .records import Passage
from .text import Sentence, content_words, overlap, split_sentences

_NUM = re.compile(r"\b\d[\d,.]*\b")


@dataclass
class Support:
    score: float
    sentence: Sentence | None  # best-supporting sentence of the passage (page offsets)


class Verifier:
    def __init__(self, embeddings, threshold: float = 0.45):
        self.embeddings = embeddings
        self.threshold = threshold
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for t, v in zip(todo, self.embeddings.embed_documents(todo)):
                self._cache[t] = np.asarray(v, dtype=np.float32)
        if len(self._cache) > 5000:
            self._cache = {t: self._cache[t] for t in texts}
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)

    @staticmethod
    def sentences_of(p: Passage) -> list[Sentence]:
        return split_sentences(p.text, base=p.start) or [Sentence(p.text.strip(), p.start, p.end)]

    def support(self, claim: str, passage: Passage, claim_vec: np.ndarray | None = None) -> Support:
        """Best support score of ``claim`` by any sentence (or adjacent sentence pair) of ``passage``."""
        sents = self.sentences_of(passage)
        if not sents or not content_words(claim):
            return Support(0.0, None)
        cv = self.embed([claim])[0] if claim_vec is None else claim_vec
        sv = self.embed([s.text for s in sents])
        cos = sv @ cv
        best_i = int(np.argmax(cos))
        # the claim may merge two neighbouring sentences: judge words against the best one and its neighbours
        window = " ".join(s.text for s in sents[max(0, best_i - 1): best_i + 2])
        lex = max(overlap(claim, sents[best_i].text), overlap(claim, window) * 0.9)
        score = 0.55 * float(cos[best_i]) + 0.45 * lex
        claim_nums = set(_NUM.findall(claim))
        if claim_nums and not claim_nums <= set(_NUM.findall(passage.text)):
            score *= 0.5  # a number the passage does not state
        return Support(score, sents[best_i])

    def supported(self, s: Support) -> bool:
        return s.score >= self.threshold
