"""The refusal policy's rules on their own, with a stub index (the real index is tested in test_engine)."""
from __future__ import annotations

from types import SimpleNamespace

from app.engine.refusal import REFUSAL, Elsewhere, RefusalPolicy

# the stub corpus: it knows every lower-case word except these (and the names, numbers and words a test lists)
ABSENT = {"author", "climate", "firefighters", "nowadays", "plorb", "qwzx", "title"}


def _policy(known: set[str], shares: bool = True, threshold: float = 0.05) -> RefusalPolicy:
    lexical = SimpleNamespace(unknown_terms=lambda words: [w for w in words if w.lower() not in known and (
        w.lower() in ABSENT or not w.islower() or any(ch.isdigit() for ch in w))])
    ranker = SimpleNamespace(shares_words=lambda question, ranked: shares)
    sentences = SimpleNamespace(texts_by_source=lambda: {"a": ["The Women, Peace and Security agenda."]})
    return RefusalPolicy(SimpleNamespace(lexical=lexical, ranker=ranker, embeddings=None, sentences=sentences), threshold)


def test_answers_with_evidence_and_known_names():
    assert _policy({"holvikivi"}).decide("What did Holvikivi observe?", "What did Holvikivi observe?", ["r"], ["p"], 0.3) is None


def test_unknown_name_or_long_number_refuses_and_is_named():
    r = _policy(set()).decide("What did resolution 2242 add in Norway?", "q", ["r"], ["p"], 0.9)
    assert r is not None and r.unknown == ["2242", "Norway"] and "'Norway'" in r.text


def test_an_acronym_the_corpus_writes_out_in_full_is_not_unknown():
    r = _policy(set()).decide("How do courses serve the WPS agenda?", "q", ["r"], ["p"], 0.9)
    assert r is None
    r = _policy(set()).decide("How do courses serve the XQZ agenda?", "q", ["r"], ["p"], 0.9)
    assert r is not None and r.unknown == ["XQZ"]


def test_an_acronym_the_corpus_only_writes_out_is_searched_with_its_words():
    p = _policy(set())
    assert p.expand_acronyms("How do courses serve the WPS agenda?") == (
        "How do courses serve the WPS (Women, Peace and Security) agenda?")
    assert _policy({"wps"}).expand_acronyms("the WPS agenda") == "the WPS agenda"  # the corpus uses it: as typed
    assert p.expand_acronyms("the XQZ agenda") == "the XQZ agenda"


def test_weak_evidence_refuses():
    assert _policy(set()).decide("what is training", "what is training", ["r"], ["p"], 0.01).text == REFUSAL
    assert _policy(set()).decide("what is training", "what is training", [], [], 0.9).text == REFUSAL  # no passages


def test_off_topic_needs_weak_evidence_and_no_shared_word():
    off = _policy(set(), shares=False)
    assert off.decide("who won the cup", "who won the cup", ["r"], ["p"], 0.1) is not None
    assert off.decide("who won the cup", "who won the cup", ["r"], ["p"], 0.5) is None  # strong evidence wins
    assert _policy(set(), shares=True).decide("who won the cup", "who won the cup", ["r"], ["p"], 0.1) is None


def test_a_question_about_one_document_is_checked_against_that_document():
    p = _policy({"laiv"})
    p.document_terms = SimpleNamespace(unknown_to=lambda sid, words, q: [w for w in words if w == "LAIV" and sid == "a"])
    q = "What does LAIV immunization do?"
    assert p.decide(q, q, ["r"], ["p"], 0.5) is None  # the library knows LAIV
    r = p.decide(q, q, ["r"], ["p"], 0.5, source_id="a")
    assert r is not None and r.unknown == ["LAIV"] and r.text.startswith("This document never mentions 'LAIV'")
    assert p.decide(q, q, ["r"], ["p"], 0.5, source_id="b") is None


def test_a_question_about_the_document_as_a_whole_is_answered_when_asked_about_one_document():
    p = _policy(set(), shares=False)
    p.document_terms = SimpleNamespace(unknown_to=lambda sid, words, q: [])
    for q in ("What conclusion is drawn in this report?", "What is discussed in this publication?",
              "What is this paper about?", "What were the results?"):
        assert p.decide(q, q, ["r"], ["p"], 0.01, source_id="a") is None, q  # weak evidence, still in scope
        assert p.decide(q, q, ["r"], ["p"], 0.01) is not None, q  # asked of the whole library: refused
    assert p.decide("What is the boiling point of mercury?", "q", ["r"], ["p"], 0.01, source_id="a") is not None
    assert p.decide("What were the results?", "q", [], [], 0.01, source_id="a") is not None  # nothing to quote


def test_a_question_another_document_answers_far_better_is_not_answered_from_this_one():
    p = _policy(set())
    p.document_terms = SimpleNamespace(unknown_to=lambda sid, words, q: [])
    q = "Where did the virus originate?"
    calls = []

    def elsewhere(prob):
        return lambda: calls.append(prob) or Elsewhere("b", "The Origin Review", prob)

    r = p.decide(q, q, ["r"], ["p"], 0.06, source_id="a", elsewhere=elsewhere(0.52))
    assert r is not None and "“The Origin Review” does" in r.text and r.text.startswith("This document does not seem")
    assert p.decide(q, q, ["r"], ["p"], 0.25, source_id="a", elsewhere=elsewhere(0.52)) is None  # close enough
    assert p.decide(q, q, ["r"], ["p"], 0.06, source_id="a", elsewhere=elsewhere(0.25)) is None  # the other is weak too
    assert p.decide(q, q, ["r"], ["p"], 0.06, elsewhere=elsewhere(0.9)) is None  # asked of the whole library
    calls.clear()
    for this in ("Where did the virus in this study originate?", "Who were the authors?", "What were the results?",
                 "What dataset do they use?", "How did they evaluate their model?", "Which baseline do they compare to?"):
        assert p.decide(this, this, ["r"], ["p"], 0.06, source_id="a", elsewhere=elsewhere(0.9)) is None, this
    assert calls == []  # a question about this document never asks the library
    assert p.decide(q, q, ["r"], ["p"], 0.55, source_id="a", elsewhere=elsewhere(0.99)) is None
    assert calls == []  # nor does strong evidence (ELSEWHERE_NEEDLESS)


def test_elsewhere_margin_is_in_log_odds():
    from ingest.index.settings import Settings

    s = Settings()
    better = [s.refusal_elsewhere_margin, s.refusal_elsewhere_min]
    assert better == [1.25, 0.3] and RefusalPolicy(None, 0.03).elsewhere_margin == 1.25  # one default
    assert Elsewhere("b", "t", 0.5).answers_better_than(0.1, *better)  # log-odds 0 against -2.2
    assert not Elsewhere("b", "t", 0.5).answers_better_than(0.3, *better)  # against -0.85
    assert Elsewhere("b", "t", 0.99).answers_better_than(0.9, *better)  # 4.6 against 2.2
    assert not Elsewhere("b", "t", 0.29).answers_better_than(0.001, *better)  # under the minimum
    assert not Elsewhere("b", "t", 0.99).answers_better_than(0.001, 100.0, 0.3)  # a large margin: the rule is off


def test_names_no_single_document_uses_together_refuse_a_question_asked_of_the_library():
    p = _policy({"asian", "chikv", "niaid"})
    vocab = {"a": {"Asian"}, "b": {"CHIKV", "NIAID"}}
    p.document_terms = SimpleNamespace(unknown_to=lambda sid, words, q: [w for w in words if w not in vocab[sid]])
    docs = lambda: ["a", "b"]  # noqa: E731
    q = "What is the status of Asian CHIKV since its emergence?"
    r = p.decide(q, q, ["r"], ["p"], 0.5, documents=docs)
    assert r is not None and r.text.startswith("No single document of the library mentions all of 'Asian' and 'CHIKV'")
    q2 = "What is the NIAID designation of CHIKV?"  # one document names both
    assert p.decide(q2, q2, ["r"], ["p"], 0.5, documents=docs) is None
    assert p.decide(q, q, ["r"], ["p"], 0.5) is None  # without the documents, the rule is not asked
    assert p.decide(q, q, ["r"], ["p"], 0.5, documents=lambda: ["a"]) is not None
    # a follow-up: its query carries the previous question's terms; only its own count
    follow = "And what does CHIKV do?"
    assert p.decide(follow, "What is Asian? And what does CHIKV do?", ["r"], ["p"], 0.5, documents=docs) is None


def test_how_many_is_refused_when_the_best_sentences_give_no_figure_nor_a_list():
    def policy(*texts: str) -> tuple[RefusalPolicy, list]:
        p = _policy({"un"})
        p.index.sentences = SimpleNamespace(texts=list(texts))
        return p, [SimpleNamespace(row=i) for i in range(len(texts))]

    q = "How many women serve in UN peace operations?"
    p, ranked = policy("The paper reviews gender training.", "Its goal is meaningful participation of women.",
                       "The aim is not to criticise training as a practice, but to bring perspectives from the "
                       "literature together with those of practitioners, and to offer recommendations.")  # no list
    r = p.decide(q, q, ranked, ["p"], 0.4)
    assert r is not None and "no figure" in r.text
    for figure in ("Women were 7 per cent of police.", "Only one in ten peacekeepers is a woman.",
                   "editors: Ann Finch, Inka Lilja, Eleonora Dan and Lena Kvarving"):
        p, ranked = policy("The paper reviews gender training.", figure)
        assert p.decide(q, q, ranked, ["p"], 0.4) is None, figure
    p, ranked = policy("The paper reviews gender training.", "Its goal is meaningful participation.")
    assert p.decide("Who takes part?", "q", ranked, ["p"], 0.4) is None  # not a count question
    assert p.decide("What is the annual budget of the fund?", "q", ranked, ["p"], 0.4) is not None
    # an amount of money needs a sum of money: a count of people does not answer what a course costs
    q = "How much does a gender training course cost per participant?"
    p, ranked = policy("The course trained 412 participants in 3 days.", "Trainers were 12.")
    assert p.decide(q, q, ranked, ["p"], 0.4) is not None
    p, ranked = policy("The course trained 412 participants.", "It cost US$ 1,200 per participant.")
    assert p.decide(q, q, ranked, ["p"], 0.4) is None
    p, ranked = policy("Evaluation should receive 10 per cent of the training budget.")
    q = "What share of the training budget should be reserved for evaluation?"
    assert p.decide(q, q, ranked, ["p"], 0.4) is None  # a share, not an amount


def test_a_share_or_a_duration_asks_for_a_figure():
    p = _policy({"un"})
    p.index.sentences = SimpleNamespace(texts=["The paper reviews gender training.", "Its goal is participation."])
    ranked = [SimpleNamespace(row=0), SimpleNamespace(row=1)]
    for q in ("What percentage of UN peacekeepers are women?", "What is the proportion of trainers who are women?",
              "What is the recommended duration of a course in hours?", "What was the number of courses given?"):
        r = p.decide(q, q, ranked, ["p"], 0.4)
        assert r is not None and "no figure" in r.text, q
    assert p.decide("What is the rate limiting step?", "q", ranked, ["p"], 0.4) is None  # no "of": not a share


def test_a_topic_the_library_never_words_is_refused_and_named():
    p = _policy({"gender", "training", "change", "role", "instructors", "effect", "rates"})
    r = p.decide(q := "What does the paper say about climate change?", q, ["r"], ["p"], 0.4)
    assert r is not None and r.unknown == ["climate"] and "'climate'" in r.text  # half the topic's words
    r = p.decide(q := "What does the review find about gender training for firefighters?", q, ["r"], ["p"], 0.4)
    assert r is not None and r.unknown == ["firefighters"]  # its last word
    r = p.decide(q := "Does the paper discuss climate change?", q, ["r"], ["p"], 0.4)  # whether: "No" answers it
    assert r is not None and r.text.startswith("No: the paper and its cited sources never mention 'climate'.")
    assert p.decide(q := "Does the paper discuss the role of instructors?", q, ["r"], ["p"], 0.4) is None
    # one stray word of a longer topic is not enough; nor is an unknown word outside a topic question
    assert p.decide(q := "What does the paper say about the effect of training nowadays on rates?", q, ["r"], ["p"], 0.4) is None
    assert p.decide(q := "How did climate affect the training?", q, ["r"], ["p"], 0.4) is None


def test_a_topic_one_document_never_words_is_refused_about_that_document():
    p = _policy({"gender", "training", "firefighters"})
    p.document_terms = SimpleNamespace(unknown_to=lambda sid, words, q: [w for w in words if w == "firefighters"])
    q = "Does the review discuss gender training for firefighters?"
    assert p.decide(q, q, ["r"], ["p"], 0.4) is None  # the library uses the word
    r = p.decide(q, q, ["r"], ["p"], 0.4, source_id="a")
    assert r is not None and r.unknown == ["firefighters"] and r.text.startswith("No: this document never mentions")
    q = "What does the review find about gender training for firefighters?"  # not a yes-or-no question
    assert p.decide(q, q, ["r"], ["p"], 0.4, source_id="a").text.startswith("This document never mentions")


def test_a_when_question_is_refused_when_the_best_sentences_give_no_date():
    p = _policy({"elsie", "initiative"})
    q = "When was the Elsie Initiative founded?"
    for texts, refused in ((["The Elsie Initiative aims at participation.", "Its audience is practitioners."], True),
                           (["The Elsie Initiative was launched in 2017.", "Its audience is practitioners."], False),
                           (["The genotype emerged between 50 and 310 y ago."], False)):
        p.index.sentences = SimpleNamespace(texts=texts)
        r = p.decide(q, q, [SimpleNamespace(row=i) for i in range(len(texts))], ["p"], 0.4)
        assert (r is not None and "no date" in r.text) if refused else r is None, texts
    p.index.sentences = SimpleNamespace(texts=["Resistance arises where trainees feel blamed."])
    for q in ("When does resistance arise?", "When should trainers use role play?", "When is training effective?"):
        assert p.decide(q, q, [SimpleNamespace(row=0)], ["p"], 0.4) is None, q  # a condition, not a date


def test_a_compound_topic_word_is_judged_whole_not_by_its_parts():
    p = _policy({"e-learning", "pre-deployment", "modules"})  # BM25 knows their parts
    p.index.sentences = SimpleNamespace(texts=["Learning is measured by tests.", "Pre deployment modules vary."],
                                        source_ids=["a", "b"], texts_by_source=lambda: {})
    r = p.decide(q := "What does the literature say about e-learning?", q, ["r"], ["p"], 0.4)
    assert r is not None and r.unknown == ["e-learning"]  # "learning" alone is known
    assert p.decide(q := "What does the literature say about pre-deployment modules?", q, ["r"], ["p"], 0.4) is None
    p.document_terms = SimpleNamespace(unknown_to=lambda sid, words, q: [])
    r = p.decide(q, q, ["r"], ["p"], 0.4, source_id="a")  # document "a" never writes it
    assert r is not None and r.unknown == ["pre-deployment"]


def test_a_question_none_of_whose_words_the_corpus_uses_is_refused_and_they_are_named():
    p = _policy(set())
    r = p.decide(q := "qwzx plorb?", q, ["r"], ["p"], 0.9)  # however close the ranking says it is
    assert r is not None and r.unknown == ["qwzx", "plorb"] and "none of the question's words" in r.text
    assert p.decide(q := "What is qwzx training?", q, ["r"], ["p"], 0.9) is None  # one word known: ranked as usual
    assert p.decide(q := "What is WPS?", q, ["r"], ["p"], 0.9) is None  # an acronym the corpus writes out in full
    assert p.all_unknown("What was 2?") == []  # no content word at all: not this rule's question
    # words about the document itself need not be in its text: "title" is not a reason to refuse
    assert p.all_unknown("What is the title of the report?") == [] and p.all_unknown("Who is the author?") == []
    assert p.all_unknown("plorb report title") == ["plorb"]

def test_names_in_any_script_are_whole_words():
    """"Müller" was read as "M" and "ller" (ASCII letters only), so no name with an accent was ever unknown."""
    p = _policy(set())
    assert p.specific_terms("What did Müller find in Côte d'Ivoire?") == ["Müller", "Côte"]
    r = p.decide(q := "What did Müller find about gender?", q, ["r"], ["p"], 0.9)
    assert r is not None and r.unknown == ["Müller"] and "never mention 'Müller'" in r.text
