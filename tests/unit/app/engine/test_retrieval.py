"""Pure functions of retrieval: reciprocal-rank fusion, merging adjacent chunks, MMR (no index needed)."""
from __future__ import annotations

import numpy as np

from app.engine.retrieval import _Cand, merge_adjacent, mmr, rrf


def test_rrf_rewards_agreement_and_rank():
    fused = rrf([["a", "b", "c"], ["b", "d"]], k=60)
    assert max(fused, key=fused.get) == "b"  # second in one list, first in the other
    assert fused["a"] > fused["c"] and fused["d"] < fused["b"]
    assert fused["b"] == 1 / 62 + 1 / 61


def _cand(cid, start, end, fused, page=0, vec=(1.0, 0.0)):
    meta = {"source_id": "s", "source_hash": "h", "page_index": page, "start": start, "end": end, "title": "T"}
    return _Cand(cid, f"text {cid}", meta, np.asarray(vec, dtype=np.float32), fused=fused, sim=fused)


def test_adjacent_chunks_of_a_page_merge_into_one_passage_cut_from_the_page():
    page = "0123456789" * 10
    out = merge_adjacent([_cand("a", 0, 30, 0.2), _cand("b", 25, 60, 0.5), _cand("c", 80, 95, 0.1),
                          _cand("d", 0, 10, 0.3, page=1)], lambda sid, sha, pg: page)
    spans = sorted((p.page_index, p.start, p.end, p.chunk_id) for p, _ in out)
    assert spans == [(0, 0, 60, "b"), (0, 80, 95, "c"), (1, 0, 10, "d")]
    merged = next(p for p, _ in out if p.chunk_id == "b")
    assert merged.text == page[0:60] and merged.score == 0.5


def test_mmr_prefers_a_different_passage_over_a_near_duplicate():
    a, dup = _cand("a", 0, 10, 1.0, vec=(1.0, 0.0)), _cand("dup", 20, 30, 0.95, vec=(1.0, 0.0))
    other = _cand("o", 40, 50, 0.9, page=3, vec=(0.0, 1.0))
    items = merge_adjacent([a, dup, other], lambda *_: None)
    assert [p.chunk_id for p in mmr(items, 2, lam=0.5)] == ["a", "o"]
    assert [p.chunk_id for p in mmr(items, 2, lam=1.0)] == ["a", "dup"]  # relevance only
    assert mmr([], 3) == []
