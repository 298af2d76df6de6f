"""How closely an answer's best sentence matches its question, in words a reader can act on.

Refusal draws one line through the evidence (the sentence model's calibrated probability that the best sentence
answers: the score that ranks and refuses). Above that line answers still differ a lot in how often they hold
up, and a practitioner should know which ones to check before relying on them. The same score, read in three
bands (``Settings.match_close`` and ``Settings.match_weak``), says so with each answer. On COVID-QA (docs/evaluation.md,
session 15) answers in the close band held the gold answer about three times in four; in the weak band about one
time in four asked about one article (their own or the wrong one), under one in ten asked of a library without
their article.
"""
from __future__ import annotations

CLOSE, PARTIAL, WEAK = "close", "partial", "weak"

NOTES = {
    CLOSE: "",
    PARTIAL: "Partial match: the quotes may answer only part of the question, or answer it for another setting. "
             "Check them against what you asked.",
    WEAK: "Weak match: these are the closest sentences the library has, and they may not answer the question. "
          "Read them before relying on them.",
}


def match_of(evidence: float, close: float, weak: float) -> str:
    """The band of an answered question's ``evidence``: ``close`` and above, below ``weak``, or between."""
    if evidence >= close:
        return CLOSE
    return WEAK if evidence < weak else PARTIAL


def match_note(match: str) -> str:
    """What the band means for the reader ("" for a close match and for a refusal)."""
    return NOTES.get(match, "")
