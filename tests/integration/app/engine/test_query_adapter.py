"""The query adapter: the shipped one is used by default, fits the embedding model, and fitting one works."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from app.engine.query_adapter import BUILTIN_FOR, ENCODER_FILE, LowRankQueryEncoder, QueryAdapter, load_adapter


def test_the_shipped_adapter_maps_every_question(engine):
    adapter = engine.index.adapter
    assert isinstance(adapter, LowRankQueryEncoder) and adapter.model == engine.settings.embedding_model
    q = "What kind of organisational culture does gender training have to adapt to?"
    raw, mapped = engine.retriever.embed_query(q), engine.query_vector(q)
    assert np.linalg.norm(mapped) == pytest.approx(1.0, abs=1e-4)
    assert 0.5 < float(raw @ mapped) < 0.9999  # moved, not replaced
    # the file says what it did on documents its fit never saw, and it did better than the question's own vector
    info = adapter.info
    assert info["test_documents_unseen"]
    assert info["test_after"]["sentence_hit@1"] > info["test_before"]["sentence_hit@1"]
    assert info["test_after"]["sentence_hit@3"] > info["test_before"]["sentence_hit@3"]


def test_none_a_foreign_model_or_a_broken_file_mean_the_question_vector_itself(tmp_path, caplog):
    assert load_adapter("none", "all-MiniLM-L6-v2", 384) is None
    assert load_adapter("builtin", "all-MiniLM-L6-v2", 384) is not None
    foreign = tmp_path / "foreign.npz"
    QueryAdapter(np.eye(384), "some-other-model").save(foreign)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not an npz file")
    cut = tmp_path / "cut.npz"  # a download or copy cut short: the zip's start without its end
    cut.write_bytes(ENCODER_FILE.read_bytes()[:4096])
    with caplog.at_level(logging.WARNING, logger="app.engine.query_adapter"):
        assert load_adapter(str(foreign), "all-MiniLM-L6-v2", 384) is None
        assert load_adapter("builtin", "all-MiniLM-L6-v2", 768) is None
        assert load_adapter(str(broken), "all-MiniLM-L6-v2", 384) is None
        assert load_adapter(str(cut), "all-MiniLM-L6-v2", 384) is None
    text = caplog.text
    assert "some-other-model" in text and str(broken) in text and str(cut) in text and str(ENCODER_FILE) in text


def test_builtin_means_the_adapter_shipped_for_the_index_embedding_model():
    mini, mpnet = load_adapter("builtin", "all-MiniLM-L6-v2", 384), load_adapter("builtin", "all-mpnet-base-v2", 768)
    assert mini.model == "all-MiniLM-L6-v2" and isinstance(mini, LowRankQueryEncoder)
    assert len(mini.deltas) == 36 and {a.shape[0] for a, _ in mini.deltas.values()} == {4}  # 6 layers x 6 linear, rank 4
    assert mpnet.model == "all-mpnet-base-v2" and mpnet.matrix.shape == (768, 768)
    assert mpnet.info["test_documents_unseen"]  # fit on the train half of COVID-QA's articles, measured on the rest
    assert mpnet.info["test_after"]["sentence_hit@1"] > mpnet.info["test_before"]["sentence_hit@1"]
    assert BUILTIN_FOR["all-mpnet-base-v2"].is_file()
    assert load_adapter("builtin", "/models/some-local-folder", 384) is None  # no adapter was fit for it


def test_an_engine_without_adapter_ranks_with_the_raw_vector(fixture_index):
    from app.engine import Engine

    settings = fixture_index[0].model_copy(update={"query_adapter": "none"})
    eng = Engine(settings, warm=False)
    q = "When was the paper published?"
    assert eng.index.adapter is None
    assert np.allclose(eng.query_vector(q), eng.retriever.embed_query(q))
    assert not eng.answer(q).refused


_SENTENCES = [
    "Bovine coronavirus (BCoV) is a member of the Betacoronavirus genus that infects cattle.",
    "Its genome is single-stranded, linear and nonsegmented RNA of around 31 kb.",
    "The training course on gender in peacekeeping lasted five days.",
    "Participants were officers from twelve troop-contributing countries.",
    "Chikungunya virus is transmitted by Aedes mosquitoes.",
    "Joint pain can persist for months after the fever subsides.",
]
_QUESTIONS = [("What is the molecular structure of bovine coronavirus?", 1),
              ("How long was the gender course in peacekeeping?", 2),
              ("Who took part in the course?", 3),
              ("What are the lasting effects of chikungunya?", 5)]


def test_fitting_moves_the_answering_sentence_up():
    """Questions whose answer shares few words with them: the raw vector prefers the sentence naming the subject;
    after the fit, the answering sentence comes first. A fit that does nothing fails the last assertion."""
    from app.eval.fit_adapter import fit, sentence_hits
    from ingest.index.embedder import load_embeddings

    emb = load_embeddings()
    vectors = np.asarray(emb.embed_documents(_SENTENCES), dtype=np.float32)
    data = [{"qv": np.asarray(emb.embed_query(q), dtype=np.float32), "rows": list(range(len(_SENTENCES))), "gold": [g]}
            for q, g in _QUESTIONS]
    before = sentence_hits(data, vectors)
    matrix = fit(data, vectors, l2=0.001, epochs=60, lr=1e-2, library_negatives=2)
    after = sentence_hits(data, vectors, matrix)
    assert before["sentence_hit@1"] < 1.0
    assert after["sentence_hit@1"] == 1.0


def _model_layers():
    from ingest.index.embedder import load_embeddings, sentence_model

    layers = dict(sentence_model(load_embeddings())[0].auto_model.named_modules())
    return layers["encoder.layer.5.output.dense"], layers["encoder.layer.0.attention.self.query"]


def test_low_rank_updates_change_only_how_the_question_is_read(tmp_path, caplog):
    """Zero updates read the question exactly as the index's model does (the merge adds nothing else); a real
    update moves the vector; updates for a layer the model lacks are not used, and the log names the file."""
    from ingest.index.embedder import load_embeddings, resolve_model_path

    emb = load_embeddings()
    q = "What is the molecular structure of bovine coronavirus?"
    raw = np.asarray(emb.embed_query(q), dtype=np.float32)
    dense, query = _model_layers()
    rng = np.random.default_rng(0)
    zero = {"encoder.layer.5.output.dense": (rng.normal(size=(4, dense.in_features)), np.zeros((dense.out_features, 4)))}
    path = tmp_path / "zero.npz"
    LowRankQueryEncoder(zero, "all-MiniLM-L6-v2").save(path)
    same = load_adapter(str(path), "all-MiniLM-L6-v2", 384)
    assert isinstance(same, LowRankQueryEncoder)
    assert np.allclose(same.vector(q), raw, atol=1e-5)
    moved = LowRankQueryEncoder({"encoder.layer.0.attention.self.query": (
        rng.normal(size=(4, query.in_features)) * 0.5, rng.normal(size=(query.out_features, 4)) * 0.5)},
        "all-MiniLM-L6-v2").bind(resolve_model_path("all-MiniLM-L6-v2"))
    v = moved.vector(q)
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-4) and float(v @ raw) < 0.99
    assert np.allclose(emb.embed_query(q), raw)  # the index's own model is untouched
    alien = tmp_path / "alien.npz"
    LowRankQueryEncoder({"encoder.layer.9.output.dense": zero["encoder.layer.5.output.dense"]}, "all-MiniLM-L6-v2").save(alien)
    with caplog.at_level(logging.WARNING, logger="app.engine.query_adapter"):
        assert load_adapter(str(alien), "all-MiniLM-L6-v2", 384) is None
    assert str(alien) in caplog.text and "encoder.layer.9.output.dense" in caplog.text


def test_fitting_low_rank_updates_moves_the_answering_sentence_up():
    """As the linear fit below, with the question encoder's layers updated instead; a fit that does nothing fails."""
    from app.eval.fit_adapter import fit_lowrank, sentence_hits
    from ingest.index.embedder import load_embeddings, resolve_model_path

    emb = load_embeddings()
    vectors = np.asarray(emb.embed_documents(_SENTENCES), dtype=np.float32)
    data = [{"q": q, "qv": np.asarray(emb.embed_query(q), dtype=np.float32), "rows": list(range(len(_SENTENCES))),
             "gold": [g]} for q, g in _QUESTIONS]
    before = sentence_hits(data, vectors)
    deltas = fit_lowrank(data, vectors, resolve_model_path("all-MiniLM-L6-v2"), lr=3e-3, epochs=40, library_negatives=2)
    encoder = LowRankQueryEncoder(deltas, "all-MiniLM-L6-v2").bind(resolve_model_path("all-MiniLM-L6-v2"))
    after = sentence_hits([{**d, "qv": encoder.vector(d["q"])} for d in data], vectors)
    assert before["sentence_hit@1"] < 1.0
    assert after["sentence_hit@1"] == 1.0
