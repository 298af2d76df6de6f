"""A question's word that the library never prints, searched as the library's word one typo away.

People type the names they have heard, not read: "carageenan", "emphyema", "Zanamavir". BM25 and the
sentence features match exact (stemmed) words, so the misspelt word, often the question's most telling
one, matched nothing and the right sentences ranked low or the question was refused. The speller
replaces such a word with the library's word at one edit (a letter missing, extra, changed, or two
letters swapped) before ranking, the most frequent one if several are.

Refusal never sees the correction: whether a name is unknown to the library is still decided on the
words the user typed (``LexicalIndex.unknown_terms``, whose ``near_known`` accepts spelling variants).
Short words (under ``MIN_LENGTH`` letters) are never corrected: at one edit they have too many
neighbours ("trail"/"trial") to guess which was meant.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

MIN_LENGTH = 6
_WORD = re.compile(r"[A-Za-z]+")


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Speller:
    """Damerau distance 1 by the symmetric-delete trick: two words are one edit apart when one equals the
    other with a letter deleted, or both are equal with one letter deleted each (a changed letter, a swap)."""

    def __init__(self, texts: Iterable[str], known_terms: set[str] | None = None, stem=None):
        self.counts = Counter(w for t in texts for w in _WORD.findall(t.lower()) if len(w) >= MIN_LENGTH - 1)
        self.known_terms = known_terms or set()  # the BM25 vocabulary (stems): an inflection is not a typo
        self.stem = stem or (lambda w: w)
        self._by_key: dict[str, list[str]] | None = None

    def _keys(self) -> dict[str, list[str]]:
        if self._by_key is None:  # by ``warm_up`` at engine open, else on the first unknown word
            by_key: dict[str, list[str]] = {}
            for w in self.counts:
                for k in _deletes(w) | {w}:
                    by_key.setdefault(k, []).append(w)
            self._by_key = by_key
        return self._by_key

    def warm_up(self) -> None:
        """Build the word table now (about 0.4 s for 90 articles), not on a user's first misspelt word."""
        self._keys()

    def suggest(self, word: str) -> str | None:
        """The library's word one edit from ``word``, or None (``word`` is known, short, or has no near word)."""
        low = word.lower()
        if len(low) < MIN_LENGTH or low in self.counts or self.stem(low) in self.known_terms:
            return None
        by_key = self._keys()
        near = {w for k in _deletes(low) | {low} for w in by_key.get(k, ()) if w != low}
        near = {w for w in near if _one_edit(low, w)}
        if not near:
            return None
        best = max(sorted(near), key=lambda w: self.counts[w])
        return best.capitalize() if word[:1].isupper() and not word.isupper() else best

    def correct(self, text: str) -> str:
        """``text`` with every misspelt word replaced by its suggestion; unchanged when there is none."""
        return _WORD.sub(lambda m: self.suggest(m.group(0)) or m.group(0), text)


def _one_edit(a: str, b: str) -> bool:
    """Deletion, insertion, substitution or swap of two adjacent letters (the delete keys also pair words two
    edits apart, such as two different deletions at two places)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
