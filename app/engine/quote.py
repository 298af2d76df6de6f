"""Quote mode: an answer composed of the most relevant sentences of the top passages, each cited.

No LLM, so it cannot hallucinate: every sentence is verbatim page text.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.index.page_breaks import Continuation

from .question_cues import MONTHS, about_document, asks_for_title, asks_when_published, is_metadata, looks_like_heading
from .records import Citation, Passage, SentenceCheck, is_paragraph_label
from .text import Sentence, overlap


def locator(p: Passage, quote_start: int) -> tuple[int, str]:
    """(paragraph, where to find it): "p. 12" on a page, "§ 3.2 Method, ¶ 4" in a text without pages."""
    if not is_paragraph_label(p.page_label):
        return 0, p.where
    para = p.paragraph + p.text.count("\n\n", 0, max(0, quote_start - p.start))
    return para, (f"§ {p.section}, ¶ {para}" if p.section else f"¶ {para}")


_NOTE_NUMBER = re.compile(rf"(\d{{1,3}})\s+(?!(?i:{MONTHS})\b)(?=[A-Z\"“‘(](?:\S*\s+){{3}})")  # not a date: "28 May, 2025"


def footnote_number(p: Passage, s: Sentence) -> tuple[str, int] | None:
    """("1", offset of the note's text) when ``s`` opens a footnote of a printed page ("1 The Elsie Initiative …").

    The parser puts each bottom-of-page note in a paragraph of its own, so a paragraph of a page that opens
    with a one-to-three-digit number, then a capital (not a month) and three words more, is a note: the quote
    starts after the number, and the number goes to the locator ("p. 4, n. 1"), where a reader looks for it."""
    off = s.start - p.start
    if is_paragraph_label(p.page_label) or off < 0 or (off and not p.text[:off].endswith("\n\n")):
        return None
    m = _NOTE_NUMBER.match(p.text, off)
    return (m.group(1), s.start + m.end() - off) if m and m.end() - off < s.end - s.start else None


def make_citation(n: int, p: Passage, s: Sentence | None, cont: Continuation | None = None) -> Citation:
    """A citation whose quote is the exact page text of sentence ``s`` (page offsets).

    ``cont``: the sentence runs on to the next page; ``s.text`` is then the whole sentence, the quote
    its first half, and the citation carries the second half and both pages ("pp. 4–5")."""
    if s is None:
        s = Sentence(p.text, p.start, p.end)
    note = footnote_number(p, s)
    if note:
        s = Sentence(s.text, note[1], s.end)
    quote = p.text[s.start - p.start: s.end - p.start]
    para, where = locator(p, s.start)
    if note:
        where = f"{where}, n. {note[0]}"
    cit = Citation(n=n, source_id=p.source_id, title=p.title, kind=p.kind, page=p.page_label, quote=quote,
                   url=p.url, page_index=p.page_index, quote_start=s.start, quote_end=s.end, section=p.section,
                   chunk_id=p.chunk_id, passage_text=p.text, passage_start=p.start, paragraph=para, locator=where)
    if cont is not None and not note and s.text.startswith(quote.rstrip("-")):  # "insti-" + "tutions"
        cit.continued, cit.continued_page, cit.continued_page_index = cont.text, cont.page_label, cont.page_index
        cit.continued_start, cit.continued_end, cit.whole = cont.start, cont.end, s.text
        cit.locator = f"pp. {p.page_label}–{cont.page_label}" if where.startswith("p. ") else where
    return cit


# a sentence opening with a pronoun that points back ("Its genome is …", "These were …") needs the one before it
_POINTS_BACK = re.compile(r"^\W*(it|its|they|their|them|these|those|this|such|both|he|she|his|her|the latter|"
                          r"the former)\b", re.I)


def _neighbour(r: int, nxt: int, p: Passage, sentences, taken: set[int]) -> int | None:
    """Row ``nxt`` (just before or after ``r``) when it is in the same paragraph of the passage, is not a
    heading and is not quoted already."""
    lo, hi = min(r, nxt), max(r, nxt)
    if (lo < 0 or hi >= len(sentences.texts) or nxt in taken or lo in sentences.continued or hi in sentences.continued
            or sentences.source_ids[lo] != sentences.source_ids[hi]
            or int(sentences.page_index[lo]) != int(sentences.page_index[hi])):
        return None
    start, gap0, gap1, end = (int(sentences.start[lo]), int(sentences.end[lo]), int(sentences.start[hi]),
                              int(sentences.end[hi]))
    if not (p.start <= start <= gap0 <= gap1 and end <= p.end) or "\n\n" in p.text[gap0 - p.start: gap1 - p.start]:
        return None
    return None if looks_like_heading(sentences.texts[nxt]) else nxt


# a heading of words, perhaps numbered ("3.2 Sparse matrix methods"); a short line with figures in it is a value
# itself (the dateline "28 May, 2025" answers "When was the paper published?")
_WORDS_ONLY = re.compile(r"^\s*(\d+(\.\d+)*\.?\s+)?[^\d]+$")


def _section_opening(rk, where: dict[int, int], sentences, taken: set[int]):
    """A heading that matches the question ("Sparse matrix methods", "Writing an M-step driver") points to its
    section: the section's first sentence, with the heading's score, is quoted instead of the bare heading.
    None for a document's title, a line with figures, and when that sentence is in no passage at hand, in another
    document, a heading too, or quoted already."""
    r, nxt = rk.row, rk.row + 1
    title = r == 0 or sentences.source_ids[r - 1] != sentences.source_ids[r]  # a document's first line: its title
    if (title or not _WORDS_ONLY.match(sentences.texts[r]) or nxt >= len(sentences.texts) or nxt in taken
            or nxt not in where or sentences.source_ids[nxt] != sentences.source_ids[r] or looks_like_heading(sentences.texts[nxt])):
        return None
    return replace(rk, row=nxt)


def quotable(ranked, texts, question: str):
    """The ranked sentences an answer may quote: no metadata line ("Authors: …", "DOI: …", a bare URL) unless the
    question is about the document itself. Such a line near a document's top ranked first for "What is the
    molecular structure of bovine coronavirus?" and was quoted; refusal and passages still see every sentence."""
    if about_document(question) or asks_when_published(question) or asks_for_title(question):
        return ranked
    return [rk for rk in ranked if not is_metadata(texts[rk.row])] or ranked


def compose_ranked(ranked, where: dict[int, int], passages: list[Passage], sentences,
                   max_sentences: int = 3, per_passage: int = 5, rel_floor: float = 0.3, follow: bool = False,
                   lead_in: bool = False):
    """Sentence-index ranking -> answer: the best sentence(s), grouped by paragraph, in reading order within one.

    Paragraphs come in the order of their best sentence: a passage widened over a short page's paragraphs
    (a web page is often one passage) would otherwise open the answer with its weakest quote when that one is
    printed first ("Who is the paper for?" quoted the page's description before its "primary audience" line).

    ``ranked`` holds (prob, row) best first, rows of ``sentences`` (the SentenceIndex); ``where`` maps a
    row to the passage holding it. ``follow`` (an unsure answer): each quote runs on to the next sentence of
    its paragraph, where a sentence that names the question's subject is often followed by the one answering
    about it ("Bovine coronavirus (BCoV) is … . Its genome is … of around 31 kb."). ``lead_in``: a quote that
    opens with a pronoun pointing back starts at the sentence before it, which names what the pronoun means.
    """
    texts, starts, ends = sentences.texts, sentences.start, sentences.end
    if not ranked:
        return "", [], []
    best = ranked[0].prob
    chosen: list = []
    used: dict[int, int] = {}
    for rk in ranked:
        if len(chosen) >= max_sentences:
            break
        if rk.prob < best * rel_floor:
            continue
        i = where.get(rk.row)
        if i is None or used.get(i, 0) >= per_passage:
            continue
        if looks_like_heading(texts[rk.row]):
            rk = _section_opening(rk, where, sentences, {c.row for c in chosen}) or rk
        text = texts[rk.row]
        if looks_like_heading(text) and chosen:
            continue
        if any(overlap(text, texts[c.row]) > 0.8 for c in chosen):
            continue  # near-duplicate (repeated text)
        chosen.append(rk)
        used[i] = used.get(i, 0) + 1
    def block(rk):  # (passage, paragraph in it): a passage widened over several paragraphs keeps them apart
        p = passages[where[rk.row]]
        return where[rk.row], p.text.count("\n\n", 0, max(0, int(starts[rk.row]) - p.start))

    first = {}
    for rk in chosen:
        first.setdefault(block(rk), len(first))
    chosen.sort(key=lambda rk: (first[block(rk)], int(starts[rk.row])))
    citations, checks, parts = [], [], []
    taken = {rk.row for rk in chosen}
    for n, rk in enumerate(chosen, start=1):
        r, p = rk.row, passages[where[rk.row]]
        top = bottom = r  # the quote's first and last rows
        if lead_in and _POINTS_BACK.match(texts[r]) and _neighbour(r, r - 1, p, sentences, taken) is not None:
            top = r - 1
        if follow and _neighbour(r, r + 1, p, sentences, taken) is not None:
            bottom = r + 1
        taken |= {top, bottom}
        if top == bottom:
            s = Sentence(texts[r], int(starts[r]), int(ends[r]))
        else:
            a, b = int(starts[top]), int(ends[bottom])
            s = Sentence(p.text[a - p.start: b - p.start], a, b)
        cit = make_citation(n, p, s, sentences.continued.get(r) if top == bottom else None)
        citations.append(cit)
        parts.append(f"{cit.sentence} [{n}]")
        checks.append(SentenceCheck(text=cit.sentence, citations=[n], supported=True, score=round(rk.prob, 4),
                                    note="verbatim quote"))
    return " ".join(parts), citations, checks

