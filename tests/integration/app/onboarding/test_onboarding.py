"""Onboarding tour (issue 7) on the generated paper-like fixture: sections in heading order, exact
quotes with pages everywhere, answerable suggested questions, glossary, quiz, handout, CLI, cache,
and a corpus without any outline."""
from __future__ import annotations

import json
import re
import time
from types import SimpleNamespace

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.__main__ import main as app_cli
from app.onboarding import Tour, check, default_source, handout_filename, handout_markdown, onboarding
from app.onboarding.handout import md
from app.onboarding.llm import generated_summary
from app.onboarding.quiz import BLANK
from app.onboarding.records import QuizQuestion
from tests.fixtures.corpus import PAPER_ID


@pytest.fixture(scope="module")
def tour(engine) -> Tour:
    t0 = time.perf_counter()
    built = onboarding(engine)  # built here (the session index has no tour yet) and cached for the tests below
    print(f"\ntour built in {time.perf_counter() - t0:.1f} s: {len(built.sections)} sections, "
          f"{len(built.glossary)} glossary terms, {len(built.quiz)} quiz questions")
    return built


def _exact(engine, c) -> None:
    page = engine.page_text(c.source_id, c.page_index)
    assert page is not None, c
    assert page[c.quote_start:c.quote_end] == c.quote, (c.page_index, c.quote)
    assert c.quote.strip() == c.quote and len(c.quote) > 10
    # the card context around the quote is page text too
    assert page[c.passage_start:c.passage_start + len(c.passage_text)] == c.passage_text


def _key(term: str) -> str:
    t = re.sub(r"\([^)]*\)", " ", term.lower())
    return " ".join(re.findall(r"[a-z]+", t))


def test_default_source_is_the_paper(engine):
    reg = engine.store.registry()
    assert default_source(reg) == PAPER_ID
    others = {k: v for k, v in reg.items() if v.kind != "paper"}
    assert default_source(others) == max(others.values(), key=lambda e: e.chunks).source_id
    with pytest.raises(LookupError):
        default_source({})


def test_sections_follow_the_headings_in_order(tour, fixture_index):
    _, truth = fixture_index
    assert tour.source_id == PAPER_ID and tour.has_outline and tour.kind == "paper"
    body = [s for s in tour.sections if s.kind != "front"]
    assert [s.title for s in body] == [h for h, _ in truth.paper.headings]
    assert [s.page_start for s in body] == [p for _, p in truth.paper.headings]
    assert [s.level for s in body] == [lvl + 1 for lvl in truth.paper.heading_levels]
    front = [s for s in tour.sections if s.kind == "front"]
    assert len(front) <= 1 and (not front or tour.sections[0] is front[0])
    assert [s.kind for s in body][-1] == "references"
    for a, b in zip(tour.sections, tour.sections[1:]):
        assert a.page_start <= a.page_end <= b.page_start + 1 and a.page_end <= b.page_end
    sec2 = next(s for s in body if s.title.startswith("2 "))
    assert (sec2.page_start, sec2.page_end) == (2, 3)  # runs over onto the next page
    assert sec2.pages == f"pp. {truth.paper.labels[2]}–{truth.paper.labels[3]}"


def test_summaries_are_exact_quotes_from_their_section(tour, engine, fixture_index):
    _, truth = fixture_index
    titles = [h for h, _ in truth.paper.headings]
    for s in tour.sections:
        if s.kind == "references":
            assert not s.summary
            continue
        assert 1 <= len(s.summary) <= 3, s.title
        assert [c.n for c in s.summary] == list(range(1, len(s.summary) + 1))
        positions = [(c.page_index, c.quote_start) for c in s.summary]
        assert positions == sorted(positions)  # document order
        for c in s.summary:
            _exact(engine, c)
            assert c.source_id == PAPER_ID and s.page_start <= c.page_index <= s.page_end
            assert c.page == truth.paper.labels[c.page_index]
            assert not any(t in c.quote for t in titles if t != "References")  # no heading text in a key sentence
    # the subsection that has no chunk of its own is summarised from its own text
    lead = next(s for s in tour.sections if s.title == "3.1 Leadership endorsement")
    assert any(c.quote.startswith("Leadership endorsement means") for c in lead.summary)


def test_suggested_questions_are_answered_from_their_section(tour, engine):
    asked = [(s, q) for s in tour.sections for q in s.questions]
    assert len(asked) >= len([s for s in tour.sections if s.kind == "section"])
    assert all(len(s.questions) <= 3 and len(set(s.questions)) == len(s.questions) for s in tour.sections)
    assert not [s for s in tour.sections if s.kind == "references" and s.questions]
    for s, q in asked[::3]:  # a sample: each costs one engine call
        a = engine.answer(q, mode="quote")
        assert not a.refused, q
        assert any(c.source_id == PAPER_ID and s.page_start <= c.page_index <= s.page_end for c in a.citations), q


def test_glossary_terms_with_their_defining_sentence(tour, engine, fixture_index):
    _, truth = fixture_index
    assert len(tour.glossary) >= 5
    for g in tour.glossary:
        _exact(engine, g.citation)
        assert g.term and g.citation.source_id == PAPER_ID
    found = {_key(g.term): g for g in tour.glossary}
    hits = 0
    for (term, page), (_, sentence, _) in zip(truth.paper.glossary_terms, truth.paper.definitions):
        g = found.get(_key(term))
        if g is None:
            continue
        hits += 1
        assert g.citation.page_index == page, term
        assert g.citation.quote == sentence, term  # the definition itself, verbatim
    assert hits >= 0.7 * len(truth.paper.glossary_terms), sorted(found)
    assert [_key(g.term) for g in tour.glossary] == sorted(_key(g.term) for g in tour.glossary)


def test_quiz_answers_are_in_their_cited_passage(tour, engine):
    quiz = tour.quiz
    assert len(quiz) >= 8
    assert {q.kind for q in quiz} == {"cloze", "mcq"}
    assert {"number", "term"} <= {q.topic for q in quiz}
    assert len({q.answer.lower() for q in quiz}) == len(quiz)
    for q in quiz:
        c = q.citation
        _exact(engine, c)
        assert q.answer and q.answer in c.quote
        assert q.prompt.count(BLANK) == 1
        blanked = q.prompt[q.prompt.index("“") + 1:q.prompt.rindex("”")]
        assert blanked.replace(BLANK, q.answer) == c.quote  # the blank hides exactly the answer
        assert c.quote in q.explanation and f"p. {c.page}" in q.explanation
        assert check(q, q.answer)[0]
        ok, why = check(q, "definitely not it")
        assert not ok and q.answer in why and c.quote in why
        if q.kind == "mcq":
            assert q.answer in q.options and 3 <= len(q.options) <= 4
            assert len(set(o.lower() for o in q.options)) == len(q.options)
            assert check(q, q.options.index(q.answer))[0]
            wrong = next(o for o in q.options if o != q.answer)
            assert not check(q, wrong)[0]
            blanked_text = blanked.replace(BLANK, "")
            assert not any(o in re.findall(r"[\w.]+", blanked_text) for o in q.options if o != q.answer and o.isdigit())
        else:
            assert q.options == []


def test_check_accepts_reasonable_replies():
    def q(answer, kind="cloze", topic="term", options=()):
        return QuizQuestion(kind=kind, prompt=f"“{BLANK} x”", options=list(options), answer=answer,
                            citation=None, explanation="why", topic=topic)

    term = q("Troop and police contributing countries (TPCCs)")
    for given in ("troop and police contributing countries", "TPCCs", "  Troop and Police Contributing Countries (TPCCs) "):
        assert check(term, given)[0], given
    assert not check(term, "gender advisers")[0]
    assert check(q("gender adviser"), "a gender adviser")[0]
    num = q("9", topic="number")
    assert check(num, "9")[0] and check(num, "nine")[0] and check(num, " 9. ")[0] and not check(num, "19")[0]
    assert check(q("1,200", topic="number"), "1200")[0]
    mcq = q("64", kind="mcq", topic="number", options=["52", "64", "70"])
    assert check(mcq, 1)[0] and not check(mcq, 0)[0] and not check(mcq, None)[0] and not check(mcq, 7)[0]


def test_handout_has_every_section_glossary_and_answer_key(tour):
    text = handout_markdown(tour)
    for s in tour.sections:
        assert md(s.title) in text
    assert "## Glossary" in text and "## Quiz" in text and "## Answer key" in text
    key = text.split("## Answer key", 1)[1]
    assert len(re.findall(r"^\d+\. ", key, flags=re.M)) == len(tour.quiz)
    assert "More than a mandate?, p. 1)" in text  # citations read "title, p. N" (printed label)
    for g in tour.glossary:
        assert md(g.term) in text
    assert "<" not in text.replace("\\<", "")  # no raw HTML from the corpus
    assert handout_filename(tour) == "onboarding-fixture-paper.md"


def test_tour_is_cached_per_index_fingerprint(engine, tour, fixture_index):
    settings, _ = fixture_index
    first = onboarding(engine)  # builds (or loads) and caches
    again = onboarding(engine)
    assert again is first  # served from the cache, not rebuilt
    files = list((settings.db_dir / "onboarding").glob(f"tour-{first.fingerprint}.json"))
    assert files
    restored = Tour.from_json(json.loads(files[0].read_text(encoding="utf-8")))
    assert restored == first
    assert Tour.from_json(tour.to_json()) == tour
    assert [s.title for s in first.sections] == [s.title for s in tour.sections]
    fresh = onboarding(engine, refresh=True, questions=False)  # rebuilt, and cached under its own fingerprint
    assert fresh is not first and onboarding(engine, questions=False) is fresh and not any(s.questions for s in fresh.sections)


def test_cited_source_with_numbered_headings(engine):
    t = onboarding(engine, "holvikivi-2019", questions=False)
    titles = [s.title for s in t.sections if s.kind == "section" and s.title != "Abstract"]
    assert titles and all(re.match(r"^\d\. ", x) for x in titles)
    assert titles == sorted(titles, key=lambda x: int(x.split(".")[0]))
    for s in t.sections:
        for c in s.summary:
            _exact(engine, c)
    with pytest.raises(LookupError):
        onboarding(engine, "no-such-source")


def test_llm_summary_keeps_only_verified_sentences(tour, engine):
    section = next(s for s in tour.sections if s.title == "3.4 Refresher training")
    quote = section.summary[0].quote.rstrip(".")
    fake = FakeListChatModel(responses=[f"{quote} [1]. Refresher training was invented on the moon in 1805 [1]."])
    text = generated_summary(SimpleNamespace(llm=lambda: fake, verifier=engine.verifier), section)
    assert quote in text and text.endswith("[1].") and "moon" not in text

    def broken():
        raise RuntimeError("no model")

    assert generated_summary(SimpleNamespace(llm=broken, verifier=engine.verifier), section) == ""


def test_cli_onboard_json_and_markdown(fixture_index, tour, tmp_path, capsys):
    settings, truth = fixture_index
    assert app_cli(["onboard", "--db", str(settings.db_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    titles = [s["title"] for s in out["sections"] if s["kind"] != "front"]
    assert titles == [h for h, _ in truth.paper.headings]
    assert len(out["glossary"]) >= 5 and len(out["quiz"]) >= 8
    assert all(s["summary"] for s in out["sections"] if s["kind"] != "references")
    pages = dict(enumerate(truth.paper.page_texts))
    cits = [c for s in out["sections"] for c in s["summary"]] + [g["citation"] for g in out["glossary"]] + \
           [q["citation"] for q in out["quiz"]]
    for c in cits:  # every citation resolves to its page
        assert c["quote"] in pages[c["page_index"]] and c["page"] == truth.paper.labels[c["page_index"]]
    target = tmp_path / "handout.md"
    assert app_cli(["onboard", "--db", str(settings.db_dir), "--format", "md", "--out", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Onboarding handout:") and "## Answer key" in text
    assert all(md(t) in text for t in titles)
    assert app_cli(["onboard", "--db", str(settings.db_dir), "--format", "md"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# Onboarding handout:") and printed.count("\n") == text.count("\n")
    assert app_cli(["onboard", "--db", str(settings.db_dir)]) == 0
    plain = capsys.readouterr().out
    assert "quiz questions" in plain and "1 Introduction" in plain
    assert app_cli(["onboard", "--db", str(settings.db_dir), "--source", "nope"]) == 2


PLAIN_TEXT = """Field notes on water safety in temporary camps

Clean water is the first concern of any camp manager. A water point is a tap stand or well that serves \
at most 250 people, according to the guidance used in the camps we visited. Camp managers counted 14 water \
points in the northern camp and 9 in the southern camp.

Chlorination is the process of adding chlorine to water so that bacteria and viruses are killed before \
people drink it. In the northern camp, 82 per cent of the samples tested had enough free chlorine, compared \
with 57 per cent in the southern camp. Testing took place every 7 days during the dry season.

Hygiene promotion means teaching and encouraging safe practices such as hand washing with soap at critical \
times. Volunteers visited 1,200 households over 3 months. Households that were visited twice were more likely \
to store water in covered containers.

Latrines were built at a ratio of one latrine for every 20 people. Where latrines were closer than 30 metres \
to a water point, contamination was found more often. The camp committee moved 6 latrines after the first survey.

Waste collection remained the weakest service. Collection happened twice a week in the northern camp and once \
a week in the southern camp, and residents in both camps asked for more bins near the market.
"""


def test_corpus_without_outline_degrades_gracefully(make_settings):
    from app.engine import Engine
    from ingest.pipeline import run_ingest

    settings = make_settings()
    (settings.corpus_dir / "field-notes.txt").write_text(PLAIN_TEXT, encoding="utf-8")
    report = run_ingest(settings, progress=False)
    assert not report.failed
    eng = Engine(settings)
    t = onboarding(eng)
    assert not t.has_outline and t.notes and t.kind != "paper"
    assert t.sections and all(s.kind == "pages" for s in t.sections)
    assert t.sections[0].title.startswith("¶ 1")  # a text without pages: where by paragraph, not "Page 1"
    for s in t.sections:
        assert s.summary
        for c in s.summary:
            _exact(eng, c)
    terms = {_key(g.term) for g in t.glossary}
    assert {"chlorination", "hygiene promotion", "water point"} <= terms
    assert len(t.quiz) >= 5
    for q in t.quiz:
        _exact(eng, q.citation)
        assert q.answer in q.citation.quote and check(q, q.answer)[0]
    text = handout_markdown(t)
    assert all(md(s.title) in text for s in t.sections) and "## Answer key" in text
