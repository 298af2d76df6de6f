"""The sentence model's features: answer-type cues, definitions, the question's focus words, word pairs."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.features import (
    FEATURES,
    Candidate,
    Cues,
    SentenceModel,
    about_document,
    answer_type,
    asks_for_title,
    count_nouns,
    counts,
    definition_pattern,
    feature_vector,
    local_idf,
    looks_like_heading,
    make_idf,
    sums_up,
)
from app.engine.text import content_words, word_pairs
from ingest.sentences import content_sequence


@pytest.mark.parametrize("question,kind", [
    ("When was the paper published?", "date"),
    ("How many officers were trained?", "number"),
    ("What is the mortality rate in adults?", "number"),
    ("Why do trainees forget the course?", "reason"),
    ("Who wrote the review?", "name"),
    ("Does training change attitudes?", None),
])
def test_answer_type_cues(question, kind):
    assert answer_type(question) == kind


def test_definition_pattern_finds_the_subject_and_its_acronym():
    pat = definition_pattern("What is gender-responsive policing?")
    assert pat.search("Gender-responsive policing is policing that ...")
    assert definition_pattern("What is respiratory syncytial virus?").search("RSV is a common cause of ...")
    assert definition_pattern("How does training work?") is None


def test_an_acronym_is_defined_by_its_expansion_and_a_term_by_an_apposition():
    rsv = definition_pattern("What is RSV?")
    assert rsv.search("In the USA, influenza and respiratory syncytial virus (RSV) cause substantial mortality")
    assert not rsv.search("There is currently no licensed vaccine for RSV; the candidate failed.")
    assert definition_pattern("What are RVPs?").search("Recombinant viral particles (RVPs) were produced")
    assert not definition_pattern("What is training?").search("Our pre-deployment training (PDT) took a week.")  # no acronym asked
    assert definition_pattern("What is RANBP2?").search("RANBP2, a nuclear pore protein, has numerous roles.")
    assert not definition_pattern("What is RANBP2?").search("RANBP2, which binds Ran, has numerous roles.")


def test_word_pairs_follow_reading_order_and_skip_stopwords():
    pair = tuple(content_sequence("mortality rate"))
    assert pair in word_pairs("the mortality rate of the virus")
    assert pair not in word_pairs("the rate of mortality")


def test_local_idf_weighs_the_topic_down_and_absent_words_up():
    q = content_words("What is the mortality rate of equine encephalitis in adults?")
    pool = [frozenset(content_words(t)) for t in [
        "Equine encephalitis is a disease of horses.",
        "Equine encephalitis spreads by mosquitoes.",
        "Equine encephalitis outbreaks occur in summer.",
        "The mortality rate of equine encephalitis is 10% in adults.",
    ]]
    w = local_idf(q, pool)
    topic, focus = next(iter(content_words("encephalitis"))), next(iter(content_words("adults")))
    assert w[focus] > w[topic]
    # a word no candidate holds keeps the top weight instead of dropping out of the total: a sentence
    # holding only "point" of "the boiling point of mercury" is not a full match
    q2 = content_words("What is the boiling point of mercury?")
    pool2 = [frozenset(content_words(t)) for t in ["A gender focal point is a staff member.", "Training is mandatory.",
                                                     "The focal point reports to the commander.", "Courses last a week."]]
    w2 = local_idf(q2, pool2)
    point = next(iter(content_words("point")))
    assert set(w2) == q2 and all(w2[w] > w2[point] for w in q2 - {point})
    X = feature_vector(_candidate("A gender focal point is a staff member.", 0),
                       Cues(q2, None, {}, w2))
    assert X[FEATURES.index("lex_local")] < 0.5


def _candidate(text: str, row: int) -> Candidate:
    words = frozenset(content_words(text))
    return Candidate(row=row, cos=0.5, cos_ctx=0.4, cos_win=0.5, cos_prev_win=0.5, chunk_cos=0.5, chunk_rank=0.5,
                     text=text, words=words, context_words=words)


def test_shipped_model_prefers_the_sentence_holding_the_focus_words():
    """Same similarity everywhere: only the lexical features decide, and the focus words must win."""
    question = "What is the mortality rate of Venezuelan equine encephalitis virus in adults?"
    texts = ["Venezuelan equine encephalitis virus (VEEV) is an arthropod-borne virus of horses and humans.",
             "Venezuelan equine encephalitis virus was weaponized in the past.",
             "The mortality rate can be as high as 35% in children and 10% in adults."]
    cands = [_candidate(t, i) for i, t in enumerate(texts)]
    q_words = content_words(question)
    cues = Cues(q_words, answer_type(question), make_idf([c.words for c in cands]),
                local_idf(q_words, [c.words for c in cands]), definition_pattern(question), frozenset(word_pairs(question)))
    X = np.stack([feature_vector(c, cues) for c in cands])
    assert X.shape == (3, len(FEATURES))
    probs = SentenceModel.load().probability(X)
    assert int(np.argmax(probs)) == 2


@pytest.mark.parametrize("text,heading", [
    ("3.2 Method", True), ("editors", True), ("The course lasted a week.", False),
    ("Recall fell after six months [3]", False), ("Recall fell (Arvelo 2016)", False)])
def test_heading_lines_are_short_and_unpunctuated(text, heading):
    """One test for the feature and for quote composition, which skips headings after the first quote."""
    assert looks_like_heading(text) is heading


@pytest.mark.parametrize("question,asks", [
    ("What is the title of the paper?", True), ("What is the report called?", True), ("What is its title?", True),
    ("What is the name of the publication?", True), ("Who are the editors?", False),
    ("What is the title of the Women, Peace and Security resolution?", False), ("How is the virus named?", False)])
def test_questions_asking_for_the_document_title(question, asks):
    assert asks_for_title(question) is asks


@pytest.mark.parametrize("question,states,other", [
    ("Who edited the paper?", "editors: Cristina Finch", "The review was published in 2025."),
    ("Who wrote this publication?", "Authors: A. Smith", "We wrote to every ministry."),
    ("Who is the paper written for?", "The primary audience is practitioners.", "It is written in English."),
    ("Why was the paper written?", "The need for the paper arose from two questions.", "The paper has 40 pages."),
])
def test_questions_about_the_document_itself_find_the_words_that_state_it(question, states, other):
    pattern = about_document(question)
    assert pattern is not None and pattern.search(states) and not pattern.search(other)


@pytest.mark.parametrize("question", ["What genes have been targeted for the test?",
                                      "Who published the first genome?", "What is the mortality rate?",
                                      "What was the purpose of the search?", "What is the purpose of the spike protein?",
                                      "What motivates the study of the rare B-cells?"])
def test_other_questions_are_not_about_the_document(question):
    assert about_document(question) is None


@pytest.mark.parametrize("question", ["What does the paper conclude?", "What were the results?",
                                      "What have the authors reviewed?", "What was the main finding of the study?"])
def test_a_question_about_the_whole_document_finds_how_documents_sum_themselves_up(question):
    pattern = about_document(question)
    assert pattern is not None
    for states in ("In conclusion, refresher courses matter.", "It finds that most gender training is mandated.",
                   "We found that units kept their gains.", "These results suggest a dose effect."):
        assert pattern.search(states), states
    for other in ("All data generated or analysed during this study are included in the manuscript.",
                  "We used a survey of 120 officers.", "Officers were trained in 2019."):
        assert not pattern.search(other), other


@pytest.mark.parametrize("question,nouns", [
    ("How many patients were studied?", {"patient"}),
    ("How many cysteine residues are contained in the first transmembrane domain?", {"cystein", "residu"}),
    ("In 2010, how many cases of tuberculosis were estimated in China?", {"case"}),
    ("How many COVID-19 cases were confirmed?", {"covid", "case"}),
    ("What is the number of cases?", set()),
])
def test_a_how_many_question_names_what_it_counts(question, nouns):
    assert count_nouns(question) == nouns


def test_a_sentence_counts_what_the_question_counts_only_with_a_number_of_it():
    nouns = count_nouns("How many patients were studied?")
    assert counts(nouns, "Serum samples were obtained from 31 patients with serological markers.")
    assert counts(nouns, "Eight patients were admitted.")
    assert counts(nouns, "Only 4 of the 25 patients recovered.")
    assert not counts(nouns, "Resistance to NS5A inhibitors was found in patients.")  # a digit inside a name
    assert not counts(nouns, "Patients were treated for 14 days.")  # a number, but not of patients
    times = count_nouns("How many times was the experiment repeated?")
    assert counts(times, "The experiment was repeated twice.") and counts(times, "It was repeated three times.")


def test_a_how_many_question_prefers_the_sentence_counting_its_noun():
    question = "How many patients were studied?"
    cands = [_candidate("The study of HCV NS5A resistance in patients treated in 2016 and 2017.", 0),
             _candidate("Serum samples were obtained from 31 patients.", 1)]
    q_words = content_words(question)
    pool = [c.words for c in cands]
    cues = Cues(q_words, answer_type(question), make_idf(pool), local_idf(q_words, pool), counted=count_nouns(question))
    on = SentenceModel.load().probability(np.stack([feature_vector(c, cues) for c in cands]))
    cues.counted = frozenset()
    off = SentenceModel.load().probability(np.stack([feature_vector(c, cues) for c in cands]))
    assert on[1] > off[1] and on[0] == off[0]  # the count raises the counting sentence, and only it


def test_sections_where_a_document_sums_itself_up():
    for section in ("Abstract", "Executive summary", "6 Conclusions", "Key findings", "5.2 Concluding remarks",
                    "Conclusions and future work"):
        assert sums_up(section), section
    for section in ("3 Methods", "Summary statistics of the sample", "Recommendations", ""):
        assert not sums_up(section), section


def test_a_question_about_the_whole_document_prefers_its_opening_page():
    question = "What is the main finding of the study?"
    cands = [_candidate("The study enrolled officers from the main police academy.", 0),
             _candidate("Training that commanders endorse changes behaviour.", 1)]
    cands[1].lead = True
    q_words = content_words(question)
    cues = Cues(q_words, answer_type(question), make_idf([c.words for c in cands]), local_idf(q_words, [c.words for c in cands]),
                about=about_document(question), whole=True)
    assert int(np.argmax(SentenceModel.load().probability(np.stack([feature_vector(c, cues) for c in cands])))) == 1
    cues.whole = False  # without the cue the sentence sharing the question's words wins: the feature decides
    assert int(np.argmax(SentenceModel.load().probability(np.stack([feature_vector(c, cues) for c in cands])))) == 0


def test_a_title_question_ranks_the_registered_title_over_a_sentence_sharing_its_words():
    question = "What is the title of the paper?"
    cands = [_candidate("The paper's findings are summarised in the title of each section.", 0),
             _candidate("More than a mandate?", 1)]
    cands[1].in_title = True
    q_words = content_words(question)
    cues = Cues(q_words, answer_type(question), make_idf([c.words for c in cands]), local_idf(q_words, [c.words for c in cands]),
                definition_pattern(question), frozenset(word_pairs(question)), asks_for_title(question),
                about_document(question))
    probs = SentenceModel.load().probability(np.stack([feature_vector(c, cues) for c in cands]))
    assert int(np.argmax(probs)) == 1
    cues.title = False  # without the cue the sentence sharing the question's word wins: the feature decides
    probs = SentenceModel.load().probability(np.stack([feature_vector(c, cues) for c in cands]))
    assert int(np.argmax(probs)) == 0
