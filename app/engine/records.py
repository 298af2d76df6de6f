"""Records the engine hands to every face (UI, CLI, eval): Passage -> Citation -> Answer.

Citations are data: the UI only renders them. ``Citation.quote`` is always an exact substring
of the stored page text, at ``quote_start``..``quote_end`` of that page.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from ingest.index.records import SourceKind, Span

Scope = Literal["all", "paper", "cited"]


@dataclass(frozen=True)
class Filters:
    scope: Scope = "all"
    source_id: str | None = None  # one document only
    exclude_source: str | None = None  # every document but this one (leave-one-out evaluation of refusal)

    def where(self) -> dict | None:
        """Chroma ``where`` clause for these filters."""
        clauses = []
        if self.scope in ("paper", "cited"):
            clauses.append({"kind": self.scope})
        if self.source_id:
            clauses.append({"source_id": self.source_id})
        if self.exclude_source:
            clauses.append({"source_id": {"$ne": self.exclude_source}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, meta: dict) -> bool:
        if self.scope in ("paper", "cited") and meta.get("kind") != self.scope:
            return False
        if self.exclude_source and meta.get("source_id") == self.exclude_source:
            return False
        return not (self.source_id and meta.get("source_id") != self.source_id)


def is_paragraph_label(label: str) -> bool:
    """A page label of a text without pages ("¶ 1–12", "§ 2 Methods, ¶ 4"), not a printed page number."""
    return str(label).startswith(("¶", "§"))


def page_place(label: str) -> str:
    """How a page is named to a reader: "p. 12" on a printed page; the label itself for texts without pages."""
    return str(label) if is_paragraph_label(label) else f"p. {label}"


@dataclass(frozen=True)
class Passage(Span):
    """A retrieved span of one page (adjacent/overlapping chunks merged), with the scores that chose it."""

    score: float = 0.0  # fused rank score (RRF), for ordering
    similarity: float = 0.0  # cosine similarity to the query, for refusal
    lexical: float = 0.0  # BM25 score (0 when not a lexical hit)

    @property
    def where(self) -> str:
        """"p. 12" on a printed page; the page's own label ("§ 2 Methods, ¶ 1–4") for texts without pages."""
        return page_place(self.page_label)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_metadata(cls, chunk_id: str, m: dict, text: str, **over) -> Passage:
        """The one mapping from a stored chunk's metadata (``ingest.index.records.Chunk.metadata``) to a Passage;
        ``over`` replaces fields (a widened span, scores)."""
        fields = dict(chunk_id=chunk_id, source_id=str(m.get("source_id", "")), source_hash=str(m.get("source_hash", "")),
                      title=str(m.get("title", "")), kind=str(m.get("kind", "")), page_index=int(m.get("page_index", 0)),
                      page_label=str(m.get("page_label", int(m.get("page_index", 0)) + 1)), section=str(m.get("section", "")),
                      start=int(m.get("start", 0)), end=int(m.get("end", len(text))), text=text, url=str(m.get("url", "")),
                      paragraph=int(m.get("paragraph", 0) or 0))
        fields.update(over)
        return cls(**fields)


@dataclass
class Trace:
    """What a source cited by the paper says about the citing sentence (issue: tracing)."""

    citation_text: str  # the in-text citation, e.g. "Holvikivi (2019)"
    reference: str  # the reference-list entry
    ingested: bool
    source_id: str | None = None
    title: str = ""
    page: str = ""
    page_index: int | None = None
    quote: str = ""
    url: str = ""
    via: str = ""  # "previous sentence": the quote continues a claim its previous sentence cites


@dataclass
class Citation:
    n: int
    source_id: str
    title: str
    kind: SourceKind
    page: str  # printed page label
    quote: str
    url: str = ""
    page_index: int = 0
    quote_start: int = 0  # offsets of the quote in the stored page text
    quote_end: int = 0
    section: str = ""
    chunk_id: str = ""
    passage_text: str = ""  # the surrounding passage, for context in cards
    passage_start: int = 0
    traces: list[Trace] = field(default_factory=list)
    paragraph: int = 0  # texts without pages: the quote's paragraph within its section (0 on PDF pages)
    locator: str = ""  # where to find the quote as printed: "p. 12", or "§ 3.2 Method, ¶ 4" for texts without pages
    # A quoted sentence that runs on to the next printed page: its second half, exact text of that page
    # at continued_start..continued_end, and the whole sentence as read ("pp. 4–5" in the locator).
    continued: str = ""
    continued_page: str = ""
    continued_page_index: int | None = None
    continued_start: int = 0
    continued_end: int = 0
    whole: str = ""

    @property
    def sentence(self) -> str:
        """The quoted text as a reader reads it: both halves of a sentence cut by a page break."""
        return self.whole or self.quote

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class SentenceCheck:
    text: str
    citations: list[int]
    supported: bool
    score: float
    note: str = ""  # e.g. "citation [4] repaired to [2]"


@dataclass
class Answer:
    question: str
    text: str  # with inline [n] markers that all resolve to ``citations``
    refused: bool
    mode: Literal["quote", "generate"]
    citations: list[Citation] = field(default_factory=list)
    verified: list[SentenceCheck] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)  # evidence considered (closest passages on refusal)
    standalone_query: str = ""
    model: str = "none"
    notice: str = ""  # e.g. "the LLM endpoint is down: answered in quote mode"
    timings: dict[str, float] = field(default_factory=dict)
    evidence: float = 0.0  # probability that the best sentence answers the question: ranks and decides refusal
    unknown_terms: list[str] = field(default_factory=list)  # names/terms the corpus never uses (a reason to refuse)
    elsewhere: str = ""  # refused within one document: the document that answers it far better (its source id)
    elsewhere_title: str = ""
    match: str = ""  # answered: "close", "partial" or "weak" (``match.py``), from the evidence; "" when refused

    def to_json(self) -> dict:
        return {
            "question": self.question, "answer": self.text, "refused": self.refused, "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "verified": [asdict(v) for v in self.verified],
            "standalone_query": self.standalone_query, "model": self.model, "notice": self.notice,
            "evidence": round(self.evidence, 4), "match": self.match, "unknown_terms": list(self.unknown_terms),
            "elsewhere": self.elsewhere, "elsewhere_title": self.elsewhere_title,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "passages": [{"source_id": p.source_id, "title": p.title, "page": p.page_label, "paragraph": p.paragraph,
                          "text": p.text, "score": round(p.similarity, 4)} for p in self.passages],
        }


@dataclass
class Turn:
    """One chat turn of history."""

    role: Literal["user", "assistant"]
    content: str
