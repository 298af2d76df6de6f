""""What is RANBP2?": the sentence that says what kind of thing it is answers it, wherever the ranking put it.

The ranker's ``defines`` feature counts any "X is …" ("RANBP2 is associated with microtubules …"), so a
definition proper ("RANBP2, a nuclear pore protein, has …"; "the microtubule severing enzyme KATNAL1 …";
"As a nonpathogenic Gram-positive bacterium, B. subtilis …") ranked 5th to 11th and went unquoted. For a question
asking what a term is, the first such sentence among the best ``depth`` is quoted first, as sure as the best one.
The evidence that decides refusal is not touched.
"""
from __future__ import annotations

import re
from dataclasses import replace

from .question_cues import asked_term
from .text import STOPWORDS

# not a term: a pronoun, or a phrase with "of/for …" ("What is this review for?", "What is focus of …?")
_NOT_TERM = re.compile(r"^(an?|the|this|these|that|those|it|they|their|its)\b|\b(of|for|in|on|to|by|with|from|about)\b", re.I)
_KIND = r"(?:an?|one|the)\s+(?:[\w-]+\s+){0,5}?[\w-]+"  # "a nuclear pore protein", "a rare complication"
_MODIFIER = r"(?:(?!(?:" + "|".join(sorted(STOPWORDS)) + r")\b)[\w-]+\s+)"  # "the Y X", never "the mutation in X"


def isa_pattern(question: str) -> re.Pattern | None:
    """A pattern finding "X, a Y," / "X is a Y" / "the Y X" / "As a Y, X" for "What is X?" (X up to 4 words; its
    last word stands for it: "B. subtilis" for "Bacillus subtilis"), or None when the question asks no term."""
    term = asked_term(question)
    if term is None or _NOT_TERM.search(term):
        return None
    words = term.split()
    if len(words) > 4:
        return None
    head = re.escape(words[-1].strip("'\"“”")) + r"(?:e?s)?"
    return re.compile(
        rf"\b{head}(?:\s*\([^)]{{1,40}}\))?\s*,\s+{_KIND}\s*[,(]"  # apposition: "RANBP2, a nuclear pore protein,"
        rf"|\b{head}(?:\s*\([^)]{{1,40}}\))?\s+(?:is|are)\s+(?:an?|one of the)\s"  # "Listeria is a genus …"
        rf"|\bthe\s+{_MODIFIER}{{1,5}}{head}\b"  # "the microtubule severing enzyme KATNAL1"
        rf"|^\W*as\s+{_KIND}\s*,\s+(?:[\w.-]+\s+){{0,2}}{head}\b",  # "As a … bacterium, B. subtilis"
        re.I)


def definition_first(question: str, ranked: list, texts: list[str], depth: int = 12) -> list:
    """``ranked`` with the first of its best ``depth`` sentences that says what the asked term is moved to the
    front, given the best one's probability (so the answer's relative floor keeps it); unchanged otherwise."""
    pattern = isa_pattern(question)
    if pattern is None or len(ranked) < 2:
        return ranked
    for i, rk in enumerate(ranked[:depth]):
        if pattern.search(texts[rk.row]):
            if i == 0:
                return ranked
            lead = replace(rk, prob=max(rk.prob, ranked[0].prob))
            return [lead, *ranked[:i], *ranked[i + 1:]]
    return ranked
