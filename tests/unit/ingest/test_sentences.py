"""Sentence splitting: where a sentence ends, with offsets that point back into the page text."""
from __future__ import annotations

import pytest

from ingest.sentences import content_sequence, split_sentences


def texts(t: str) -> list[str]:
    return [s.text for s in split_sentences(t)]


@pytest.mark.parametrize("text, expected", [
    # a footnote number printed after a word's full stop closes that sentence (pypdf: "institutions.2 Even")
    ("The review uses a broad definition of security institutions.2 Even so, most evidence is from peace operations.",
     ["The review uses a broad definition of security institutions.2", "Even so, most evidence is from peace operations."]),
    ("Training was male-dominated.3,4 Trainers said so.", ["Training was male-dominated.3,4", "Trainers said so."]),
    ("Cases rose fast.¹² Then they fell again.", ["Cases rose fast.¹²", "Then they fell again."]),
    ("He called it “a tick-box exercise.”14 Trainers agreed.", ["He called it “a tick-box exercise.”14", "Trainers agreed."]),
    ("Gains faded after six months.[12] Officers kept some.", ["Gains faded after six months.[12]", "Officers kept some."]),
    ("Gains faded after six months.[4, 5] Officers kept some.", ["Gains faded after six months.[4, 5]", "Officers kept some."]),
    # a number after a number's full stop is not a note mark: a year ends a sentence, the next opens with a count
    ("Membership grew in 2019. 12 countries joined later.", ["Membership grew in 2019.", "12 countries joined later."]),
    ("The count was 2020.12 countries joined.", ["The count was 2020.12 countries joined."]),
    # abbreviations and initials never end a sentence, with or without a digit after them
    ("See Fig.3 Shows the rise in reporting.", ["See Fig.3 Shows the rise in reporting."]),
    ("Trainers (e.g. Holvikivi) agree on this. Next comes more.", ["Trainers (e.g. Holvikivi) agree on this.", "Next comes more."]),
    ("Listed at doi:10.5555/jpos.2021.0092 Eriksen, L. wrote it.", ["Listed at doi:10.5555/jpos.2021.0092 Eriksen, L. wrote it."]),
    # a title: a short question and an unpunctuated subtitle on the same line, to the paragraph's end
    ("More than a mandate? Making gender training in security institutions matter",
     ["More than a mandate? Making gender training in security institutions matter"]),
    ("Was the course worth it? Trainers said yes.", ["Was the course worth it?", "Trainers said yes."]),
    ("Was the course worth it? Trainers said\nso in the survey", ["Was the course worth it?", "Trainers said\nso in the survey"]),
])
def test_sentence_ends(text, expected):
    assert texts(text) == expected


def test_offsets_point_into_the_text():
    text = "Intro line.\n\nTraining was male-dominated.3,4 Trainers said so. They stayed."
    for s in split_sentences(text, base=100):
        assert text[s.start - 100:s.end - 100] == s.text


def test_label_joins_the_paragraph_after_it():
    assert texts("editors\n\nCristina Finch, Anna Smith and others.") == ["editors\n\nCristina Finch, Anna Smith and others."]


def test_sentences_starting_with_an_accented_greek_or_cyrillic_capital_are_split():
    """Only A-Z started a sentence: a Russian paragraph was one "sentence", and so was every French one whose
    next sentence began with "À" or "É"."""
    text = ("Гендерная подготовка проводится перед миссией. Курс длится три дня. La formation dure trois jours. "
            "À Genève, elle est obligatoire. Ελληνικά κείμενα. Όλα είναι καλά σήμερα.")
    assert [s.text for s in split_sentences(text)] == [
        "Гендерная подготовка проводится перед миссией.", "Курс длится три дня.", "La formation dure trois jours.",
        "À Genève, elle est obligatoire.", "Ελληνικά κείμενα.", "Όλα είναι καλά σήμερα."]


def test_words_with_accents_are_whole_content_words():
    assert content_sequence("Müller in Côte d'Ivoire") == ["müller", "côte", "d'ivoir"]
    assert content_sequence("подготовка полицейских") == ["подготовка", "полицейских"]
    assert content_sequence("institutions¹² in 2020") == ["institut", "2020"]  # a note mark is not part of a word
