"""Cleaning extracted page text: what a line-end hyphen means, ligatures spelled out."""
from __future__ import annotations

from ingest.parsers.clean import clean_pages, clean_pages_with_breaks, normalise, running_lines


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


def test_a_short_line_closing_a_sentence_ends_a_paragraph():
    from ingest.parsers.clean import SOFT_BREAK, mark_paragraphs

    lines = ["Troop and police contributing countries are the",
             "Member States that provide military and police",
             "personnel to UN peace operations. Each country",
             "prepares its personnel before they deploy",
             "(UN DPO 2020).",
             "In the Elsie baseline study, only 9 of the 27",
             "curricula contained a session on gender, as in",
             "Ghittoni et al.",
             "Smith, the lead author of the second study, and",
             "others [12] .",
             "Later studies agree with these figures and add"]
    out = mark_paragraphs(lines)
    assert out[5] == SOFT_BREAK and out[6].startswith("In the Elsie")  # "(UN DPO 2020)." stops short: a paragraph ends
    assert SOFT_BREAK not in out[:5]  # a full line closing a sentence ("operations. Each country") does not end one
    assert out[out.index("Ghittoni et al.") + 1].startswith("Smith")  # an abbreviation: the sentence goes on
    initial = mark_paragraphs(lines[:7] + ["by Holvikivi, A.", "Mandate rituals, and by others in the field since"])
    assert initial[-1].startswith("Mandate") and initial[-2] == "by Holvikivi, A."  # an initial, as the splitter reads it
    assert out[out.index("others [12] .") + 1] == SOFT_BREAK  # citation marks after the stop
    assert mark_paragraphs(lines[:4]) == lines[:4]  # too few lines to know the usual width


def test_paragraph_breaks_of_a_pdf_page_reach_the_page_text():
    lines = ["Rhinovirus infections are often considered to be", "trivial but cause missed days at school and work",
             "in every age group in the studies we reviewed.", "Asthma is a complex disease of the airways that",
             "is characterised by chronic airway inflammation", "and by wheeze and shortness of breath, and it is",
             "made worse by them.", "HRV is the first cause of asthma attacks in the", "young."]
    page = clean_pages(["\n".join(lines)])[0]
    assert page.count("\n\n") == 1 and page.split("\n\n")[1].startswith("HRV is the first cause")
    [(text, soft)] = clean_pages_with_breaks(["\n".join(lines) + "\n1 See Arvelo 2016, p. 4."])
    assert text.endswith("young.\n\n1 See Arvelo 2016, p. 4.")  # the note's own break: hard, not soft
    assert soft == (text.index("HRV is") - 2,) and text[soft[0]:soft[0] + 2] == "\n\n"


def test_soft_breaks_are_paragraph_breaks_the_chunker_does_not_see():
    from ingest.parsers.clean import soft_breaks

    assert soft_breaks("a. \x1e B c.\n\n1 Note. \x1e\n\n2 Note \x1e") == ("a.\n\nB c.\n\n1 Note.\n\n2 Note", (2,))
    assert soft_breaks("\x1e plain") == ("plain", ())


_WORDS = "robust covariance kernel bandwidth residual leverage estimator sandwich bread meat lag weights".split()


def _body(i: int) -> list[str]:
    """Three lines no other page repeats (numbers are masked when lines are compared, so words differ)."""
    return [f"The {_WORDS[(i + k) % 12]} of {_WORDS[(3 * i + k) % 12]} is the {_WORDS[(5 * i + 2 * k) % 12]}." for k in range(3)]


def test_running_lines_of_a_two_sided_journal_are_found_on_each_side():
    """Even pages run the title, odd pages the authors: each is on under half of all pages (sandwich, lme4 PDFs)."""
    pages = [["Econometric Computing with HC and HAC", *_body(1)]]
    for n in range(2, 12):
        head = f"{n} Econometric Computing with HC and HAC" if n % 2 == 0 else f"Achim Zeileis {n}"
        pages.append([head, *_body(n), "Affiliation:" if n == 11 else "a last line"])
    found = running_lines(pages)
    assert {"# econometric computing with hc and hac", "achim zeileis #"} <= found
    cleaned = clean_pages(["\n".join(lines) for lines in pages])
    assert cleaned[0].startswith("Econometric Computing")  # the title on page 1 is not a running line
    assert all("Achim Zeileis" not in t and "Econometric" not in t for t in cleaned[1:])
    assert all(t.count("The ") >= 3 for t in cleaned)  # the body stays


def test_a_line_on_two_pages_of_one_side_is_not_a_running_line():
    pages = [[*_body(i)] for i in range(1, 9)]
    pages[1].insert(0, "Table 2: Results")
    pages[3].insert(0, "Table 2: Results")
    assert "table #: results" not in running_lines(pages)

