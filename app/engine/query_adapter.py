"""A linear map of the question's vector towards the vectors of the sentences that answer such questions.

all-MiniLM-L6-v2 places a question near sentences that share its words, not always near the sentence
that answers it ("What is the molecular structure of bovine coronavirus?" lies nearer "Bovine coronavirus
(BCoV) is …" than "… single-stranded, linear, and nonsegmented RNA …"). A 384 × 384 matrix, fit on
development questions and their gold sentences (``app/eval/fit_adapter.py``) and held near the identity by
an L2 penalty, moves the question vector before any similarity is taken. Only the query is mapped, so the
index is not embedded again; the map is saved with the embedding model it was fit for, and is not used
with any other.

A linear map moves every question the same way. ``LowRankQueryEncoder`` changes how the question is read
instead: rank-4 updates (LoRA) to every linear layer of the model's encoder, fit the same way, and used for
questions only. The sentence and chunk vectors stay the model's own, so the index is not embedded again
either. On COVID-QA documents the fits never saw, own-document sentence hit@1 goes 0.388 (raw) -> 0.430
(linear map) -> 0.455 (low-rank encoder); it is the shipped one for all-MiniLM-L6-v2.
"""
from __future__ import annotations

import copy
import json
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ingest.errors import MandateError
from ingest.index.embedder import resolve_model_path
from ingest.index.lowrank import lowrank_arrays, lowrank_deltas, merge_lowrank

log = logging.getLogger(__name__)

ENCODER_FILE = Path(__file__).with_name("query_encoder.npz")  # fit for all-MiniLM-L6-v2, the default model
# the shipped adapters of the embedding models the engine knows by name
BUILTIN_FOR = {"all-MiniLM-L6-v2": ENCODER_FILE,
               "all-mpnet-base-v2": ENCODER_FILE.with_name("query_adapter-all-mpnet-base-v2.npz")}
_BAD_FILE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


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

    def vector(self, text: str, embed_query) -> np.ndarray:
        """The question's vector: ``embed_query`` (the index's model), mapped."""
        return self(embed_query(text))

    def fits(self, dim: int) -> bool:
        return self.matrix.shape == (dim, dim)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, matrix=self.matrix.astype(np.float16), model=np.array(self.model),
                            info=np.array(json.dumps(self.info)))

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["matrix"], str(z["model"]), json.loads(str(z["info"])))


class LowRankQueryEncoder:
    """The embedding model with ``B @ A`` added to the weight of each named linear layer, for questions only.

    ``deltas`` maps a layer's name in the transformer ("encoder.layer.0.attention.self.query") to (A, B):
    A is rank × inputs, B outputs × rank. ``bind`` makes the updated copy of the model (about 90 MB more memory)."""

    def __init__(self, deltas: dict[str, tuple[np.ndarray, np.ndarray]], model: str, info: dict | None = None):
        self.deltas = {k: (np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)) for k, (a, b) in deltas.items()}
        self.model = model
        self.info = info or {}
        self._encoder = None

    def bind(self, model) -> LowRankQueryEncoder:
        """Add the updates to a copy of ``model`` (the embedding model, a SentenceTransformer: copying it takes
        0.1 s, loading it again about 0.8 s) or to the model loaded from ``model`` (its folder). A layer missing
        or of another shape is a ValueError (the updates were fit for another model)."""
        from sentence_transformers import SentenceTransformer

        if isinstance(model, (str, Path)):
            encoder = SentenceTransformer(str(model), device="cpu", local_files_only=True)
        else:
            encoder = copy.deepcopy(model)
        merge_lowrank(encoder[0].auto_model, self.deltas)
        encoder.eval()
        self._encoder = encoder
        return self

    def vector(self, text: str, embed_query=None) -> np.ndarray:
        """The question's vector from the updated model (``embed_query``, the index model's, is not needed)."""
        return np.asarray(self._encoder.encode(text, normalize_embeddings=True), dtype=np.float32)

    def fits(self, dim: int) -> bool:
        if self._encoder is None:
            return False
        size = getattr(self._encoder, "get_embedding_dimension", None) or self._encoder.get_sentence_embedding_dimension
        return size() == dim  # (sentence-transformers 6 renamed it)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, model=np.array(self.model), info=np.array(json.dumps(self.info)),
                            **lowrank_arrays(self.deltas))

    @classmethod
    def load(cls, path: Path) -> LowRankQueryEncoder:
        with np.load(path, allow_pickle=False) as z:
            return cls(lowrank_deltas(z), str(z["model"]), json.loads(str(z["info"])))


def load_adapter(setting: str, embedding_model: str, dim: int, model: Callable[[], object] | None = None):
    """The adapter ``Settings.query_adapter`` names ("builtin", a file, or "none"), if it fits the embedding model:
    a ``QueryAdapter`` (a file holding a matrix) or a ``LowRankQueryEncoder`` (layer updates, added to a copy of
    ``model()``, the loaded embedding model, or else to the model loaded again from its folder).

    A missing or mismatched adapter never stops answering: the question's own vector is used, and the log says why."""
    if not setting or setting.lower() == "none":
        return None
    if setting == "builtin" and embedding_model not in BUILTIN_FOR:
        return None  # no adapter was fit for a model given as a folder
    path = BUILTIN_FOR[embedding_model] if setting == "builtin" else Path(setting)
    try:
        with np.load(path, allow_pickle=False) as z:
            linear = "matrix" in z.files
        adapter = QueryAdapter.load(path) if linear else LowRankQueryEncoder.load(path)
        if adapter.model == embedding_model and not linear:
            adapter.bind(model() if model is not None else resolve_model_path(embedding_model))
    except (*_BAD_FILE, MandateError) as exc:
        log.warning("query adapter %s not used: %s", path, exc)
        return None
    if adapter.model != embedding_model or not adapter.fits(dim):
        log.warning("query adapter %s not used: fit for %s, the index embeds with %s (%d dimensions)", path,
                    adapter.model, embedding_model, dim)
        return None
    return adapter
