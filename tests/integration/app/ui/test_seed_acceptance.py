"""Acceptance: an index of ../shared/seeds answers the audience question with a card naming the seed page."""
from __future__ import annotations

import time

from .conftest import plain


def test_seed_question_cites_the_seed_page(seed_index, use_index, app_test):
    use_index(*seed_index)
    t0 = time.perf_counter()
    at = app_test().run()
    at.chat_input[0].set_value("Who is the primary audience of the paper?").run()
    elapsed = time.perf_counter() - t0
    assert not at.exception and not at.error
    answer = at.session_state["messages"][1]["answer"]
    assert not answer.refused and answer.citations
    seed = answer.citations[0]
    assert seed.source_id.startswith("000-4b2cc08eca4313f9") or "4b2cc08eca4313f9" in seed.source_id
    cards = [plain(m.value) for m in at.markdown if m.value.startswith("**\\[")]
    assert cards and "More than a mandate?" in cards[0] and "¶ 14" in cards[0], cards  # its paragraph
    print(f"\nseed: engine build + first answer in AppTest {elapsed:.2f} s; citations:",
          [(c.source_id, c.page, c.quote[:60]) for c in answer.citations])
