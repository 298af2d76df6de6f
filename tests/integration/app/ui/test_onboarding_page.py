"""Onboarding page under AppTest: a real (outline-less) index, and a scripted tour for the walk,
done marks, asking in chat, quiz feedback with the passage, the handout, and escaping."""
from __future__ import annotations

import re

import pytest

from app.engine.quote import make_citation
from app.engine.text import Sentence
from app.onboarding.records import GlossaryEntry, QuizQuestion, Section, Tour

from .conftest import all_markdown, plain
from .fakes import PAGE, passage

ACTIVE = re.compile(r"(?<!\\)(<script|<b>|\]\(javascript|\*\*bold\*\*)")


def _cit(sentence: str, n: int = 1):
    start = PAGE.index(sentence)
    return make_citation(n, passage(), Sentence(sentence, start, start + len(sentence)))


def scripted_tour(kind: str = "cited") -> Tour:
    first = _cit("Gender advisers keep a register of training outcomes.")
    markup = _cit("<script>alert(1)</script> See [link](javascript:alert(1)) and **bold** claims about gender advisers.")
    sections = [
        Section("1 Intro <b>bold</b> **really**", 0, 0, summary=[first, markup],
                questions=["What do gender advisers keep?"], label_start="7", label_end="7"),
        Section("2 Next steps", 0, 0, summary=[_cit("Closing line.")], label_start="7", label_end="7"),
    ]
    glossary = [GlossaryEntry("gender advisers", first)]
    quiz = [
        QuizQuestion(kind="mcq", prompt="Which term fills the blank? “_____ keep a register of training outcomes.”",
                     options=["Commanders", "Gender advisers", "Focal points"], answer="Gender advisers", citation=first,
                     explanation=f"The source says: “{first.quote}” (Note, p. 7).", section="1 Intro", topic="term"),
        QuizQuestion(kind="cloze", prompt="Fill in the missing word: “Gender advisers keep a _____ of training outcomes.”",
                     options=[], answer="register", citation=first,
                     explanation=f"The source says: “{first.quote}” (Note, p. 7).", section="1 Intro", topic="word"),
    ]
    return Tour(sections=sections, glossary=glossary, quiz=quiz, source_id="evil-note",
                title="Note **bold** <b>title</b>", kind=kind, fingerprint="scriptedtour1234")


@pytest.fixture
def scripted(fake_engine, monkeypatch):
    from app.ui import onboarding_page

    tour = scripted_tour()
    monkeypatch.setattr(onboarding_page, "build", lambda engine, source_id: tour)
    return tour


def _open(app_test):
    at = app_test().run()
    at.switch_page("ui/pages/onboarding.py").run()
    assert not at.exception
    return at


def test_real_index_without_outline(ui_index, use_index, app_test):
    use_index(*ui_index)
    at = _open(app_test)
    assert at.title[0].value == "Onboarding"
    assert at.selectbox(key="onb_source").value == "test-paper"  # the paper by default
    assert any("no headings" in plain(i.value) for i in at.info)  # graceful: page groups
    assert at.selectbox(key="onb_section").options == ["Pages 1–3 (pp. 1–3)"]
    md = all_markdown(at)
    cards = [m.value for m in at.markdown if ":orange-background[" in m.value]
    assert cards and any("primary audience" in c for c in cards)  # key sentences, marked in their passage
    assert re.search(r"\d+ quiz questions", md)
    assert [b for b in at.get("download_button") if b.label.startswith("Download the handout")]
    assert all(not m.proto.allow_html for m in at.markdown)
    asks = [b for b in at.button if b.key and b.key.startswith("onb-ask-")]
    assert asks, "the engine answers at least one suggested question from this document"
    question = asks[0].label
    asks[0].click().run()  # -> chat page, the question asked there
    assert not at.exception
    msgs = at.session_state["messages"]
    assert msgs[0]["content"] == question and not msgs[1]["answer"].refused
    at.switch_page("ui/pages/onboarding.py").run()
    at.selectbox(key="onb_source").set_value("field-study").run()
    assert not at.exception and "Field study of mission leadership" in plain(all_markdown(at))


def test_walk_sections_and_mark_them_done(scripted, app_test):
    at = _open(app_test)
    tk = scripted.fingerprint[:12]
    assert "1 Intro \\<b\\>bold\\<\\/b\\> \\*\\*really\\*\\*" in at.subheader[0].value  # escaped title
    at.button(key="onb-done").click().run()
    assert at.session_state["onboarding"]["done"][tk] == {0}
    assert at.button(key="onb-done").label == "Mark as not done"
    at.button(key="onb-next").click().run()
    assert at.selectbox(key="onb_section").value == 1 and plain(at.subheader[0].value) == "2 Next steps"
    assert at.button(key="onb-next").disabled
    at.button(key="onb-prev").click().run()
    assert at.selectbox(key="onb_section").value == 0
    assert at.selectbox(key="onb_section").format_func(0).startswith("✓ ")
    at.button(key="onb-done").click().run()  # toggles back
    assert at.session_state["onboarding"]["done"][tk] == set()
    at.button(key="onb-done-next").click().run()
    assert at.session_state["onboarding"]["done"][tk] == {0} and at.selectbox(key="onb_section").value == 1
    at.button(key="onb-done").click().run()
    assert at.session_state["onboarding"]["done"][tk] == {0, 1}
    assert any("All sections done" in s.value for s in at.success)
    at.switch_page("ui/pages/search.py").run()  # the marks are kept for the session
    at.switch_page("ui/pages/onboarding.py").run()
    assert at.session_state["onboarding"]["done"][tk] == {0, 1}


def test_suggested_question_opens_in_chat_within_the_document(scripted, fake_engine, app_test):
    at = _open(app_test)
    at.button(key="onb-ask-0-0").click().run()
    assert not at.exception
    call = [c for c in fake_engine.calls if "question" in c][-1]
    assert call["question"] == "What do gender advisers keep?"
    assert call["filters"].source_id == "evil-note"  # a cited source: asked within it
    assert at.session_state["messages"][0]["label"] == scripted.title


def test_quiz_feedback_with_the_supporting_passage(scripted, app_test):
    at = _open(app_test)
    tk = scripted.fingerprint[:12]
    at.button(key="onb-check-0").click().run()
    assert any("Choose or type an answer first" in w.value for w in at.warning)
    at.radio(key=f"onb-quiz-{tk}-0").set_value("Commanders").run()
    at.button(key="onb-check-0").click().run()
    assert any("Not quite" in plain(e.value) and "Gender advisers" in plain(e.value) for e in at.error)
    assert any(":orange-background[Gender advisers]" in m.value for m in at.markdown)  # answer marked in its passage
    at.radio(key=f"onb-quiz-{tk}-0").set_value("Gender advisers").run()
    at.button(key="onb-check-0").click().run()
    assert any(s.value.startswith("Correct") for s in at.success)
    at.text_input(key=f"onb-quiz-{tk}-1").input("Register").run()
    at.button(key="onb-check-1").click().run()
    assert len([s for s in at.success if s.value.startswith("Correct")]) == 2
    assert any(c.value.startswith("Score: 2 of 2 checked") for c in at.caption)
    at.button(key="onb-quiz-reset").click().run()
    assert any(c.value.startswith("Score: 0 of 0 checked") for c in at.caption)
    assert at.radio(key=f"onb-quiz-{tk}-0").value is None


def test_corpus_markup_is_escaped_and_handout_downloads(scripted, app_test):
    at = _open(app_test)
    md = all_markdown(at)
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\>" in md and "\\*\\*bold\\*\\*" in md
    assert not ACTIVE.search(md), ACTIVE.search(md)
    assert all(not m.proto.allow_html for m in at.markdown)
    glossary = [m.value for m in at.markdown if m.value.startswith("**gender advisers**")]
    assert glossary and ":gray-badge[p. 7]" in glossary[0]
    at.text_input(key="onb_term").input("nothing like it").run()
    assert any("No term matches" in c.value for c in at.caption)
    button = next(b for b in at.get("download_button") if b.label.startswith("Download the handout"))
    assert button.proto.url  # the handout was rendered and registered for download


def test_engine_that_cannot_build_a_tour_shows_an_error(fake_engine, app_test):
    at = _open(app_test)  # the fake engine has no index store: the page reports it, no stack trace
    assert any("could not be prepared" in e.value for e in at.error)


def test_no_index_shows_the_guidance(tmp_path, use_index, app_test):
    (tmp_path / "corpus").mkdir()
    use_index(tmp_path / "corpus", tmp_path / "db")
    at = _open(app_test)
    assert "No documents are indexed yet" in plain(at.info[0].value)
