"""Cross-encoder reranking of the best candidate sentences (``MANDATE_RERANKER``, default ``builtin``).

None installs offline here, so the default, ``builtin``, is one fitted here on all-MiniLM-L6-v2's installed weights
(``fitted_reranker.py``): end to end it gained answers on every COVID-QA set (answer hit +0.5 to +1.5 points,
passage hit@1 +1.5 to +4.5) and lost none on the dev set, for about 100-150 ms per answer then (docs/evaluation.md,
session 19; since session 25 it reads 64 word pieces of each pair, bench/rerank_bench.py); ``none`` turns it off. A user who has a
sentence-transformers CrossEncoder on disk (e.g. ms-marco-MiniLM-L-6-v2 in a local folder) names its path and the
best ``top`` sentences are reordered by it. The model is loaded with ``local_files_only``: never downloaded at run
time. The evidence that decides refusal stays the calibrated sentence model's probability, so switching the
reranker on cannot change what is refused.
"""
from __future__ import annotations

import logging
from pathlib import Path

from ingest.errors import ConfigError

log = logging.getLogger(__name__)


class Reranker:
    def __init__(self, path: str, top: int = 20):
        p = Path(path).expanduser()
        if not p.is_dir():
            raise ConfigError(f"MANDATE_RERANKER={path}: no such folder (a local sentence-transformers CrossEncoder; "
                              f"nothing is downloaded at run time)")
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(str(p), device="cpu", local_files_only=True)
        self.top = top
        self.name = p.name

    def rerank(self, question: str, ranked: list, texts: list[str]) -> list:
        """The first ``top`` of ``ranked`` (objects with ``.row``) reordered by cross-encoder score."""
        head, tail = ranked[: self.top], ranked[self.top:]
        if len(head) < 2:
            return ranked
        scores = self.model.predict([(question, texts[r.row]) for r in head], show_progress_bar=False)
        order = sorted(range(len(head)), key=lambda i: -float(scores[i]))
        return [head[i] for i in order] + tail


def load_reranker(path: str | None, base=None, top: int | None = None, max_length: int | None = None):
    """None (off), the cross-encoder fitted here ("builtin", ``fitted_reranker.py``; ``base``: the loaded
    all-MiniLM-L6-v2 embedding model it copies, if that is the index's model; ``top`` / ``max_length``: its best
    sentences reordered and word pieces read, None for those it was fit with), or a local CrossEncoder folder."""
    if not path or path == "none":
        return None
    if path == "builtin":
        from .fitted_reranker import load_fitted

        return load_fitted(base=base, top=top, max_length=max_length)
    return Reranker(path)
