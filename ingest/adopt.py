"""Works added by hand: match a file dropped into corpus/ (any name) to the reference it is.

A file without a manifest entry is compared with every reference of the paper that is not ingested
yet (and every manifest entry whose file is missing) by what the document says about itself: its
title (PDF metadata or first heading) and the text of its first pages must name the work's title,
and its first author's surname or its year must appear there too. A unique match is recorded in
``sources.toml`` (the entry gets ``file = ...``, or a new ``cited`` entry is appended), so the next
ingest registers the file under the reference's title, year and link, the reference counts as
ingested and tracing uses it. The file name plays no part.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .bib.links import norm_doi, norm_url, source_pages, title_similarity
from .bib.patterns import fold
from .index.store import RegistryEntry, Store
from .manifest import ManifestEntry, append_entries, in_corpus, load_manifest, set_entry_file, slugify, with_fetched_files

TITLE_IN_TEXT = 0.8  # share of the title's words that must occur in the first pages
FIRST_PAGES = 2


@dataclass
class Work:
    """A work looked for: a missing reference or a manifest entry whose file is missing."""

    title: str
    authors: list[str]
    year: int | None
    url: str = ""
    key: str = ""  # reference key, if from the reference list
    entry_id: str = ""  # manifest id, if the manifest lists it


@dataclass
class Adopted:
    file: str
    source_id: str  # the id it was ingested under before the match
    entry_id: str  # the manifest entry that now names it
    title: str
    key: str
    how: str  # "title+author", "title+year", ...


def _words(s: str) -> list[str]:
    return [fold(w) for w in re.findall(r"[^\W_]+", s or "") if len(w) > 2]


def evidence(work: Work, title: str, text: str) -> str:
    """How a document (its title and first-page text) names ``work``: '' if it does not."""
    words = _words(work.title)
    if len(words) < 3:
        return ""  # "Report" or "Annual review" identify nothing
    body = set(_words(text)) | set(_words(title))
    in_text = sum(w in body for w in words) / len(words) >= TITLE_IN_TEXT
    if not (title_similarity(work.title, title) >= 0.85 or in_text):
        return ""
    surname = fold(work.authors[0].split(",")[0].split()[-1]) if work.authors and work.authors[0].split() else ""
    how = [w for w, ok in (("author", bool(surname) and surname in body),
                           ("year", bool(work.year) and str(work.year) in text)) if ok]
    return "title+" + "+".join(how) if how else ""


def wanted(missing_refs: list[dict], manifest: list[ManifestEntry], corpus: Path) -> list[Work]:
    """Missing references, merged with the manifest entries that stand for them (same URL/DOI or title)."""
    absent = [e for e in manifest if e.kind == "cited" and not (e.file and in_corpus(e.file) and (corpus / e.file).exists())]
    works: list[Work] = []
    used: set[str] = set()
    for r in missing_refs:
        keys = {norm_url(r.get("url", "")), norm_doi(r.get("url", ""))} - {""}
        entry = next((e for e in absent if ({norm_url(e.url), norm_doi(e.url)} - {""}) & keys
                      or (e.title and title_similarity(e.title, r.get("title", "")) >= 0.95)), None)
        if entry:
            used.add(entry.id)
        works.append(Work(r.get("title", ""), list(r.get("authors") or []), r.get("year"), r.get("url", ""),
                          r.get("key", ""), entry.id if entry else ""))
    works += [Work(e.title, list(e.authors), e.year, e.url, "", e.id) for e in absent if e.id not in used and e.title]
    return works


def adopt_dropped_files(store: Store, corpus: Path, missing_refs: list[dict]) -> list[Adopted]:
    """Match unlisted corpus files to missing works and record each unique match in sources.toml."""
    corpus = Path(corpus).resolve()
    manifest = with_fetched_files(load_manifest(corpus), corpus)  # fetched files count as present
    listed = {e.id for e in manifest}
    works = wanted(missing_refs, manifest, corpus)
    if not works:
        return []
    found: dict[int, list[tuple[str, RegistryEntry, str]]] = {}
    for sid, reg in sorted(store.registry().items()):
        path = Path(reg.path).resolve()
        if sid in listed or path.parent != corpus:
            continue  # listed in the manifest already, or in a subfolder (fetch names only top-level files)
        text = "\n".join(p.text for p in source_pages(store, sid, reg)[:FIRST_PAGES])
        hits = [(i, how) for i, w in enumerate(works) if (how := evidence(w, reg.title, text))]
        if len(hits) == 1:  # ambiguous documents are left alone
            found.setdefault(hits[0][0], []).append((sid, reg, hits[0][1]))
    adopted, new_entries = [], []
    ids = set(listed)
    for i, docs in sorted(found.items()):
        if len(docs) != 1:
            continue  # two files claim the same work: the user decides
        sid, reg, how = docs[0]
        w, name = works[i], Path(reg.path).name
        if w.entry_id:
            set_entry_file(corpus, w.entry_id, name)
            entry_id = w.entry_id
        else:
            base = slugify(f"{w.key or fold(w.authors[0] if w.authors else 'work')}")
            entry_id, n = base, 2
            while entry_id in ids:
                entry_id, n = f"{base}-{n}", n + 1
            new_entries.append(ManifestEntry(id=entry_id, title=w.title, authors=w.authors, year=w.year,
                                             url=w.url, kind="cited", file=name))
        ids.add(entry_id)
        adopted.append(Adopted(name, sid, entry_id, w.title, w.key, how))
    if new_entries:
        append_entries(corpus, new_entries)
    return adopted
