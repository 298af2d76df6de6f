"""A sentence cut by a page break (and the footnotes below it) is quoted whole and cited "pp. 1–2"."""
from __future__ import annotations

import pytest

from tests.conftest import ingested_engine
from tests.fixtures.simple_pdf import FIRST_HALF, SECOND_HALF, write_page_break_pdf


@pytest.fixture(scope="module")
def pdf_engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("pagebreak")
    corpus = write_page_break_pdf(root / "corpus")
    return ingested_engine(corpus, root / "db")


def test_sentence_across_a_page_break_is_quoted_whole_with_both_pages(pdf_engine):
    a = pdf_engine.answer("Which officers kept their knowledge gains a year after the course?")
    assert not a.refused, a.text
    c = next(c for c in a.citations if c.continued)
    assert c.quote == FIRST_HALF and c.continued == SECOND_HALF
    assert c.sentence == f"{FIRST_HALF} {SECOND_HALF}"
    assert (c.page, c.continued_page, c.locator) == ("1", "2", "pp. 1–2")
    assert f"{FIRST_HALF} {SECOND_HALF} [{c.n}]" in a.text
    first = pdf_engine.page_text(c.source_id, c.page_index)
    second = pdf_engine.page_text(c.source_id, c.continued_page_index)
    assert first[c.quote_start:c.quote_end] == c.quote  # both halves stay exact page text
    assert second[c.continued_start:c.continued_end] == c.continued


def test_the_second_half_is_not_a_sentence_of_its_own(pdf_engine):
    idx = pdf_engine.index.sentences
    assert SECOND_HALF not in idx.texts
    assert sum(SECOND_HALF in t for t in idx.texts) == 1
