"""Pairs of the cross-encoder are batched by token length only where a split saves more than a batch costs."""
from app.engine.fitted_reranker import BATCH_OVERHEAD_TOKENS, length_groups


def test_every_pair_is_scored_once_shortest_first():
    lengths = [90, 20, 95, 22, 21, 88, 19, 93]
    groups = length_groups(lengths)
    flat = [i for g in groups for i in g]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths)


def test_short_and_long_pairs_are_split_where_it_saves_most():
    lengths = [90, 20, 95, 22, 21, 88, 19, 93]
    assert [sorted(g) for g in length_groups(lengths)] == [[1, 3, 4, 6], [0, 2, 5, 7]]


def test_pairs_of_similar_length_stay_one_batch():
    assert length_groups([60, 64, 62, 61, 63]) == [[0, 3, 2, 4, 1]]
    # a split saving fewer tokens than a batch's overhead is not made
    assert len(length_groups([60, 60, 60, 60 + BATCH_OVERHEAD_TOKENS // 4])) == 1


def test_one_or_no_pair():
    assert length_groups([]) == [[]]
    assert length_groups([40]) == [[0]]
