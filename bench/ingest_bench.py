"""Ingest throughput on a generated ~200-page PDF corpus, and its ratio to raw ``model.encode``.

    python bench/ingest_bench.py [--docs 10] [--pages-per-doc 20] [--repeat 2] [--workdir DIR] [--json]

Each repetition ingests the corpus into a fresh index with the real pipeline (``run_ingest``), timing the
embed-and-store phase (``Ingestor._store_source``: LangChain ``add_texts`` -> embed -> Chroma upsert) and
the time inside ``embed_documents``; then it encodes the very same chunk texts with the raw
SentenceTransformer ``model.encode`` (same batch size, normalised), in the same process. The ratio of
end-to-end embedding throughput (chunks per second of the embed-and-store phase) to raw encode
throughput is the pipeline's overhead figure (target >= 0.8).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import machine, print_table


def make_corpus(corpus: Path, docs: int, pages_per_doc: int) -> int:
    from tests.fixtures.simple_pdf import synthetic_pages, write_pdf

    corpus.mkdir(parents=True, exist_ok=True)
    for d in range(docs):
        write_pdf(corpus / f"bench-{d:03d}.pdf", synthetic_pages(1000 + d, pages_per_doc), title=f"Bench document {d}")
    return docs * pages_per_doc


class Timers:
    """Wraps the pipeline's embed-and-store step and the embedding call to time them (no code changes)."""

    def __init__(self):
        from langchain_huggingface import HuggingFaceEmbeddings

        from ingest.pipeline import Ingestor

        self.store_s = 0.0
        self.embed_s = 0.0
        orig_store, orig_embed = Ingestor._store_source, HuggingFaceEmbeddings.embed_documents
        timers = self

        def store(self_, *a, **kw):
            t = time.perf_counter()
            try:
                return orig_store(self_, *a, **kw)
            finally:
                timers.store_s += time.perf_counter() - t

        def embed(self_, texts, *a, **kw):
            t = time.perf_counter()
            try:
                return orig_embed(self_, texts, *a, **kw)
            finally:
                timers.embed_s += time.perf_counter() - t

        Ingestor._store_source = store
        HuggingFaceEmbeddings.embed_documents = embed

    def reset(self):
        self.store_s = self.embed_s = 0.0


def run(args) -> dict:
    from ingest.index.embedder import load_embeddings, sentence_model
    from ingest.index.settings import Settings
    from ingest.index.store import Store
    from ingest.pipeline import run_ingest

    work = Path(args.workdir or tempfile.mkdtemp(prefix="mandate-ingest-bench-"))
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    t0 = time.perf_counter()
    pages = make_corpus(corpus, args.docs, args.pages_per_doc)
    gen_s = time.perf_counter() - t0
    base = Settings(corpus_dir=corpus, db_dir=work / "db-0")
    emb = load_embeddings(base.embedding_model, base.embed_batch_size)
    model = sentence_model(emb)
    model.encode(["warm-up sentence"] * 8, batch_size=base.embed_batch_size)  # load weights, first-call costs
    timers = Timers()
    runs = []
    for r in range(args.repeat):
        settings = Settings(corpus_dir=corpus, db_dir=work / f"db-{r}")
        shutil.rmtree(settings.db_dir, ignore_errors=True)
        timers.reset()
        report = run_ingest(settings, progress=False)
        if report.failed:
            raise SystemExit(f"ingest failed: {[(s.path, s.error) for s in report.failed]}")
        texts = Store(settings, create=False).chunks.get(include=["documents"])["documents"]
        t = time.perf_counter()
        model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True)
        raw_s = time.perf_counter() - t
        n = report.chunks_total
        runs.append({
            "pages": report.pages_total, "chunks": n, "ingest_s": report.seconds, "embed_store_s": timers.store_s,
            "embed_s": timers.embed_s, "raw_encode_s": raw_s,
            "pages_per_s": report.pages_total / report.seconds, "chunks_per_s": n / report.seconds,
            "embed_store_chunks_per_s": n / timers.store_s, "raw_chunks_per_s": n / raw_s,
            "ratio_embed_store_to_raw": (n / timers.store_s) / (n / raw_s),
            "ratio_embed_only_to_raw": (n / timers.embed_s) / (n / raw_s),
            "ratio_whole_ingest_to_raw": (n / report.seconds) / (n / raw_s),
        })
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return {"machine": machine(), "docs": args.docs, "pages_per_doc": args.pages_per_doc, "corpus_pages": pages,
            "generate_pdfs_s": gen_s, "runs": runs, "median": med}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10)
    ap.add_argument("--pages-per-doc", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workdir", help="keep corpus and indexes here (default: a temp folder, removed)")
    ap.add_argument("--keep", action="store_true", help="do not delete the work folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = run(args)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    print(f"Ingest benchmark: {res['corpus_pages']} generated PDF pages ({res['docs']} docs), {args.repeat} run(s); "
          f"{res['machine']}")
    rows = []
    for i, r in enumerate(res["runs"] + [res["median"]]):
        rows.append(["median" if i == len(res["runs"]) else f"run {i + 1}", int(r["pages"]), int(r["chunks"]), f"{r['ingest_s']:.1f}",
                     f"{r['pages_per_s']:.1f}", f"{r['chunks_per_s']:.1f}", f"{r['embed_store_chunks_per_s']:.1f}",
                     f"{r['raw_chunks_per_s']:.1f}", f"{r['ratio_embed_store_to_raw']:.2f}",
                     f"{r['ratio_embed_only_to_raw']:.2f}", f"{r['ratio_whole_ingest_to_raw']:.2f}"])
    print_table(["", "pages", "chunks", "ingest s", "pages/s", "chunks/s", "embed+store ch/s", "raw encode ch/s",
                 "ratio e2e", "ratio embed", "ratio whole"], rows)
    print("\nratio e2e = embed-and-store phase throughput / raw model.encode on the same chunk texts (target >= 0.8);"
          "\nratio embed = time inside embed_documents only; ratio whole = whole ingest incl. PDF parsing and BM25.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
