"""The evaluation's breakdown of answered questions by the match band told with them."""
from __future__ import annotations

from app.eval.metrics import by_match, render_by_match


def test_answered_questions_are_counted_per_band_and_refusals_are_left_out():
    records = [{"refused": False, "match": "close", "hit": True}, {"refused": False, "match": "close", "hit": False},
               {"refused": False, "match": "weak", "hit": False}, {"refused": False, "match": "weak", "hit": True},
               {"refused": True, "match": "", "hit": False}, {"refused": False, "match": "close", "hit": False}]
    answerable = [True, True, False, True, True, False]
    got = by_match(records, answerable)
    assert list(got) == ["close", "weak"]
    assert got["close"] == {"answered": 3, "answerable": 2, "hit": 1, "unanswerable": 1, "hit_rate": 0.5,
                            "right_of_answered": 0.333, "unanswerable_of_answered": 0.333}
    assert got["weak"]["unanswerable"] == 1 and got["weak"]["hit_rate"] == 1.0
    assert "close       3 answered: 33% with the gold answer, 33% should have been refused" in render_by_match(got)
    assert by_match([records[4]], [True]) is None  # nothing answered
