"""Tracing a claim to its source: when a cited passage of the paper contains an in-text citation
("(Holvikivi 2019)", "Ghittoni et al. (2018)", a footnote marker), attach to that citation what the
cited work says (the sentence of the ingested source most relevant to the citing sentence), or,
when the work is not ingested, the reference itself and its URL.

The bibliography (references, in-text citations with page offsets, reference -> source links) is
built once per index by ``ingest.bib.links`` and persisted next to it; nothing is parsed per question.
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace

from ingest.bib.citations import InText
from ingest.bib.links import Bibliography, load_or_build_bibliography
from ingest.bib.references import Reference

from .records import Citation, Filters, Trace
from .text import split_sentences

log = logging.getLogger(__name__)


def item_label(c: InText, k: int) -> str:
    """The in-text citation as shown for one of its references: the printed form when it cites one
    work, else that work's part ("Ghittoni et al. 2018" of "(Bastick and de Torres 2010; Ghittoni et al. 2018)")."""
    if c.kind == "footnote":
        m = re.search(r"(\d+)$", c.text)
        return f"note {m.group(1)}" if m else c.text
    if len(c.items) <= 1:
        return c.text
    it = c.items[k]
    names = it.names[0] if len(it.names) == 1 else ", ".join(it.names[:-1]) + " and " + it.names[-1]
    return f"{names}{' et al.' if it.et_al else ''} {it.year or 'n.d.'}{it.suffix}"


def _front_matter(sentence: str, title: str) -> bool:
    """A title-page or running-header line (it repeats the work's title): not what the work says."""
    t = " ".join(title.lower().split())
    return len(t) > 12 and t in " ".join(sentence.lower().split())


class Tracer:
    def __init__(self, engine, bib: Bibliography):
        self.engine = engine
        self.bib = bib
        self.by_page: dict[tuple[str, int], list[InText]] = {}
        self.refs: dict[tuple[str, str], Reference] = {}
        for sid, doc in bib.documents.items():
            for c in doc.citations:
                if c.refs:
                    self.by_page.setdefault((sid, c.page_index), []).append(c)
            for r in doc.references:
                self.refs[(sid, r.key)] = r
        self._cache: dict[tuple[str, str], Trace | None] = {}

    @classmethod
    def load(cls, engine) -> Tracer | None:
        """A tracer for the engine's index, or None when no indexed document has a reference list."""
        try:
            bib = load_or_build_bibliography(engine.store, engine.settings)
        except Exception as exc:  # tracing is an extra: an unreadable index part must not stop answering
            log.warning("no citation tracing: the bibliography could not be built (%s)", exc)
            return None
        if not any(d.references for d in bib.documents.values()):
            return None
        return cls(engine, bib)

    # -- which in-text citations does a cited passage contain? ------------------------------
    def citing_sentences(self, c: Citation) -> list[tuple[int, int, str]]:
        """The sentence(s) of the passage the quote lies in: [(start, end, text)] in page offsets."""
        sents = [(s.start, s.end, s.text) for s in split_sentences(c.passage_text, base=c.passage_start)
                 if s.start < c.quote_end and s.end > c.quote_start] if c.passage_text else []
        return sents or [(c.quote_start, c.quote_end, c.quote)]

    def in_text(self, c: Citation) -> list[tuple[InText, str]]:
        """In-text citations inside the quote's sentence(s), each with the sentence that makes it."""
        sents = self.citing_sentences(c)
        start, end = min(c.quote_start, sents[0][0]), max(c.quote_end, sents[-1][1])
        found = []
        for it in self.by_page.get((c.source_id, c.page_index), []):
            if it.start < end and it.end > start:
                lo, hi = it.start - c.passage_start, it.end - c.passage_start
                if c.passage_text and 0 <= lo <= hi <= len(c.passage_text) and c.passage_text[lo:hi] != it.text:
                    continue  # the index changed since the bibliography was built
                sentence = next((t for a, b, t in sents if a <= it.start < b), " ".join(t for _, _, t in sents))
                found.append((it, c.whole or sentence))
        if c.continued_page_index is not None:  # the sentence's second half, printed on the next page
            found += [(it, c.sentence) for it in self.by_page.get((c.source_id, c.continued_page_index), [])
                      if it.start < c.continued_end and it.end > c.continued_start]
        return found

    # -- what does the source say? ---------------------------------------------------------
    def _claim(self, sentence: str, cites: list[InText]) -> str:
        for it in cites:
            sentence = sentence.replace(it.text, "" if it.kind == "author-year" or not it.text[-1:].isdigit()
                                        else it.text.rstrip("0123456789"))
        return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", sentence)).strip()

    def _source_passage(self, source_id: str, claim: str) -> Trace | None:
        key = (source_id, claim)
        if key in self._cache:
            return self._cache[key]
        eng = self.engine
        cands = []  # every sentence of the best passages, scored on its own (embedding + word overlap)
        vec = eng.verifier.embed([claim])[0]
        sents = [(s, p) for p in eng.retriever.search(claim, k=3, filters=Filters(source_id=source_id), qv=vec)
                 for s in eng.verifier.sentences_of(p)]
        eng.verifier.embed([s.text for s, _ in sents])  # one batch; support() then hits the cache
        for s, p in sents:
            one = replace(p, start=s.start, end=s.end, text=p.text[s.start - p.start: s.end - p.start])
            cands.append((eng.verifier.support(claim, one, claim_vec=vec).score, s, p))
        body = [c for c in cands if not _front_matter(c[1].text, c[2].title)]
        best = max(body or cands, key=lambda c: c[0], default=None)
        trace = None
        if best:
            _, s, p = best
            page = eng.retriever.page_text(p.source_id, p.source_hash, p.page_index) or ""
            quote = s.text if page[s.start:s.end] == s.text else (s.text if s.text in page else "")
            if not quote and p.text in page:
                quote = p.text
            if quote:
                trace = Trace(citation_text="", reference="", ingested=True, source_id=p.source_id, title=p.title,
                              page=p.page_label, page_index=p.page_index, quote=quote, url=p.url)
        self._cache[key] = trace
        if len(self._cache) > 2000:
            self._cache.pop(next(iter(self._cache)))
        return trace

    def previous_sentence(self, c: Citation) -> tuple[int, int, str] | None:
        """The sentence before the quote in the same paragraph (page offsets), if any."""
        page = self.engine.page_text(c.source_id, c.page_index) or ""
        if page[c.quote_start:c.quote_end] != c.quote:
            return None
        cut = page.rfind("\n\n", 0, c.quote_start)
        para_start = 0 if cut < 0 else cut + 2
        sents = split_sentences(page[para_start:c.quote_start], base=para_start)
        return (sents[-1].start, sents[-1].end, sents[-1].text) if sents else None

    def _carried(self, c: Citation) -> list[tuple[InText, str]]:
        """In-text citations of the previous sentence when the quoted one continues its claim uncited."""
        prev = self.previous_sentence(c)
        if prev is None:
            return []
        start, end, text = prev
        claim = f"{text} {c.quote}"
        return [(it, claim) for it in self.by_page.get((c.source_id, c.page_index), []) if start <= it.start < end]

    def traces_for(self, c: Citation) -> list[Trace]:
        found = self.in_text(c)
        via = ""
        if not found:
            found = self._carried(c)
            via = "previous sentence" if found else ""
        cites = [it for it, _ in found]
        registry = None
        out: list[Trace] = []
        seen: set[str] = set()
        for it, sentence in found:
            claim = self._claim(sentence, cites)
            for key in it.refs:
                ref = self.refs.get((c.source_id, key))
                if ref is None or key in seen:
                    continue
                seen.add(key)
                label = item_label(it, it.item_refs.index(key) if key in it.item_refs else 0)
                if ref.linked_source:
                    if registry is None:
                        registry = self.engine.store.registry()
                    hit = self._source_passage(ref.linked_source, claim) if ref.linked_source in registry else None
                    if hit is not None:
                        out.append(Trace(citation_text=label, reference=ref.text, ingested=True,
                                         source_id=hit.source_id, title=hit.title, page=hit.page,
                                         page_index=hit.page_index, quote=hit.quote, url=hit.url or ref.link(),
                                         via=via))
                        continue
                out.append(Trace(citation_text=label, reference=ref.text, ingested=False, title=ref.title,
                                 url=ref.link(), via=via))
        return out

    def trace(self, citations: list[Citation]) -> list[Citation]:
        """Attach a Trace per cited work to every citation whose sentence contains an in-text citation."""
        for c in citations:
            try:
                c.traces = self.traces_for(c)
            except Exception as exc:  # tracing is an extra: never lose the answer over it
                log.warning("tracing citation [%s] failed: %s", c.n, exc)
        return citations
