"""Features of one candidate sentence for one question, and the small model that weighs them.

Transparent on purpose: a handful of signals a reader can check (how close the sentence and its
neighbours are to the question in the embedding space, which of the question's rarer words it
holds — rarer in the corpus and rarer among this question's own candidates, which picks out the
question's focus over the document's topic — and which of its word pairs, whether it holds the
kind of answer asked for — a date for "when", a number for "how many" — and whether its chunk
ranked well), weighed by a logistic regression fit on development data
(``app/eval/fit_ranker.py``). Its output is a probability that the sentence answers the question:
the same number ranks sentences and passages and decides refusal.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .question_cues import (
    DATELINE,
    REFERENCE_SECTIONS,
    counts,
    has_type,
    looks_like_heading,
)
from .text import word_pairs

WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")

FEATURES = ("bias", "cos", "cos_ctx", "cos_win", "cos_prev_win", "chunk_cos", "chunk_rank", "lex", "lex_ctx", "lex_all",
            "lex_plain", "type_match", "type_miss", "defines", "dateline", "heading", "reference", "question", "fragment", "short", "title",
            "lex_local", "lex_local_ctx", "pairs", "length", "title_asked",
            "about_doc", "lead_asked", "counts")


def idf_overlap(q_words: set[str], words: set[str], idf: dict[str, float]) -> float:
    """Share of the question's content words in ``words``, each weighted by its rarity (IDF)."""
    if not q_words:
        return 0.0
    total = sum(idf.get(w, _MAX_IDF) for w in q_words)
    return sum(idf.get(w, _MAX_IDF) for w in q_words & words) / total if total else 0.0


_MAX_IDF = 8.0


def local_idf(q_words: set[str], pool: list[frozenset[str]]) -> dict[str, float]:
    """The question's words weighed by rarity among this question's candidates, not the whole corpus.

    The document's topic ("Venezuelan equine encephalitis virus") is in most candidates and weighs
    little; the words that single out the answer ("mortality", "adults") weigh most.
    A word no candidate holds keeps the top weight, so that a sentence holding only the question's one
    common word ("point" of "the boiling point of mercury") does not look like a full match."""
    n = max(len(pool), 1)
    return {w: math.log(1 + n / max(1, sum(w in ws for ws in pool))) for w in q_words}


def make_idf(doc_words: list[set[str]]) -> dict[str, float]:
    df: dict[str, int] = {}
    for ws in doc_words:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    n = max(len(doc_words), 1)
    return {w: min(_MAX_IDF, math.log(1 + n / c)) for w, c in df.items()}


@dataclass
class Candidate:
    """One sentence of the index considered for a question (row = its row in the sentence index)."""

    row: int
    cos: float
    cos_ctx: float
    cos_win: float  # the sentence with its neighbours, as one mean vector ("Its genome..." after "Bovine coronavirus...")
    cos_prev_win: float  # the sentence with the one before it (anaphora looks back)
    chunk_cos: float
    chunk_rank: float  # 1 / (1 + rank of its best chunk in the hybrid chunk ranking), 0 if unranked
    text: str
    words: frozenset[str]  # its stemmed content words (precomputed by the sentence index's ranker)
    context_words: frozenset[str]  # those of the sentence with its neighbours on the page
    section: str = ""
    title: bool = False  # the first sentence of a document (its title line)
    head: bool = False  # one of the first sentences of a document's first page (title, dateline, byline)
    in_title: bool = False  # near the top of the document and part of its registered title
    lead: bool = False  # on the document's first page (PDF), first block of paragraphs (text) or in a ``sums_up`` section


@dataclass
class Cues:
    """What the features need of the question, computed once per question."""

    words: set[str]
    type: str | None
    idf: dict[str, float]  # over the whole index
    local: dict[str, float]  # ``local_idf``: over this question's candidates (every question word has a weight)
    defines: re.Pattern | None = None
    pairs: frozenset[tuple[str, str]] = frozenset()  # adjacent content-word pairs ("mortality rate")
    title: bool = False  # ``asks_for_title``
    about: re.Pattern | None = None  # ``about_document``
    whole: bool = False  # ``about_the_document``: a question about the document as a whole
    counted: frozenset[str] = frozenset()  # ``count_nouns``: what a "How many ...?" question counts
    dated: bool = False  # ``asks_when_published``: the document's dateline answers


def pair_share(pairs: frozenset[tuple[str, str]], words: frozenset[str], text: str) -> float:
    """Share of the question's word pairs found adjacent in ``text``; the text is split into pairs only
    when its (precomputed) words hold both words of one pair, which most candidates do not."""
    if not any(a in words and b in words for a, b in pairs):
        return 0.0
    return len(pairs & word_pairs(text)) / len(pairs)


def feature_vector(c: Candidate, q: Cues) -> np.ndarray:
    q_words, q_type, idf, defines = q.words, q.type, q.idf, q.defines
    s = c.text
    words = c.words
    stripped = s.rstrip()
    lead = s.lstrip("\"'“‘([")
    typed = q_type is not None
    matched = typed and has_type(q_type, s)
    return np.array([
        1.0, c.cos, c.cos_ctx, c.cos_win, c.cos_prev_win, c.chunk_cos, c.chunk_rank,
        idf_overlap(q_words, words, idf),
        idf_overlap(q_words, c.context_words, idf),
        float(bool(q_words) and q_words <= words),
        len(q_words & words) / len(q_words) if q_words else 0.0,
        float(matched), float(typed and not matched),
        float(defines is not None and defines.search(s) is not None),
        float(q.dated and c.head and bool(DATELINE.match(stripped))),
        float(looks_like_heading(s)),
        float(bool(REFERENCE_SECTIONS.match(c.section or ""))),
        float(stripped.endswith("?")),
        float(not (lead[:1].isupper() or lead[:1].isdigit())),
        float(len(s.split()) < 6),
        float(c.title),
        idf_overlap(q_words, words, q.local),
        idf_overlap(q_words, c.context_words, q.local),
        pair_share(q.pairs, words, s),
        math.log1p(len(s.split())),
        float(q.title and c.in_title),
        float(q.about is not None and q.about.search(s) is not None),
        float(q.whole and c.lead),
        float(bool(q.counted) and counts(q.counted, s, words)),
    ], dtype=np.float32)


# Hand-set starting weights (used until a fit is saved): similarity and rare-word overlap dominate.
DEFAULT_WEIGHTS = dict(bias=-6.0, cos=5.0, cos_ctx=1.0, cos_win=0.0, cos_prev_win=0.0, title=-1.0, chunk_cos=1.0,
                       chunk_rank=1.0, lex=3.0, lex_ctx=1.0, lex_all=0.5, lex_plain=0.0, type_match=0.5, type_miss=-0.5, defines=1.0, dateline=4.0,
                       heading=-2.0, reference=-2.0, question=-1.5, fragment=-0.7, short=-0.7,
                       lex_local=0.0, lex_local_ctx=0.0, pairs=0.0, length=0.0, title_asked=4.0,
                       about_doc=2.0, lead_asked=1.5, counts=0.75)


class SentenceModel:
    """Logistic regression over ``FEATURES``: probability that a sentence answers the question."""

    def __init__(self, weights: dict[str, float] | None = None, info: dict | None = None):
        w = dict(DEFAULT_WEIGHTS)
        w.update(weights or {})
        self.weights = w
        self.info = info or {}
        self.w = np.array([w[f] for f in FEATURES], dtype=np.float32)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> SentenceModel:
        try:
            data = json.loads(Path(path).read_text())
            return cls(data["weights"], data.get("info"))
        except (OSError, ValueError, KeyError):
            return cls()

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        Path(path).write_text(json.dumps({"features": list(FEATURES), "weights": self.weights, "info": self.info},
                                         indent=1) + "\n")

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.w
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def log_odds(p):
    """log(p / (1 - p)) of a probability or an array of them, kept finite at 0 and 1."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))
