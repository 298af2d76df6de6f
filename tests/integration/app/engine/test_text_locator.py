"""Long texts without pages: answers cite "§ section, ¶ n" (not "p. 1"), quotes stay exact page text."""
from __future__ import annotations

import pytest

from tests.conftest import ingested_engine

FILLER = ("Training institutions revise their curricula every year and publish the changes in an annex. "
          "Each annex lists modules, hours and the staff responsible for them. ")


@pytest.fixture(scope="module")
def text_engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("textloc")
    corpus = root / "corpus"
    corpus.mkdir()
    paras = [f"{FILLER} Paragraph marker {i}." for i in range(1, 60)]
    paras[41] = ("As of 26 January 2020, the outbreak had resulted in 2066 confirmed cases of infection "
                 "in the province, according to the commission.")
    (corpus / "outbreak-report.txt").write_text("\n\n".join(paras) + "\n")
    (corpus / "review.md").write_text(
        "# A review of mentoring\n\nThis review covers mentoring schemes.\n\n## 2 Methods\n\n"
        "We interviewed officers in three countries.\n\n"
        "The interviews lasted forty minutes on average and were recorded with consent.\n\n"
        "## 3 Results\n\nMentored officers stayed longer in post.\n")
    return ingested_engine(corpus, root / "db")


def test_dated_question_is_answered_with_paragraph_locator(text_engine):
    a = text_engine.answer("As of 26 January 2020, what had the outbreak resulted in?")
    assert not a.refused, a.text
    top = a.citations[0]
    assert "2066" in top.quote
    assert top.locator == "¶ 42" and top.paragraph == 42
    page = text_engine.page_text(top.source_id, top.page_index)
    assert page[top.quote_start:top.quote_end] == top.quote


def test_section_and_paragraph_within_section(text_engine):
    a = text_engine.answer("How long did the interviews last?")
    assert not a.refused, a.text
    c = next(c for c in a.citations if "forty minutes" in c.quote)
    assert c.locator == "§ 2 Methods, ¶ 2"


def test_pages_of_a_long_text_are_bounded(text_engine):
    reg = text_engine.store.registry()
    entry = next(e for e in reg.values() if e.path.endswith("outbreak-report.txt"))
    assert entry.pages >= 5
    for i in range(entry.pages):
        assert len(text_engine.page_text(entry.source_id, i)) <= 2600
