"""`python -m ingest check`: is the index consistent with its registry?"""
from __future__ import annotations

from collections import Counter

from .lexical import LexicalIndex, bm25_dir, fingerprint
from .store import Store


def check_index(store: Store) -> list[str]:
    """Problems found (empty list = consistent): orphans, old versions, duplicates, count mismatches."""
    problems: list[str] = []
    registry = store.registry()
    ids, metas = store.all_chunk_meta()
    dup = [i for i, n in Counter(ids).items() if n > 1]
    if dup:
        problems.append(f"{len(dup)} duplicate chunk ids, e.g. {dup[0]}")
    per_source: Counter[tuple[str, str]] = Counter()
    spans: Counter[tuple] = Counter()
    for m in metas:
        per_source[(m.get("source_id"), m.get("source_hash"))] += 1
        spans[(m.get("source_id"), m.get("source_hash"), m.get("page_index"), m.get("position"))] += 1
    for (sid, sha), n in per_source.items():
        reg = registry.get(sid)
        if reg is None:
            problems.append(f"{n} orphan chunks of unregistered source {sid!r}")
        elif reg.sha256 != sha:
            problems.append(f"{n} chunks of an old version of {sid!r} ({sha[:12]} != {reg.sha256[:12]})")
    for sid, reg in registry.items():
        n = per_source.get((sid, reg.sha256), 0)
        if n != reg.chunks:
            problems.append(f"source {sid!r}: registry says {reg.chunks} chunks, index has {n}")
        pages = store.pages.get(where={"$and": [{"source_id": sid}, {"source_hash": reg.sha256}]}, include=[])
        if len(pages["ids"]) != reg.pages:
            problems.append(f"source {sid!r}: registry says {reg.pages} pages, index has {len(pages['ids'])}")
    if any(n > 1 for n in spans.values()):
        problems.append("two chunks share the same source, page and position")
    stray_pages = store.pages.get(where={"source_id": {"$nin": sorted(registry) or ["\0"]}}, include=[])
    if stray_pages["ids"]:
        problems.append(f"{len(stray_pages['ids'])} orphan pages")
    d = bm25_dir(store.settings.db_dir, store.settings.collection)
    try:
        lex = LexicalIndex(d)
        if lex.fingerprint != fingerprint(store) or sorted(lex.ids) != sorted(ids):
            problems.append("BM25 index is stale (rerun `python -m ingest`)")
    except (OSError, ValueError):
        if ids:
            problems.append("BM25 index is missing (rerun `python -m ingest`)")
    return problems
