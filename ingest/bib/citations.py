"""In-text citations: author-year forms and numbered footnotes, each linked to its reference.

Forms: "(Holvikivi 2019)", "Holvikivi (2019)", "(A 2018; B and C 2020)", "Ghittoni et al. (2018)",
"(A 2018, p. 4)", "(A 2019a, b)", "(see A 2019)", "(UN DPO 2020)" for a corporate author, and a
footnote marker ("Initiative1") whose note cites a work ("1 See Holvikivi 2019, p. 4.").
Linking: surname + year, tolerant to diacritics and case; "et al." means the first author.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ..index.records import Page
from .patterns import NAME, PARTICLE, acronym, fold
from .references import Para, Reference, find_reference_section, paragraphs

_W = rf"{PARTICLE}*{NAME}(?:['’]s)?"
_NAMES = rf"{_W}(?:(?:\s|,\s|,?\s(?:and|&)\s){_W}){{0,8}}(?:,?\set\sal\.?)?"
_YR = r"(?:1[5-9]|20)\d{2}[a-z]?|n\.\s?d\.|forthcoming|in press"
_LOC = (r"(?:,\s?(?:p|pp|para|paras|ch|chap|fn|n)\.\s?[\divxlc]+(?:\s?[–-]\s?[\divxlc]+)?|:\s?\d+(?:\s?[–-]\s?\d+)?"
        r"|,\s?\d{1,3}(?:\s?[–-]\s?\d{1,4})?(?!\d))")  # "p. 4", ": 12", ", 135" (Chicago)
_YEARS = rf"(?:{_YR})(?:(?:,\s?|;\s?)(?:{_YR}|[a-z]\b))*{_LOC}?"
NARRATIVE = re.compile(rf"(?P<names>{_NAMES})\s\((?P<years>{_YEARS})\)")
_YEAR_PAREN = re.compile(rf"\s\((?:{_YR})")
PAREN = re.compile(r"\((?P<body>[^()]{4,600})\)")
_ITEM = re.compile(rf"^(?P<names>{_NAMES}),?\s(?P<years>{_YEARS})\s*$")
BARE = re.compile(rf"(?P<names>{_NAMES}),?\s(?P<years>(?:{_YR})(?:,\s?(?:{_YR}|[a-z]\b))*)(?=[\s,.;:)]|$)")
_PREFIX = re.compile(r"^(?:see also|see|e\.\s?g\.,?|cf\.|i\.\s?e\.,?|for example,?|for instance,?|as cited in|"
                     r"quoted in|cited in|also|and)\s+", re.IGNORECASE)
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "spring", "summer", "autumn", "fall", "winter", "since", "until", "before",
           "after", "in", "from", "between", "during", "by", "of", "and", "or", "to", "the", "around", "circa"}
_NOTE = re.compile(r"^(?P<n>\d{1,3})\s+(?P<body>\S.{7,})$", re.DOTALL)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


@dataclass
class CiteItem:
    names: list[str]  # surnames as printed ("Bastick", "de Torres"); first may carry leading words
    et_al: bool
    year: int | None
    suffix: str = ""
    locator: str = ""  # "p. 4"


@dataclass
class InText:
    """One in-text citation on a page, with the references it resolves to (keys)."""

    text: str  # as printed: "(Bastick and de Torres 2010; Ghittoni et al. 2018)", "Holvikivi (2019)", "Initiative1"
    page_index: int
    page_label: str
    start: int  # offsets into the stored page text
    end: int
    kind: str = "author-year"  # | "footnote"
    items: list[CiteItem] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)  # keys of linked references, in order
    item_refs: list[str] = field(default_factory=list)  # key per item ("" when unlinked)
    note: str = ""  # the footnote text, for kind "footnote"

    def to_json(self) -> dict:
        return asdict(self)


def _years(s: str) -> list[tuple[int | None, str]]:
    """'2018, 2019a, b; 2020' -> [(2018, ''), (2019, 'a'), (2019, 'b'), (2020, '')]."""
    s = re.sub(_LOC + "$", "", s.strip())
    out: list[tuple[int | None, str]] = []
    for tok in re.split(r"[,;]\s?", s):
        tok = tok.strip()
        m = re.fullmatch(r"(\d{4})([a-z]?)", tok)
        if m:
            out.append((int(m.group(1)), m.group(2)))
        elif re.fullmatch(r"[a-z]", tok) and out:
            out.append((out[-1][0], tok))
        elif tok:
            out.append((None, ""))
    return out


def _locator(s: str) -> str:
    m = re.search(_LOC + "$", s.strip())
    return m.group(0).lstrip(",: ").strip() if m else ""


def _names(s: str) -> tuple[list[str], bool]:
    et_al = bool(re.search(r"et\sal\.?$", s))
    s = re.sub(r",?\set\sal\.?$", "", s).strip()
    parts = [p.strip() for p in re.split(r",?\s(?:and|&)\s|,\s", s) if p.strip()]
    parts = [re.sub(r"['’]s$", "", p) for p in parts]
    return parts, et_al


def _items(names: str, years: str) -> list[CiteItem]:
    parts, et_al = _names(names)
    if not parts or fold(parts[0].split()[-1]) in _MONTHS:
        return []
    loc = _locator(years)
    return [CiteItem(parts, et_al, y, sfx, loc) for y, sfx in _years(years)]


def _name_ok(printed: str, ref: Reference) -> bool:
    if not ref.authors:
        return False
    first = ref.authors[0]
    p = fold(printed)
    if not p:
        return False
    no_particle = fold(re.sub(rf"^{PARTICLE}+", "", first))
    return p in (fold(first), no_particle, acronym(first)) or (
        len(printed) >= 2 and printed.replace(" ", "").isupper() and f"({printed})" in ref.text[:200])


def match_item(item: CiteItem, refs: list[Reference]) -> tuple[Reference | None, int]:
    """The reference an item cites and how many leading words of its first name were dropped."""
    first_words = item.names[0].split()
    for drop in range(len(first_words)):
        printed = " ".join(first_words[drop:])
        scored = []
        for ref in refs:
            if ref.year != item.year or not _name_ok(printed, ref):
                continue
            score = 2.0
            if item.suffix or ref.suffix:
                score += 1.0 if item.suffix == ref.suffix else -3.0
            others = [fold(n) for n in ref.authors[1:]]
            score += sum(0.5 for n in item.names[1:] if fold(n) in others or fold(n.split()[-1]) in others)
            n_printed = len(item.names)
            if item.et_al:
                score -= 0.0 if len(ref.authors) >= 3 else 0.5
            elif n_printed != len(ref.authors):
                score -= 0.5
            scored.append((score, ref))
        if scored:
            scored.sort(key=lambda x: -x[0])
            if scored[0][0] > 0:
                return scored[0][1], drop
    return None, 0


def _trim_start(text: str, names: str, drop: int) -> int:
    """Offset of the first kept word of ``names`` (after dropping ``drop`` leading words)."""
    pos = 0
    for _ in range(drop):
        m = re.compile(r"\S+\s+").match(names, pos)
        pos = m.end() if m else pos
    return pos


def _narratives(text: str):
    """NARRATIVE matches, searched only just before a "(2019" (fast on long pages)."""
    seen = -1
    for m in _YEAR_PAREN.finditer(text):
        lo = max(0, m.start() - 240, seen)
        for n in NARRATIVE.finditer(text, lo, min(len(text), m.end() + 120)):
            if n.start() >= seen and n.end() > m.start():
                seen = n.end()
                yield n
                break


def _author_year(para: Para, refs: list[Reference]) -> list[InText]:
    out: list[InText] = []
    taken: list[tuple[int, int]] = []
    text = para.text
    for m in _narratives(text):
        items = _items(m.group("names"), m.group("years"))
        if not items:
            continue
        keys, drop = [], 0
        for it in items:
            ref, d = match_item(it, refs)
            keys.append(ref.key if ref is not None else "")
            drop = max(drop, d) if ref is not None else drop
        per_item = list(keys)
        keys = [k for k in keys if k]
        if not keys:  # unlinked: keep the last name word and what follows it
            drop = len(items[0].names[0].split()) - 1 if not items[0].names[0].replace(" ", "").isupper() else 0
        start = m.start() + _trim_start(text, m.group("names"), drop)
        for it in items:
            it.names[0] = " ".join(it.names[0].split()[drop:]) or it.names[0]
        out.append(InText(text[start:m.end()], para.page_index, para.page_label, para.offset + start,
                          para.offset + m.end(), items=items, refs=list(dict.fromkeys(keys)), item_refs=per_item))
        taken.append((m.start(), m.end()))
    for m in PAREN.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken) or not re.search(r"\d{4}|n\.\s?d\.", m.group("body")):
            continue
        items: list[CiteItem] = []
        for part in re.split(r";\s*", m.group("body")):
            part = _PREFIX.sub("", part.strip())
            im = _ITEM.match(part)
            if im:
                items += _items(im.group("names"), im.group("years"))
        if not items:
            continue
        per_item = [ref.key if ref else "" for ref in (match_item(it, refs)[0] for it in items)]
        out.append(InText(m.group(0), para.page_index, para.page_label, para.offset + m.start(),
                          para.offset + m.end(), items=items, refs=list(dict.fromkeys(k for k in per_item if k)),
                          item_refs=per_item))
    return out


def _is_note(p: Para) -> re.Match | None:
    m = _NOTE.match(p.text)
    if not m:
        return None
    body = m.group("body")
    if len(body) < 90 and not re.search(r"[.;:!?)]$", body) and not re.search(r"\d{4}", body):
        return None  # a numbered heading ("2 Gender training in security institutions")
    return m if len(body) <= 800 else None  # longer: body text after a numbered heading, not a note


def _note_refs(body: str, refs: list[Reference], prev: list[str]) -> tuple[list[CiteItem], list[str]]:
    """References a footnote cites: author-year forms, a full entry, or a surname and year of a listed work."""
    if re.match(r"^(?:ibid|ibidem)\b", body, re.IGNORECASE):
        return [], list(prev)
    items = [it for m in BARE.finditer(body) for it in _items(m.group("names"), m.group("years"))]
    keys = [ref.key for ref in (match_item(it, refs)[0] for it in items) if ref is not None]
    words = [(m.start(), fold(m.group(0))) for m in re.finditer(r"[^\W\d_][\w'’-]*", body)]
    years = [(m.start(), int(m.group(0))) for m in re.finditer(r"\b(?:1[5-9]|20)\d{2}\b", body)]
    for ref in refs:  # "A. Holvikivi, 'Mandate rituals', International Peacekeeping 26 (2019): 395."
        if ref.key in keys or not ref.authors:
            continue
        names = {fold(ref.authors[0].split()[-1]), acronym(ref.authors[0])}
        if any(w in names and y == ref.year and 0 < yp - wp < 200 for wp, w in words for yp, y in years):
            keys.append(ref.key)
    return items, list(dict.fromkeys(keys))


def _marker(paras: list[Para], note: Para, n: str) -> tuple[Para, re.Match] | None:
    """The footnote marker ``n`` in the body text: on the note's page, else the page before."""
    pat = re.compile(rf"(?<=[^\W\d_][.,;:)”’\"'])({n})(?!\d)(?=[\s,.;:]|$)|(?<=[^\W\d_])({n})(?!\d)(?=[\s,.;:]|$)")
    for page in (note.page_index, note.page_index - 1):
        for p in paras:
            if p.page_index != page or p is note or _is_note(p):
                continue
            m = pat.search(p.text.translate(_SUPERSCRIPT))
            if m:
                return p, m
    return None


def extract_citations(pages: list[Page], refs: list[Reference]) -> list[InText]:
    """All in-text citations of a document's body (the reference list itself is skipped)."""
    paras = paragraphs(pages)
    section = {(p.page_index, p.offset) for p in find_reference_section(paras)}
    body = [p for p in paras if (p.page_index, p.offset) not in section
            and not any(q[0] == p.page_index and p.offset <= q[1] < p.offset + len(p.text) for q in section)]
    out: list[InText] = []
    prev_keys: list[str] = []
    for p in body:
        out += _author_year(p, refs)
        nm = _is_note(p)
        if not nm:
            continue
        items, keys = _note_refs(nm.group("body"), refs, prev_keys)
        if not keys:
            continue
        prev_keys = keys
        found = _marker(body, p, nm.group("n"))
        if found:  # the marker in the citing sentence ("Initiative1") stands for the note
            q, m = found
            word_start = m.start() - len(re.search(r"\S*$", q.text[: m.start()]).group(0))
            out.append(InText(q.text[word_start:m.end()], q.page_index, q.page_label, q.offset + word_start,
                              q.offset + m.end(), "footnote", items, keys, note=p.text))
    out.sort(key=lambda c: (c.page_index, c.start))
    return out
