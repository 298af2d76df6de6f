"""Hyphenated line breaks are joined in time linear in the text: a long run of word characters with no hyphen
(a 300,000-character line of a TXT export, a base64 blob) made the pattern retry from every character, and the
file was skipped for exceeding the parse budget (120 s) instead of being ingested."""
from __future__ import annotations

import time

from ingest.hyphens import HYPHEN_BREAK, Hyphens
from ingest.parsers.clean import normalise


def test_line_end_hyphens_are_joined_and_paragraph_breaks_kept():
    text = "peace-\nkeeping and co-\n  operation, well-\n\nknown"
    assert HYPHEN_BREAK.sub(r"\1\2", text) == "peacekeeping and cooperation, well-\n\nknown"
    assert normalise("Gender main-\nstreaming matters.", Hyphens()) == "Gender mainstreaming matters."


def test_a_long_run_of_word_characters_is_not_retried_from_every_character():
    blob = "x" * 60_000 + " word-\nend"  # the old pattern: 16.6 s here (quadratic), 0.01 s now
    t = time.perf_counter()
    joined = HYPHEN_BREAK.sub(r"\1\2", blob)
    assert joined == "x" * 60_000 + " wordend"
    assert time.perf_counter() - t < 3.0, "quadratic backtracking is back"
