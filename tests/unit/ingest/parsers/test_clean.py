"""Cleaning extracted page text: what a line-end hyphen means, ligatures spelled out."""
from __future__ import annotations

from ingest.parsers.clean import clean_pages, normalise


def test_a_line_end_hyphen_joins_unless_the_document_prints_the_compound():
    pages = clean_pages(["Institutions are often male-dominated, and ob-\nservational studies of male-\ndominated units exist.",
                         "The case-\nfatality rate fell; pre-\ndeployment courses and pre-deployment checks."])
    assert "studies of male-dominated units" in pages[0]  # printed inline on the same page
    assert "observational" in pages[0]  # the typesetter's hyphen
    assert "pre-deployment courses" in pages[1]
    assert "casefatality" in pages[1]  # no inline evidence: joined, as before


def test_compounds_count_across_the_whole_document():
    pages = clean_pages(["Gender-\nresponsive budgeting matters.", "A gender-responsive plan."])
    assert pages[0].startswith("Gender-responsive budgeting")


def test_ligatures_are_spelled_out():
    assert normalise("eﬃcient, ﬁlled, eﬀect, ﬂow") == "efficient, filled, effect, flow"
