"""Matching a set's expectations against the index: source names -> ids, page units, phrases."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = {ord("‘"): "'", ord("’"): "'", ord("“"): '"', ord("”"): '"'}


def norm_text(s: str) -> str:
    """Case-, whitespace-, dash- and quote-insensitive form used for phrase matching."""
    s = unicodedata.normalize("NFKC", s).translate(_DASHES).translate(_QUOTES).lower()
    s = s.replace("\u00ad", "")
    return re.sub(r"\s+", " ", s).strip()


SHORT_PHRASE = 12  # phrases up to this many characters must match on word boundaries ("2066" is not "20660")


def contains(haystack: str, phrase: str, normalised: bool = False) -> bool:
    """``phrase`` in ``haystack`` (already ``norm_text``-ed when ``normalised``: long texts, many phrases)."""
    p, h = norm_text(phrase), haystack if normalised else norm_text(haystack)
    if len(p) > SHORT_PHRASE:
        return p in h
    return re.search(r"(?<![a-z0-9])" + re.escape(p) + r"(?![a-z0-9])", h) is not None


def holds_gold(text: str, must_include: list[str], must_include_any: list[str], normalised: bool = False) -> bool:
    """``text`` holds every ``must_include`` phrase and one of the ``must_include_any`` ones (if any given)."""
    if not (must_include or must_include_any):
        return False
    if not all(contains(text, p, normalised) for p in must_include):
        return False
    return not must_include_any or any(contains(text, p, normalised) for p in must_include_any)


def _keys(name: str) -> set[str]:
    n = name.strip().lower()
    p = Path(n)
    return {n, p.name, p.stem, re.sub(r"[^a-z0-9]+", "-", p.stem).strip("-")}


@dataclass
class SourceResolver:
    """Maps what a set author wrote (source id, file name, file stem, title) to source ids in the index."""

    index: dict[str, str] = field(default_factory=dict)
    unresolved: set[str] = field(default_factory=set)

    @classmethod
    def from_registry(cls, registry: dict) -> SourceResolver:
        r = cls()
        # ids first so that an id always wins over another source's file stem or title
        for sid in registry:
            for k in _keys(sid):
                r.index.setdefault(k, sid)
        for sid, e in registry.items():
            for k in _keys(Path(e.path).name) | {norm_text(e.title)}:
                if k:
                    r.index.setdefault(k, sid)
        return r

    def lookup(self, name: str) -> str | None:
        for k in [name.strip().lower()] + sorted(_keys(name)) + [norm_text(name)]:
            if k in self.index:
                return self.index[k]
        return None

    def resolve(self, name: str) -> str | None:
        sid = self.lookup(name)
        if sid is None:
            self.unresolved.add(name)
        return sid

    def expected(self, names: list[str]) -> list[str]:
        """Resolved source ids in the order given (unresolved names keep a placeholder that never matches)."""
        out = []
        for n in names:
            sid = self.resolve(n)
            out.append(sid if sid else f"?{n}")
        return list(dict.fromkeys(out))


PageEntry = tuple  # (frozenset of allowed source ids | None for any source, page label)


def page_entries(resolver: SourceResolver, expected_ids: list[str], pages: list[str]) -> list[PageEntry]:
    """Expected pages as (allowed sources, label) entries.

    A plain label (``"4"``) is found on that page of any expected source (of any source when the item
    lists none); ``"source:label"`` (source id or file name) pins it to one source.
    """
    allowed = frozenset(expected_ids) if expected_ids else None
    out: list[PageEntry] = []
    for p in pages:
        if ":" in p:
            left, label = p.rsplit(":", 1)
            sid = resolver.lookup(left)
            if sid and label.strip():
                out.append((frozenset([sid]), label.strip()))
                continue
        out.append((allowed, p))
    return list(dict.fromkeys(out))


def entry_hit(entry: PageEntry, source_id: str, page_label: str) -> bool:
    allowed, label = entry
    return page_label == label and (allowed is None or source_id in allowed)
