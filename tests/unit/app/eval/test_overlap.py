"""The answer-hit split by word overlap between a question and its gold evidence."""
from __future__ import annotations

from app.eval.dataset import EvalItem
from app.eval.overlap import by_overlap, render, word_overlap


def _item(question: str, evidence=None, answerable: bool = True) -> EvalItem:
    return EvalItem(question=question, answerable=answerable, extra={} if evidence is None else {"evidence": evidence})


def test_overlap_is_the_share_of_question_words_in_the_evidence():
    assert word_overlap(_item("What is the size of bovine coronavirus?",
                              ["Its genome is a single-stranded RNA of around 31 kb."])) == 0.0
    assert word_overlap(_item("What is the genome size?", "Its genome is 31 kb in size.")) == 1.0
    assert word_overlap(_item("What is the genome size?")) is None  # no evidence given
    assert word_overlap(_item("What is the genome size?", ["", 3])) is None


def test_answerable_questions_with_evidence_are_split_low_and_high_beside_the_baseline():
    items = [_item("What is the size of bovine coronavirus?", "Its genome is about 31 kb."),
             _item("What is the genome size?", "The genome size is 31 kb."),
             _item("Who trains officers?"),  # no evidence: left out
             _item("What is the budget?", "The budget is 5 francs.", answerable=False)]
    ours = [{"hit": True, "passage_hit@5": 1.0}, {"hit": False, "passage_hit@5": 1.0}, {"hit": True}, {"hit": None}]
    base = [{"hit": False, "passage_hit@5": 0.0}, {"hit": True, "passage_hit@5": 1.0}, {"hit": True}, {"hit": None}]
    split = by_overlap(items, ours, base)
    assert split["low"] == {"questions": 1, "answer_hit": 1.0, "passage_hit@5": 1.0,
                            "baseline_answer_hit": 0.0, "baseline_passage_hit@5": 0.0}
    assert split["high"]["questions"] == 1 and split["high"]["answer_hit"] == 0.0
    assert "low     1 questions: answer hit 1.0" in render(split)
    assert by_overlap(items[2:3], ours[2:3], None) is None
