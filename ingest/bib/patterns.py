"""Patterns for reference lists and in-text citations (authors, years, links) and name normalisation.

Shared by ``ingest.bib.references`` (reference entries) and ``ingest.bib.citations`` (in-text citations).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

UP = r"(?![a-zß-ÿ])[^\W\d_]"  # an upper-case letter (any script with case; Latin lower-case excluded)
NAME = UP + r"[^\W\d_]*(?:['’][^\W\d_]+)?(?:-" + UP + r"?[^\W\d_]+)*"  # Holvikivi, O'Neil, Smith-Jones, DPO
PARTICLE = r"(?:(?i:de|da|del|della|der|den|di|du|dos|das|van|von|la|le|ter|ten|bin|ibn|al|el|st\.)\s+)"
SURNAME = rf"{PARTICLE}*{NAME}(?:\s{NAME})?"
INITIALS = rf"(?:{UP}\.(?:\s?-?{UP}\.)*|{UP}[^\W\d_]+(?:\s{UP}\.)?)"  # "D. L.", "J.-P.", "Aiko", "Aiko B."
P_INV = rf"{SURNAME},\s{INITIALS}"
P_FWD = rf"{UP}\.(?:\s?-?{UP}\.)*\s{SURNAME}"
P_FULL = rf"{UP}[^\W\d_]+(?:\s{UP}\.)*\s{PARTICLE}*{NAME}"  # "Daniel de Torres", "James D. Kirkpatrick"
PERSON = rf"(?:{P_INV}|{P_FWD})"
SEP = r"(?:,?\s(?:and|&)\s|,\s|;\s)"
PERSONS = rf"{PERSON}(?:{SEP}(?:{PERSON}|{P_FULL})){{0,30}}(?:,?\set\sal\.?|,?\s(?:and|&)\sothers)?"
_CONNECT = r"(?:of|for|the|and|on|in|to|de|du|des|la|le|et|&)"
CORP = rf"{UP}[\w&'’-]*(?:\s(?:{_CONNECT}\s){{0,3}}{UP}[\w&'’-]*){{0,12}}(?:\s\({UP}[\w\s]*\))?"
DITTO = r"(?:[—–_]{2,}|-{3,})\.?,?"  # "———. (2019b)" = same authors as the entry before
EDS = r"(?:,?\s\((?i:eds?|hrsg|coord|dir)\.?\))?"
YEAR = (r"(?:\s?\((?P<year>(?:1[5-9]|20)\d{2})(?P<suffix>[a-z]?)(?:,[^)]{0,25})?\)|\s(?P<year2>(?:1[5-9]|20)\d{2})"
        r"(?P<suffix2>[a-z]?)|\s?\((?P<nd>n\.\s?d\.|forthcoming|in press)\))(?=[.,:]?(?:\s|$))[.,:]?")
HEAD = re.compile(rf"(?P<authors>{PERSONS}|{DITTO}|{CORP}){EDS}\.?{YEAR}")
PERSONS_RE = re.compile(PERSONS)
PERSON_ONE = re.compile(rf"(?P<inv>{SURNAME}),\s{INITIALS}|{UP}\.(?:\s?-?{UP}\.)*\s(?P<fwd>{SURNAME})|"
                         rf"{UP}[^\W\d_]+(?:\s{UP}\.)*\s(?P<full>{PARTICLE}*{NAME})")

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+")
DOI_RE = re.compile(r"(?:\bdoi:\s*|https?://(?:dx\.)?doi\.org/)?\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)


@lru_cache(maxsize=16384)
def fold(s: str) -> str:
    """Lower-case, diacritics removed, letters and digits only: 'Pérez' -> 'perez'."""
    s = unicodedata.normalize("NFKD", s).replace("ß", "ss").replace("ł", "l").replace("Ł", "L")
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in s if not unicodedata.combining(c)).lower())


@lru_cache(maxsize=4096)
def acronym(name: str) -> str:
    """'United Nations Department of Peace Operations' -> 'undpo' (capitalised words only)."""
    given = re.search(r"\(([^\W\d_]{2,12})\)\s*$", name)  # "... in Europe (OSCE)"
    if given:
        return fold(given.group(1))
    lead = re.match(r"(?:[A-Z]{2,}\b\s?)+", name)  # "UN DPO (United Nations Department of ...)"
    if lead and len(name.split()) > len(lead.group(0).split()):
        return fold(lead.group(0))
    words = re.findall(r"[^\W\d_][\w'’-]*", name)
    return "".join(w[0] for w in words if w[0].isupper()).lower() if len(words) > 1 else fold(name)
