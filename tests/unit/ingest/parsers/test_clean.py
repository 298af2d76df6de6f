"""Cleaning extracted page text: what a line-end hyphen means, ligatures spelled out."""
from __future__ import annotations

from ingest.parsers.clean import clean_pages, normalise


def test_a_line_end_hyphen_joins_unless_the_document_prints_the_compound():
    pages = clean_pages(["Institutions are often male-dominated, and ob-\nservational studies of male-\ndominated units exist.",
                         "The case-\nfatality rate fell; pre-\ndeployment courses and pre-deployment checks."])
    assert "studies of male-dominated units" in pages[0]  # printed inline on the same page
    assert "observational" in pages[0]  # the typesetter's hyphen
    assert "pre-deployment courses" in pages[1]
    assert "casefatality" in pages[1]  # no evidence either way: joined


def test_a_compound_of_two_printed_words_keeps_its_hyphen_unless_the_joined_word_is_printed():
    pages = clean_pages(["T20 lacks the pocket-\nbinding domain; the pocket and its binding site.",
                         "We found some-\nthing: something new, and some thing old."])
    assert "pocket-binding domain" in pages[0]
    assert "We found something:" in pages[1]


def test_a_capital_or_a_digit_after_a_line_end_hyphen_keeps_the_hyphen():
    pages = clean_pages(["Mothers with HIV-\n1 and an RT-\nPCR test; the ZVITA-\nMBO trial (ZVITAMBO)."])
    assert "HIV-1 and an RT-PCR test; the ZVITAMBO trial" in pages[0]


def test_compounds_count_across_the_whole_document():
    pages = clean_pages(["Gender-\nresponsive budgeting matters.", "A gender-responsive plan."])
    assert pages[0].startswith("Gender-responsive budgeting")


def test_ligatures_are_spelled_out():
    assert normalise("eﬃcient, ﬁlled, eﬀect, ﬂow") == "efficient, filled, effect, flow"


def test_pdflatex_spacing_accents_are_composed():
    assert normalise("Boily-Larouche, Genevi`eve; Universit\u00b4e de Montr\u00b4eal; a na\u00a8\u0131ve view") == \
        "Boily-Larouche, Geneviève; Université de Montréal; a naïve view"
    assert normalise("Use `code` and 5\u00b4 primes") == "Use `code` and 5\u00b4 primes"  # not after a letter: left alone


def test_a_numbered_line_that_runs_on_is_not_a_heading():
    from ingest.parsers.clean import heading_candidates

    page = ("2. Methods\nWe recruited 40 adults.\n60. Neutralising antibodies were detected in 50% par-\nticipants and\n"
            "1. To show that the siRNA can indeed\nbe used, we did more.")
    assert heading_candidates(page) == ["2. Methods"]
    cleaned = clean_pages([page])[0]
    assert cleaned.startswith("2. Methods\n\nWe recruited") and "in 50% participants and 1. To show" in cleaned


def test_a_hyphen_before_a_paragraph_break_stays_a_paragraph_break():
    assert normalise("The list ends with well-\n\nNext paragraph.") == "The list ends with well-\n\nNext paragraph."
