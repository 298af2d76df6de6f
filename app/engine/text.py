"""Sentence splitting with exact offsets, content-word overlap, and citation-marker parsing."""
from __future__ import annotations

import re

from ingest.sentences import (  # noqa: F401  (re-exported: one splitter for ingest and engine)
    STOPWORDS,
    Sentence,
    content_sequence,
    content_words,
    overlap,
    split_sentences,
    word_pairs,
)

_MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def markers(sentence: str) -> list[int]:
    nums: list[int] = []
    for m in _MARKER.finditer(sentence):
        nums += [int(x) for x in m.group(1).split(",")]
    return nums


def strip_markers(sentence: str) -> str:
    return _MARKER.sub("", sentence).strip()


def split_answer(text: str) -> list[str]:
    """Split generated text into sentences, each keeping the [n] markers that belong to it.

    "Claim one. [1] Claim two [2]." gives the [1] to claim one; markers that open the whole text
    ("[1] Claim.") belong to the first sentence.
    """
    text = re.sub(r"\s+", " ", text).strip()
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+(?=[\[A-Z0-9\"“(])", text) if p.strip()]
    sentences: list[str] = []
    for p in parts:
        lead = re.match(r"^((?:\[\d{1,3}(?:\s*,\s*\d{1,3})*\]\s*)+)", p)
        if lead and sentences and not _MARKER.search(sentences[-1]):
            sentences[-1] += " " + lead.group(1).strip()
            p = p[lead.end():].strip()
        if p and not re.fullmatch(r"[.\s]*", p):
            sentences.append(p)
    return sentences
