"""The sections of a source, in order, with page ranges and extractive key-sentence summaries.

Headings are stored at ingest only as each chunk's ``section`` metadata, so the section list is
read from the chunks (ordered by page and offset) and each heading is then located in the page
text. A heading whose section has no chunk of its own (a short subsection inside the previous
section's chunk) is recovered when the headings are numbered and its number fits the sequence.
Without any heading the document falls back to page groups.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from app.engine.records import is_paragraph_label

from .doc import Doc, Sent, looks_whole

INF = (1 << 30, 0)
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Z][^.!?;:]{2,80}$")
_REF_TITLE = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?(references|bibliography|works cited|literature cited|reference list|"
                        r"sources|endnotes|notes|literature)$", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^\d{1,2}\s+[A-Z\"“]")
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_BIBLIO = re.compile(r"https?://|www\.|\bdoi[:.]|\b\d+\(\d+\):\s*\d+")


@dataclass
class Span:
    title: str
    level: int
    kind: str  # "front" | "section" | "references" | "pages"
    start: tuple[int, int]
    end: tuple[int, int] = INF
    page_start: int = 0
    page_end: int = 0


def number_of(title: str) -> tuple[int, ...] | None:
    m = re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s", title)
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def _successor(prev: tuple[int, ...], cur: tuple[int, ...]) -> bool:
    """``cur`` may directly follow ``prev`` in a numbering (3 -> 3.1, 3.1 -> 3.2, 3.4 -> 4)."""
    if cur == prev + (1,):
        return True
    n = len(cur)
    return n <= len(prev) and cur[:-1] == prev[:n - 1] and cur[-1] == prev[n - 1] + 1


def _kind(title: str) -> str:
    return "references" if _REF_TITLE.match(title.strip()) else "section"


def derive_spans(doc: Doc) -> tuple[list[Span], bool]:
    """Sections in document order and whether they come from headings (False: page groups)."""
    heads = getattr(doc.entry, "headings", None)
    if heads:  # stored at ingest (outline or heuristic): exact titles, levels and positions
        spans = [Span(h["title"], int(h.get("level") or 1), _kind(h["title"]), (h["page_index"], h["offset"])) for h in heads]
        spans.sort(key=lambda sp: sp.start)
        if spans[0].start > (0, 0):
            spans.insert(0, Span("Front matter", 1, "front", (0, 0)))
        _close(doc, spans)
        if spans[0].kind == "front" and not any(looks_whole(s.text) for s in doc.sentences if s.pos < spans[1].start):
            spans = spans[1:]
        return spans, True
    runs: list[list] = []  # [title, first chunk position, last chunk position]
    for _, m in doc.chunks:
        title, pos = m.get("section") or "", (m["page_index"], m["start"])
        if runs and runs[-1][0] == title:
            runs[-1][2] = pos
        else:
            runs.append([title, pos, pos])
    if not any(r[0] for r in runs):
        return page_groups(doc), False
    spans: list[Span] = []
    prev_last = (-1, -1)
    for title, first, last in runs:
        if not title:
            spans.append(Span("Front matter", 1, "front", (0, 0)))
        else:
            pos = doc.find(title, prev_last, first) or first
            num = number_of(title)
            spans.append(Span(title, len(num) if num else 1, _kind(title), pos))
        prev_last = last
    spans = _recover_numbered(doc, spans)
    _close(doc, spans)
    if spans[0].kind == "front" and not any(looks_whole(s.text) for s in doc.sentences if s.pos < spans[1].start):
        spans = spans[1:]  # only a title line before the first heading: nothing to walk through
    return spans, True


def _recover_numbered(doc: Doc, spans: list[Span]) -> list[Span]:
    numbered = [s for s in spans if number_of(s.title)]
    if len(numbered) < 2:
        return spans
    known = {s.start for s in spans}
    titles = {s.title for s in spans}
    for page, text in enumerate(doc.pages):
        pos = 0
        for para in text.split("\n\n"):
            head, at = para.strip(), (page, pos + len(para) - len(para.lstrip()))
            pos += len(para) + 2
            if (at in known or head in titles or not _NUMBERED.match(head) or len(head.split()) > 10 or "," in head
                    or _YEAR.search(head)):
                continue
            cur = number_of(head)
            before = [s for s in spans if s.start < at]
            prev = next((s for s in reversed(before) if number_of(s.title)), None)
            nxt = next((s for s in spans if s.start > at and number_of(s.title)), None)
            if (prev is None or before[-1].kind == "references" or not _successor(number_of(prev.title), cur)
                    or (nxt is not None and not cur < number_of(nxt.title))):
                continue
            spans.append(Span(head, len(cur), "section", at))
            spans.sort(key=lambda s: s.start)
            known.add(at)
            titles.add(head)
    return spans


def _close(doc: Doc, spans: list[Span]) -> None:
    last = doc.last_position()
    for i, s in enumerate(spans):
        s.end = spans[i + 1].start if i + 1 < len(spans) else INF
        s.page_start = s.start[0]
        if s.kind in ("front", "pages"):  # first page that has text
            s.page_start = next((x.page_index for x in doc.sentences if x.pos >= s.start), s.start[0])
        s.page_end = max(s.page_start, doc.end_page(s.end) if s.end != INF else last[0])


def page_groups(doc: Doc, per_group: int = 3000, max_groups: int = 8) -> list[Span]:
    """No headings: consecutive paragraphs grouped into parts of similar length, cut at page breaks when possible."""
    paras: list[tuple[tuple[int, int], int]] = []
    for page, text in enumerate(doc.pages):
        pos = 0
        for para in text.split("\n\n"):
            if para.strip():
                paras.append(((page, pos), len(para)))
            pos += len(para) + 2
    if not paras:
        return [Span("Document", 1, "pages", (0, 0), INF, 0, 0)]
    total = sum(n for _, n in paras)
    k = max(1, min(max_groups, round(total / per_group)))
    target = total / k
    groups: list[list] = [[paras[0][0], 0]]
    for (pos, n) in paras:
        new_page = pos[0] != groups[-1][0][0] and pos[1] == 0
        if groups[-1][1] >= target or (new_page and groups[-1][1] >= 0.6 * target):
            if len(groups) < k:
                groups.append([pos, 0])
        groups[-1][1] += n
    spans = [Span("", 1, "pages", g[0]) for g in groups]
    _close(doc, spans)
    for s in spans:
        a, b = doc.labels[s.page_start], doc.labels[s.page_end]
        same_page = [t for t in spans if t.page_start == s.page_start == t.page_end == s.page_end]
        if is_paragraph_label(a):  # a text without pages: its labels say where ("¶ 1–12"), not "Page ¶ 1–12"
            s.title = a if a == b else f"{a} to {b}"
            s.title += f", part {same_page.index(s) + 1}" if a == b and len(same_page) > 1 else ""
        elif a != b:
            s.title = f"Pages {a}–{b}"
        elif len(same_page) > 1:
            s.title = f"Page {a}, part {same_page.index(s) + 1}"
        else:
            s.title = f"Page {a}"
    return spans


def assign(doc: Doc, spans: list[Span]) -> None:
    """Set each sentence's section index; heading lines themselves belong to none (-1)."""
    starts = [s.start for s in spans]
    titles = {(s.start, s.title) for s in spans}
    j = 0
    for sent in doc.sentences:
        while j + 1 < len(starts) and starts[j + 1] <= sent.pos:
            j += 1
        heading = (sent.pos, sent.text) in titles or ((sent.pos, sent.text.rstrip(".")) in titles)
        sent.section = -1 if heading or sent.pos < starts[0] else j


def content_sentences(doc: Doc, idx: int) -> list[Sent]:
    """Sentences of section ``idx`` that read well on their own."""
    out = []
    for s in doc.sentences:
        if s.section != idx or not looks_whole(s.text) or not 25 <= len(s.text) <= 450:
            continue
        letters = sum(ch.isalpha() for ch in s.text)
        words = s.text.split()
        if letters < 0.6 * len(s.text) or len(words) < 5:
            continue
        if len(words) > 8 and sum(w[:1].isupper() for w in words[1:]) > 0.4 * len(words):
            continue  # a title block or a list of names, not prose
        if _BIBLIO.search(s.text):
            continue  # a reference entry or a byline with a link
        out.append(s)
    return out


def key_sentences(doc: Doc, sents: list[Sent], embed, n: int | None = None) -> list[Sent]:
    """Extractive summary: central sentences of the section (embeddings) favouring early ones, diverse (MMR)."""
    if not sents:
        return []
    if n is None:
        n = 1 if len(sents) <= 2 else 2 if len(sents) <= 6 else 3
    vecs = embed([s.text for s in sents])
    centroid = vecs.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    central = vecs @ centroid
    scores = []
    for i, (s, c) in enumerate(zip(sents, central)):
        position = 1.0 - i / max(1, len(sents))
        score = 0.7 * float(c) + 0.2 * position + (0.05 if s.para_first else 0.0)
        if s.text.rstrip().endswith("?"):
            score -= 0.25
        if _FOOTNOTE.match(s.text):
            score -= 0.15
        if len(s.text) < 60:
            score -= 0.1
        if len(s.text) > 320:
            score -= 0.05
        scores.append(score)
    chosen: list[int] = []
    rest = list(range(len(sents)))
    while rest and len(chosen) < n:
        def value(i: int) -> float:
            red = max((float(vecs[i] @ vecs[j]) for j in chosen), default=0.0)
            return 0.75 * scores[i] - 0.25 * red
        best = max(rest, key=value)
        chosen.append(best)
        rest.remove(best)
    return [sents[i] for i in sorted(chosen)]
