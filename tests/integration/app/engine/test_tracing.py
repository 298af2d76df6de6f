"""Tracing a cited passage of the paper into the cited source, with the real Engine on the fixture index."""
from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest

from app.__main__ import main as app_cli, print_answer
from app.engine import Citation
from app.engine.tracing import Tracer
from ingest.index.store import Store
from tests.fixtures.corpus import PAPER_ID

HUMOUR_Q = "What happens when trainers use humour to defuse hostile questions?"
CURRICULA_Q = "How many national pre-deployment curricula contained a dedicated session on gender?"


@pytest.fixture(scope="module")
def truth(fixture_index):  # tests/conftest.py: the generated corpus (+ seed page, injection note), ingested
    return fixture_index[1]


@pytest.fixture(scope="module")
def db(fixture_index):
    return str(fixture_index[0].db_dir)


def _support(truth, source_id: str, citation: str, starts: str = ""):
    src = next(s for s in truth.sources if s.id == source_id)
    return next(s for s in src.supports if s.citation == citation and s.paper_sentence.startswith(starts))


def _paper_citation(engine, sentence: str, page_index: int) -> Citation:
    """A citation of one paper sentence, as quote mode makes it (offsets into the stored page text)."""
    page = engine.page_text(PAPER_ID, page_index)
    start = page.index(sentence)
    return Citation(n=1, source_id=PAPER_ID, title="paper", kind="paper", page=str(page_index), quote=sentence,
                    page_index=page_index, quote_start=start, quote_end=start + len(sentence),
                    passage_text=page, passage_start=0)


def _check_in_source(engine, trace):
    page = engine.page_text(trace.source_id, trace.page_index)
    assert trace.quote and trace.quote in page  # an exact substring of the source's stored page text
    assert trace.page == str(trace.page_index + 1)


@pytest.mark.parametrize("question,source_id,cite,starts", [
    (HUMOUR_Q, "holvikivi-2019", "(Holvikivi 2019)", "Trainers who used humour"),
    (CURRICULA_Q, "ghittoni-2018", "(Ghittoni et al. 2018)", "In the Elsie baseline study"),
])
def test_answer_citation_traces_into_the_right_source_passage(engine, truth, question, source_id, cite, starts):
    support = _support(truth, source_id, cite, starts)
    assert engine.tracer is not None
    answer = engine.answer(question, mode="quote")
    assert not answer.refused
    c = next(c for c in answer.citations if c.source_id == PAPER_ID and cite in c.quote)
    assert support.paper_sentence in c.quote
    trace = next(t for t in c.traces if t.source_id == source_id)
    assert trace.ingested and trace.citation_text == cite
    assert trace.quote == support.source_sentence and trace.page_index == support.source_page
    assert trace.reference.startswith(cite.strip("()").split()[0])
    _check_in_source(engine, trace)
    assert answer.timings["trace_s"] >= 0  # reported; how fast is a bench/ question, not a test one


def test_every_supported_sentence_traces_to_its_passage(engine, truth):
    exact, hits, total = 0, 0, 0
    for src in truth.sources:
        for s in src.supports:
            total += 1
            [c] = engine.tracer.trace([_paper_citation(engine, s.paper_sentence, s.paper_page)])
            t = next((t for t in c.traces if t.source_id == src.id), None)
            assert t is not None, (src.id, s.paper_sentence)
            _check_in_source(engine, t)
            # the quote is the stored sentence holding the supporting one (a heading the cleaner left
            # in the same paragraph, as on the Kirkpatrick fixture's first page, comes with it)
            hits += s.source_sentence in t.quote and t.page_index == s.source_page
            exact += t.quote == s.source_sentence and t.page_index == s.source_page
    print(f"\ntraced into the supporting source sentence: {hits}/{total} (exactly that sentence: {exact}/{total})")
    assert hits == total and exact >= total - 1


def test_not_ingested_and_multiple_citations(engine, truth):
    sentence = next(s for s, _ in truth.paper.known_sentences if s.startswith("Nakamura (2022) found"))
    page = next(i for s, i in truth.paper.known_sentences if s == sentence)
    [c] = engine.tracer.trace([_paper_citation(engine, sentence, page)])
    [t] = c.traces
    ref = next(r for r in truth.paper.references if r["key"] == "nakamura2022")
    assert (t.ingested, t.citation_text, t.reference, t.url, t.quote) == (
        False, "Nakamura (2022)", ref["text"], ref["url"], "")
    common = _support(truth, "ghittoni-2018", "(Bastick and de Torres 2010; Ghittoni et al. 2018)")
    [c] = engine.tracer.trace([_paper_citation(engine, common.paper_sentence, common.paper_page)])
    assert [(t.citation_text, t.ingested) for t in c.traces] == [
        ("Bastick and de Torres 2010", False), ("Ghittoni et al. 2018", True)]
    assert c.traces[1].quote == common.source_sentence
    plain = next(s for s, _ in truth.paper.known_sentences if s.startswith("Gender training is any"))
    assert all(t.via == "previous sentence" for t in engine.tracer.trace([_paper_citation(engine, plain, 1)])[0].traces)


def test_no_tracer_without_references(tmp_path):
    from ingest.index.settings import Settings

    s = Settings(corpus_dir=tmp_path / "c", db_dir=tmp_path / "db")
    assert Tracer.load(SimpleNamespace(store=Store(s), settings=s)) is None


def test_cli_ask_json_shows_the_trace(db, truth, capsys):
    support = _support(truth, "holvikivi-2019", "(Holvikivi 2019)", "Trainers who used humour")
    assert app_cli(["ask", HUMOUR_Q, "--json", "--db", db]) == 0
    out = json.loads(capsys.readouterr().out)
    traces = [t for c in out["citations"] for t in c["traces"]]
    assert any(t["source_id"] == "holvikivi-2019" and t["quote"] == support.source_sentence and t["ingested"]
               for t in traces)



def test_cli_text_prints_the_trace(engine):
    out = io.StringIO()
    print_answer(engine.answer(HUMOUR_Q, mode="quote"), out=out)
    assert "↳ (Holvikivi 2019): Mandate rituals: gender training for peacekeepers in practice, p. 2:" in out.getvalue()


def test_uncited_sentence_carries_the_previous_sentences_trace(engine):
    """"...63 per cent after six months (Arvelo 2016). Officers whose commanders discussed it kept
    their gains." — the second sentence continues the cited claim: it carries the trace, marked."""
    from app.engine.text import split_sentences

    pairs = []
    reg = engine.store.registry()
    for i in range(reg[PAPER_ID].pages):
        page = engine.page_text(PAPER_ID, i)
        pos = 0
        for para in page.split("\n\n"):
            sents = split_sentences(para, base=pos)
            for a, b in zip(sents, sents[1:]):
                cites_a = [it for it in engine.tracer.by_page.get((PAPER_ID, i), []) if a.start <= it.start < a.end]
                cites_b = [it for it in engine.tracer.by_page.get((PAPER_ID, i), []) if b.start <= it.start < b.end]
                if cites_a and not cites_b and b.text[-1:] == ".":
                    pairs.append((i, a, b))
            pos += len(para) + 2
    assert pairs, "the fixture paper has a cited sentence followed by an uncited one"
    carried = 0
    for i, a, b in pairs:
        [c] = engine.tracer.trace([_paper_citation(engine, b.text, i)])
        assert c.traces, b.text
        assert all(t.via == "previous sentence" for t in c.traces)
        carried += any(t.ingested for t in c.traces)
        [own] = engine.tracer.trace([_paper_citation(engine, a.text, i)])
        assert own.traces and all(t.via == "" for t in own.traces)
    assert carried >= 1
    out = io.StringIO()
    from app.engine import Answer

    i, _, b = pairs[0]
    [c] = engine.tracer.trace([_paper_citation(engine, b.text, i)])
    print_answer(Answer(question="q", text=f"{b.text} [1]", refused=False, mode="quote", citations=[c]), out=out)
    assert "(cited in the previous sentence)" in out.getvalue()


def test_a_new_paragraph_does_not_carry_the_previous_paragraphs_trace(engine):
    """The fixture PDF, like pdflatex output, prints no blank line between paragraphs; the short line that
    closes one still ends it, so the next paragraph's first sentence inherits no citation across it."""
    first = "Beyond pre-deployment courses, many institutions rely on specialised roles."
    pages = [engine.page_text(PAPER_ID, i) for i in range(engine.store.registry()[PAPER_ID].pages)]
    i = next(i for i, p in enumerate(pages) if first in p)
    assert pages[i][:pages[i].index(first)].endswith("operational skill (Holvikivi 2019).\n\n")
    [c] = engine.tracer.trace([_paper_citation(engine, first, i)])
    assert c.traces == []
