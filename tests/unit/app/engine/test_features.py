"""The sentence model: its features of a candidate sentence, the focus words, word pairs, and what the cues decide."""
from __future__ import annotations

import numpy as np

from app.engine.features import FEATURES, Candidate, Cues, SentenceModel, feature_vector, local_idf, make_idf
from app.engine.question_cues import (
    about_document,
    answer_type,
    asks_for_title,
    count_nouns,
    definition_pattern,
)
from app.engine.text import content_words, word_pairs
from ingest.sentences import content_sequence


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


def _cues(question: str, cands: list[Candidate], **cues) -> Cues:
    q_words, pool = content_words(question), [c.words for c in cands]
    return Cues(q_words, answer_type(question), make_idf(pool), local_idf(q_words, pool), **cues)


def _probs(cands: list[Candidate], cues: Cues) -> np.ndarray:
    return SentenceModel.load().probability(np.stack([feature_vector(c, cues) for c in cands]))


def test_a_how_many_question_prefers_the_sentence_counting_its_noun():
    question = "How many patients were studied?"
    cands = [_candidate("The study of HCV NS5A resistance in patients treated in 2016 and 2017.", 0),
             _candidate("Serum samples were obtained from 31 patients.", 1)]
    cues = _cues(question, cands, counted=count_nouns(question))
    on = _probs(cands, cues)
    cues.counted = frozenset()
    off = _probs(cands, cues)
    assert on[1] > off[1] and on[0] == off[0]  # the count raises the counting sentence, and only it


def test_a_question_about_the_whole_document_prefers_its_opening_page():
    question = "What is the main finding of the study?"
    cands = [_candidate("The study enrolled officers from the main police academy.", 0),
             _candidate("Training that commanders endorse changes behaviour.", 1)]
    cands[1].lead = True
    cues = _cues(question, cands, about=about_document(question), whole=True)
    assert int(np.argmax(_probs(cands, cues))) == 1
    cues.whole = False  # without the cue the sentence sharing the question's words wins: the feature decides
    assert int(np.argmax(_probs(cands, cues))) == 0


def test_a_title_question_ranks_the_registered_title_over_a_sentence_sharing_its_words():
    question = "What is the title of the paper?"
    cands = [_candidate("The paper's findings are summarised in the title of each section.", 0),
             _candidate("More than a mandate?", 1)]
    cands[1].in_title = True
    cues = _cues(question, cands, defines=definition_pattern(question), pairs=frozenset(word_pairs(question)),
                 title=asks_for_title(question), about=about_document(question))
    assert int(np.argmax(_probs(cands, cues))) == 1
    cues.title = False  # without the cue the sentence sharing the question's word wins: the feature decides
    assert int(np.argmax(_probs(cands, cues))) == 0
