"""The speller reads a misspelt question word as the library's word one edit away, and nothing else."""
from app.engine.spelling import Speller
from ingest.index.lexical import stemmer

TEXTS = [
    "Carrageenan is a high molecular weight sulfated polymer derived from red seaweed.",
    "Carrageenan and Zanamivir act synergistically against influenza; zanamivir alone does less.",
    "Empyema is a rare complication of pneumonia. Vaccination of children reduced it.",
    "The trial enrolled 153 children; a second trail of evidence came from mice.",
]


def speller() -> Speller:
    stem = stemmer()
    known = {stem.stemWord(w) for t in TEXTS for w in t.lower().replace(";", " ").replace(".", " ").split()}
    return Speller(TEXTS, known, stem.stemWord)


def test_a_letter_missing_extra_changed_or_swapped_is_read_as_the_library_word():
    sp = speller()
    assert sp.suggest("carageenan") == "carrageenan"  # missing
    assert sp.suggest("emphyema") == "empyema"  # extra
    assert sp.suggest("Zanamavir") == "Zanamivir"  # changed, capital kept
    assert sp.suggest("carrageeann") == "carrageenan"  # swapped


def test_known_words_inflections_short_words_and_far_words_are_left_alone():
    sp = speller()
    assert sp.suggest("carrageenan") is None
    assert sp.suggest("vaccinations") is None  # an inflection of "vaccination": not a typo
    assert sp.suggest("trail") is None and sp.suggest("triel") is None  # under six letters
    assert sp.suggest("hepcidin") is None  # nothing one edit away: stays unknown (and may be refused)
    assert sp.suggest("carragen") is None  # three edits away


def test_correct_rewrites_only_the_misspelt_words():
    q = "Is there a dose-dependent response to carageenan and Zanamavir intranasal therapy?"
    assert speller().correct(q) == "Is there a dose-dependent response to carrageenan and Zanamivir intranasal therapy?"


def test_the_most_frequent_word_wins_a_tie_of_distance():
    sp = Speller(["protein protein protein", "proteun"], set())
    assert sp.suggest("proteon") == "protein"
