"""The match band told with each answer: the evidence read against two thresholds."""
from __future__ import annotations

from app.engine.match import CLOSE, PARTIAL, WEAK, match_note, match_of
from ingest.index.settings import Settings


def test_bands_follow_the_evidence_at_the_shipped_thresholds():
    s = Settings()
    assert s.refusal_threshold < s.match_weak < s.match_close
    band = [match_of(e, s.match_close, s.match_weak) for e in (0.95, s.match_close, 0.29, s.match_weak, 0.149, 0.031)]
    assert band == [CLOSE, CLOSE, PARTIAL, PARTIAL, WEAK, WEAK]


def test_only_partial_and_weak_matches_carry_a_note():
    assert match_note(CLOSE) == "" and match_note("") == ""  # a close match or a refusal: nothing to add
    assert match_note(PARTIAL).startswith("Partial match")
    assert match_note(WEAK).startswith("Weak match") and "before relying on them" in match_note(WEAK)
