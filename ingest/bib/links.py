"""References -> ingested sources, the persisted bibliography of an index, and coverage.

A reference resolves to an ingested source by DOI or URL (normalised), else by fuzzy title
(token-set similarity) with a matching year, else by first-author surname + year against the
source's manifest authors and year. The bibliography of every registered source (references,
in-text citations, links) is written to ``<db_dir>/bibliography-<collection>.json`` with a
fingerprint of the registry, so the engine loads it instead of re-parsing per question.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import urlsplit

from ..index.records import Page
from ..index.settings import Settings
from ..index.store import RegistryEntry, Store
from .citations import CiteItem, InText
from .document import DocumentBibliography, extract_bibliography
from .patterns import fold
from .references import Reference

BIB_VERSION = 2  # bump when extraction or linking changes: persisted bibliographies are rebuilt
TITLE_MIN = 0.85  # token-set similarity needed for a title match (with matching year)
TITLE_MIN_NO_YEAR = 0.93  # ... when the source has no year


# --- normalisation -----------------------------------------------------------------------
def norm_doi(s: str) -> str:
    s = (s or "").strip().lower()
    s = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", s)
    return s.rstrip(".,;") if s.startswith("10.") else ""


def norm_url(s: str) -> str:
    s = (s or "").strip()
    if not s:
        return ""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", s, re.IGNORECASE):
        s = "https://" + s
    parts = urlsplit(s)
    host = parts.netloc.lower().removeprefix("www.")
    path = re.sub(r"/+$", "", parts.path) or ""
    if re.search(r"/index\.html?$", path):
        path = path.rsplit("/", 1)[0]
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


def _tokens(s: str) -> set[str]:
    return {fold(w) for w in re.findall(r"[^\W_]+", s) if len(fold(w)) > 1}


def title_similarity(a: str, b: str) -> float:
    """Token-set similarity (as rapidfuzz's token_set_ratio, 0..1): order- and duplicate-insensitive."""
    ta, tb = _tokens(a), _tokens(b)
    common_n = len(ta & tb)
    if common_n < 2 or common_n < 0.5 * max(len(ta), len(tb)):
        return 0.0  # a short or generic title ("Report", "Evaluation") is no evidence
    common = " ".join(sorted(ta & tb))
    ra, rb = " ".join(sorted(ta - tb)), " ".join(sorted(tb - ta))
    sa, sb = f"{common} {ra}".strip(), f"{common} {rb}".strip()
    ratio = lambda x, y: SequenceMatcher(None, x, y).ratio() if x and y else 0.0  # noqa: E731
    return max(ratio(common, sa), ratio(common, sb), ratio(sa, sb))


def _surname(author: str) -> str:
    """'Leena Haverinen' -> 'haverinen', 'Ghittoni, M.' -> 'ghittoni', 'Ghittoni' -> 'ghittoni'."""
    a = author.split(",")[0] if "," in author else author.split()[-1] if author.split() else ""
    return fold(a)


def link_reference(ref: Reference, registry: dict[str, RegistryEntry], exclude: str = "") -> tuple[str | None, str]:
    """(source id, method) of the ingested source a reference resolves to, else (None, '')."""
    cands = {sid: e for sid, e in registry.items() if sid != exclude}
    doi = norm_doi(ref.doi)
    url = norm_url(ref.url)
    for sid, e in cands.items():
        if doi and (norm_doi(e.url) == doi):
            return sid, "doi"
        if url and norm_url(e.url) == url:
            return sid, "url"
    best, best_sim = None, 0.0
    for sid, e in cands.items():
        if not ref.title or not e.title:
            continue
        sim = title_similarity(ref.title, e.title)
        need = TITLE_MIN if (e.year and ref.year == e.year) else TITLE_MIN_NO_YEAR if not e.year else 2.0
        if sim >= need and sim > best_sim:
            best, best_sim = sid, sim
    if best:
        return best, "title"
    if ref.authors and ref.year:
        first = {fold(ref.authors[0]), fold(ref.authors[0].split()[-1])}
        hits = [sid for sid, e in cands.items() if e.year == ref.year and e.authors
                and ({_surname(e.authors[0]), fold(e.authors[0])} & first)]
        if len(hits) == 1:
            return hits[0], "author-year"
    return None, ""


# --- building and persisting -------------------------------------------------------------
@dataclass
class Bibliography:
    fingerprint: str
    documents: dict[str, DocumentBibliography] = field(default_factory=dict)
    papers: list[str] = field(default_factory=list)  # ids of the indexed sources of kind "paper"

    def citing(self) -> list[DocumentBibliography]:
        """The documents whose references count for coverage: the paper(s) if the index has one
        (not a cited source's own bibliography), else every document with a reference list."""
        if self.papers:
            return [self.documents[p] for p in self.papers if p in self.documents]
        return [d for d in self.documents.values() if d.references]

    def references(self) -> list[Reference]:
        return [r for d in self.documents.values() for r in d.references]

    def to_json(self) -> dict:
        return {"version": BIB_VERSION, "fingerprint": self.fingerprint, "papers": self.papers,
                "documents": {sid: {"source_id": d.source_id, "title": d.title, "kind": d.kind,
                                    "references": [r.to_json() for r in d.references],
                                    "citations": [c.to_json() for c in d.citations]}
                              for sid, d in self.documents.items()}}

    @classmethod
    def from_json(cls, data: dict) -> Bibliography:
        docs = {}
        for sid, d in data["documents"].items():
            cites = [InText(**{**c, "items": [CiteItem(**i) for i in c["items"]]}) for c in d["citations"]]
            docs[sid] = DocumentBibliography(d["source_id"], d["title"], d["kind"],
                                             [Reference(**r) for r in d["references"]], cites)
        return cls(data["fingerprint"], docs, list(data.get("papers", [])))


def fingerprint(store: Store, registry: dict[str, RegistryEntry] | None = None) -> str:
    reg = store.registry() if registry is None else registry
    items = sorted((sid, e.sha256, e.title, e.url, e.kind, list(e.authors), e.year) for sid, e in reg.items())
    return hashlib.sha256(json.dumps([BIB_VERSION, items]).encode()).hexdigest()[:32]


def bib_path(settings: Settings) -> Path:
    return Path(settings.db_dir) / f"bibliography-{settings.collection}.json"


def source_pages(store: Store, source_id: str, entry: RegistryEntry) -> list[Page]:
    got = store.pages.get(where={"$and": [{"source_id": source_id}, {"source_hash": entry.sha256}]},
                          include=["documents", "metadatas"])
    pages = [Page(int(m["page_index"]), str(m.get("page_label", int(m["page_index"]) + 1)), d)
             for d, m in zip(got["documents"], got["metadatas"])]
    return sorted(pages, key=lambda p: p.index)


def build_bibliography(store: Store) -> Bibliography:
    registry = store.registry()
    bib = Bibliography(fingerprint(store, registry), papers=sorted(s for s, e in registry.items() if e.kind == "paper"))
    for sid, entry in sorted(registry.items()):
        doc = extract_bibliography(source_pages(store, sid, entry), sid, entry.title, entry.kind)
        if not doc.references:
            continue
        for ref in doc.references:
            ref.linked_source, ref.link_method = link_reference(ref, registry, exclude=sid)
        bib.documents[sid] = doc
    return bib


def save_bibliography(bib: Bibliography, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bibliography-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(bib.to_json(), fh, ensure_ascii=False)
    os.replace(tmp, path)


def load_or_build_bibliography(store: Store, settings: Settings | None = None) -> Bibliography:
    """The persisted bibliography if it matches the index's registry, else built (and saved) now."""
    settings = settings or store.settings
    path = bib_path(settings)
    fp = fingerprint(store)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") == BIB_VERSION and data.get("fingerprint") == fp:
            return Bibliography.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    bib = build_bibliography(store)
    try:
        save_bibliography(bib, path)
    except OSError:
        pass  # read-only index folder: still usable, just rebuilt next time
    return bib


# --- reporting ---------------------------------------------------------------------------
def cited_pages(doc: DocumentBibliography) -> dict[str, list[tuple[int, str]]]:
    """reference key -> sorted distinct (page_index, page_label) where it is cited."""
    out: dict[str, set[tuple[int, str]]] = {}
    for c in doc.citations:
        for k in c.refs:
            out.setdefault(k, set()).add((c.page_index, c.page_label))
    return {k: sorted(v) for k, v in out.items()}


def _identity(ref: Reference) -> str:
    return norm_doi(ref.doi) or norm_url(ref.url) or f"{ref.key}|{fold(ref.title)[:60]}"


def coverage_of(bib: Bibliography) -> dict:
    seen: dict[str, Reference] = {}
    for doc in bib.citing():
        for ref in doc.references:
            prev = seen.get(_identity(ref))
            if prev is None or (ref.linked_source and not prev.linked_source):
                seen[_identity(ref)] = ref
    refs = list(seen.values())
    missing = [{"key": r.key, "text": r.text, "url": r.link(), "title": r.title, "authors": r.authors,
                "year": r.year} for r in refs if not r.linked_source]
    return {"references": len(refs), "ingested": len(refs) - len(missing), "missing": missing,
            "documents": [d.source_id for d in bib.citing()]}


def coverage(store: Store, settings: Settings | None = None) -> dict:
    """Coverage of the paper's reference list by the index, for the Library page:
    ``{"references": N, "ingested": M, "missing": [{"key", "text", "url", "title", "authors", "year"}],
    "documents": [citing source ids]}`` (all zeros/empty when no reference list was found)."""
    return coverage_of(load_or_build_bibliography(store, settings))


def reference_json(ref: Reference, pages: list[tuple[int, str]], registry: dict[str, RegistryEntry]) -> dict:
    d = asdict(ref)
    d.update(url=ref.url, link=ref.link(), cited_on=[label for _, label in pages],
             cited_page_indexes=[i for i, _ in pages], ingested=bool(ref.linked_source),
             source_id=ref.linked_source,
             source_title=registry[ref.linked_source].title if ref.linked_source in registry else "")
    return d
