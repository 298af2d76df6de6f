from app.engine.acronyms import SpelledOut, as_acronym, initialisms


def test_runs_of_capitalised_words_spell_their_acronyms():
    text = ("Training helps implement the Women, Peace and Security agenda. The Security Sector Reform unit met. "
            "Gender-Based Violence was discussed.")
    found = initialisms(text)
    assert found["WPS"] == "Women, Peace and Security" and found["SSR"] == "Security Sector Reform"
    assert found["GBV"] == "Gender-Based Violence"


def test_initials_names_and_stretches_of_long_runs_spell_nothing():
    # author initials, an acronym inside the run, a stretch of a longer title
    assert set(initialisms("Smith AB, Jones CD. WHO Europe Office. Journal of Clinical Virology Research")) == {"JCVR"}
    assert initialisms("women, peace and security") == {}  # lower case: any three words spell three letters


def test_acronym_reading():
    assert as_acronym("NGOs") == "NGO" and as_acronym("WPS") == "WPS"
    assert as_acronym("UN") is None and as_acronym("Security") is None and as_acronym("COVID-19") is None


def test_spelled_out_per_document():
    so = SpelledOut({"page": ["the Women, Peace and Security agenda"], "other": ["Nothing here."]})
    assert so.spells_out("WPS") and so.spells_out("WPS", "page")
    assert not so.spells_out("WPS", "other") and not so.spells_out("XQZ")
    assert so.phrase("WPS") == "Women, Peace and Security" and so.phrase("XQZ") is None
