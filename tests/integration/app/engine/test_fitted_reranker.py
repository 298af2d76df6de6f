"""The built-in cross-encoder (MANDATE_RERANKER=builtin): its shipped updates load offline onto the installed
all-MiniLM-L6-v2, reorder only the best few sentences, and prefer the sentence that answers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ingest.errors import ConfigError

FLOOR = 0.8  # gold beats the best wrong sentence: measured 38 of 44 (0.864) with the shipped weights
DEV_SET = Path(__file__).resolve().parents[4] / "app" / "eval" / "sets" / "dev.jsonl"


@dataclass
class _Ranked:
    prob: float
    row: int


@pytest.fixture(scope="module")
def fitted():
    """The cross-encoder as the engine loads it by default (its shipped top and length settings)."""
    from app.engine.reranker import load_reranker
    from ingest.index.settings import RetrievalSettings

    s = RetrievalSettings()
    return load_reranker("builtin", top=s.rerank_top, max_length=s.rerank_max_length)


def test_the_settings_choose_how_many_sentences_and_word_pieces_it_reads(fitted):
    from app.engine.reranker import load_reranker
    from ingest.index.settings import RetrievalSettings

    s = RetrievalSettings()
    assert (fitted.top, fitted.max_length) == (s.rerank_top, s.rerank_max_length)
    other = load_reranker("builtin", top=5, max_length=48)
    assert (other.top, other.max_length) == (5, 48) and other is not fitted
    fit = load_reranker("builtin")  # unset: what the weights were fit with
    assert (fit.top, fit.max_length) == (fit.info["top"], fit.info["max_length"])


def test_builtin_reorders_its_top_by_log_odds_plus_alpha_times_its_score(fitted):
    from app.engine.features import log_odds
    from app.engine.fitted_reranker import load_fitted

    assert fitted is load_fitted(top=fitted.top, max_length=fitted.max_length), "engines opened again share one copy"
    assert 0 < fitted.alpha <= 2 and 2 <= fitted.top <= 20 and fitted.info["max_length"] >= 64
    texts = [f"Sentence {i} about pre-deployment gender training and its follow-up." for i in range(fitted.top + 4)]
    texts[3] = "Of the 27 curricula reviewed, 9 had a dedicated gender session."
    ranked = [_Ranked(0.5 - 0.01 * i, i) for i in range(len(texts))]
    q = "How many curricula had a dedicated gender session?"
    out = fitted.rerank(q, ranked, texts)
    head = ranked[: fitted.top]
    assert out[fitted.top:] == ranked[fitted.top:], "what lies below the top is left in place"
    assert sorted(r.row for r in out[: fitted.top]) == [r.row for r in head]
    s = fitted.scores(q, [texts[r.row] for r in head])
    combined = [log_odds(r.prob) + fitted.alpha * float(v) for r, v in zip(head, s)]
    assert [r.row for r in out[: fitted.top]] == [head[i].row for i in np.argsort(combined)[::-1]]
    assert out[0].row == 3, "the sentence that answers moves up from fourth place"
    assert fitted.rerank(q, ranked[:1], texts) == ranked[:1]


def test_fitted_scores_prefer_the_answering_sentence_on_the_dev_set(engine, fitted):
    """Our dev questions (another domain than the fit's COVID-QA): the gold sentence against the sentence model's
    best wrong one. Random updates would prefer gold about half the time."""
    from app.eval.dataset import load_set
    from app.eval.fit_ranker import collect

    items = [it for it in load_set(DEV_SET) if it.answerable and (it.must_include_any or it.must_include)]
    pairs = 0
    wins = 0
    for d in collect(engine, items):
        order = np.argsort(-engine.ranker.model.probability(d["X"].astype(np.float32)))
        gold = [i for i in order if d["y"][i] > 0]
        wrong = [i for i in order if d["y"][i] == 0]
        if not gold or not wrong:
            continue
        texts = [engine.sentences.texts[d["rows"][i]] for i in (gold[0], wrong[0])]
        s = fitted.scores(d["item"].question, texts)
        pairs += 1
        wins += bool(s[0] > s[1])
    assert pairs >= 30
    assert wins / pairs >= FLOOR, (wins, pairs)


def test_pairs_batched_by_length_score_as_one_batch_does(fitted):
    """Scores do not depend on how the pairs are batched: padding is masked, each pair is read alone."""
    import torch

    from app.engine.fitted_reranker import encode_pairs, length_groups, pair_cls

    q = "How many curricula had a dedicated gender session?"
    texts = ["Nine did.", "Of the 27 curricula reviewed, 9 had a dedicated gender session.",
             " ".join(["The review read every pre-deployment curriculum of the contributing countries, their "
                       "annexes and the trainers' notes, and it counted the sessions on gender."] * 3), "Few."]
    lengths = [len(ids) for ids in encode_pairs(fitted.tokenizer, q, texts, fitted.max_length)["input_ids"]]
    assert len(length_groups(lengths)) == 2, "two short pairs and a long one are not padded together"
    with torch.inference_mode():
        one = (pair_cls(fitted.tokenizer, fitted.encoder, q, texts, fitted.max_length) @ fitted.head_w
               + fitted.head_b).numpy()
    assert np.allclose(fitted.scores(q, texts), one, atol=1e-4)


def test_a_question_longer_than_the_pairs_it_reads_is_scored(fitted):
    """A pasted paragraph as the question: cutting only the sentence cannot fit the pair into max_length (it
    raised a tokenizer error and the whole answer failed); the pair is cut, the question is scored."""
    q = "What do " + ", ".join(f"encephalitis virus {n} (EV{n})" for n in range(12)) + " have in common?"
    assert len(fitted.tokenizer(q)["input_ids"]) > fitted.max_length
    texts = ["Encephalitis viruses are flaviviruses and alphaviruses.", "Training was given twice a year."]
    scores = fitted.scores(q, texts)
    assert scores.shape == (2,) and np.isfinite(scores).all()
    ranked = [_Ranked(0.5, 0), _Ranked(0.5, 1)]
    assert len(fitted.rerank(q, ranked, texts)) == 2


def test_a_missing_weights_file_is_a_config_error(tmp_path):
    from app.engine.fitted_reranker import FittedReranker

    with pytest.raises(ConfigError, match="builtin"):
        FittedReranker(tmp_path / "nope.npz")



def test_updates_fit_for_another_model_are_a_config_error(tmp_path):
    """A layer the installed model lacks (or of another shape) means the file was fit for another model."""
    from app.engine.fitted_reranker import FittedReranker
    from ingest.index.lowrank import lowrank_arrays

    bad = tmp_path / "other.npz"
    deltas = {"encoder.layer.99.output.dense": (np.zeros((8, 1536)), np.zeros((384, 8)))}
    np.savez_compressed(bad, **lowrank_arrays(deltas), **{"head.weight": np.zeros(384), "head.bias": np.float32(0)},
                        info=np.array('{"alpha": 0.125, "max_length": 96, "top": 8}'))
    with pytest.raises(ConfigError, match="another model"):
        FittedReranker(bad)


def test_built_on_the_loaded_embedding_model_it_scores_as_loaded_from_files_and_leaves_that_model_alone(engine, fitted):
    """An engine on all-MiniLM-L6-v2 copies the loaded model's encoder instead of reading it again (cold start):
    same scores, and the embedding model's own vectors do not take the updates."""
    from app.engine.fitted_reranker import FittedReranker
    from ingest.index.embedder import sentence_model

    model = sentence_model(engine.embeddings)
    before = np.asarray(model.encode("gender training in peace operations"))
    copied = FittedReranker(base=model)
    question = "Who opened the session?"
    texts = ["The commanding officer opened the gender training session.", "Jokes belittled the topic."]
    assert np.allclose(copied.scores(question, texts), fitted.scores(question, texts), atol=1e-4)
    assert copied.encoder is not model[0].auto_model
    assert np.array_equal(np.asarray(model.encode("gender training in peace operations")), before)
    assert engine.reranker.encoder is not model[0].auto_model, "the engine's reranker is a copy too"
