"""Chat page under AppTest: real answers with source cards, refusal, follow-ups, fallbacks, escaping."""
from __future__ import annotations

import re

from app.engine.match import match_note

from .conftest import all_markdown, plain

ACTIVE = re.compile(r"(?<!\\)(<script|\]\(javascript|\*\*bold\*\*)")


def _ask(at, question: str):
    at.chat_input[0].set_value(question)
    return at.run()


def test_answer_with_source_cards_on_a_real_index(ui_index, use_index, app_test):
    use_index(*ui_index)
    at = app_test().run()
    assert not at.exception
    assert "Who is the primary audience of the paper?" in [b.label for b in at.button]  # starter questions
    _ask(at, "Who is the primary audience of the paper?")
    assert not at.exception and not at.error
    md = all_markdown(at)
    assert "primary audience of the paper is gender trainers" in md
    assert re.search(r"\*\*\\\[1\\\]\*\*", md), md  # inline [1] marker
    cards = [m.value for m in at.markdown if m.value.startswith("**\\[1\\]")]
    assert cards and "More than a mandate? (test paper)" in plain(cards[0])
    assert ":blue-badge[paper]" in cards[0] and ":gray-badge[p. 1]" in cards[0]
    assert any(":orange-background[The primary audience of the paper" in m.value for m in at.markdown)
    assert any(e.label.startswith("Page 1") for e in at.expander)  # the page, rendered
    assert [b.label for b in at.download_button if plain(b.label).startswith("Download paper.pdf")]
    assert any(b.label.startswith("Export conversation") for b in at.download_button)
    assert len(at.chat_message) == 2 and at.session_state["messages"][1]["answer"].citations
    assert at.session_state["messages"][1]["answer"].match == "close" and not at.warning  # nothing to warn of


def test_a_weak_match_is_answered_with_a_warning_to_read_the_quotes(ui_index, use_index, app_test):
    use_index(*ui_index)
    at = _ask(app_test().run(), "What happens after deployment?")  # the library only speaks of before it
    answer = at.session_state["messages"][1]["answer"]
    assert not at.exception and not answer.refused and answer.match == "weak"
    assert [w.value for w in at.warning] == [match_note("weak")]
    assert [m for m in at.markdown if m.value.startswith("**\\[1\\]")]  # the quotes are still shown, cited


def test_refusal_shows_closest_passages(ui_index, use_index, app_test):
    use_index(*ui_index)
    at = _ask(app_test().run(), "What is the boiling point of mercury?")
    assert not at.exception
    md = all_markdown(at)
    assert "so I won\\'t answer" in md  # escaped for markdown
    assert "Closest passages" in md
    assert not [m for m in at.markdown if m.value.startswith("**\\[1\\]")]  # no citation cards


def test_follow_up_passes_history_and_starter_asks(fake_engine, app_test):
    at = app_test().run()
    next(b for b in at.button if b.label.startswith("What is the main goal")).click().run()
    assert fake_engine.calls[-1]["question"] == "What is the main goal of the Elsie Initiative?"
    assert fake_engine.calls[-1]["history"] == []
    _ask(at, "And who funds it?")
    hist = fake_engine.calls[-1]["history"]
    assert [(t.role, t.content[:20]) for t in hist] == [("user", "What is the main goa"), ("assistant", "Gender advisers keep")]
    assert len(at.chat_message) == 4


def test_generate_mode_passes_mode_and_marks_unverified(fake_engine, app_test):
    at = app_test().run()
    at.sidebar.radio[0].set_value("generate").run()
    _ask(at, "What do gender advisers do?")
    assert fake_engine.calls[-1]["mode"] == "generate"
    answer_md = next(m.value for m in at.markdown if m.value.startswith("Gender advisers keep"))
    assert ":red-background[They also fly to the moon every week\\.] :red-badge[unverified]" in answer_md
    assert "1 of 2 sentences verified" in all_markdown(at)
    assert "fake-model" in plain(all_markdown(at))


def test_llm_failure_falls_back_to_quote_mode(fake_engine, app_test):
    fake_engine.fail_modes["generate"] = ConnectionError("endpoint http://127.0.0.1:9/v1 refused the connection")
    at = app_test().run()
    at.sidebar.radio[0].set_value("generate").run()
    _ask(at, "What do gender advisers do?")
    assert not at.exception
    assert [c["mode"] for c in fake_engine.calls] == ["generate", "quote"]
    assert "Generate mode failed" in at.warning[0].value and "answered in quote mode" in at.warning[0].value
    assert any(m.value.startswith("**\\[1\\]") for m in at.markdown)


def test_engine_error_is_a_short_message_and_app_keeps_working(fake_engine, app_test):
    fake_engine.fail_modes["quote"] = RuntimeError("index exploded\nTraceback (most recent call last): ...")
    at = app_test().run()
    _ask(at, "What do gender advisers do?")
    assert not at.exception
    assert at.error and "index exploded" in at.error[0].value and "Traceback" not in at.error[0].value
    del fake_engine.fail_modes["quote"]
    _ask(at, "What do gender advisers do?")
    assert not at.exception and any(m.value.startswith("**\\[1\\]") for m in at.markdown)


def test_corpus_and_model_text_rendered_escaped(fake_engine, app_test):
    at = app_test().run()
    _ask(at, "What do gender advisers do? <script>alert(2)</script>")
    _ask(at, "Anything about the moon?")  # refusal: closest passages with the injection text
    assert not at.exception
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert any("\\<script\\>alert\\(1\\)\\<\\/script\\>" in t for t in texts)
    assert any("\\[link\\]\\(javascript\\:alert\\(1\\)\\)" in t for t in texts)
    assert any("\\*\\*bold\\*\\*" in t for t in texts)
    for t in texts:
        assert not ACTIVE.search(t), t
        assert "javascript:" not in t, t  # the javascript: url of the source is never a link
    for m in at.markdown:
        assert not m.proto.allow_html, m.value
    assert any("Advisers \\<i\\>matter\\<\\/i\\>" in t for t in texts)  # trace under the card
    # the quoted sentence runs on to the next page: both pages on the card, the second half shown (escaped)
    assert any(":gray-badge[pp. 7–8]" in t for t in texts)
    assert any(t.startswith("continues on p. 8: ") and "\\<b\\>runs on\\<\\/b\\>" in t for t in texts)


def test_chat_and_search_pause_while_an_ingest_runs(fake_engine, app_test):
    from app.ui import state

    guard = state.ingest_guard()
    guard.running = True
    try:
        at = app_test().run()
        assert at.chat_input[0].disabled
        assert "re-indexed" in at.info[0].value
        at.session_state["pending"] = {"question": "What do gender advisers do?", "filters": None, "label": ""}
        at.run()  # a question queued from the Search page waits for the index
        assert fake_engine.calls == [] and at.session_state["pending"]
        at.switch_page("ui/pages/search.py").run()
        assert "re-indexed" in at.info[0].value and not at.text_input
    finally:
        guard.running = False
    at.switch_page("ui/pages/chat.py").run()
    assert fake_engine.calls[-1]["question"] == "What do gender advisers do?"


def test_ask_within_one_document_scopes_typed_questions(fake_engine, app_test):
    at = app_test().run()
    scope = at.selectbox(key="chat_scope")
    assert scope.value == "" and scope.options[0] == "The whole library" and scope.options[1].startswith("Note")
    scope.set_value("evil-note").run()
    _ask(at, "What does the note say?")
    f = fake_engine.calls[-1]["filters"]
    assert f is not None and f.source_id == "evil-note"
    assert any(c.value.startswith("Asked within: Note") for c in at.caption)
    at.selectbox(key="chat_scope").set_value("").run()
    _ask(at, "And in general?")
    assert fake_engine.calls[-1]["filters"] is None  # the whole library again
    assert len(fake_engine.calls[-1]["history"]) == 2  # still one conversation


def test_a_question_queued_about_one_document_keeps_follow_ups_within_it(fake_engine, app_test):
    from app.engine.records import Filters

    at = app_test().run()
    at.session_state["pending"] = {"question": "What does the note say?", "filters": Filters(source_id="evil-note"),
                                   "label": "Note"}
    at.run()
    assert fake_engine.calls[-1]["filters"].source_id == "evil-note"
    assert at.selectbox(key="chat_scope").value == "evil-note"
    _ask(at, "And who wrote it?")
    assert fake_engine.calls[-1]["filters"].source_id == "evil-note"


def test_a_refusal_naming_the_document_that_answers_asks_there_in_one_click(fake_engine, app_test):
    at = _ask(app_test().run(), "What is on mars?")
    button = next(b for b in at.button if b.label.startswith("Ask within"))
    assert button.label == "Ask within “Note \\*\\*bold\\*\\* \\<b\\>title\\<\\/b\\>”"  # document text, escaped
    button.click().run()
    assert not at.exception
    call = fake_engine.calls[-1]
    assert call["question"] == "What is on mars?" and call["filters"].source_id == "evil-note"
    assert at.selectbox(key="chat_scope").value == "evil-note"  # follow-ups stay within it


def test_a_setting_that_does_not_fit_stops_the_app_with_its_name(monkeypatch, app_test):
    monkeypatch.setenv("MANDATE_REFUSAL_THRESHOLD", "5")
    at = app_test().run()
    assert not at.exception
    assert len(at.error) == 1 and "MANDATE_REFUSAL_THRESHOLD='5': Input should be less than or equal to 1" in plain(
        at.error[0].value)
    assert not at.chat_input
