"""Line-end hyphens: a compound's own hyphen or the typesetter's, decided by what the document prints.

Used by the PDF cleaner (breaks inside a page) and by the sentence index (a word broken across a page
break), so both join a broken word the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

HYPHEN_BREAK = re.compile(r"\b(\w+)-\n[ \t]*(\w+)")  # never across a blank line (a paragraph break)
_INLINE_COMPOUND = re.compile(r"\b([A-Za-z]+-[a-z]+)\b")  # "male-dominated", printed inside a line
_WORD = re.compile(r"(?<![-\w])\w+(?![-\w])")  # a word on its own, not part of a compound
# Typographic ligatures (LaTeX fonts: "ﬁlled", "eﬀect", "eﬃcient") as their letters, so that word
# matching and the embedding model's vocabulary see "filled", "effect", "efficient".
LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                           "\ufb05": "st", "\ufb06": "st"})


@dataclass(frozen=True)
class Hyphens:
    """What one document prints, to tell a compound's own hyphen at a line end from the typesetter's.

    Measured on 29 COVID-QA articles typeset two-column by pdflatex: of 2,922 line-end hyphens before a
    lower-case letter, 112 are a compound's own; joining every break garbles all of them ("casefatality"),
    these rules keep 65 and wrongly keep 5 word breaks. Before a capital or a digit (145), 113 are a
    compound's own ("HIV-1", "RT-PCR"), which used to come out as "HIV- 1"."""

    compounds: frozenset[str] = frozenset()  # hyphenated words printed inside a line ("male-dominated")
    words: frozenset[str] = frozenset()  # words printed on their own, not at a break nor in a compound

    @classmethod
    def of(cls, raw_pages: list[str]) -> Hyphens:
        unbroken = HYPHEN_BREAK.sub(" ", "\n".join(raw_pages).translate(LIGATURES))
        return cls(frozenset(m.group(1).lower() for m in _INLINE_COMPOUND.finditer(unbroken)),
                   frozenset(w.lower() for w in _WORD.findall(unbroken)))

    def join(self, m: re.Match) -> str:
        """"ob-/servational" -> "observational"; "HIV-/1", "RT-/PCR" keep their hyphen (a capital or a digit
        goes on); "male-/dominated" too when the document prints "male-dominated" or (never "maledominated"
        but) both "male" and "dominated" on their own."""
        a, b = m.group(1), m.group(2)
        joined = (a + b).lower()
        if joined not in self.words and (not b[0].islower() or f"{a}-{b}".lower() in self.compounds or (
                len(a) >= 3 and len(b) >= 3 and a.lower() in self.words and b.lower() in self.words)):
            return f"{a}-{b}"
        return a + b
