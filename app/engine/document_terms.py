"""Terms a document never uses, for a question asked about that one document.

Asked of the whole library, a question naming something no document mentions is refused
(``RefusalPolicy.unknown_terms``). Asked about one document ("Ask about this document", a set's
``target_paper``), the same holds for that document: a question about "the Diamond Princess" or
"LAIV" put to a paper that never names them is about another paper, however close its passages
look to the embedding model. On 400 COVID-QA questions put to the nearest other article
(``app eval --wrong-paper``, docs/evaluation.md) the evidence score alone refuses 0.8 % of them, this
rule 27 %; of the same questions put to their own article it refuses one (0.25 %).

Only terms the library knows count (a term no document knows is the library-wide rule's business,
and a misspelling is not evidence), and only terms few documents use: a term common across the
library ("COVID-19" in a collection of coronavirus papers) is one a document may well say otherwise
("2019-nCoV"). Vocabularies come from the sentence index, built for every source on the first question
about one document (0.3 s for 88 articles).
"""
from __future__ import annotations

import re

from ingest.index.lexical import LexicalIndex, tokenize

from .acronyms import SpelledOut

COMMON_SHARE = 0.1  # a term used by more than this share of the library's documents never refuses
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)$", re.I)  # "5th February": a day, like the small numbers
# "C-C Motif Chemokine Ligand 3 Like 1 (CCL3L1)": the words of an expansion whose acronym the document uses
_EXPANSION = re.compile(r"((?:[A-Za-z0-9][\w-]*\s+){1,8})\(([A-Za-z0-9-]{2,})\)")


class DocumentTerms:
    def __init__(self, sentences, lexical: LexicalIndex):
        self.sentences = sentences
        self.lexical = lexical
        self._vocab: dict[str, set[str]] | None = None
        self._df: dict[str, int] = {}
        self._spelled: SpelledOut | None = None

    def _load(self) -> dict[str, set[str]]:
        if self._vocab is None:
            texts = self.sentences.texts_by_source()
            self._spelled = SpelledOut(texts)
            self._vocab = {sid: set(tokenize(ts).vocab) for sid, ts in texts.items()}
            for v in self._vocab.values():
                for t in v:
                    self._df[t] = self._df.get(t, 0) + 1
        return self._vocab

    def vocabulary(self, source_id: str) -> set[str]:
        """The document's stemmed terms (as BM25 sees them); empty for an unknown id."""
        return self._load().get(source_id, set())

    def spells_out(self, word: str, source_id: str | None = None) -> bool:
        """Is ``word`` an acronym the library (or the document ``source_id``) writes out in full ("WPS")?"""
        self._load()
        return self._spelled.spells_out(word, source_id)

    def phrase(self, word: str) -> str | None:
        """The words the library writes the acronym ``word`` out with, if it does."""
        self._load()
        return self._spelled.phrase(word)

    def unknown_to(self, source_id: str, words: list[str], question: str) -> list[str]:
        """The question's specific ``words`` that the document ``source_id`` never uses (but the library does)."""
        vocab = self._load().get(source_id)
        if vocab is None or not words:
            return []
        library = self.lexical.vocabulary()
        common = max(1.0, COMMON_SHARE * len(self._vocab))
        skip = set()
        for m in _EXPANSION.finditer(question):
            if set(tokenize([m.group(2)]).vocab) <= vocab:
                skip |= set(m.group(1).split())
        out = []
        for w in words:
            if w in skip or self._spelled.spells_out(w, source_id):  # "WPS", written "Women, Peace and Security"
                continue
            if _ORDINAL.match(w) or len(re.sub(r"[^A-Za-z0-9]", "", w)) < 3:  # "R0", "UN": too short to tell
                continue
            terms = [t for t in tokenize([w]).vocab if not (t.isdigit() and len(t) < 3)]
            missing = [t for t in terms if t not in vocab]
            if not missing or not all(t in library for t in terms):
                continue
            if any(self._df.get(t, 0) > common for t in missing) or self.lexical.near_known(w, vocab):
                continue
            if all(len(t) >= 4 and any(v.startswith(t) for v in vocab) for t in missing):
                continue  # a short form of a word the document spells out: "Staph" for "Staphylococcus"
            out.append(w)
        return out
