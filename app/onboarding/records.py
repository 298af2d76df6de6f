"""Records of the onboarding tour (issue 7): Tour -> Section / GlossaryEntry / QuizQuestion.

Everything a tour shows is a ``Citation`` whose ``quote`` is exact page text at
``quote_start``..``quote_end`` of page ``page_index`` (0-based), like every other citation.
``Section.page_start``/``page_end`` are 0-based physical page indexes; ``label_start``/``label_end``
are the printed page labels for display.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from app.engine.records import Citation, Trace, is_paragraph_label

SectionKind = Literal["front", "section", "references", "pages"]


@dataclass
class Section:
    title: str
    page_start: int
    page_end: int
    summary: list[Citation] = field(default_factory=list)  # key sentences, in document order
    questions: list[str] = field(default_factory=list)  # suggested questions the engine answers from here
    level: int = 1  # 1 = section, 2 = subsection, ... (from the numbering when there is one)
    kind: SectionKind = "section"  # "front" matter before the first heading, "references", or "pages" (no outline)
    label_start: str = ""
    label_end: str = ""
    generated: str = ""  # optional LLM summary; every sentence verified against ``summary`` ([n] markers)

    @property
    def pages(self) -> str:
        a, b = self.label_start or str(self.page_start + 1), self.label_end or str(self.page_end + 1)
        if is_paragraph_label(a):
            return a if a == b else f"{a} to {b}"
        return f"p. {a}" if a == b else f"pp. {a}–{b}"


@dataclass
class GlossaryEntry:
    term: str
    citation: Citation  # the sentence that defines or first explains the term
    abbreviation: str = ""
    how: str = "definition"  # "definition" | "abbreviation" | "phrase"


@dataclass
class QuizQuestion:
    kind: Literal["cloze", "mcq"]
    prompt: str
    options: list[str]
    answer: str  # exact substring of ``citation.quote``
    citation: Citation
    explanation: str
    section: str = ""
    topic: str = "number"  # what was blanked: "number" | "year" | "term" | "word"


@dataclass
class Tour:
    sections: list[Section]
    glossary: list[GlossaryEntry]
    quiz: list[QuizQuestion]
    source_id: str = ""
    title: str = ""
    kind: str = ""
    has_outline: bool = True  # False: sections are page groups
    fingerprint: str = ""
    build_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> Tour:
        def cit(c: dict) -> Citation:
            c = dict(c)
            c["traces"] = [Trace(**t) for t in c.get("traces", [])]
            return Citation(**c)

        sections = [Section(**{**s, "summary": [cit(c) for c in s["summary"]]}) for s in d["sections"]]
        glossary = [GlossaryEntry(**{**g, "citation": cit(g["citation"])}) for g in d["glossary"]]
        quiz = [QuizQuestion(**{**q, "citation": cit(q["citation"])}) for q in d["quiz"]]
        rest = {k: v for k, v in d.items() if k not in ("sections", "glossary", "quiz")}
        return cls(sections=sections, glossary=glossary, quiz=quiz, **rest)
