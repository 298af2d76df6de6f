"""Key terms of a source, each with the sentence that defines or first explains it (generic rules).

Three detectors, strongest first:
- definition sentences: "X is a/the ...", "X are ...", "X refers to / means / denotes / is defined as ...";
- abbreviations introduced as "Long form (ABBR)" (long form matched to the letters, Schwartz & Hearst);
- capitalised multi-word names explained where they occur ("X was launched / is / are ...").
Nothing here knows the paper's vocabulary.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .doc import Doc, Sent

_DEF = re.compile(r"^(?:(?:A|An|The)\s+)?(?P<term>[^.;:!?]{2,90}?)\s+"
                  r"(?P<verb>is defined as|are defined as|is understood as|refers to|refer to|means|denotes|is|are)\s+"
                  r"(?P<rest>\S.*)$", re.DOTALL)
_DETERMINERS = {"a", "an", "the", "any", "one"}
_NOT_A_DEFINITION = {"most", "least", "best", "worst", "only", "same", "case", "result", "reason"}
_BAD_WORDS = set("""this that these those it its there which who whom what when where how why each every most many some
such other our their his her we they i you he she only also not no nor one all both more less has have had was were be been
being do does did can could would should will may might must than because if while although as at by from with into over
after before between however therefore thus so yet but or very often usually rarely never always first second""".split())
_GENERIC = {"review", "paper", "study", "report", "article", "analysis", "result", "finding", "training", "evidence",
            "section", "chapter", "figure", "table", "aim", "goal", "purpose", "problem", "question", "answer"}
_ABBR = re.compile(r"\((?P<abbr>[A-Z][A-Za-z&]{1,9})\)")
_CONNECT = {"of", "for", "and", "in", "on", "the", "de", "la", "du", "des", "to"}
_PHRASE_VERB = re.compile(r"^\s*(?:\([^)]*\)\s*)?,?\s*(?:is|are|was|were|refers to|means|aims to|has been|have been)\b")
_LEAD = {"the", "a", "an", "in", "on", "of", "for", "at", "by", "this", "that", "these", "those", "over", "across",
         "when", "while", "after", "before", "each", "every", "most", "many", "some", "only", "among", "with"}


@dataclass
class Found:
    term: str
    sent: Sent
    how: str  # "definition" | "abbreviation" | "phrase"
    abbreviation: str = ""
    score: float = 0.0


def _words(term: str) -> list[str]:
    return re.sub(r"\([^)]*\)", " ", term).replace(",", " ").split()


def _term_ok(term: str) -> bool:
    words = _words(term)
    if not 1 <= len(words) <= 7 or re.search(r"\d", term) or "\n" in term:
        return False
    low = [w.lower() for w in words]
    if any(w in _BAD_WORDS for w in low) or low[-1] in _CONNECT or low[0] in _CONNECT:
        return False
    if len(words) == 1 and (len(words[0]) < 6 or low[0] in _GENERIC):
        return False
    return all(re.fullmatch(r"[A-Za-z][\w'’&-]*", w) for w in words)


def capitalised_inside(word: str, corpus: str) -> bool:
    """``word`` occurs capitalised inside a sentence (``corpus``: one sentence per line), so it is a name."""
    return re.search(r"[^\n]\b" + re.escape(word) + r"\b", corpus) is not None


def _display(term: str, corpus: str) -> str:
    """Lower-case a first word that is capitalised only because it starts the sentence."""
    words = term.split()
    first = words[0]
    if not first[:1].isupper() or first.isupper() or (len(first) > 1 and any(c.isupper() for c in first[1:])):
        return term
    rest_lower = all(not w[:1].isupper() for w in _words(" ".join(words[1:])))
    if not rest_lower:
        return term
    if capitalised_inside(first, corpus):  # a name
        return term
    return first[0].lower() + first[1:] + term[len(first):]


def definitions(sents: list[Sent], corpus: str) -> list[Found]:
    out = []
    for s in sents:
        m = _DEF.match(s.text)
        if not m:
            continue
        term, verb, rest = m.group("term").strip(), m.group("verb"), m.group("rest")
        if not _term_ok(term):
            continue
        first = rest.split()[0].lower().strip(",")
        if verb in ("is", "are"):
            last = _words(term)[-1].lower()
            head_repeat = verb == "are" and (first == last or first.rstrip("s") == last.rstrip("s"))
            if not (first in _DETERMINERS or head_repeat):
                continue
            second = rest.split()[1].lower() if len(rest.split()) > 1 else ""
            if second in _NOT_A_DEFINITION:
                continue
        abbr = re.search(r"\(([A-Z][A-Za-z]{1,9})\)", term)
        score = 3.0 + (0.5 if verb not in ("is", "are") else 0.0) + (0.5 if abbr else 0.0) + 0.2 * min(len(_words(term)), 3)
        out.append(Found(_display(term, corpus), s, "definition", abbr.group(1) if abbr else "", score))
    return out


_NAMED = re.compile(r"\bthe (?:term|concept|notion|label|expression) ['\"“‘]?(?P<term>[A-Za-z][\w' -]{2,50}?)['\"”’]?,? "
                    r"(?:for|to (?:describe|denote|refer to|mean)|refers to|means|describes|denotes)\b")


def named_terms(sents: list[Sent]) -> list[Found]:
    """Terms named as such: "we use the term X for ...", "the concept X refers to ..."."""
    out = []
    for s in sents:
        m = _NAMED.search(s.text)
        if m and _term_ok(m.group("term")):
            out.append(Found(m.group("term"), s, "definition", "", 2.8))
    return out


def long_form(abbr: str, before: str) -> str | None:
    """The words before "(ABBR)" that the abbreviation's letters spell (Schwartz & Hearst 2003)."""
    short = abbr[:-1] if len(abbr) > 2 and abbr[-1] == "s" and abbr[-2].isupper() else abbr
    words = before.split()
    window = " ".join(words[-min(len(short) + 5, 2 * len(short)):])
    s_i, l_i = len(short) - 1, len(window) - 1
    while s_i >= 0:
        c = short[s_i].lower()
        if not c.isalnum():
            s_i -= 1
            continue
        while l_i >= 0 and (window[l_i].lower() != c or (s_i == 0 and l_i > 0 and window[l_i - 1].isalnum())):
            l_i -= 1
        if l_i < 0:
            return None
        l_i -= 1
        s_i -= 1
    start = window.rfind(" ", 0, l_i + 1) + 1
    form = window[start:].strip(" ,;:")
    if len(form.split()) < 2 and "-" not in form or "(" in form or ")" in form or short.lower() in form.lower().split():
        return None
    return form


def abbreviations(sents: list[Sent]) -> list[Found]:
    out, seen = [], set()
    for s in sents:
        for m in _ABBR.finditer(s.text):
            abbr = m.group("abbr")
            if sum(c.isupper() for c in abbr) < 2 or abbr in seen:
                continue
            form = long_form(abbr, s.text[:m.start()])
            if not form:
                continue
            seen.add(abbr)
            lead = form.split()[0]
            if lead.lower() in _LEAD:
                form = form[len(lead):].strip()
            if form and form[0].isupper() and not form.split()[0].isupper() and s.text.startswith(form):
                if all(not w[:1].isupper() for w in form.split()[1:]):
                    form = form[0].lower() + form[1:]
            out.append(Found(f"{form} ({abbr})", s, "abbreviation", abbr, 2.5))
    return out


def _cap_runs(text: str) -> list[tuple[int, int, int]]:
    """(start, end, capitalised words) of runs of capitalised words joined by spaces, commas and small words."""
    toks = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[A-Za-z][\w'’-]*", text)]
    runs, i = [], 0
    while i < len(toks):
        if not toks[i][0][0].isupper():
            i += 1
            continue
        last, caps, k = i, 1, i + 1
        while k < len(toks) and text[toks[k - 1][2]:toks[k][1]] in (" ", ", "):
            if toks[k][0][0].isupper():
                last, caps = k, caps + 1
            elif toks[k][0].lower() not in _CONNECT:
                break
            k += 1
        first = i
        while first < last and toks[first][0].lower() in _LEAD:
            first, caps = first + 1, caps - 1
        runs.append((toks[first][1], toks[last][2], caps))
        i = last + 1
    return runs


def phrases(sents: list[Sent]) -> list[Found]:
    """Capitalised multi-word names (not at a sentence start, not author names) explained by their sentence."""
    out = []
    for s in sents:
        text = s.text
        for start, end, caps in _cap_runs(text):
            phrase = text[start:end]
            caps_words = {w.lower() for w in phrase.replace(",", " ").split() if w[:1].isupper()}
            if caps < 2 or len(caps_words) < 2 or start == 0 or len(phrase.split()) > 9 or re.search(r"\d", phrase):
                continue
            after = text[end:]
            if re.match(r"^\s*(?:\(\d{4}|et al|\d{4}\))", after):
                continue  # an author citation
            if _PHRASE_VERB.match(after) and not after.lstrip().startswith(","):
                out.append(Found(phrase, s, "phrase", "", 1.5 + 0.1 * caps))
    return out


def _key(term: str) -> str:
    t = re.sub(r"\([^)]*\)", " ", term.lower())
    t = re.sub(r"^(a|an|the)\s+", "", t.strip())
    return " ".join(re.findall(r"[a-z0-9]+", t))


def find_terms(doc: Doc, sents: list[Sent], limit: int = 30) -> list[Found]:
    """Glossary candidates from ``sents`` (the source's content sentences), deduplicated, alphabetical."""
    corpus = "\n".join(s.text for s in sents)
    found = definitions(sents, corpus) + named_terms(sents) + abbreviations(sents) + phrases(sents)
    found.sort(key=lambda f: (-f.score, f.sent.order))
    chosen: list[Found] = []
    for f in found:
        key = _key(f.term)
        if not key:
            continue
        clash = False
        for c in chosen:
            ck = _key(c.term)
            if key == ck or (f.abbreviation and f.abbreviation == c.abbreviation) or \
                    (f.how != "definition" and (key in ck or ck in key)):
                clash = True
                if f.abbreviation and not c.abbreviation and key == ck:
                    c.abbreviation = f.abbreviation
                break
        if not clash:
            chosen.append(f)
        if len(chosen) >= limit:
            break
    return sorted(chosen, key=lambda f: _key(f.term))
