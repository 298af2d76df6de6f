"""`python -m ingest check`: is the index consistent, seen from the registry *and* from the store?

The registry is not trusted: chunks and pages are counted in Chroma per source and version, each
chunk's page must exist, and the BM25 index must hold exactly the stored chunk ids. The ingest
run uses ``source_problems`` to re-ingest (repair) inconsistent sources instead of skipping them.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from .index.lexical import LexicalIndex, bm25_dir, fingerprint
from .index.store import RegistryEntry, Store


def _store_side(store: Store):
    ids, metas = store.all_chunk_meta()
    pages = store.pages.get(include=["metadatas"])
    return ids, metas, pages["ids"], pages["metadatas"]


def source_problems(store: Store, registry: dict[str, RegistryEntry] | None = None, snapshot=None) -> dict[str, list[str]]:
    """Registered sources whose stored chunks/pages do not match their registry entry: {source_id: [why]}."""
    registry = store.registry() if registry is None else registry
    ids, metas, page_ids, page_metas = snapshot or _store_side(store)
    chunks: Counter = Counter()
    chunk_pages: dict[tuple, set] = defaultdict(set)
    spans: Counter = Counter()
    for m in metas:
        key = (m.get("source_id"), m.get("source_hash"))
        chunks[key] += 1
        chunk_pages[key].add(m.get("page_index"))
        spans[(*key, m.get("page_index"), m.get("position"))] += 1
    pages: dict[tuple, set] = defaultdict(set)
    for m in page_metas:
        pages[(m.get("source_id"), m.get("source_hash"))].add(m.get("page_index"))
    out: dict[str, list[str]] = {}
    for sid, reg in registry.items():
        key = (sid, reg.sha256)
        why = []
        if chunks[key] != reg.chunks:
            why.append(f"registry says {reg.chunks} chunks, index has {chunks[key]}")
        if len(pages[key]) != reg.pages:
            why.append(f"registry says {reg.pages} pages, index has {len(pages[key])}")
        missing = chunk_pages[key] - pages[key]
        if missing:
            why.append(f"{len(missing)} chunk page(s) missing from the page store")
        if any(n > 1 for (s, h, *_), n in spans.items() if (s, h) == key):
            why.append("two chunks share the same page and position")
        if why:
            out[sid] = why
    return out


def bm25_problem(store: Store, chunk_ids: list[str]) -> str | None:
    d = bm25_dir(store.settings.db_dir, store.settings.collection)
    try:
        lex = LexicalIndex(d)
    except (OSError, ValueError):
        return "BM25 index is missing (rerun `python -m ingest`)" if chunk_ids else None
    if lex.fingerprint != fingerprint(store) or sorted(lex.ids) != sorted(chunk_ids):
        return "BM25 index is stale (rerun `python -m ingest`)"
    return None


def check_index(store: Store) -> list[str]:
    """Problems found (empty list = consistent): orphans, old versions, duplicates, count mismatches."""
    problems: list[str] = []
    registry = store.registry()
    snap = _store_side(store)
    ids, metas, page_ids, page_metas = snap
    dup = [i for i, n in Counter(ids).items() if n > 1]
    if dup:
        problems.append(f"{len(dup)} duplicate chunk ids, e.g. {dup[0]}")
    for kind, rows in (("chunks", metas), ("pages", page_metas)):
        per: Counter = Counter((m.get("source_id"), m.get("source_hash")) for m in rows)
        for (sid, sha), n in sorted(per.items(), key=str):
            reg = registry.get(sid)
            if reg is None:
                problems.append(f"{n} orphan {kind} of unregistered source {sid!r}")
            elif reg.sha256 != sha:
                problems.append(f"{n} {kind} of an old version of {sid!r} ({str(sha)[:12]} != {reg.sha256[:12]})")
    for sid, why in sorted(source_problems(store, registry, snap).items()):
        problems += [f"source {sid!r}: {w}" for w in why]
    bm = bm25_problem(store, ids)
    if bm:
        problems.append(bm)
    return problems
