"""Acronyms a document spells out without using them: "WPS" for "Women, Peace and Security".

Practitioners ask about "the WPS agenda" or "SSR"; a page that only writes "the Women, Peace and Security
agenda" does cover it. The unknown-terms rules (``refusal.py``, ``document_terms.py``) would refuse such an
acronym as a name the corpus never uses. An acronym whose letters are the initials of a run of capitalised
words of a document ("Women, Peace and Security", "Security Sector Reform", "Gender-Based Violence") is not
unknown to that document. Only capitalised runs count: any three lower-case words spell some three letters.
"""
from __future__ import annotations

import re

# a run of capitalised words, joined by spaces, commas, "&" or a small word: "Women, Peace and Security"
_RUN = re.compile(r"[A-Z][\w'’-]*(?:(?:,?\s+(?:(?:and|of|the|for|in|on|to|&)\s+)?)[A-Z][\w'’-]*)+")
_SMALL = frozenset({"and", "of", "the", "for", "in", "on", "to", "&"})
ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{2,7}$")  # "WPS", "SSR", "UNSC"; a plural "NGOs" is read as "NGO". Two letters
# ("UN") are too short: dozens of runs (sentence openings, titles) spell any two letters by chance
_IN_TEXT = re.compile(r"\b[A-Z][A-Z0-9&]{2,7}s?\b")  # the same, inside a question
_MAX_WORDS = 8
_LEADING = frozenset({"The", "A", "An"})
_SPELLED = re.compile(r"^[A-Z][a-z]{2,}")  # a word written out: a capital, then lower case


def as_acronym(word: str) -> str | None:
    """The acronym ``word`` is ("WPS", "NGOs" -> "NGO"), or None for an ordinary word."""
    w = word[:-1] if len(word) > 2 and word.endswith("s") and word[:-1].isupper() else word
    return w if ACRONYM.match(w) else None


def acronyms_in(text: str) -> list[str]:
    """The words of ``text`` that may be acronyms ("What is the WPS agenda?" -> ["WPS"])."""
    return _IN_TEXT.findall(text)


def initialisms(text: str) -> dict[str, str]:
    """{acronym: its words} for the whole runs of capitalised words of ``text`` ("WPS": "Women, Peace and
    Security"; a leading "The" is dropped). Only whole runs: stretches of long runs (titles in a reference list)
    would spell many short acronyms by chance."""
    out: dict[str, str] = {}
    for m in _RUN.finditer(text):
        letters = []
        for word in re.split(r"[,\s]+", m.group(0)):
            if not word or word in _SMALL or (not letters and word in _LEADING):
                continue
            if not _SPELLED.match(word):  # "Smith AB", "WHO Europe": initials and acronyms spell nothing out
                letters = []
                break
            # "Gender-Based" gives G and B; "Covid-19" gives C and 1; "peace-keeping" would give nothing
            letters += [p[0] for p in word.split("-") if p[:1].isupper() or p[:1].isdigit()]
        if 3 <= len(letters) <= _MAX_WORDS:
            first, _, rest = m.group(0).partition(" ")
            out.setdefault("".join(letters), rest if first in _LEADING else m.group(0))
    return out


class SpelledOut:
    """Which documents spell out which acronyms (built once, from the sentence index)."""

    def __init__(self, texts_by_source: dict[str, list[str]]):
        self._by_acronym: dict[str, set[str]] = {}
        self._phrase: dict[str, str] = {}
        for sid, texts in texts_by_source.items():
            for a, words in initialisms("\n".join(texts)).items():
                self._by_acronym.setdefault(a, set()).add(sid)
                self._phrase.setdefault(a, words)

    def spells_out(self, word: str, source_id: str | None = None) -> bool:
        """Does the library (or the one document ``source_id``) spell out the acronym ``word``?"""
        a = as_acronym(word)
        docs = self._by_acronym.get(a, ()) if a else ()
        return bool(docs) and (source_id is None or source_id in docs)

    def phrase(self, word: str) -> str | None:
        """The words the library spells the acronym ``word`` with ("WPS" -> "Women, Peace and Security")."""
        a = as_acronym(word)
        return self._phrase.get(a) if a else None
