"""What a question asks for and how a sentence gives it: answer types, definitions, titles, the document
itself or as a whole, counts."""
from __future__ import annotations

import pytest

from app.engine.question_cues import (
    about_document,
    answer_type,
    asks_for_title,
    asks_when_published,
    count_nouns,
    counts,
    definition_pattern,
    looks_like_heading,
    sums_up,
    topic_of,
)


@pytest.mark.parametrize("question,kind", [
    ("When was the paper published?", "date"),
    ("What is the publication date?", "date"),
    ("What was the date of the first case?", "date"),
    ("How many officers were trained?", "number"),
    ("What is the mortality rate in adults?", "number"),
    ("Why do trainees forget the course?", "reason"),
    ("Who wrote the review?", "name"),
    ("Who should read the paper?", None),  # a readership, not a name
    ("Who is the report written for?", None),
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
    ("Who is the paper for?", "The primary audience is practitioners.", "It is written in English."),
    ("For whom was the report written?", "It is intended for trainers.", "It was written in 2025."),
    ("Why was the paper written?", "The need for the paper arose from two questions.", "The paper has 40 pages."),
])
def test_questions_about_the_document_itself_find_the_words_that_state_it(question, states, other):
    pattern = about_document(question)
    assert pattern is not None and pattern.search(states) and not pattern.search(other)


@pytest.mark.parametrize("question", ["What genes have been targeted for the test?",
                                      "Who published the first genome?", "What is the mortality rate?",
                                      "What was the purpose of the search?", "What is the purpose of the spike protein?",
                                      "What motivates the study of the rare B-cells?",
                                      "Who paid for the study?", "What is the data of the study?"])
def test_other_questions_are_not_about_the_document(question):
    assert about_document(question) is None


@pytest.mark.parametrize("question", ["What does the paper conclude?", "What were the results?",
                                      "What have the authors reviewed?", "What was the main finding of the study?",
                                      "What does this publication cover?", "What is the scope of the review?"])
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


def test_sections_where_a_document_sums_itself_up():
    for section in ("Abstract", "Executive summary", "6 Conclusions", "Key findings", "5.2 Concluding remarks",
                    "Conclusions and future work"):
        assert sums_up(section), section
    for section in ("3 Methods", "Summary statistics of the sample", "Recommendations", ""):
        assert not sums_up(section), section


@pytest.mark.parametrize("question,words", [
    ("What does the paper say about climate change?", ["climate", "change"]),
    ("Does the paper discuss artificial intelligence?", ["artificial", "intelligence"]),
    ("Is e-learning covered in the review?", ["e-learning"]),
    ("Tell me about firefighters", ["firefighters"]),
    ("What does the review find about gender training for firefighters?", ["gender", "training", "firefighters"]),
    ("Does it mention the Gender Equality Index?", ["Gender", "Equality", "Index"]),
    ("How does the paper define toxic masculinity?", ["toxic", "masculinity"]),
    ("What is meant by gender mainstreaming?", ["gender", "mainstreaming"]),
    ("What does gender-responsive mean?", ["gender-responsive"]),
    ("How is toxic masculinity defined?", ["toxic", "masculinity"]),
    ("What is the effect of training?", []),  # names no topic: the other rules judge it
    ("How did climate affect the training?", []),
])
def test_a_question_naming_its_topic_gives_the_topic_words(question, words):
    assert topic_of(question)[0] == words


@pytest.mark.parametrize("question,dated", [
    ("When was the paper published?", True), ("What is the publication date?", True),
    ("When did it come out?", True), ("What was the date of the report?", True),
    ("When was the Elsie Initiative founded?", False),  # a date, but not the document's
    ("Who published the paper?", False),  # about the document, but no date
])
def test_only_a_date_question_about_the_document_is_answered_by_its_dateline(question, dated):
    assert asks_when_published(question) is dated


@pytest.mark.parametrize("question,whether", [
    ("Does the paper discuss artificial intelligence?", True), ("Is e-learning covered in the review?", True),
    ("Did they look at the role of instructors?", True),
    ("What does the paper say about climate change?", False), ("Tell me about firefighters", False),
    ("Does training change attitudes?", False),  # yes or no, but not whether the library covers a topic
])
def test_a_yes_or_no_question_whether_the_library_covers_a_topic(question, whether):
    assert topic_of(question)[1] is whether
