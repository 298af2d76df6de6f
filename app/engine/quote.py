"""Quote mode: an answer composed of the most relevant sentences of the top passages, each cited.

No LLM, so it cannot hallucinate: every sentence is verbatim page text.
"""
from __future__ import annotations

import re

import numpy as np

from .records import Citation, Passage, SentenceCheck
from .text import Sentence, overlap
from .verify import Verifier


def make_citation(n: int, p: Passage, s: Sentence | None) -> Citation:
    """A citation whose quote is the exact page text of sentence ``s`` (page offsets)."""
    if s is None:
        s = Sentence(p.text, p.start, p.end)
    quote = p.text[s.start - p.start: s.end - p.start]
    return Citation(n=n, source_id=p.source_id, title=p.title, kind=p.kind, page=p.page_label, quote=quote,
                    url=p.url, page_index=p.page_index, quote_start=s.start, quote_end=s.end, section=p.section,
                    chunk_id=p.chunk_id, passage_text=p.text, passage_start=p.start)


def _looks_whole(s: Sentence) -> bool:
    t = s.text.lstrip("\"'“‘(")
    return bool(t) and (t[0].isupper() or t[0].isdigit()) and s.text.rstrip()[-1:] in ".!?\"”)"


def _is_heading(s: Sentence) -> bool:
    return s.text.rstrip()[-1:] not in ".!?\"”)" and len(s.text.split()) <= 10


_REFERENCE_SECTIONS = re.compile(r"^(\d+(\.\d+)*\.?\s+)?(references|bibliography|works cited|reference list)$", re.I)


def rank_sentences(query: str, qv: np.ndarray, passages: list[Passage], verifier: Verifier,
                   focus: str | None = None, focus_vec: np.ndarray | None = None) -> list[tuple[float, int, Sentence]]:
    """Every sentence of the passages scored against the query, best first: (score, passage index, sentence).

    ``focus`` is the user's own follow-up question when ``query`` was expanded with the previous
    one: sentences must then answer the follow-up, not the earlier question. The top score is
    also the engine's evidence score for the refusal decision.
    """
    scored: list[tuple[float, int, Sentence]] = []
    all_sents: list[tuple[int, Sentence]] = [(i, s) for i, p in enumerate(passages) for s in verifier.sentences_of(p)]
    if not all_sents:
        return []
    vecs = verifier.embed([s.text for _, s in all_sents])
    cos = vecs @ qv
    if focus_vec is not None:
        cos = 0.5 * cos + 0.5 * (vecs @ focus_vec)
    words_of = focus or query
    for (i, s), c in zip(all_sents, cos):
        if _is_heading(s):
            continue  # a bare heading ("4 Measuring impact") is not an answer
        score = 0.65 * float(c) + 0.35 * (overlap(words_of, s.text) if focus else overlap(query, s.text))
        if _REFERENCE_SECTIONS.match(passages[i].section or ""):
            score -= 0.15  # a reference-list entry is evidence of a citation, rarely an answer
        if not _looks_whole(s):
            score -= 0.08  # a fragment cut at a chunk edge reads badly
        if s.text.rstrip().endswith("?"):
            score -= 0.1  # a question is rarely the answer
        score -= 0.01 * i  # ties go to the better-ranked passage
        scored.append((score, i, s))
    scored.sort(key=lambda x: -x[0])
    return scored


def compose(scored: list[tuple[float, int, Sentence]], passages: list[Passage],
            max_sentences: int = 3, per_passage: int = 2, rel_floor: float = 0.8):
    """Ranked sentences -> (text with [n] markers, citations, sentence checks)."""
    if not scored:
        return "", [], []
    best = scored[0][0]
    chosen: list[tuple[float, int, Sentence]] = []
    used: dict[int, int] = {}
    for score, i, s in scored:
        if len(chosen) >= max_sentences or score < best * rel_floor:
            break
        if used.get(i, 0) >= per_passage:
            continue
        if any(overlap(s.text, c[2].text) > 0.8 for c in chosen):
            continue  # near-duplicate (overlapping chunks, repeated text)
        chosen.append((score, i, s))
        used[i] = used.get(i, 0) + 1
    citations, checks, parts = [], [], []
    for n, (score, i, s) in enumerate(chosen, start=1):
        cit = make_citation(n, passages[i], s)
        citations.append(cit)
        parts.append(f"{cit.quote} [{n}]")
        checks.append(SentenceCheck(text=cit.quote, citations=[n], supported=True, score=round(score, 4), note="verbatim quote"))
    return " ".join(parts), citations, checks
