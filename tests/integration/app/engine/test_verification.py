"""Verification and citation repair of generated answers, with a scripted fake at the LLM seam."""
from __future__ import annotations

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.engine.generate import finalize
from app.engine.text import split_answer, split_sentences
from tests.conftest import engine_with_llm

Q = "How many national curricula had a dedicated gender session?"


def _passages(engine):
    ps = engine.search(Q, k=5)
    n = next(i for i, p in enumerate(ps, 1) if "9 contained a dedicated session on gender" in p.text)
    other = next(i for i, p in enumerate(ps, 1) if "9 contained a dedicated session" not in p.text)
    return ps, n, other


def test_wrong_number_is_repaired(engine):
    ps, right, wrong = _passages(engine)
    text, cits, checks = finalize(f"Of 27 national curricula, 9 contained a dedicated session on gender [{wrong}].", ps, engine.verifier)
    assert checks[0].supported and "repaired" in checks[0].note
    assert text.endswith("[1].") and len(cits) == 1
    assert "9 contained a dedicated session on gender" in cits[0].quote


def test_invented_sentence_is_flagged_and_loses_its_marker(engine):
    ps, right, _ = _passages(engine)
    raw = (f"Of 27 curricula reviewed, 9 had a dedicated gender session [{right}]. "
           f"Gender training was invented by Napoleon in 1805 to improve cavalry morale [{right}].")
    text, cits, checks = finalize(raw, ps, engine.verifier)
    assert [c.supported for c in checks] == [True, False]
    assert "Napoleon" in text and "Napoleon in 1805 to improve cavalry morale [" not in text
    assert len(cits) == 1


def test_a_phrase_the_model_puts_in_brackets_is_not_left_looking_like_a_citation(engine):
    ps, right, _ = _passages(engine)
    text, cits, checks = finalize(f"Of 27 national curricula, [9 contained a dedicated session on gender] [{right}].",
                                  ps, engine.verifier)
    assert text == "Of 27 national curricula, 9 contained a dedicated session on gender [1]." and checks[0].supported


def test_unresolvable_marker_dropped_and_numbers_checked(engine):
    ps, right, _ = _passages(engine)
    text, cits, checks = finalize("Of 27 national curricula, 9 contained a dedicated gender session [9].", ps, engine.verifier)
    assert "[9]" not in text and checks[0].supported  # repaired to the passage that says it
    wrong_number = finalize(f"Of 27 national curricula, 14 contained a dedicated gender session [{right}].", ps, engine.verifier)
    assert not wrong_number[2][0].supported  # a number the passage does not state


def test_quotes_are_exact_and_markers_resolve(engine):
    ps, right, _ = _passages(engine)
    text, cits, _ = finalize(f"Nine of the 27 curricula had a dedicated gender session [{right}].", ps, engine.verifier)
    for c in cits:
        assert engine.page_text(c.source_id, c.page_index)[c.quote_start:c.quote_end] == c.quote
    assert {int(m) for m in __import__("re").findall(r"\[(\d+)\]", text)} == {c.n for c in cits}


def test_engine_generate_with_scripted_model_streams_and_verifies(engine):
    fake = engine_with_llm(engine, FakeListChatModel(responses=[
        "Of the 27 national curricula reviewed, 9 contained a dedicated session on gender [1]. The moon is made of cheese [2]."]))
    items = list(fake.answer_stream(Q, mode="generate"))
    deltas, final = items[:-1], items[-1]
    assert len(deltas) > 3 and all(isinstance(d, str) for d in deltas)  # streamed
    assert final.mode == "generate" and not final.refused
    assert [c.supported for c in final.verified][:2] == [True, False]
    assert "first_token_s" in final.timings and final.timings["first_token_s"] > 0


def test_generate_answer_carries_every_quote_mode_sentence(engine):
    """Generate never knows less than quote mode: quote mode's sentences follow, verbatim and cited."""
    quoted = engine.answer(Q, mode="quote")
    said = "Of the 27 national curricula reviewed, 9 contained a dedicated session on gender [1]."
    a = engine_with_llm(engine, FakeListChatModel(responses=[said])).answer(Q, mode="generate")
    assert a.mode == "generate" and quoted.citations
    for c in quoted.citations:  # all of each quote, also one running on past the sentence the model cited
        assert any(k.source_id == c.source_id and k.page_index == c.page_index and k.quote_start <= c.quote_start
                   and c.quote_end <= k.quote_end for k in a.citations)
    key_part = a.text.split("Key passage", 1)[1]
    assert all(c.quote in key_part for c in a.citations[1:]) and "[1]" in a.text.split("Key passage", 1)[0]
    assert "Key passage" in a.text and all(ch.supported for ch in a.verified)
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))


def test_unverifiable_model_answer_falls_back_to_quotes(engine):
    fake = engine_with_llm(engine, FakeListChatModel(responses=["Bananas are yellow [1]. Cats sleep a lot [2]."]))
    a = fake.answer(Q, mode="generate")
    assert a.mode == "quote" and a.citations and "could not be verified" in a.notice


def test_endpoint_down_falls_back_to_quote(engine):
    class Down:
        def stream(self, *_a, **_k):
            raise ConnectionError("connection refused")
            yield  # pragma: no cover

    fake = engine_with_llm(engine, Down())
    a = fake.answer(Q, mode="generate")
    assert a.mode == "quote" and a.citations and "unavailable" in a.notice


def test_sentence_splitting_offsets():
    text = "Gender training matters (Holvikivi 2019, p. 4). See e.g. the U.N. guide. Short.\n\n2 Heading\n\nNext para here."
    sents = split_sentences(text)
    assert all(text[s.start:s.end] == s.text for s in sents)
    assert sents[0].text.endswith("p. 4).")
    assert split_answer("One claim [1]. Two claims [2][3]. Three") == ["One claim [1].", "Two claims [2][3].", "Three"]


def test_a_field_label_joins_the_sentence_after_it_with_exact_offsets():
    text = "Publication\n\nMore than a mandate?\n\n28 May, 2025\n\nAuthors\n\neditors\n\nCristina Finch, Inka Lilja"
    sents = split_sentences(text, base=40)
    assert [s.text for s in sents] == ["Publication\n\nMore than a mandate?", "28 May, 2025",
                                       "editors\n\nCristina Finch, Inka Lilja"]
    assert all(text[s.start - 40:s.end - 40] == s.text for s in sents)
    # an abbreviation inside brackets does not end a sentence
    assert [s.text for s in split_sentences("Vaccines exist (e.g. Ty21a for typhoid). They work well in trials.")] == [
        "Vaccines exist (e.g. Ty21a for typhoid).", "They work well in trials."]
    # a real heading of a paper is long enough to stay its own sentence
    assert [s.text for s in split_sentences("1 Introduction\n\nTraining is common.")] == ["1 Introduction", "Training is common."]
