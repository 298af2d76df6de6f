"""Run an evaluation set through the engine and the naive baseline; per-question records + metrics."""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable

from ..engine import Engine, Filters, Passage
from ..engine.text import split_answer, split_sentences, strip_markers
from .baseline import LANGCHAIN_DEFAULT_K, NaiveBaseline
from .dataset import EvalItem
from .matching import SourceResolver, contains, entry_hit, holds_gold, page_entries
from .metrics import KS, PASSAGE_KS, aggregate, by_match, recall_at, reciprocal_rank
from .overlap import by_overlap

RANK_DEPTH = max(KS)
WARMUP_QUESTION = "What does the review say about gender training?"


def quote_passage(c) -> Passage:
    """A citation's quote as a passage (what the verifier judges a citing sentence against)."""
    return Passage(chunk_id=c.chunk_id, source_id=c.source_id, source_hash="", title=c.title, kind=c.kind,
                   page_index=c.page_index, page_label=c.page, section=c.section, start=c.quote_start,
                   end=c.quote_start + len(c.sentence), text=c.sentence, url=c.url)  # both halves of a page break


_MARKERS = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]\s*[.!?]?")


def cited_claims(answer_text: str) -> dict[int, list[str]]:
    """Marker n -> the sentence(s) carrying it: the last sentence before each ``[n]`` group.

    Works for both "Sentence. [1] Next. [2]" (quote mode) and "Sentence [1]. Next [2]." (typical LLM
    output); the engine's ``split_answer`` moves a marker written after the full stop to the next sentence.
    """
    out: dict[int, list[str]] = {}
    pos = 0
    for m in _MARKERS.finditer(answer_text):
        segment = answer_text[pos:m.start()].strip()
        pos = m.end()
        if not segment:
            continue
        sents = split_sentences(segment, min_chars=1)
        claim = sents[-1].text if sents else segment
        for n in (int(x) for x in m.group(1).split(",")):
            out.setdefault(n, []).append(claim)
    return out


def judge_citations(verifier, answer_text: str, cited: list[tuple[int, Passage]], expected_ids: set[str] | None) -> list[dict]:
    """Each citation: does its quote support (a) sentence citing it, and is its source expected?

    Sentences carrying ``[n]`` cite citation n; a citation no sentence carries (a naive tool lists
    sources under the whole answer) is judged against every sentence of the answer.
    """
    claims_of = cited_claims(answer_text)
    every = [strip_markers(s) for s in split_answer(answer_text)]
    # one batched embedding call for every claim and quote sentence instead of one call per pair
    texts = [c for cs in claims_of.values() for c in cs] + every
    texts += [s.text for _, p in cited for s in verifier.sentences_of(p)]
    verifier.embed([t for t in dict.fromkeys(texts) if t.strip()])
    out = []
    for n, p in cited:
        claims = [c for c in (claims_of.get(n) or every) if c.strip()]
        score = max((verifier.support(c, p).score for c in claims), default=0.0)
        out.append({"n": n, "source_id": p.source_id, "page": p.page_label, "quote": p.text,
                    "support": round(score, 4), "supported": score >= verifier.threshold,
                    "expected_source": (p.source_id in expected_ids) if expected_ids else None})
    return out


def retrieval_scores(passages: list[Passage], expected_ids: list[str], entries: list) -> dict:
    ranked = [(p.source_id, p.page_label) for p in passages[:RANK_DEPTH]]
    srcs = [s for s, _ in ranked]
    d: dict = {"ranked": [{"source_id": s, "page": pg} for s, pg in ranked]}
    for k in KS:
        d[f"recall@{k}"] = recall_at(srcs, expected_ids, k)
        d[f"page_recall@{k}"] = recall_at(ranked, entries, k, hit=lambda e, r: entry_hit(e, *r))
    d["rr"] = reciprocal_rank(srcs, expected_ids)
    d["page_rr"] = reciprocal_rank(ranked, entries, hit=lambda e, r: entry_hit(e, *r))
    return d


def must_include(item: EvalItem, answer: str, quotes: list[str]) -> tuple[dict, bool | None]:
    """Phrases found in the answer or its quotes; hit = all ``must_include`` and any ``must_include_any``."""
    phrases = item.must_include + item.must_include_any
    if not phrases:
        return {}, None
    found = {ph: contains(answer, ph) or any(contains(q, ph) for q in quotes) for ph in phrases}
    hit = all(found[ph] for ph in item.must_include)
    if item.must_include_any:
        hit = hit and any(found[ph] for ph in item.must_include_any)
    return found, hit


def passage_hits(item: EvalItem, passages: list[Passage]) -> dict:
    """passage_hit@k: the gold answer text is inside the first k passages handed to the answer step."""
    if not item.answerable or not (item.must_include or item.must_include_any):
        return {}
    first = next((i + 1 for i, p in enumerate(passages[:RANK_DEPTH])
                  if holds_gold(p.text, item.must_include, item.must_include_any)), None)
    return {f"passage_hit@{k}": float(first is not None and first <= k) for k in PASSAGE_KS}


class EvalRunner:
    def __init__(self, engine: Engine, mode: str = "quote", baseline: bool = True, cite_k: int = LANGCHAIN_DEFAULT_K,
                 progress: Callable[[str], None] | None = None, library_wide: bool = False):
        self.engine = engine
        self.mode = mode
        self.library_wide = library_wide  # ignore target_paper: every question searches the whole library
        self.unresolved_targets: set[str] = set()  # target_paper names no source of the index answers to
        self.baseline = NaiveBaseline(engine, cite_k) if baseline else None
        self.progress = progress
        self.resolver = SourceResolver.from_registry(engine.store.registry())

    def warm_up(self) -> None:
        """One untimed query per system: model and index caches are loaded before anything is timed."""
        self.engine.answer(WARMUP_QUESTION, mode="quote")
        self.engine.search(WARMUP_QUESTION, k=RANK_DEPTH)
        if self.baseline:
            self.baseline.run(WARMUP_QUESTION)

    def filters(self, item: EvalItem) -> Filters | None:
        """The scope a question is asked in: its target paper (as "Ask about this document" in the app),
        every document but its own (a leave-one-out twin), or the whole library."""
        if item.exclude_source:
            return Filters(exclude_source=item.exclude_source)
        if item.target_paper and not self.library_wide:
            sid = self.resolver.resolve(item.target_paper)
            if not sid:  # reported, and asked of the whole library
                self.unresolved_targets.add(item.target_paper)
            return Filters(source_id=sid) if sid else None
        return None

    def _ours(self, item: EvalItem, expected_ids: list[str], entries: list, filters: Filters | None) -> dict:
        eng = self.engine
        t0 = time.perf_counter()
        a = eng.answer(item.question, history=item.turns(), mode=self.mode, filters=filters)
        latency = time.perf_counter() - t0
        t1 = time.perf_counter()
        passages = eng.search(a.standalone_query or item.question, k=RANK_DEPTH, filters=filters)
        retrieval = time.perf_counter() - t1
        cits = judge_citations(eng.verifier, a.text, [(c.n, quote_passage(c)) for c in a.citations],
                               set(expected_ids) if item.answerable and expected_ids else None)
        found, hit = must_include(item, a.text, [c.sentence for c in a.citations])
        evidence = float(a.evidence)
        # refusal rules other than the evidence threshold (e.g. names the corpus never mentions): calibration
        # must know which refusals a threshold change cannot undo
        unknown = list(a.unknown_terms)
        forced = bool(unknown) or (a.refused and evidence >= eng.settings.refusal_threshold)
        rec = {"refused": a.refused, "answer": a.text, "mode_used": a.mode, "standalone_query": a.standalone_query,
               "evidence": round(evidence, 4), "match": a.match, "forced_refusal": forced, "unknown_terms": unknown, "notice": a.notice,
               "citations": cits, "must_include": found, "hit": hit,
               "latency_ms": round(latency * 1000, 1), "retrieval_ms": round(retrieval * 1000, 1)}
        if self.mode == "generate":
            rec["fallback"] = not a.refused and a.mode != self.mode  # e.g. unverifiable LLM answer -> quotes
        if "first_token_s" in a.timings:
            rec["first_token_ms"] = round(a.timings["first_token_s"] * 1000, 1)
        rec.update(retrieval_scores(passages, expected_ids, entries))
        rec.update(passage_hits(item, passages))
        return rec

    def _baseline(self, item: EvalItem, expected_ids: list[str], entries: list, filters: Filters | None) -> dict:
        b = self.baseline.run(item.question, k=RANK_DEPTH, where=filters.where() if filters else None)
        cits = judge_citations(self.engine.verifier, b.answer, list(enumerate(b.citations, start=1)),
                               set(expected_ids) if item.answerable and expected_ids else None)
        found, hit = must_include(item, b.answer, [p.text for p in b.citations])
        rec = {"refused": False, "answer": b.answer, "top_similarity": round(b.passages[0].similarity, 4) if b.passages else None,
               "citations": cits, "must_include": found, "hit": hit,
               "latency_ms": round(b.latency_s * 1000, 1), "retrieval_ms": round(b.latency_s * 1000, 1)}
        rec.update(retrieval_scores(b.passages, expected_ids, entries))
        rec.update(passage_hits(item, b.passages))
        return rec

    def run(self, items: list[EvalItem]) -> dict:
        self.warm_up()
        per_question, ours, base = [], [], []
        for i, item in enumerate(items, start=1):
            if self.progress:
                self.progress(f"[{i}/{len(items)}] {item.question[:70]}")
            expected_ids = self.resolver.expected(item.expected_sources) if item.answerable else []
            entries = page_entries(self.resolver, expected_ids, item.expected_pages) if item.answerable else []
            filters = self.filters(item)  # the same scope for ours and the baseline
            o = self._ours(item, expected_ids, entries, filters)
            ours.append(o)
            row = {"id": item.id, "line": item.line, "question": item.question, "answerable": item.answerable,
                   "history": item.history, "tags": item.tags, "expected_sources": expected_ids,
                   "expected_pages": item.expected_pages, "ours": o}
            if self.baseline:
                b = self._baseline(item, expected_ids, entries, filters)
                base.append(b)
                row["baseline"] = b
            per_question.append(row)
        labels = [it.answerable for it in items]
        s = self.engine.settings
        report = {"metrics": aggregate(ours, labels), "baseline": aggregate(base, labels) if self.baseline else None,
                  "by_overlap": by_overlap(items, ours, base if self.baseline else None),
                  "by_match": by_match(ours, labels),
                  "per_question": per_question,
                  "config": {"mode": self.mode, "index": s.chroma_mode(), "refusal_threshold": s.refusal_threshold,
                             "verify_threshold": s.verify_threshold, "top_k": s.top_k, "rank_depth": RANK_DEPTH,
                             "scope": "library" if self.library_wide else "target paper where the set names one",
                             "baseline": (f"{NaiveBaseline.name}, first {self.baseline.cite_k} chunks as citations"
                                          if self.baseline else None)},
                  "warnings": [f"target_paper {n!r} is not in the index: its questions were asked of the whole library"
                               for n in sorted(self.unresolved_targets)]
                              + [f"expected source {n!r} is not in the index" for n in sorted(self.resolver.unresolved)
                                 if n not in self.unresolved_targets]}
        return report


def run_eval(engine: Engine, items: list[EvalItem], mode: str = "quote", baseline: bool = True,
             cite_k: int = LANGCHAIN_DEFAULT_K, progress: bool | Callable[[str], None] = False,
             library_wide: bool = False) -> dict:
    if progress is True:
        progress = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    return EvalRunner(engine, mode, baseline, cite_k, progress or None, library_wide).run(items)
