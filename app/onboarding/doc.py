"""One source of the index as the onboarding builders see it: page texts, chunks, sentences.

Everything is read from the index (the ``pages`` collection holds each page's cleaned text, the
``chunks`` collection its chunks' metadata), so every citation built here is exact page text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.engine.quote import make_citation
from app.engine.records import Citation, Passage
from app.engine.text import Sentence, split_sentences
from ingest.index.store import RegistryEntry

_CLOSERS = ".!?\"”’)"


@dataclass
class Sent:
    text: str
    page_index: int
    start: int  # offsets in the page text
    end: int
    order: int  # position in the document
    para_first: bool  # first sentence of its paragraph
    section: int = -1  # index into the tour's sections

    @property
    def pos(self) -> tuple[int, int]:
        return self.page_index, self.start


def looks_whole(text: str) -> bool:
    """A complete sentence: starts with a capital or a digit and ends with sentence punctuation."""
    t = text.lstrip("\"'“‘(")
    return bool(t) and (t[0].isupper() or t[0].isdigit()) and text.rstrip()[-1:] in _CLOSERS


class Doc:
    def __init__(self, engine, entry: RegistryEntry):
        self.engine = engine
        self.entry = entry
        self.source_id = entry.source_id
        got = engine.store.chunks.get(where={"source_id": entry.source_id}, include=["metadatas"])
        rows = [(i, m) for i, m in zip(got["ids"], got["metadatas"]) if m.get("source_hash") == entry.sha256]
        self.chunks: list[tuple[str, dict]] = sorted(rows, key=lambda r: (r[1]["page_index"], r[1]["start"]))
        n_pages = max([entry.pages] + [m["page_index"] + 1 for _, m in self.chunks])
        self.labels = [str(i + 1) for i in range(n_pages)]
        for _, m in self.chunks:
            self.labels[m["page_index"]] = str(m.get("page_label") or m["page_index"] + 1)
        self.pages = [self._page(i) for i in range(n_pages)]
        self.sentences = self._split()

    def _page(self, i: int) -> str:
        try:
            return self.engine.retriever.page_text(self.source_id, self.entry.sha256, i) or ""
        except Exception:  # a page the index does not hold: treat as empty
            return ""

    def _split(self) -> list[Sent]:
        out: list[Sent] = []
        for i, text in enumerate(self.pages):
            pos = 0
            for para in text.split("\n\n"):
                for k, s in enumerate(split_sentences(para, base=pos, min_chars=3)):
                    out.append(Sent(s.text, i, s.start, s.end, len(out), k == 0))
                pos += len(para) + 2
        return out

    # -- positions ----------------------------------------------------------------------------
    def last_position(self) -> tuple[int, int]:
        for i in range(len(self.pages) - 1, -1, -1):
            if self.pages[i].strip():
                return i, len(self.pages[i].rstrip())
        return 0, 0

    def find(self, needle: str, lo: tuple[int, int], hi: tuple[int, int]) -> tuple[int, int] | None:
        """The last occurrence of ``needle`` as a paragraph of its own in (lo, hi], else anywhere there."""
        best_para, best_any = None, None
        for page in range(lo[0], min(hi[0], len(self.pages) - 1) + 1):
            text = self.pages[page]
            for m in re.finditer(re.escape(needle), text):
                p = (page, m.start())
                if not (lo < p <= hi):
                    continue
                best_any = p
                before, after = text[:m.start()], text[m.end():]
                if (not before.strip() or before.endswith("\n")) and (not after.strip() or after.startswith("\n")):
                    best_para = p
        return best_para or best_any

    def end_page(self, stop: tuple[int, int]) -> int:
        """The page holding the last text before position ``stop`` (the next section's start)."""
        page, off = stop
        if page >= len(self.pages):
            return self.last_position()[0]
        if self.pages[page][:off].strip():
            return page
        page -= 1
        while page > 0 and not self.pages[page].strip():
            page -= 1
        return max(page, 0)

    # -- citations ----------------------------------------------------------------------------
    def passage(self, s: Sent, section: str = "") -> Passage:
        """The chunk holding the sentence (its context in cards), else the sentence and its neighbours."""
        e = self.entry
        for cid, m in self.chunks:
            if m["page_index"] == s.page_index and m["start"] <= s.start and s.end <= m["end"]:
                text = self.pages[s.page_index][m["start"]:m["end"]]
                return Passage(chunk_id=cid, source_id=e.source_id, source_hash=e.sha256, title=e.title, kind=e.kind,
                               page_index=s.page_index, page_label=self.labels[s.page_index],
                               section=section or m.get("section", ""), start=m["start"], end=m["end"], text=text,
                               url=e.url)
        same = [x for x in self.sentences if x.page_index == s.page_index and abs(x.order - s.order) <= 1]
        start, end = min(x.start for x in same), max(x.end for x in same)
        return Passage(chunk_id="", source_id=e.source_id, source_hash=e.sha256, title=e.title, kind=e.kind,
                       page_index=s.page_index, page_label=self.labels[s.page_index], section=section,
                       start=start, end=end, text=self.pages[s.page_index][start:end], url=e.url)

    def citation(self, s: Sent, n: int = 1, section: str = "") -> Citation:
        return make_citation(n, self.passage(s, section), Sentence(s.text, s.start, s.end))
