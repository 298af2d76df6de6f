"""MANDATE_RERANKER plumbing with a tiny CrossEncoder the test builds (no model installs offline)."""
from __future__ import annotations

import pytest

from ingest.errors import ConfigError


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from ingest.index.embedder import resolve_model_path

    folder = tmp_path_factory.mktemp("tiny-ce")
    tok = AutoTokenizer.from_pretrained(str(resolve_model_path("all-MiniLM-L6-v2")), local_files_only=True)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, num_labels=1)
    BertForSequenceClassification(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def test_reranker_reorders_but_never_changes_refusal(engine, tiny_cross_encoder):
    import copy
    import dataclasses

    from app.engine.reranker import Reranker

    q = "How many national curricula had a dedicated gender session?"
    plain = engine.answer(q)
    twin = copy.copy(engine)
    twin.index = dataclasses.replace(engine.index, reranker=Reranker(str(tiny_cross_encoder)))
    calls = []
    original = twin.reranker.rerank
    twin.reranker.rerank = lambda *a: calls.append(a) or original(*a)
    a = twin.answer(q)
    assert calls, "the reranker was consulted"
    assert a.refused == plain.refused and a.evidence == pytest.approx(plain.evidence)
    assert a.citations and all(twin.page_text(c.source_id, c.page_index)[c.quote_start:c.quote_end] == c.quote
                               for c in a.citations)
    assert twin.answer("What is the boiling point of mercury?").refused
    # a reranker that puts sentences without a figure first: the answer quotes them, refusal still reads the
    # model's ranking ("How many …?" is refused when the best sentences give no figure: by probability, they do)
    from app.engine.refusal import _FIGURE, _LIST

    def figure(text: str) -> bool:
        return bool(_FIGURE.search(text) or _LIST.search(text))

    twin.reranker.rerank = lambda query, ranked, texts: sorted(ranked, key=lambda r: figure(texts[r.row]))
    a = twin.answer(q)
    assert not plain.refused and not a.refused and a.evidence == pytest.approx(plain.evidence)
    assert [c.quote for c in a.citations] != [c.quote for c in plain.citations]
    twin.reranker.rerank = lambda *a: calls.append(a) or original(*a)
    # asked within a document another answers far better: refused the same way, the library's second ranking
    # (the other-document rule) by probability alone, the reranker consulted once, for the answer's own ranking
    from app.engine import Filters

    within = Filters(source_id="kirkpatrick-1994")
    plain, calls[:] = engine.answer(q, filters=within), []
    a = twin.answer(q, filters=within)
    assert plain.refused and plain.elsewhere
    assert (a.refused, a.elsewhere, a.evidence) == (plain.refused, plain.elsewhere, pytest.approx(plain.evidence))
    assert len(calls) == 1


def test_missing_reranker_folder_is_a_clear_error(tmp_path):
    from app.engine.reranker import load_reranker

    assert load_reranker(None) is None
    with pytest.raises(ConfigError, match="never downloaded|nothing is downloaded"):
        load_reranker(str(tmp_path / "nope"))
