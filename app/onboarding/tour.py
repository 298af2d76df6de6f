"""Onboarding new trainers (issue 7): a guided, cited tour of a source — its sections in order with
extractive key-sentence summaries and suggested questions, a glossary, and a self-check quiz.

Pure Python (never imports streamlit); works offline without an LLM. Every quote is exact page
text (``Citation.quote == page_text[quote_start:quote_end]``). A tour is cached per index
fingerprint, in memory and as JSON under ``<db_dir>/onboarding/``, so pages and the CLI are fast
after the first build.

    tour = onboarding(engine)                    # the paper (kind "paper"), else the largest source
    md = handout_markdown(tour)                  # printable handout with answer key
    ok, why = check(tour.quiz[0], "64")          # grade a reply, explained with the passage
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

from app.engine.records import Filters
from ingest.index.store import RegistryEntry, index_signature

from .doc import Doc
from .glossary import find_terms
from .grade import check
from .handout import handout_filename, handout_markdown
from .questions import QuestionBudget, candidates, suggest
from .quiz import build_quiz
from .records import GlossaryEntry, QuizQuestion, Section, Tour
from .sections import assign, content_sentences, derive_spans, key_sentences

__all__ = ["onboarding", "build_tour", "default_source", "fingerprint", "check", "handout_markdown",
           "handout_filename", "Tour", "Section", "GlossaryEntry", "QuizQuestion", "TOUR_VERSION"]

log = logging.getLogger(__name__)
TOUR_VERSION = 2  # bump when the tour's content or format changes: cached tours are rebuilt
_MEMO: dict[str, Tour] = {}
_LOCK = threading.Lock()


def default_source(registry: dict[str, RegistryEntry]) -> str:
    """The paper (kind "paper"; the largest if several), else the largest source."""
    if not registry:
        raise LookupError("the index holds no documents")
    return max(registry.values(), key=lambda e: (e.kind == "paper", e.chunks, e.pages, e.source_id)).source_id


def fingerprint(engine, source_id: str, questions: bool = True, use_llm: bool = False) -> str:
    """Changes whenever anything the tour depends on changes: any source version, index settings, answering."""
    s = engine.settings
    reg = engine.store.registry()
    state = {"v": TOUR_VERSION, "source": source_id, "questions": questions, "llm": use_llm,
             "sources": sorted((e.source_id, e.sha256, e.parser_version, e.chunks, e.kind, e.title) for e in reg.values()),
             "index": index_signature(s), "where": s.chroma_mode(), "collection": s.collection,
             "answering": [s.refusal_threshold, s.top_k, s.verify_threshold],
             "llm_model": [s.llm_base_url, s.llm_model, s.local_model] if use_llm else None}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _cache_dir(engine) -> Path:
    return Path(engine.settings.db_dir) / "onboarding"


def _load(path: Path) -> Tour | None:
    try:
        return Tour.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        if path.exists():
            log.warning("ignoring unreadable cached tour %s: %s", path, exc)
        return None


def _save(path: Path, tour: Tour) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(tour.to_json(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        cached = sorted(path.parent.glob("tour-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in cached[8:]:  # keep the latest few (one per source and index version)
            old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only index folder only costs speed
        log.warning("could not cache the tour in %s: %s", path.parent, exc)


def onboarding(engine, source_id: str | None = None, *, questions: bool = True, use_llm: bool = False,
               cache: bool = True, refresh: bool = False) -> Tour:
    """The tour of ``source_id`` (default: the paper), from the cache when the index has not changed.

    ``cache=False`` neither reads nor writes the cache; ``refresh=True`` rebuilds and replaces the cached tour.
    """
    reg = engine.store.registry()
    sid = source_id or default_source(reg)
    if sid not in reg:
        raise LookupError(f"no source {sid!r} in the index")
    fp = fingerprint(engine, sid, questions, use_llm)
    path = _cache_dir(engine) / f"tour-{fp}.json"
    if cache and not refresh:
        hit = _MEMO.get(fp) or _load(path)
        if hit is not None:
            _MEMO[fp] = hit
            return hit
    with _LOCK:  # one build at a time (Streamlit sessions share the engine)
        if cache and not refresh and fp in _MEMO:
            return _MEMO[fp]
        tour = build_tour(engine, reg[sid], questions=questions, use_llm=use_llm)
        tour.fingerprint = fp
        if cache:
            _MEMO[fp] = tour
            _save(path, tour)
    return tour


def build_tour(engine, entry: RegistryEntry, *, questions: bool = True, use_llm: bool = False,
               max_answer_calls: int = 48) -> Tour:
    t0 = time.perf_counter()
    doc = Doc(engine, entry)
    spans, has_outline = derive_spans(doc)
    assign(doc, spans)
    prose = [i for i, sp in enumerate(spans) if sp.kind != "references"]
    content = {i: content_sentences(doc, i) for i in prose}
    keys = {i: key_sentences(doc, content[i], engine.verifier.embed) for i in prose}
    terms = find_terms(doc, [s for i in prose for s in content[i]])
    title_of = {i: sp.title for i, sp in enumerate(spans)}
    sections = []
    for i, sp in enumerate(spans):
        summary = [doc.citation(s, n=k, section=sp.title) for k, s in enumerate(keys.get(i, []), 1)]
        sections.append(Section(title=sp.title, page_start=sp.page_start, page_end=sp.page_end, summary=summary,
                                level=sp.level, kind=sp.kind, label_start=doc.labels[sp.page_start],
                                label_end=doc.labels[sp.page_end]))
    glossary = [GlossaryEntry(term=f.term, citation=doc.citation(f.sent, section=title_of.get(f.sent.section, "")),
                              abbreviation=f.abbreviation, how=f.how) for f in terms]
    quiz = build_quiz(doc, [(spans[i].title, keys[i], content[i]) for i in prose if content[i]], terms)
    notes = []
    if not has_outline:
        notes.append("This document has no headings: the tour walks through it in groups of pages.")
    tour = Tour(sections=sections, glossary=glossary, quiz=quiz, source_id=entry.source_id, title=entry.title,
                kind=entry.kind, has_outline=has_outline, notes=notes)
    if questions:
        budget = QuestionBudget(total=max_answer_calls)
        filters = None if entry.kind == "paper" else Filters(source_id=entry.source_id)
        doc_word = "the paper" if entry.kind == "paper" else "the document"
        headings = {sp.title for sp in spans}
        corpus = "\n".join(s.text for i in prose for s in content[i])
        asked: set[str] = set()
        for i in prose:
            sec_terms = [f for f in terms if f.sent.section == i and f.how != "phrase"]
            cands = [q for q in candidates(spans[i], keys[i], sec_terms, doc_word, corpus) if q.lower() not in asked]
            sections[i].questions = suggest(engine, entry.source_id, spans[i], cands, headings, budget, filters)
            asked |= {q.lower() for q in sections[i].questions}
        log.info("suggested questions: %d engine calls", budget.calls)
    if use_llm:
        from .llm import add_generated

        tour.sections = add_generated(engine, tour.sections)
    tour.build_s = round(time.perf_counter() - t0, 3)
    return tour


def ask_filters(tour: Tour) -> Filters | None:
    """The filters the suggested questions were checked with (and should be asked with in chat)."""
    return None if tour.kind == "paper" else Filters(source_id=tour.source_id)
