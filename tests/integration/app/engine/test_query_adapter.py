"""The query adapter: the shipped map is used by default, fits the embedding model, and fitting one works."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from app.engine.query_adapter import ADAPTER_FILE, BUILTIN_FOR, QueryAdapter, load_adapter


def test_the_shipped_adapter_maps_every_question(engine):
    adapter = engine.index.adapter
    assert adapter is not None and adapter.model == engine.settings.embedding_model
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
    cut.write_bytes(ADAPTER_FILE.read_bytes()[:4096])
    with caplog.at_level(logging.WARNING, logger="app.engine.query_adapter"):
        assert load_adapter(str(foreign), "all-MiniLM-L6-v2", 384) is None
        assert load_adapter("builtin", "all-MiniLM-L6-v2", 768) is None
        assert load_adapter(str(broken), "all-MiniLM-L6-v2", 384) is None
        assert load_adapter(str(cut), "all-MiniLM-L6-v2", 384) is None
    text = caplog.text
    assert "some-other-model" in text and str(broken) in text and str(cut) in text and str(ADAPTER_FILE) in text


def test_builtin_means_the_adapter_shipped_for_the_index_embedding_model():
    mini, mpnet = load_adapter("builtin", "all-MiniLM-L6-v2", 384), load_adapter("builtin", "all-mpnet-base-v2", 768)
    assert mini.model == "all-MiniLM-L6-v2" and mini.matrix.shape == (384, 384)
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


def test_fitting_moves_the_answering_sentence_up():
    """Questions whose answer shares few words with them: the raw vector prefers the sentence naming the subject;
    after the fit, the answering sentence comes first. A fit that does nothing fails the last assertion."""
    from app.eval.fit_adapter import fit, sentence_hits
    from ingest.index.embedder import load_embeddings

    emb = load_embeddings()
    sentences = [
        "Bovine coronavirus (BCoV) is a member of the Betacoronavirus genus that infects cattle.",
        "Its genome is single-stranded, linear and nonsegmented RNA of around 31 kb.",
        "The training course on gender in peacekeeping lasted five days.",
        "Participants were officers from twelve troop-contributing countries.",
        "Chikungunya virus is transmitted by Aedes mosquitoes.",
        "Joint pain can persist for months after the fever subsides.",
    ]
    vectors = np.asarray(emb.embed_documents(sentences), dtype=np.float32)
    questions = [("What is the molecular structure of bovine coronavirus?", 1),
                 ("How long was the gender course in peacekeeping?", 2),
                 ("Who took part in the course?", 3),
                 ("What are the lasting effects of chikungunya?", 5)]
    data = [{"qv": np.asarray(emb.embed_query(q), dtype=np.float32), "rows": list(range(len(sentences))), "gold": [g]}
            for q, g in questions]
    before = sentence_hits(data, vectors)
    matrix = fit(data, vectors, l2=0.001, epochs=60, lr=1e-2, library_negatives=2)
    after = sentence_hits(data, vectors, matrix)
    assert before["sentence_hit@1"] < 1.0
    assert after["sentence_hit@1"] == 1.0
