"""Quote composition: how many sentences, from which passages, in which order."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from app.engine.answerers import QuoteAnswerer
from app.engine.question_cues import is_metadata
from app.engine.quote import quotable
from app.engine.records import Passage
from app.engine.sentence_rank import Ranked
from ingest.index.settings import QuoteSettings

SENTENCES = ["Officers attended a course in March.", "Trainers used role plays with scenarios.",
             "Commanders rarely discussed the content afterwards.", "Attitudes improved after two weeks.",
             "Knowledge fell back to baseline within months.", "Mission leadership endorsed the module.",
             "Evaluations relied on satisfaction surveys."]


def _index(breaks: tuple[int, ...] = (), sentences: list[str] = SENTENCES):
    """The sentences as one page; a paragraph break before each row of ``breaks``."""
    starts, text = [], ""
    for i, s in enumerate(sentences):
        if i:
            text += "\n\n" if i in breaks else " "
        starts.append(len(text))
        text += s
    ends = [a + len(s) for a, s in zip(starts, sentences)]
    sidx = SimpleNamespace(texts=sentences, start=np.array(starts), end=np.array(ends), continued={},
                           source_ids=["doc"] * len(sentences), page_index=np.zeros(len(sentences), dtype=int))
    passage = Passage(chunk_id="c", source_id="doc", source_hash="h", title="Doc", kind="pdf", page_index=0,
                      page_label="1", section="", start=0, end=len(text), text=text)
    return sidx, passage


def _answer(best: float, settings: QuoteSettings, breaks: tuple[int, ...] = (), sentences: list[str] = SENTENCES):
    sidx, passage = _index(breaks, sentences)
    ranked = [Ranked(best * (1 - 0.05 * i), row, 0.5) for i, row in enumerate([4, 1, 6, 0, 2, 3, 5])]
    text, citations, _ = QuoteAnswerer(sidx, settings).answer(ranked, {r: 0 for r in range(7)}, [passage])
    return text, citations


def test_a_likely_answer_is_quoted_briefly_an_uncertain_one_with_more_evidence():
    s = QuoteSettings(max_sentences=3, max_unsure=5, per_passage=7, sure=0.5, rel_floor=0.3)
    _, sure = _answer(0.9, s)
    _, unsure = _answer(0.3, s)
    assert len(sure) == 3 and len(unsure) == 5
    # the best sentences, in reading order
    assert [c.quote for c in sure] == [SENTENCES[1], SENTENCES[4], SENTENCES[6]]


def test_paragraphs_come_in_the_order_of_their_best_sentence_reading_order_within_one():
    """One passage over two paragraphs (a short web page): the best sentence's paragraph is quoted first."""
    s = QuoteSettings(max_sentences=3, max_unsure=5, per_passage=7, sure=0.5, rel_floor=0.3)
    _, split = _answer(0.9, s, breaks=(3,))  # rows 0-2 | rows 3-6; rows 4 (best), 1 and 6 chosen
    assert [c.quote for c in split] == [SENTENCES[4], SENTENCES[6], SENTENCES[1]]
    _, whole = _answer(0.9, s)  # one paragraph: reading order
    assert [c.quote for c in whole] == [SENTENCES[1], SENTENCES[4], SENTENCES[6]]

def test_an_unsure_answer_quotes_each_sentence_with_the_next_one_of_its_paragraph():
    s = QuoteSettings(max_sentences=3, max_unsure=3, per_passage=7, sure=0.5, rel_floor=0.3)
    _, sure = _answer(0.9, s)
    assert [c.quote for c in sure] == [SENTENCES[1], SENTENCES[4], SENTENCES[6]]
    _, unsure = _answer(0.3, s, breaks=(5,))
    # rows 1, 4, 6 quoted: 1 runs on to 2; 4 stops at the paragraph break before 5; 6 is the page's last sentence
    assert [c.quote for c in unsure] == [f"{SENTENCES[1]} {SENTENCES[2]}", SENTENCES[4], SENTENCES[6]]
    assert unsure[0].quote_end == unsure[0].quote_start + len(unsure[0].quote)
    _, off = _answer(0.3, s.model_copy(update={"follow_unsure": False}))
    assert [c.quote for c in off] == [SENTENCES[1], SENTENCES[4], SENTENCES[6]]
    # a next sentence quoted in its own right is not quoted twice: rows 0, 1, 2, 4, 6 chosen
    five = QuoteSettings(max_sentences=3, max_unsure=5, per_passage=7, sure=0.5, rel_floor=0.3)
    _, more = _answer(0.3, five)
    assert [c.quote for c in more] == [SENTENCES[0], SENTENCES[1], f"{SENTENCES[2]} {SENTENCES[3]}",
                                       f"{SENTENCES[4]} {SENTENCES[5]}", SENTENCES[6]]


def test_a_quote_opening_with_a_pronoun_starts_at_the_sentence_it_points_back_to():
    pointing = list(SENTENCES)
    pointing[4] = "Its effect faded within months."  # row 4, the best sentence: "Its" is row 3's attitudes
    pointing[6] = "They relied on satisfaction surveys."  # row 6: after a paragraph break, nothing to lead in with
    s = QuoteSettings(max_sentences=3, max_unsure=3, per_passage=7, sure=0.5, rel_floor=0.3)
    _, sure = _answer(0.9, s, breaks=(6,), sentences=pointing)
    assert [c.quote for c in sure] == [pointing[1], f"{pointing[3]} {pointing[4]}", pointing[6]]
    _, off = _answer(0.9, s.model_copy(update={"lead_in": False}), sentences=pointing)
    assert [c.quote for c in off] == [pointing[1], pointing[4], pointing[6]]


def test_quotes_stop_at_the_relative_floor_and_the_per_passage_cap():
    _, floor = _answer(0.3, QuoteSettings(max_sentences=3, max_unsure=5, per_passage=7, sure=0.5, rel_floor=0.9))
    assert len(floor) == 3  # 0.3, 0.285, 0.27 are within 0.9 of the best; 0.255 is not
    _, capped = _answer(0.3, QuoteSettings(max_sentences=3, max_unsure=5, per_passage=2, sure=0.5, rel_floor=0.3))
    assert len(capped) == 2


def _cite(text: str, sentence: str, page_label: str = "4"):
    from app.engine.quote import make_citation
    from app.engine.text import Sentence

    p = Passage(chunk_id="c", source_id="doc", source_hash="h", title="Doc", kind="paper", page_index=3,
                page_label=page_label, section="", start=100, end=100 + len(text), text=text)
    start = 100 + text.index(sentence)
    return make_citation(1, p, Sentence(sentence, start, start + len(sentence)))


def test_a_quoted_footnote_loses_its_number_to_the_locator():
    text = "Training was mandatory for all contingents.\n\n1 The Elsie Initiative was launched by Canada in 2017."
    c = _cite(text, "1 The Elsie Initiative was launched by Canada in 2017.")
    assert c.quote == "The Elsie Initiative was launched by Canada in 2017."
    assert c.locator == "p. 4, n. 1"
    assert text[c.quote_start - 100: c.quote_end - 100] == c.quote  # still exact page offsets


def test_numbers_that_do_not_open_a_printed_page_paragraph_stay_in_the_quote():
    mid = _cite("Of the trainees, most passed. 12 Officers failed the test.", "12 Officers failed the test.")
    assert mid.quote == "12 Officers failed the test." and mid.locator == "p. 4"
    text = _cite("Intro.\n\n12 Officers failed the test.", "12 Officers failed the test.", page_label="¶ 3")
    assert text.quote == "12 Officers failed the test."
    date = _cite("Publication.\n\n28 May, 2025", "28 May, 2025")
    assert date.quote == "28 May, 2025" and date.locator == "p. 4"  # a dateline is not a note


def test_a_sentence_cut_by_a_page_break_is_cited_on_both_pages():
    from app.engine.quote import make_citation
    from app.engine.text import Sentence
    from ingest.index.page_breaks import Continuation

    text = "Earlier text. Training in security insti-"
    p = Passage(chunk_id="c", source_id="doc", source_hash="h", title="Doc", kind="paper", page_index=3,
                page_label="4", section="", start=100, end=100 + len(text), text=text)
    whole = "Training in security institutions matters."  # as the index joined it: the break's hyphen gone
    c = make_citation(1, p, Sentence(whole, 114, 100 + len(text)), Continuation(4, "5", 0, 17, "tutions matters."))
    assert c.quote == "Training in security insti-"  # exact page text of page 4
    assert (c.continued, c.continued_page, c.continued_page_index) == ("tutions matters.", "5", 4)
    assert c.sentence == whole and c.locator == "pp. 4–5"
    plain = make_citation(1, p, Sentence("Earlier text.", 100, 113))
    assert plain.sentence == "Earlier text." and plain.locator == "p. 4" and not plain.continued


def test_a_generated_answer_keeps_a_key_passage_that_runs_on_past_the_sentence_the_model_cited():
    from app.engine.answerers import GenerateAnswerer
    from app.engine.quote import make_citation
    from app.engine.text import Sentence

    sidx, passage = _index()
    quote = QuoteAnswerer(sidx, QuoteSettings(max_sentences=3, max_unsure=3, per_passage=7, sure=0.5, rel_floor=0.3))
    ranked = [Ranked(0.3 * (1 - 0.05 * i), row, 0.5) for i, row in enumerate([4, 1, 6, 0, 2, 3, 5])]
    where = {r: 0 for r in range(7)}
    model_cited = make_citation(1, passage, Sentence(SENTENCES[1], int(sidx.start[1]), int(sidx.end[1])))
    text, cits, _ = GenerateAnswerer(sidx, None, quote).with_key_quotes(
        "Trainers used role plays [1].", [model_cited], [SimpleNamespace(citations=[1])], ranked, where, [passage])
    # quote mode quotes rows 1+2, 4+5, 6: none is wholly inside the model's citation of row 1, so all three follow
    assert [c.quote for c in cits[1:]] == [f"{SENTENCES[1]} {SENTENCES[2]}", f"{SENTENCES[4]} {SENTENCES[5]}",
                                           SENTENCES[6]]
    assert text.startswith("Trainers used role plays [1]. Key passages: ")
    covered = make_citation(1, passage, Sentence(SENTENCES[6], int(sidx.start[6]), int(sidx.end[6])))
    _, cits, _ = GenerateAnswerer(sidx, None, quote).with_key_quotes(
        "Surveys [1].", [covered], [SimpleNamespace(citations=[1])], ranked, where, [passage])
    assert [c.quote for c in cits[1:]] == [f"{SENTENCES[1]} {SENTENCES[2]}", f"{SENTENCES[4]} {SENTENCES[5]}"]


def test_a_metadata_line_is_not_quoted_unless_the_question_is_about_the_document():
    texts = ["Authors: Kin, Nathalie; Guerard, Pauline Date: 2017-05-25 DOI: 10.1128/genomea.00319-17",
             "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5477389/", "SHA: eef0ecf5b8e7b179dadaef967e65f2ab68f021e1",
             "Its genome is a single-stranded, linear, and nonsegmented RNA of around 31 kb."]
    ranked = [Ranked(0.5 - 0.1 * i, row, 0.5) for i, row in enumerate(range(4))]
    kept = quotable(ranked, texts, "What is the molecular structure of bovine coronavirus?")
    assert [rk.row for rk in kept] == [3]
    assert quotable(ranked, texts, "Who are the authors of this paper?") == ranked  # the document itself
    assert quotable(ranked, texts, "When was the article published?") == ranked
    assert quotable(ranked[:3], texts, "What is BCoV?") == ranked[:3]  # nothing else to quote: the lines stay
    assert not is_metadata("Date of sampling was recorded for 31 calves.")  # a sentence, not a field


def test_a_heading_ranked_first_is_quoted_as_its_sections_first_sentence():
    """"Sparse matrix methods" matched "How does lme4 use sparse matrix methods?": its section says how."""
    rows = ["Fitting mixed models", "Sparse matrix methods", "We solve these equations with a sparse Cholesky factorization.",
            "The fit is fast.", "Other work used dense matrices."]
    sidx, passage = _index((1, 2), rows)
    s = QuoteSettings(max_sentences=2, max_unsure=2, per_passage=7, sure=0.5, rel_floor=0.3)
    where = {r: 0 for r in range(5)}
    ranked = [Ranked(0.9, 1, 0.5), Ranked(0.8, 4, 0.5), Ranked(0.5, 3, 0.5)]
    _, cites, _ = QuoteAnswerer(sidx, s).answer(ranked, where, [passage])
    assert [c.quote for c in cites] == [rows[2], rows[4]]
    # the section's sentence already quoted: the heading is not quoted again
    ranked = [Ranked(0.9, 2, 0.5), Ranked(0.8, 1, 0.5), Ranked(0.5, 3, 0.5)]
    _, cites, _ = QuoteAnswerer(sidx, s).answer(ranked, where, [passage])
    assert [c.quote for c in cites] == [rows[2], rows[3]]
    # a document's first line is its title, a short line with figures a value: both are quoted as they are
    for row, text in ((0, rows[0]), (1, "28 May, 2025")):
        sidx, passage = _index((1, 2), [text if i == row else t for i, t in enumerate(rows)])
        _, cites, _ = QuoteAnswerer(sidx, s).answer([Ranked(0.9, row, 0.5), Ranked(0.8, 4, 0.5)], where, [passage])
        assert cites[0].quote == text
