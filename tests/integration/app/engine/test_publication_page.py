"""The publication page alone (../shared/seeds), as a practitioner's library of one page: its own words
answer questions asked in other words ("publication date", "WPS", "Who is it for?")."""
import shutil

import pytest

from tests.conftest import SHARED, ingested_engine

SEEDS = SHARED / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent")


@pytest.fixture(scope="module")
def page_engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("publication-page")
    corpus = root / "corpus"
    corpus.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, corpus / f.name)
    return ingested_engine(corpus, root / "db")


@pytest.mark.parametrize("question,quote", [
    ("What is the publication date?", "28 May, 2025"),
    ("Who is the paper for?", "The primary audience is practitioners"),
    ("What is the WPS agenda?", "Women, Peace and Security agenda"),  # the page never writes "WPS"
    ("What does this publication cover?", "This paper provides an overview of literature"),
])
def test_the_page_answers_in_its_own_words(page_engine, question, quote):
    a = page_engine.answer(question, mode="quote")
    assert not a.refused, (question, a.text)
    assert a.citations[0].quote.startswith(quote) or any(quote in c.quote for c in a.citations[:2]), (question, a.text)


def test_an_acronym_the_page_writes_out_is_searched_with_its_words(page_engine):
    a = page_engine.answer("What is the WPS agenda?", mode="quote")
    assert a.standalone_query == "What is the WPS (Women, Peace and Security) agenda?"
    assert a.citations[0].quote.startswith("Description") and "Women, Peace and Security agenda" in a.citations[0].quote


def test_an_acronym_the_page_never_spells_out_is_still_unknown(page_engine):
    a = page_engine.answer("What is the XQZ agenda?", mode="quote")
    assert a.refused and a.unknown_terms == ["XQZ"]


@pytest.mark.parametrize("question,reason", [
    ("What does the paper say about climate change?", "never mention 'climate'"),
    ("What percentage of UN peacekeepers are women?", "no figure"),  # the page gives no share
    ("What is the recommended duration of a gender training course in hours?", "no figure"),
    ("When was the Elsie Initiative founded?", "no date"),  # not the page's own dateline
    ("Does the paper discuss artificial intelligence?", "No: the paper and its cited sources never mention"),
])
def test_what_the_page_does_not_cover_is_refused_with_its_reason(page_engine, question, reason):
    a = page_engine.answer(question, mode="quote")
    assert a.refused and reason in a.text, (question, a.text)


@pytest.mark.parametrize("question", ["What does the paper say about masculine norms?",
                                      "What does the paper say about the WPS agenda?", "Is institutional change discussed?"])
def test_a_topic_the_page_words_is_answered(page_engine, question):
    assert not page_engine.answer(question, mode="quote").refused, question
