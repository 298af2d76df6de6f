"""A linear map of the question's vector towards the vectors of the sentences that answer such questions.

all-MiniLM-L6-v2 places a question near sentences that share its words, not always near the sentence
that answers it ("What is the molecular structure of bovine coronavirus?" lies nearer "Bovine coronavirus
(BCoV) is …" than "… single-stranded, linear, and nonsegmented RNA …"). A 384 × 384 matrix, fit on
development questions and their gold sentences (``app/eval/fit_adapter.py``) and held near the identity by
an L2 penalty, moves the question vector before any similarity is taken. Only the query is mapped, so the
index is not embedded again; the map is saved with the embedding model it was fit for, and is not used
with any other.
"""
from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ADAPTER_FILE = Path(__file__).with_name("query_adapter.npz")  # fit for all-MiniLM-L6-v2
# the shipped adapters of other embedding models the engine knows by name, next to it
BUILTIN_FOR = {"all-mpnet-base-v2": ADAPTER_FILE.with_name("query_adapter-all-mpnet-base-v2.npz")}


class QueryAdapter:
    """``W @ q``, renormalised; ``info`` says what it was fit on and how it did on documents it never saw."""

    def __init__(self, matrix: np.ndarray, model: str, info: dict | None = None):
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self.model = model
        self.info = info or {}

    def __call__(self, qv: np.ndarray) -> np.ndarray:
        v = self.matrix @ np.asarray(qv, dtype=np.float32)
        n = float(np.linalg.norm(v))
        return (v / n if n else v).astype(np.float32)

    def save(self, path: Path = ADAPTER_FILE) -> None:
        np.savez_compressed(path, matrix=self.matrix.astype(np.float16), model=np.array(self.model),
                            info=np.array(json.dumps(self.info)))

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["matrix"], str(z["model"]), json.loads(str(z["info"])))


def load_adapter(setting: str, embedding_model: str, dim: int) -> QueryAdapter | None:
    """The adapter ``Settings.query_adapter`` names ("builtin", a file, or "none"), if it fits the embedding model.

    A missing or mismatched adapter never stops answering: the question's own vector is used, and the log says why."""
    if not setting or setting.lower() == "none":
        return None
    path = BUILTIN_FOR.get(embedding_model, ADAPTER_FILE) if setting == "builtin" else Path(setting)
    try:
        adapter = QueryAdapter.load(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("query adapter %s not used: %s", path, exc)
        return None
    if adapter.model != embedding_model or adapter.matrix.shape != (dim, dim):
        log.warning("query adapter %s not used: fit for %s (%d dimensions), the index embeds with %s (%d)", path,
                    adapter.model, adapter.matrix.shape[0], embedding_model, dim)
        return None
    return adapter
