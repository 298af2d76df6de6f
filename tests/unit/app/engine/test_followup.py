"""Follow-ups to standalone queries: asking for more is the previous question again, without the model."""
from __future__ import annotations

import pytest

from app.engine.followup import heuristic_standalone, is_continuation, standalone_query
from app.engine.records import Turn

HISTORY = [Turn("user", "How long does pre-deployment gender training last?"), Turn("assistant", "A median of 3 hours. [1]")]


@pytest.mark.parametrize("more", ["Elaborate", "elaborate please", "Tell me more", "Go on.", "Details?", "More details",
                                  "Can you explain further?", "What else?", "Expand on that", "continue"])
def test_asking_for_more_is_the_previous_question(more):
    assert is_continuation(more)
    assert heuristic_standalone(more, HISTORY) == HISTORY[0].content
    calls = []
    assert standalone_query(more, HISTORY, llm=lambda: calls.append(1)) == HISTORY[0].content
    assert calls == []  # no model call to rewrite it


@pytest.mark.parametrize("question", ["And in Kosovo?", "Why?", "Examples?", "What else did the review find about police?",
                                      "Tell me more about refresher courses"])
def test_a_follow_up_with_its_own_subject_keeps_it(question):
    assert not is_continuation(question)
    assert heuristic_standalone(question, HISTORY).endswith(question) or heuristic_standalone(question, HISTORY) == question
