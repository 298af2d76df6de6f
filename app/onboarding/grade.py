"""Grading quiz replies: ``check(question, given) -> (correct, explanation)``.

Figures compare by value ("1,200" = "1200", "nine" = "9", "40 per cent" = "40"); terms accept the
long form, the abbreviation, or the same content words; multiple choice takes the option text or
its index. The explanation quotes the supporting passage with its page.
"""
from __future__ import annotations

import re

from app.engine.text import content_words

from .records import QuizQuestion

_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}


def _norm(s: str) -> str:
    s = re.sub(r"[“”\"'‘’`]", "", str(s).lower())
    s = re.sub(r"\s+", " ", s).strip(" .,;:!?")
    return re.sub(r"^(a|an|the) ", "", s)


def _as_number(s: str) -> float | None:
    t = _norm(s).replace(",", "")
    t = re.sub(r"\s*(%|per ?cent|percent)$", "", t)
    if t in _WORDS:
        return float(_WORDS[t])
    try:
        return float(t)
    except ValueError:
        return None


def _term_match(given: str, answer: str) -> bool:
    g, a = _norm(given), _norm(answer)
    if not g:
        return False
    bare = _norm(re.sub(r"\([^)]*\)", "", answer))
    abbr = re.findall(r"\(([^)]*)\)", answer)
    if g in (a, bare) or (abbr and g == _norm(abbr[0])) or _norm(re.sub(r"\([^)]*\)", "", given)) == bare:
        return True
    cw = content_words(bare)
    return bool(cw) and content_words(g) == cw


def check(question: QuizQuestion, given) -> tuple[bool, str]:
    """Grade a reply (option text, option index, or typed text); the explanation quotes the passage."""
    if isinstance(given, int) and not isinstance(given, bool) and question.options:
        given = question.options[given] if 0 <= given < len(question.options) else ""
    given = "" if given is None else str(given)
    if question.topic in ("number", "year"):
        gv, av = _as_number(given), _as_number(question.answer)
        correct = gv is not None and av is not None and gv == av
    elif question.kind == "mcq":
        correct = _norm(given) == _norm(question.answer)
    else:
        correct = _term_match(given, question.answer)
    head = "Correct." if correct else f"Not quite: the answer is “{question.answer}”."
    return correct, f"{head} {question.explanation}"
