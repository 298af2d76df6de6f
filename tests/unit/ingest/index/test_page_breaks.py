"""Sentences cut by a page break are joined: when the next page continues them, past the footnotes."""
from __future__ import annotations

import pytest

from ingest.hyphens import Hyphens
from ingest.index.page_breaks import body_end, join, join_page_breaks, runs_on
from ingest.sentences import split_sentences


@pytest.mark.parametrize("tail, head, expected", [
    ("Officers whose station commanders discussed the course kept most of their", "gains after six months.", True),
    ("The review was commissioned by the", "Elsie Initiative in 2024.", True),  # a word that cannot end a sentence
    ("Pre-deployment modules were delivered in three countries,", "Ghana, Zambia and Uruguay.", True),
    ("Knowledge scores rose from 41 to 78 per cent.", "participants kept them.", False),  # closed
    ("Knowledge scores rose, as Arvelo reports.12", "later studies agree.", False),  # closed, note mark after
    ("The modules covered the following topics:", "gender norms and protection.", False),  # a list opens
    ("Results", "of the survey are below.", False),  # a label, not a sentence
    ("Trainers reported that participants often asked about", "Chapter 4 Recommendations", False),
    ("The next section is written by the", "Chapter 4 Recommendations", False),  # a heading, not a name
])
def test_runs_on(tail, head, expected):
    assert runs_on(tail, head) is expected


def test_body_ends_before_the_footnotes():
    text = "Body text that is cut at the bottom of the\n\n1 See Arvelo 2016, p. 4.\n\n2 Ibid."
    assert text[:body_end(text)] == "Body text that is cut at the bottom of the"
    assert body_end("No notes here.") == len("No notes here.")


def test_a_word_broken_at_the_page_break_is_joined_as_the_document_prints_it():
    hy = Hyphens.of(["security institutions and a male-dominated culture"])
    assert join("training in security insti-", "tutions matters.", hy) == "training in security institutions matters."
    assert join("a strongly male-", "dominated culture.", hy) == "a strongly male-dominated culture."
    assert join("a sentence ending in the", "middle.", hy) == "a sentence ending in the middle."


def _pages(texts: list[str], label=lambda i: str(i + 1)):
    return [(i, label(i), t, split_sentences(t)) for i, t in enumerate(texts)]


def test_joined_sentence_keeps_its_first_half_and_points_to_the_second():
    p1 = ("Training gains faded after six months. Officers whose station commanders discussed the course "
          "with them kept most of their\n\n1 See Arvelo 2016, p. 4.")
    p2 = "gains a year later (Arvelo 2016). The next cohort was trained in 2019."
    rows, cont = join_page_breaks(_pages([p1, p2]), Hyphens())
    texts = [s.text for _, s in rows]
    assert texts == ["Training gains faded after six months.",
                     "Officers whose station commanders discussed the course with them kept most of their "
                     "gains a year later (Arvelo 2016).",
                     "1 See Arvelo 2016, p. 4.",
                     "The next cohort was trained in 2019."]
    (row, c), = cont.items()
    page, s = rows[row]
    assert page == 0 and p1[s.start:s.end] == "Officers whose station commanders discussed the course with them kept most of their"
    assert (c.page_index, c.page_label, c.text) == (1, "2", "gains a year later (Arvelo 2016).")
    assert p2[c.start:c.end] == c.text


def test_no_join_without_a_continuation_or_across_text_sections():
    closed = ["The first page ends with a full sentence.", "the second page opens in lower case by accident."]
    assert join_page_breaks(_pages(closed), Hyphens())[1] == {}
    headed = ["A page that ends in the middle of a", "3 Results\n\nthe section opens here."]
    assert join_page_breaks(_pages(headed), Hyphens())[1] == {}  # the next page opens with a heading
    sections = ["A section of a text that ends without a stop", "and a next section in lower case."]
    assert join_page_breaks(_pages(sections, lambda i: f"§ {i + 1} Part, ¶ 1"), Hyphens())[1] == {}
    gap = [(0, "1", "A page that ends in the middle of a", split_sentences("A page that ends in the middle of a")),
           (2, "3", "sentence on a page further on.", split_sentences("sentence on a page further on."))]
    assert join_page_breaks(gap, Hyphens())[1] == {}  # a missing page between them
