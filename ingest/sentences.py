"""Sentence splitting with exact page offsets, stemmed content words and word overlap.

Shared by ingest (the sentence index built at ingest time) and the answer engine (ranking,
verification), so a sentence is cut the same way wherever it is used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

try:
    import Stemmer

    _STEMMER = Stemmer.Stemmer("english")
except ImportError:  # pragma: no cover - PyStemmer is a dependency
    _STEMMER = None

_ABBREV = {"e.g", "i.e", "et al", "al", "etc", "cf", "vs", "no", "fig", "p", "pp", "dr", "mr", "ms", "mrs", "un", "u.n", "st", "vol", "ed", "eds"}
# A sentence ends at . ! ? (plus closing quotes/brackets) before a capital or digit. A note mark printed
# right after it stays with the sentence it closes: a footnote number after a word's full stop
# ("institutions.12 Even so", superscripts too) or a bracketed number ("shown.[4, 5] The").
_NOTE_MARK = r"(?:(?:(?<=[^\W\d_][.!?])|(?<=[.!?][\"'”’)]))[0-9¹²³⁰⁴-⁹]{1,3}(?:,[0-9¹²³⁰⁴-⁹]{1,3})*|\[\d{1,3}(?:\s?[,–-]\s?\d{1,3})*\])?"
# capitals of Latin (with accents), Greek and Cyrillic: "… la formation. À Genève …", "… миссии. Курс …"
_CAPITAL = "A-Z0-9À-ÖØ-ÞΆ-ΩЀ-Я"
_SENT_END = re.compile(r"[.!?](?:[\"'”’)\]]*)" + _NOTE_MARK + r"(?=\s+[\"'“‘(\[]?[" + _CAPITAL + r"])")
# letters of Latin (with accents), Greek and Cyrillic: "Côte" is one word, not "c" and "te"
_WORD = re.compile(r"[a-z0-9à-öø-ÿĀ-ɏͰ-ϿЀ-ӿ]+(?:'[a-zà-öø-ÿĀ-ɏͰ-ϿЀ-ӿ]+)?")
STOPWORDS = set("""a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once
only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves also may might must shall upon within without according whose
paper papers source sources say says said tell does do""".split())


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the text it was split from
    end: int


def split_sentences(text: str, base: int = 0, min_chars: int = 12) -> list[Sentence]:
    """Sentences of ``text`` with offsets (plus ``base``); paragraphs first, never after abbreviations."""
    if "\n\n" in text:
        result, pos, label = [], 0, None
        for para in text.split("\n\n"):
            found = _split_paragraph(para, base + pos, min_chars)
            if found and label is not None:  # "editors" + "Cristina Finch, ...": one sentence, label first
                first = found[0]
                found[0] = Sentence(text[label - base: first.end - base], label, first.end)
            label = None
            if not found and _is_label(para):
                label = base + pos + len(para) - len(para.lstrip())
            result += found
            pos += len(para) + 2
        return result
    return _split_paragraph(text, base, min_chars)


def _is_label(para: str) -> bool:
    """A field label of a web page ("Authors", "editors"): one or two words, too short to be a sentence."""
    words = para.split()
    return 0 < len(words) <= 2 and all(w.isalpha() for w in words) and len(para.strip()) < 24


def _split_paragraph(text: str, base: int, min_chars: int) -> list[Sentence]:
    out: list[Sentence] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        if abbreviation_before(text[start:m.start()]) or (text[m.start()] in "?!" and _title_question(
                text[start:m.start() + 1], text[end:])):
            continue
        out.append(Sentence(text[start:end], start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        out.append(Sentence(text[start:], start, len(text)))
    result = []
    for s in out:
        stripped = s.text.strip()
        if len(stripped) < min_chars:
            continue
        lead = len(s.text) - len(s.text.lstrip())
        result.append(Sentence(stripped, base + s.start + lead, base + s.start + lead + len(stripped)))
    return result


def _title_question(before: str, rest: str) -> bool:
    """"More than a mandate? Making gender training … matter": a short question and, to the paragraph's
    end on the same line, an unpunctuated subtitle are one title, not two sentences."""
    rest = rest.strip()
    return (before.rstrip().endswith(("?", "!")) and "\n" not in before.strip() and len(before.split()) <= 8
            and "\n" not in rest and 2 <= len(rest.split()) <= 15 and rest[:1].isupper()
            and rest[-1:].isalnum())


def abbreviation_before(text: str) -> bool:
    """Does ``text``, up to a full stop, end with an abbreviation or an initial ("et al", "(e.g", "A")?
    Then the stop ends no sentence."""
    before = text.rsplit(None, 1)
    last_word = before[-1].lower().lstrip("([\"'“‘").rstrip(".") if before else ""  # "(e.g." too
    return last_word in _ABBREV or (len(last_word) == 1 and last_word.isalpha())


def content_words(text: str) -> set[str]:
    return set(content_sequence(text))


def content_sequence(text: str) -> list[str]:
    """The stemmed content words of ``text`` in reading order (phrases: "mortality rate")."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def word_pairs(text: str) -> set[tuple[str, str]]:
    """Adjacent content-word pairs, stopwords skipped: "the rate of mortality" and "mortality rate" differ."""
    seq = content_sequence(text)
    return set(zip(seq, seq[1:]))


@lru_cache(maxsize=50000)
def _stem(w: str) -> str:
    """Snowball English stem (PyStemmer), so 'synthesise'/'synthesises' and 'trainers'/'trainer' meet."""
    return _STEMMER.stemWord(w) if _STEMMER else w


def overlap(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence (0..1)."""
    cw = content_words(claim)
    if not cw:
        return 0.0
    return len(cw & content_words(evidence)) / len(cw)
