"""Reference lists: find a document's bibliography in its cleaned page texts and parse the entries.

Pure functions on page texts (``ingest.index.records.Page``); nothing here touches the index. The
in-text side (author-year citations, footnotes, citation -> reference links) is in
``ingest.bib.citations``, the two together in ``ingest.bib.document``; linking references to
ingested sources and persisting it all is in ``ingest.bib.links``.

Cleaned page text: paragraphs are separated by blank lines and headings are paragraphs of their
own, but a reference list may come as one paragraph per entry or as one long paragraph per page,
so entries are split where an author list followed by a year starts ("Holvikivi, A. (2019).").
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ..index.records import Page
from .patterns import DITTO, DOI_RE, HEAD, PERSON_ONE, PERSONS_RE, URL_RE, acronym, fold

__all__ = ["Reference", "Para", "extract_references", "parse_reference", "find_reference_section", "split_entries",
           "paragraphs", "fold", "acronym"]

_CANDIDATE = re.compile(r"(?<=[.?!\]])[\"”’)]?\s+|(?:https?://|doi:|www\.)\S+\s+|\s+(?=[—–_]{2,}|-{3,})")
_NOISE = re.compile(r"\b(?:Available (?:at|from|online)|Retrieved(?: [^:]{0,40})? from|Accessed(?: on)?"
                    r"(?: \d{1,2})? \w+ \d{4}|\[online\]|URL)\s*:?\s*", re.IGNORECASE)

SECTION_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+|[IVX]+\.\s+|[A-Z]\.\s+)?(?P<h>references(?: and notes)?|reference list|bibliography|"
    r"select(?:ed)? bibliography|works cited|literature cited|sources cited|cited works|list of references|"
    r"références|bibliographie|referencias|bibliografía|literaturverzeichnis)\s*:?", re.IGNORECASE)
END_HEADING = re.compile(
    r"^(?:\d+\.?\s+|[A-Z]\.\s+)?(?:annex(?:es)?|appendix|appendices|about the authors?|acknowledge?ments|"
    r"endnotes|notes|index|glossary|abbreviations|acronyms|list of (?:tables|figures))\b", re.IGNORECASE)


@dataclass
class Reference:
    """One entry of a reference list. ``authors`` are surnames (a corporate author is one name)."""

    key: str  # first author + year (+ suffix), e.g. "holvikivi2019"
    authors: list[str]
    year: int | None
    title: str
    container: str  # journal/volume/pages, publisher, report series: what follows the title
    url: str
    doi: str
    text: str  # the entry as printed (cleaned)
    page_label: str
    page_index: int = 0
    suffix: str = ""  # "a" of "2019a"
    linked_source: str | None = None  # id of the ingested source it resolves to (set by ingest.bib.links)
    link_method: str = ""  # "doi" | "url" | "title" | "author-year"

    def link(self) -> str:
        """A URL for the work: its URL, else its DOI resolver address, else ''."""
        return self.url or (f"https://doi.org/{self.doi}" if self.doi else "")

    def to_json(self) -> dict:
        return asdict(self)


def ref_key(authors: list[str], year: int | None, suffix: str = "") -> str:
    first = authors[0] if authors else "anon"
    stem = acronym(first) if len(first.split()) > 2 else fold(first)
    return f"{stem or 'anon'}{year or 'nd'}{suffix}"


def split_authors(s: str) -> list[str]:
    """Surnames of an author string: 'Bastick, M. and de Torres, D.' -> ['Bastick', 'de Torres']."""
    if PERSONS_RE.fullmatch(s.strip()):
        return [m.group("inv") or m.group("fwd") or m.group("full") for m in PERSON_ONE.finditer(s)]
    corp = re.sub(r"\s*\((?:eds?|hrsg|coord|dir)\.?\)|,?\s+et al\.?$", "", s.strip(" ,.;"), flags=re.IGNORECASE)
    return [corp] if corp else []


# --- paragraphs and the reference section ------------------------------------------------
@dataclass
class Para:
    page_index: int
    page_label: str
    offset: int  # into the page text
    text: str


def paragraphs(pages: list[Page]) -> list[Para]:
    out = []
    for p in pages:
        pos = 0
        for chunk in p.text.split("\n\n"):
            if chunk.strip():
                lead = len(chunk) - len(chunk.lstrip())
                out.append(Para(p.index, p.label, pos + lead, chunk.strip()))
            pos += len(chunk) + 2
    return out


def entry_starts(text: str) -> list[tuple[int, re.Match]]:
    """Positions in ``text`` where a reference entry starts (an author list followed by a year)."""
    cands = [0] + [m.end() for m in _CANDIDATE.finditer(text)]
    starts, last_end = [], -1
    for pos in sorted(set(cands)):
        if pos < last_end or pos >= len(text):
            continue
        m = HEAD.match(text, pos)
        if m and m.group("authors")[:1].strip():
            starts.append((pos, m))
            last_end = m.end()
    return starts


def _heading_split(text: str) -> int | None:
    """If ``text`` is (or begins with) a reference-section heading, the offset where entries begin."""
    m = SECTION_HEADING.match(text)
    if not m:
        return None
    rest = text[m.end():]
    if not rest.strip():
        return len(text)
    lead = len(rest) - len(rest.lstrip())
    return m.end() + lead if HEAD.match(rest.lstrip()) else None


def find_reference_section(paras: list[Para]) -> list[Para]:
    """The paragraphs of the reference list(s): after a 'References'-like heading, or else the
    trailing run of reference-like paragraphs at the end of the document (at least 3 entries)."""
    section: list[Para] = []
    i = 0
    while i < len(paras):
        cut = _heading_split(paras[i].text)
        if cut is None:
            i += 1
            continue
        p = paras[i]
        body = [Para(p.page_index, p.page_label, p.offset + cut, p.text[cut:])] if cut < len(p.text) else []
        j, misses = i + 1, 0
        while j < len(paras) and _heading_split(paras[j].text) is None:
            q = paras[j]
            if len(q.text) < 90 and END_HEADING.match(q.text):
                break
            if entry_starts(q.text):
                misses = 0
            else:
                misses += 1
                if misses > 1 or len(q.text) > 400:
                    break
            body.append(q)
            j += 1
        if any(entry_starts(b.text) for b in body):
            section += body
        i = j
    if section:
        return section
    run: list[Para] = []
    for p in reversed(paras):
        if entry_starts(p.text)[:1] and entry_starts(p.text)[0][0] == 0:
            run.insert(0, p)
        elif run and len(p.text) < 200 and not END_HEADING.match(p.text):
            run.insert(0, p)  # maybe a continuation; dropped below if nothing precedes it
        else:
            break
    while run and not (entry_starts(run[0].text)[:1] and entry_starts(run[0].text)[0][0] == 0):
        run.pop(0)
    return run if sum(len(entry_starts(p.text)) for p in run) >= 3 else []


def split_entries(section: list[Para]) -> list[tuple[str, Para]]:
    """Entry texts (wrapped lines and page breaks joined) with the paragraph each one starts in."""
    entries: list[list] = []
    for p in section:
        starts = entry_starts(p.text)
        head = p.text[: starts[0][0]] if starts else p.text
        if head.strip() and entries:
            entries[-1][0] += " " + head.strip()
        for k, (pos, _) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(p.text)
            entries.append([p.text[pos:end].strip(), p])
    return [(" ".join(t.split()), p) for t, p in entries]


# --- one entry -----------------------------------------------------------------------------
def _strip_link(s: str) -> str:
    s = s.rstrip(".,;:")
    while s.endswith(")") and s.count(")") > s.count("("):
        s = s[:-1].rstrip(".,;:")
    return s


_ABBR = {"vol", "no", "ed", "eds", "pp", "st", "dr", "vs", "cf", "jr", "sr", "rev", "edn"}


def _split_title(body: str) -> tuple[str, str]:
    """'Title. Container' -> (title, container); a '?' inside a title keeps its subtitle with it."""
    body = body.strip()
    if body[:1] in "\"“‘":
        close = {"“": "”", "‘": "’"}.get(body[0], body[0])
        end = body.find(close, 1)
        if end > 0:
            return body[1:end].strip(" .,"), body[end + 1:].strip(" .,")
    for m in re.finditer(r"\.(?=\s+[A-Z0-9(\[“\"‘])", body):
        word = body[: m.start()].rsplit(None, 1)[-1] if body[: m.start()].strip() else ""
        if (len(word) == 1 and word.isupper()) or word.lower() in _ABBR or re.fullmatch(r"(?:[A-Z]\.)+[A-Z]", word):
            continue
        return body[: m.start()].strip(), body[m.end():].strip().rstrip(".").strip()
    q = re.search(r"[?!](?=\s+[A-Z0-9])", body)
    if q:
        return body[: q.end()].strip(), body[q.end():].strip().rstrip(".").strip()
    return body.rstrip(" ."), ""


def parse_reference(text: str, page_index: int = 0, page_label: str = "", prev: Reference | None = None) -> Reference | None:
    m = HEAD.match(text)
    if not m:
        return None
    raw_authors = m.group("authors")
    authors = list(prev.authors) if re.fullmatch(DITTO, raw_authors) and prev else split_authors(raw_authors)
    y = m.group("year") or m.group("year2")
    year = int(y) if y else None
    suffix = m.group("suffix") or m.group("suffix2") or ""
    rest = text[m.end():]
    doi = ""
    dm = DOI_RE.search(rest)
    if dm:
        doi = _strip_link(dm.group(1))
    url = ""
    for um in URL_RE.finditer(rest):
        u = _strip_link(um.group(0))
        if not re.match(r"https?://(?:dx\.)?doi\.org/", u, re.IGNORECASE):
            url = u
            break
    body = DOI_RE.sub(" ", URL_RE.sub(" ", rest))
    body = re.sub(r"\s+", " ", _NOISE.sub(" ", body)).strip(" .,;:")
    title, container = _split_title(body) if body else ("", "")
    return Reference(key=ref_key(authors, year, suffix), authors=authors, year=year, title=title,
                     container=container, url=url, doi=doi, text=text, page_label=page_label,
                     page_index=page_index, suffix=suffix)


def extract_references(pages: list[Page]) -> list[Reference]:
    """The parsed reference list of a document (empty when it has none)."""
    refs: list[Reference] = []
    seen: dict[str, int] = {}
    for text, para in split_entries(find_reference_section(paragraphs(pages))):
        ref = parse_reference(text, para.page_index, para.page_label, refs[-1] if refs else None)
        if ref is None:
            continue
        n = seen.get(ref.key, 0)
        seen[ref.key] = n + 1
        if n:
            ref.key = f"{ref.key}-{n + 1}"
        refs.append(ref)
    return refs
