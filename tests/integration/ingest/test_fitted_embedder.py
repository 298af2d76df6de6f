"""The embedding model option all-MiniLM-L6-v2-mandate: the plain model plus the shipped updates, offline; an index
built with the other model is a clear mismatch; a damaged updates file is a clear error."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ingest.errors import ConfigError, IndexMismatch
from ingest.index import embedder
from ingest.index.embedder import BUILTIN, FITTED, FITTED_FILE, load_embeddings
from ingest.pipeline import run_ingest
from tests.fixtures.simple_pdf import synthetic_pages, write_pdf

QUESTION = "What is the molecular structure of bovine coronavirus?"
ANSWER = "Its genome is a single-stranded, linear, and nonsegmented RNA of around 31 kb."


def test_the_fitted_model_reads_both_sides_anew_and_leaves_the_plain_one_alone():
    plain = load_embeddings(BUILTIN)
    before = np.asarray(plain.embed_query(QUESTION))
    fitted = load_embeddings(FITTED)
    q, s = np.asarray(fitted.embed_query(QUESTION)), np.asarray(fitted.embed_documents([ANSWER])[0])
    assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-4) and np.linalg.norm(s) == pytest.approx(1.0, abs=1e-4)
    assert 0.5 < float(before @ q) < 0.9999  # moved, not replaced
    assert np.array_equal(np.asarray(plain.embed_query(QUESTION)), before)  # the plain model is not touched
    plain_s = np.asarray(plain.embed_documents([ANSWER])[0])
    assert float(q @ s) > float(before @ plain_s)  # the answering sentence lies nearer its question


def test_the_shipped_updates_say_what_they_did_on_documents_their_fit_never_saw():
    with np.load(FITTED_FILE, allow_pickle=False) as z:
        info = json.loads(str(z["info"]))
        layers = [k for k in z.files if k.endswith(".A")]
    assert len(layers) == 36 and info["test_documents_unseen"]  # 6 layers x 6 linear maps, rank 4
    t = info["test"]
    assert t["fitted_both_sides"]["own@1"] > t["question_encoder"]["own@1"] > t["plain"]["own@1"]
    assert t["fitted_both_sides"]["library@5"] > t["question_encoder"]["library@5"]


def test_an_index_built_with_the_plain_model_is_a_mismatch(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(3, 1))
    run_ingest(s, progress=False)
    with pytest.raises(IndexMismatch, match=FITTED):
        run_ingest(make_settings(embedding_model=FITTED), progress=False)


def test_a_damaged_updates_file_is_a_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "minilm_mandate.npz"
    bad.write_bytes(b"not an npz file")
    monkeypatch.setattr(embedder, "FITTED_FILE", bad)
    with pytest.raises(ConfigError, match="minilm_mandate.npz"):
        load_embeddings.__wrapped__(FITTED)


def test_an_index_embedded_with_other_updates_is_a_mismatch(fake_embeddings, make_settings, tmp_path, monkeypatch):
    s = make_settings(embedding_model=FITTED)
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(3, 1))
    run_ingest(s, progress=False)
    assert run_ingest(s, progress=False).chunks_total > 0  # the same updates: the index opens
    refit = tmp_path / "refit.npz"
    refit.write_bytes(FITTED_FILE.read_bytes() + b"\0")  # a later version's refit: other bytes
    monkeypatch.setattr(embedder, "FITTED_FILE", refit)
    with pytest.raises(IndexMismatch, match="embedding_updates"):
        run_ingest(s, progress=False)
