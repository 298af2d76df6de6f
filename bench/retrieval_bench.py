"""Retrieval latency and memory vs index size (1k, 10k, 100k generated chunks).

    python bench/retrieval_bench.py [--sizes 1000 10000 100000] [--real-max 1000] [--queries 100]
                                    [--workdir /tmp/mandate-bench] [--reuse] [--json]

Synthetic chunks (~110 words drawn from the fixture paper's vocabulary, Zipf-weighted, four chunks per
page, exact page offsets) are written straight into the Store's Chroma collections with registry
entries, then the BM25 index is built with ``ingest.index.lexical.build``: the same index layout ``python -m
ingest`` produces, without parsing PDFs. Sizes up to ``--real-max`` get real embeddings from the model;
larger ones get random unit vectors (embedding 100k chunks takes ~40 min on 2 cores). Random vectors
keep the HNSW and BM25 work realistic but make dense hits meaningless; the output says which is which.

Each size is then measured in a fresh subprocess (so its memory is the query process's own): Engine
load, 5 warm-up queries, then ``--queries`` dev-set questions through ``Engine.search(q, k=6)`` (dense +
BM25 + RRF + merge + MMR), and separately the query embedding, the Chroma dense query (30 results) and
the BM25 query. Memory: resident set after loading and after the queries (VmRSS), and the peak (VmHWM).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, machine, pct, print_table, rss_mb

CHUNKS_PER_PAGE = 4
PAGES_PER_SOURCE = 50
WORDS_PER_CHUNK = 110


def vocabulary() -> list[str]:
    from tests.fixtures import paper_text as pt

    text = " ".join(t for _, t in pt.BODY + pt.FRONT) + " " + " ".join(pt.FOOTNOTES.values())
    words = re.findall(r"[a-z]{3,}", text.lower().replace("~", ""))
    return list(dict.fromkeys(words))


def questions() -> list[str]:
    from app.eval.dataset import load_set

    return [it.question for it in load_set(ROOT / "app" / "eval" / "sets" / "dev.jsonl")]


def _generated_source(src, n: int, vocab: list[str], weights, rng):
    """(pages, chunks) of ``n`` random Zipf-distributed chunks for ``src``, CHUNKS_PER_PAGE to a page."""
    from ingest.index.records import Chunk, Page, chunk_id

    sid, sha = src.source_id, src.sha256
    chunks, pages = [], []
    for p in range((n + CHUNKS_PER_PAGE - 1) // CHUNKS_PER_PAGE):
        texts = []
        for _ in range(min(CHUNKS_PER_PAGE, n - p * CHUNKS_PER_PAGE)):
            words = rng.choice(len(vocab), size=WORDS_PER_CHUNK, p=weights)
            sent = [vocab[w] for w in words]
            for j in range(14, len(sent), 15):
                sent[j] += "."
            texts.append(" ".join(sent).capitalize() + ".")
        page_text = "\n\n".join(texts)
        pages.append(Page(index=p, label=str(p + 1), text=page_text))
        pos = 0
        for i, t in enumerate(texts):
            chunks.append(Chunk(chunk_id=chunk_id(sid, sha, p, i), source_id=sid, source_hash=sha, title=src.title,
                                kind="cited", page_index=p, page_label=str(p + 1), section="", start=pos,
                                end=pos + len(t), position=i, text=t))
            pos += len(t) + 2
    return pages, chunks


def build_index(db_dir: Path, size: int, real: bool, seed: int = 7) -> dict:
    import numpy as np

    from ingest.index.embedder import load_embeddings
    from ingest.index.lexical import build as build_bm25
    from ingest.index.records import Source
    from ingest.index.settings import Settings
    from ingest.index.store import PARSER_VERSION, RegistryEntry, Store

    shutil.rmtree(db_dir, ignore_errors=True)
    settings = Settings(db_dir=db_dir, corpus_dir=db_dir.parent / "no-corpus")
    store = Store(settings)
    emb = load_embeddings(settings.embedding_model, settings.embed_batch_size) if real else None
    vocab = vocabulary()
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    per_source = PAGES_PER_SOURCE * CHUNKS_PER_PAGE
    t0 = time.perf_counter()
    embed_s = 0.0
    done = 0
    src_no = 0
    while done < size:
        n = min(per_source, size - done)
        sid = f"bench-{src_no:05d}"
        sha = f"{src_no:064x}"
        src = Source(source_id=sid, path=Path(f"/bench/{sid}.pdf"), sha256=sha, title=f"Generated source {src_no}",
                     kind="cited")
        pages, chunks = _generated_source(src, n, vocab, weights, rng)
        if real:
            te = time.perf_counter()
            vecs = emb.embed_documents([c.text for c in chunks])
            embed_s += time.perf_counter() - te
        else:
            v = rng.standard_normal((len(chunks), 384)).astype("float32")
            vecs = (v / np.linalg.norm(v, axis=1, keepdims=True)).tolist()
        store.upsert_pages(src, pages)
        for i in range(0, len(chunks), 1000):
            b = chunks[i:i + 1000]
            store.chunks.upsert(ids=[c.chunk_id for c in b], embeddings=vecs[i:i + 1000],
                                documents=[c.text for c in b], metadatas=[c.metadata() for c in b])
        store.put_registry(RegistryEntry(source_id=sid, sha256=sha, path=str(src.path), title=src.title, kind="cited",
                                         url="", pages=len(pages), chunks=len(chunks), authors=[],
                                         parser_version=PARSER_VERSION))
        done += n
        src_no += 1
    insert_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    build_bm25(store, db_dir)
    bm25_s = time.perf_counter() - t1
    info = {"size": size, "vectors": "real" if real else "random", "sources": src_no, "build_s": insert_s,
            "embed_s": embed_s, "bm25_build_s": bm25_s, "chunks": store.chunks.count()}
    (db_dir / "bench.json").write_text(json.dumps(info))
    return info


def measure(db_dir: Path, n_queries: int) -> dict:
    import numpy as np

    from app.engine import Engine
    from ingest.index.settings import Settings

    rss0 = rss_mb()
    t0 = time.perf_counter()
    engine = Engine(Settings(db_dir=db_dir))
    load_s = time.perf_counter() - t0
    qs = questions()
    qs = (qs * (n_queries // len(qs) + 1))[:n_queries]
    for q in qs[:5]:
        engine.search(q, k=6)
    rss_loaded = rss_mb()
    hybrid, embed, given, dense, lexical = [], [], [], [], []
    n = engine.store.chunks.count()
    for q in qs:
        t = time.perf_counter()
        engine.search(q, k=6)
        hybrid.append(time.perf_counter() - t)
        t = time.perf_counter()
        qv = engine.retriever.embed_query(q)
        embed.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.retriever.search(q, k=6, qv=qv)
        given.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.store.chunks.query(query_embeddings=[qv.tolist()], n_results=min(30, n),
                                  include=["documents", "metadatas", "embeddings", "distances"])
        dense.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.lexical.search(q, k=60)
        lexical.append(time.perf_counter() - t)
    ms = lambda xs, q: round(pct(np.array(xs) * 1000, q), 1)  # noqa: E731
    return {"chunks": n, "engine_load_s": round(load_s, 2), "queries": len(qs),
            "search_p50_ms": ms(hybrid, 50), "search_p95_ms": ms(hybrid, 95),
            "embed_p50_ms": ms(embed, 50), "given_vector_p50_ms": ms(given, 50), "given_vector_p95_ms": ms(given, 95),
            "dense_p50_ms": ms(dense, 50), "dense_p95_ms": ms(dense, 95),
            "bm25_p50_ms": ms(lexical, 50), "bm25_p95_ms": ms(lexical, 95),
            "rss_start_mb": round(rss0 or 0), "rss_loaded_mb": round(rss_loaded or 0),
            "rss_after_mb": round(rss_mb() or 0), "rss_peak_mb": round(rss_mb("VmHWM") or 0)}


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--real-max", type=int, default=1000, help="real embeddings up to this size, random unit vectors above")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--workdir", default="/tmp/mandate-bench")
    ap.add_argument("--reuse", action="store_true", help="reuse an index already built for a size (same vector kind)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one index in this (fresh) process
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.queries)))
        return 0
    results = []
    for size in args.sizes:
        real = size <= args.real_max
        db = Path(args.workdir) / f"retrieval-{size}-{'real' if real else 'random'}"
        info_file = db / "bench.json"
        if args.reuse and info_file.exists():
            info = json.loads(info_file.read_text())
            info["reused"] = True
        else:
            print(f"building {size} chunks ({'real embeddings' if real else 'random unit vectors'}) in {db} ...",
                  file=sys.stderr, flush=True)
            info = build_index(db, size, real)
        print(f"measuring {size} ...", file=sys.stderr, flush=True)
        out = subprocess.run([sys.executable, __file__, "--measure", str(db), "--queries", str(args.queries)],
                             capture_output=True, text=True, check=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        results.append({**info, **m, "index_mb": round(du_mb(db), 1), "path": str(db)})
    if args.json:
        print(json.dumps({"machine": machine(), "results": results}, indent=1))
        return 0
    print(f"Retrieval benchmark: Engine.search(k=6) over generated chunks, {args.queries} dev-set queries; {machine()}")
    print_table(["chunks", "vectors", "search p50 ms", "search p95 ms", "embed q p50", "w/o embed p50", "w/o embed p95",
                 "dense p50", "dense p95", "bm25 p50", "bm25 p95", "RSS loaded MB", "RSS peak MB", "index MB", "build s"],
                [[r["chunks"], r["vectors"], r["search_p50_ms"], r["search_p95_ms"], r["embed_p50_ms"],
                  r.get("given_vector_p50_ms", "-"), r.get("given_vector_p95_ms", "-"), r["dense_p50_ms"],
                  r["dense_p95_ms"], r["bm25_p50_ms"], r["bm25_p95_ms"], r["rss_loaded_mb"], r["rss_peak_mb"],
                  r["index_mb"], "reused" if r.get("reused") else round(r["build_s"] + r["bm25_build_s"])]
                 for r in results])
    print("\nsearch = the engine's hybrid retrieval incl. query embedding; w/o embed = the same with the query vector"
          "\ngiven (dense + BM25 + RRF + merge + MMR); dense = Chroma HNSW query (30 results, with"
          "\ndocuments and vectors); bm25 = bm25s query (60 results). 'random' = random unit vectors instead of real"
          "\nembeddings (latency/memory are representative, dense relevance is not).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
