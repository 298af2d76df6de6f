"""CLI: `python -m ingest refs [--db DIR] [--corpus DIR] [--json] [--add-missing]`.

Lists each reference of the paper (and of any ingested source that has a reference list): where it
is cited (pages), whether it is ingested (as which source) and its URL/DOI; then coverage: N
references, M ingested, the missing ones. ``--add-missing`` appends a manifest entry (kind "cited")
for every missing reference with a URL or DOI that the manifest does not list yet, so that the
next `python -m ingest fetch` downloads it; running it again adds nothing.

Exit codes: 0 a reference list was found (whatever the coverage), 1 no reference list in the index,
2 usage/config error (no index, bad manifest).
"""
from __future__ import annotations

import argparse
import json
import re
import sys

from ..errors import ConfigError
from ..index.settings import get_settings
from ..index.store import Store
from ..manifest import ManifestEntry, append_entries, load_manifest, slugify
from .links import Bibliography, cited_pages, coverage_of, load_or_build_bibliography, norm_doi, norm_url, reference_json
from .patterns import fold
from .references import Reference


def manifest_entry_for(ref: Reference) -> ManifestEntry:
    stem = re.sub(r"(?:\d{4}|nd)[a-z]?(?:-\d+)?$", "", ref.key) or fold(ref.authors[0] if ref.authors else "") or "anon"
    sid = slugify(f"{stem}-{ref.year or 'nd'}{ref.suffix}")
    return ManifestEntry(id=sid, title=ref.title, authors=list(ref.authors), year=ref.year, url=ref.link(),
                         kind="cited", file=f"{sid}.pdf")


def missing_entries(bib: Bibliography, manifest: list[ManifestEntry]) -> list[ManifestEntry]:
    """Manifest entries to add: missing references with a URL/DOI that the manifest does not list."""
    ids = {e.id for e in manifest}
    known = {norm_url(e.url) for e in manifest if e.url} | {norm_doi(e.url) for e in manifest if norm_doi(e.url)}
    out: list[ManifestEntry] = []
    for doc in bib.citing():
        for ref in doc.references:
            if ref.linked_source or not ref.link():
                continue
            keys = {norm_url(ref.link()), norm_url(ref.url)} | ({norm_doi(ref.doi)} if ref.doi else set())
            if (keys - {""}) & known:
                continue
            entry = manifest_entry_for(ref)
            base, n = entry.id, 2
            while entry.id in ids:
                entry.id = f"{base}-{n}"
                entry.file = f"{entry.id}.pdf"
                n += 1
            ids.add(entry.id)
            known |= keys - {""}
            out.append(entry)
    return out


def report(bib: Bibliography, registry) -> dict:
    docs = []
    for doc in bib.documents.values():
        pages = cited_pages(doc)
        docs.append({"source_id": doc.source_id, "title": doc.title, "kind": doc.kind,
                     "references": [reference_json(r, pages.get(r.key, []), registry) for r in doc.references],
                     "citations": len(doc.citations),
                     "unlinked_citations": [c.text for c in doc.citations if not c.refs]})
    return {"documents": docs, "coverage": coverage_of(bib)}


def _print_text(rep: dict, out) -> None:
    for doc in rep["documents"]:
        print(f"{doc['title'] or doc['source_id']} ({doc['source_id']}): {len(doc['references'])} references, "
              f"{doc['citations']} in-text citations", file=out)
        for r in doc["references"]:
            where = f"p. {', '.join(r['cited_on'])}" if r["cited_on"] else "not cited in the text"
            status = f"ingested as {r['source_id']} ({r['link_method']})" if r["ingested"] else "NOT INGESTED"
            print(f"  [{r['key']}] {r['text']}\n      cited {where}; {status}" +
                  (f"; {r['link']}" if r["link"] else ""), file=out)
        if doc["unlinked_citations"]:
            print(f"  in-text citations without a reference: {', '.join(doc['unlinked_citations'])}", file=out)
    cov = rep["coverage"]
    print(f"\ncoverage: {cov['ingested']} of {cov['references']} references ingested; "
          f"{len(cov['missing'])} missing", file=out)
    for m in cov["missing"]:
        print(f"  - {m['key']}: {m['url'] or '(no URL or DOI: look it up by title and drop it in corpus/)'}", file=out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ingest refs",
                                description="The paper's references: where cited, whether ingested; coverage.")
    p.add_argument("--corpus", help="corpus folder with sources.toml (default: MANDATE_CORPUS_DIR or ./corpus)")
    p.add_argument("--db", help="index folder (default: MANDATE_DB_DIR or ./.mandate/index)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--add-missing", action="store_true",
                   help="append missing references with a URL/DOI to sources.toml (for `python -m ingest fetch`)")
    try:
        args = p.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 2
    try:
        settings = get_settings(corpus_dir=args.corpus, db_dir=args.db)
        store = Store(settings, create=False)
        bib = load_or_build_bibliography(store, settings)
        rep = report(bib, store.registry())
        if args.add_missing:
            manifest = load_manifest(settings.corpus_dir)
            added = missing_entries(bib, manifest)
            if added:
                settings.corpus_dir.mkdir(parents=True, exist_ok=True)
                append_entries(settings.corpus_dir, added)
            rep["added"] = [e.__dict__ for e in added]
            rep["manifest"] = str(settings.corpus_dir / "sources.toml")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rep, indent=2, ensure_ascii=False))
    else:
        if rep["documents"]:
            _print_text(rep, sys.stdout)
        else:
            print("no reference list found in the indexed sources")
        if args.add_missing:
            print(f"\nadded {len(rep['added'])} entries to {rep['manifest']}" +
                  ("; run `python -m ingest fetch` to download them" if rep["added"] else ""))
    return 0 if rep["documents"] else 1
