"""Suggested questions per section: template candidates from the section's terms, title and key
sentences, kept only when the engine answers them (quote mode, not refused) with a citation from
that very section. The number of ``engine.answer`` calls is capped per section and per tour.
"""
from __future__ import annotations

import logging
import re

from app.engine.records import Filters
from app.engine.text import STOPWORDS

from .doc import Sent
from .glossary import Found, capitalised_inside
from .sections import Span

log = logging.getLogger(__name__)

_WH = re.compile(r"^(what|how|why|when|who|which|where|is|are|does|do|can|should)\b", re.IGNORECASE)
_FIND = re.compile(r"(?P<who>[A-Z][\w'’-]+(?: (?:and|&) [A-Z][\w'’-]+| et al\.)?) \((?P<year>\d{4})\) "
                   r"(?P<verb>found|find|showed|shows|show|reported|reports|observed|observes|describes|described|"
                   r"argues|argued|cautions|cautioned|suggests|suggested|proposes|proposed|concludes|concluded|"
                   r"notes|noted|estimates|estimated|recommends|recommended)\b")
_BASE = {"found": "find", "showed": "show", "shows": "show", "reported": "report", "reports": "report",
         "observed": "observe", "observes": "observe", "describes": "describe", "described": "describe",
         "argues": "argue", "argued": "argue", "cautions": "caution", "cautioned": "caution", "suggests": "suggest",
         "suggested": "suggest", "proposes": "propose", "proposed": "propose", "concludes": "conclude",
         "concluded": "conclude", "notes": "note", "noted": "note", "estimates": "estimate",
         "estimated": "estimate", "recommends": "recommend", "recommended": "recommend"}
_NOT_VERBS = {"this", "thus", "plus", "less", "unless", "across", "various", "previous", "always", "perhaps",
              "towards", "whereas", "its", "his", "hers", "ours", "yours", "theirs", "news", "series", "basis",
              "analysis", "process", "access", "progress", "success", "status", "focus", "bias", "crisis", "gas"}
_SUBJECT_END = re.compile(r"\s(is|are|was|were|has|have|had|can|could|will|would|should|may|might|must|do|does|did|"
                          r"need|needs|help|helps|make|makes|remain|remains|[a-z]+ed|"
                          r"(?!(?:" + "|".join(sorted(_NOT_VERBS)) + r")\s)[a-z]{3,}s)\s")
_GENERIC_TITLE = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?(abstract|introduction|conclusions?|summary|executive summary|"
                            r"background|discussion|methods?|methodology|results|overview|preface|foreword|"
                            r"acknowledg(e)?ments|annex(es)?|appendix|appendices|contents|table of contents)$",
                            re.IGNORECASE)
_PRONOUNS = {"it", "this", "that", "these", "those", "they", "we", "he", "she", "there", "such", "each", "none",
             "some", "most", "many", "one", "all", "both", "several", "others", "which"}


def topic_of(title: str, corpus: str = "") -> str:
    t = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", title).strip().rstrip(".:")
    if not t or _WH.match(t):
        return t
    return _lower_first(t, corpus) if corpus else t


def _term_question(f: Found) -> str:
    term = f.term
    text = f.sent.text
    article = ""
    m = re.match(r"^(A|An|The)\s", text)
    if m and text[m.end():].lower().startswith(re.sub(r"\s*\([^)]*\)", "", term).lower()[:12]):
        article = m.group(1).lower() + " "
    plural = re.search(r"\s(are|refer to)\s", text[:len(term) + 30]) is not None
    return f"What {'are' if plural else 'is'} {article}{term}?"


def _lower_first(phrase: str, corpus: str) -> str:
    """Lower-case a sentence-initial first word unless the text also capitalises it mid-sentence (a name)."""
    first = phrase.split()[0]
    if first[:1].isupper() and not first.isupper() and not any(c.isupper() for c in first[1:]) \
            and not capitalised_inside(first, corpus):
        return first[0].lower() + phrase[1:]
    return phrase


def _subject(s: Sent, corpus: str) -> str | None:
    m = _SUBJECT_END.search(" " + s.text + " ")
    if not m:
        return None
    subj = (" " + s.text)[:m.start()].strip(" ,")
    m = re.match(r"^(the|a|an)\s+", subj, flags=re.IGNORECASE)
    subj = subj[m.end():] if m else subj
    words = subj.split()
    if not 2 <= len(words) <= 6 or words[0].lower() in _PRONOUNS or re.search(r"[\d():;,\"“”]", subj):
        return None
    if words[-1].lower() in STOPWORDS or words[-1].lower() in _NOT_VERBS | {"like", "such"}:
        return None
    caps = [w[:1].isupper() for w in words[1:]]
    if any(caps) and not all(caps):
        return None  # a heading run into the sentence, not a noun phrase
    subj = _lower_first(subj, corpus)
    return f"the {subj}" if m and m.group(1).lower() == "the" and subj[:1].isupper() else subj


def candidates(span: Span, keys: list[Sent], terms: list[Found], doc_word: str, corpus: str = "") -> list[str]:
    out: list[str] = [_term_question(f) for f in terms]
    if span.kind == "section" and _GENERIC_TITLE.match(span.title):
        pass  # "Introduction", "Conclusion": asking about them says nothing
    elif span.kind == "section":
        topic = topic_of(span.title, corpus)
        if topic and _WH.match(topic):
            out.append(topic[0].upper() + topic[1:] + "?")
        elif topic and span.kind == "section" and len(topic.split()) <= 8:
            out.append(f"What does {doc_word} say about {topic}?")
    for s in keys:
        m = _FIND.search(s.text)
        if m:
            out.append(f"What did {m.group('who')} ({m.group('year')}) {_BASE.get(m.group('verb'), m.group('verb'))}?")
    for s in keys:
        subj = _subject(s, corpus)
        if subj:
            out.append(f"What does {doc_word} say about {subj}?")
    seen, uniq = set(), []
    for q in out:
        if q.lower() not in seen:
            seen.add(q.lower())
            uniq.append(q)
    return uniq


def answered_here(answer, source_id: str, span: Span, headings: set[str]) -> bool:
    """Not refused, and one citation quotes a sentence (not a heading) inside this section."""
    if answer is None or answer.refused:
        return False
    for c in answer.citations:
        if c.source_id != source_id or c.quote.strip() in headings or len(c.quote.strip()) < 25:
            continue
        if span.start <= (c.page_index, c.quote_start) < span.end:
            return True
    return False


class QuestionBudget:
    def __init__(self, total: int = 48, per_section: int = 5):
        self.left = total
        self.per_section = per_section
        self.calls = 0


def suggest(engine, source_id: str, span: Span, cands: list[str], headings: set[str], budget: QuestionBudget,
            filters: Filters | None, want: int = 3) -> list[str]:
    kept: list[str] = []
    tries = 0
    for q in cands:
        if len(kept) >= want or tries >= budget.per_section or budget.left <= 0:
            break
        tries += 1
        budget.left -= 1
        budget.calls += 1
        try:
            a = engine.answer(q, mode="quote", filters=filters)
        except Exception as exc:  # a question the engine cannot handle is simply not suggested
            log.warning("suggested question %r failed: %s", q, exc)
            continue
        if answered_here(a, source_id, span, headings):
            kept.append(q)
    return kept
