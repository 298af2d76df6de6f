"""A definition of the term asked about ("What is X?") leads the ranking: which sentences count, which questions."""
from __future__ import annotations

import pytest

from app.engine.definitions import definition_first, isa_pattern
from app.engine.sentence_rank import Ranked


@pytest.mark.parametrize("question, sentence", [
    ("What is RANBP2?", "RANBP2, a nuclear pore protein, has numerous roles in the cell cycle."),
    ("What is KATNAL1?", "Currently the microtubule severing enzyme KATNAL1 is poorly characterised."),
    ("What is Bacillus subtilis?", "As a nonpathogenic Gram-positive bacterium, B. subtilis has been regarded as a probiotic."),
    ("What is gender mainstreaming?", "Gender mainstreaming is a strategy for making gender concerns part of every policy."),
    ("What are gender focal points?", "Gender focal points (GFPs) are one of the ways missions share the work."),
])
def test_a_sentence_saying_what_kind_of_thing_the_term_is_counts(question, sentence):
    assert isa_pattern(question).search(sentence)


@pytest.mark.parametrize("sentence", [
    "RANBP2 is associated with microtubules and mitochondria.",  # "X is …" but not what kind of thing X is
    "A rare mutation in RANBP2 has been associated with encephalopathy.",
    "The mutation in RANBP2 was predicted to be deleterious.",  # "the … X" through a preposition
    "The first study to associate RANBP2 with such dysfunctions.",
])
def test_other_sentences_naming_the_term_do_not(sentence):
    assert not isa_pattern("What is RANBP2?").search(sentence)


@pytest.mark.parametrize("question", [
    "What is the focus of this review?", "What are the most common viruses?", "What is complied by the authors?",
    "What is known about the role of commanders in training?", "How is gender training evaluated?", "What is it?",
])
def test_questions_that_ask_no_term_get_no_pattern(question):
    assert isa_pattern(question) is None


TEXTS = ["RANBP2 is associated with microtubules.", "RANBP2 dysfunction makes neurons vulnerable.",
         "RANBP2, a nuclear pore protein, has numerous roles in the cell cycle.", "RANBP2, a nuclear pore protein, binds Ran."]


def test_the_first_definition_within_depth_leads_with_the_best_probability():
    ranked = [Ranked(0.5, 0, 0.6), Ranked(0.4, 1, 0.5), Ranked(0.1, 2, 0.4), Ranked(0.05, 3, 0.3)]
    out = definition_first("What is RANBP2?", ranked, TEXTS)
    assert [r.row for r in out] == [2, 0, 1, 3]
    assert out[0].prob == 0.5  # quoted: the answer's relative floor is measured from the first sentence
    assert ranked[2].prob == 0.1  # the caller's records (the evidence's ranking shares them) are not changed


def test_no_definition_within_depth_or_no_term_question_keeps_the_order():
    ranked = [Ranked(0.5, 0, 0.6), Ranked(0.4, 1, 0.5), Ranked(0.1, 2, 0.4)]
    assert definition_first("What is RANBP2?", ranked, TEXTS, depth=2) == ranked
    assert definition_first("Why does RANBP2 matter?", ranked, TEXTS) == ranked
