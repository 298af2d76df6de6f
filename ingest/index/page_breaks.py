"""Sentences that run on from one printed page to the next, made whole again.

Page text is stored page by page, so the splitter cuts a sentence at every page break it crosses:
"Similarly, efficient priming of CTLs was" ends page 4 and "observed against phage-displayed
epitopes." opens page 5. In 29 articles typeset two-column by pdflatex, 86 of 98 page breaks fall
inside a sentence. Each half alone is a poor thing to rank and a worse thing to quote, so the last
sentence of a page's body (footnotes below it are skipped) takes the first sentence of the next page
when that one continues it; the continuation's place on the next page is kept, so a quote can show
both halves and cite both pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..hyphens import HYPHEN_BREAK, Hyphens
from ..sentences import Sentence

# A sentence is closed by . ! ? (quotes, brackets and a note mark after it allowed) or opens a list (":").
_CLOSED = re.compile(r"(?:[.!?][\"'”’)\]]*(?:[0-9¹²³⁰⁴-⁹]{1,3}|\[[^\]]{1,20}\])?|:)$")
_NOTE = re.compile(r"^(?:\d{1,3}|[¹²³⁰⁴-⁹]{1,3})\s*\S")  # a footnote paragraph: "12 See Holvikivi 2019."
_RUNS_ON = re.compile(r"(?:[,;(–—-]|\b(?:the|of|and|or|to|in|by|for|a|an|with|on|at|from|as|that|which|between|than|its"
                      r"|their|is|are|was|were|be|this|these|into|over|under|per|nor|but))$", re.IGNORECASE)


@dataclass(frozen=True)
class Continuation:
    """Where the rest of a sentence is printed: the next page's index, label and offsets."""

    page_index: int
    page_label: str
    start: int
    end: int
    text: str  # the next page's text at start..end: the sentence's second half as printed

    def to_list(self) -> list:
        return [self.page_index, self.page_label, self.start, self.end, self.text]

    @classmethod
    def from_list(cls, c: list) -> Continuation:
        return cls(int(c[0]), str(c[1]), int(c[2]), int(c[3]), str(c[4]))


def body_end(text: str) -> int:
    """Offset where a page's body ends: before the footnote paragraphs at its bottom."""
    end = len(text)
    while True:
        cut = text.rfind("\n\n", 0, end)
        para = text[cut + 2 if cut >= 0 else 0:end].strip()
        if not para or not _NOTE.match(para) or cut < 0:
            return end
        end = cut


def runs_on(tail: str, head: str) -> bool:
    """Does ``head`` (the first sentence of a page) continue ``tail`` (the last of the page before)?

    Only when ``tail`` is left open (no closing stop, not a list's colon) and is more than a label, and
    ``head`` opens in lower case, or ``tail`` stops on a comma, a hyphen or a word that cannot end a
    sentence ("… by the" / "United Nations …") and ``head`` is a closed sentence, not a heading."""
    tail, head = tail.rstrip(), head.lstrip()
    if not tail or not head or _CLOSED.search(tail) or len(tail.split()) < 3:
        return False
    if head[0].islower():
        return True  # a capital after "… by the" may open a name, but not an unclosed line: that is a heading
    return bool(_RUNS_ON.search(tail)) and (head[0].isalnum() or head[0] in "\"“‘(") and bool(_CLOSED.search(head))


def join(tail: str, head: str, hyphens: Hyphens) -> str:
    """The whole sentence: a word broken by a hyphen at the page break is joined as the document prints it."""
    if tail.endswith("-") and head[:1].isalnum():
        return HYPHEN_BREAK.sub(hyphens.join, f"{tail}\n{head}", count=1)
    return f"{tail} {head}"


def join_page_breaks(pages: list[tuple[int, str, str, list[Sentence]]],
                     hyphens: Hyphens) -> tuple[list[tuple[int, Sentence]], dict[int, Continuation]]:
    """Sentences of consecutive printed pages in reading order, a sentence cut by a page break made whole.

    ``pages`` holds (page index, page label, page text, its sentences) in page order. Returns
    (page index, sentence) rows, where a joined sentence keeps its first half's page and offsets and the
    whole text, plus {row: Continuation} for the rows whose text goes on to the next page; the next
    page's opening half is then not a row of its own."""
    rows: list[tuple[int, Sentence]] = []
    cont: dict[int, Continuation] = {}
    pending: tuple[int, int] | None = None  # (row of the open tail, its page index)
    for index, label, text, sents in pages:
        skip_first = False
        if pending is not None and sents and pending[1] == index - 1:
            row = pending[0]
            head = sents[0]
            if not text[:head.start].strip() and runs_on(rows[row][1].text, head.text):
                page, tail = rows[row]
                rows[row] = (page, Sentence(join(tail.text, head.text, hyphens), tail.start, tail.end))
                cont[row] = Continuation(index, label, head.start, head.end, head.text)
                skip_first = True
        pending = None
        if label.startswith(("¶", "§")):  # a text without pages: its "pages" are sections, never cut mid-sentence
            rows += [(index, s) for s in sents]
            continue
        stop = body_end(text)
        for i, s in enumerate(sents):
            if i == 0 and skip_first:
                continue
            rows.append((index, s))
            if s.end <= stop:
                pending = (len(rows) - 1, index)
    return rows, cont
