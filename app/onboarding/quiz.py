"""Self-check quiz from passages: cloze (blank a figure or a key term in a quoted sentence) and
multiple choice whose distractors are other figures/terms of the same type found in the corpus.

Every answer is an exact substring of its question's ``citation.quote``; ``check`` grades a reply
and explains it with the passage.
"""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass

from app.engine.records import Citation, page_place
from app.engine.text import STOPWORDS, content_words

from .doc import Doc, Sent
from .glossary import Found
from .records import QuizQuestion

BLANK = "_____"
_NUM = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w/-]|[.,]\d|\()")
_LABEL_BEFORE = re.compile(r"(?:section|recommendation|level|tool|resolution|figure|table|chapter|page|p\.|pp\.|no\.|"
                           r"article|paragraph|annex|step|phase|item|question|volume|vol\.)\s*$", re.IGNORECASE)
_UNITS = {"hour", "minute", "day", "week", "month", "year", "session", "time", "point"}


@dataclass
class NumberFact:
    sent: Sent
    start: int  # offsets of the figure inside sent.text
    end: int
    value: float
    type: str  # "percent" | "year" | "times" | "unit:<word>" | "count:<word>"

    @property
    def token(self) -> str:
        return self.sent.text[self.start:self.end]


def _value(token: str) -> float:
    return float(token.replace(",", ""))


def _type(text: str, start: int, end: int, token: str) -> str | None:
    after = text[end:end + 40].lower()
    before = text[max(0, start - 30):start]
    if _LABEL_BEFORE.search(before):
        return None
    if re.match(r"^\s*(per ?cent|%)", after):
        return "percent"
    if re.match(r"^\s*percentage points?", after):
        return "unit:point"
    if re.fullmatch(r"(1[89]|20)\d\d", token):
        if re.match(r"^\s*[);:\]]", after) or re.search(r"(et al\.?|[A-Z][a-z]+)\s*\(?$", before):
            return None  # a citation year
        return "year"
    if re.match(r"^\s*times\b", after):
        return "times"
    nxt = re.match(r"^\s*(?:of (?:the )?\d+ )?([a-z][a-z-]+)", after)
    word = nxt.group(1) if nxt else ""
    stem = re.sub(r"(ies|es|s)$", "", word) if len(word) > 4 else word
    if stem in _UNITS:
        return f"unit:{stem}"
    return f"count:{stem}"


def number_facts(sents: list[Sent]) -> list[NumberFact]:
    out = []
    for s in sents:
        for m in _NUM.finditer(s.text):
            if m.start() == 0 and re.match(r"^\d{1,2}\s+[A-Z]", s.text):
                continue  # a footnote number
            t = _type(s.text, m.start(), m.end(), m.group(1))
            if t is None:
                continue
            out.append(NumberFact(s, m.start(), m.end(), _value(m.group(1)), t))
    return out


def _distractors(fact: NumberFact, pool: list[NumberFact], n: int = 3) -> list[str]:
    near = _pick(fact, pool, n, max_ratio=5.0)
    return near if len(near) >= 2 else _pick(fact, pool, n, max_ratio=None)


def _pick(fact: NumberFact, pool: list[NumberFact], n: int, max_ratio: float | None) -> list[str]:
    """Other figures of the same type from the corpus, closest in size first, none already in the sentence."""
    in_prompt = {_value(t) for t in _NUM.findall(fact.sent.text)}
    kind = fact.type.split(":")[0]

    def compatible(o: NumberFact) -> int:
        if o.type == fact.type:
            return 2
        if kind == "count" and o.type.startswith("count:"):
            return 1
        return 0

    cands: dict[float, tuple] = {}
    for o in pool:
        c = compatible(o)
        if not c or o.value in in_prompt or o.value == fact.value:
            continue
        if kind == "percent" and o.value > 100:
            continue
        if kind == "count" and fact.value != int(fact.value) and o.value == int(o.value):
            continue  # 1.9 vs 4: decimals only against decimals
        dist = abs(math.log((o.value + 1) / (fact.value + 1)))
        if kind == "count" and c == 1 and max_ratio is not None and dist > math.log(max_ratio):
            continue
        key = (-c, dist, o.sent.order)
        if o.value not in cands or key < cands[o.value][0]:
            cands[o.value] = (key, o.token)
    return [tok for _, tok in sorted(cands.values())[:n]]


def _explain(c: Citation) -> str:
    who = "The paper" if c.kind == "paper" else "The source"
    return f"{who} says: “{c.quote}” ({c.title}, {page_place(c.page)})."


def _shuffled(options: list[str], seed: str) -> list[str]:
    import random

    out = list(options)
    random.Random(zlib.crc32(seed.encode("utf-8"))).shuffle(out)
    return out


def _blanked(text: str, start: int, end: int) -> str:
    return text[:start] + BLANK + text[end:]


def number_question(doc: Doc, fact: NumberFact, pool: list[NumberFact], mcq: bool, section: str) -> QuizQuestion:
    cit = doc.citation(fact.sent, section=section)
    prompt_text = _blanked(fact.sent.text, fact.start, fact.end)
    what = "year" if fact.type == "year" else "figure"
    topic = "year" if fact.type == "year" else "number"
    options: list[str] = []
    if mcq:
        ds = _distractors(fact, pool)
        if len(ds) >= 2:
            options = sorted([fact.token] + ds, key=_value)
    if options:
        prompt = f"Which {what} fills the blank? “{prompt_text}”"
        kind = "mcq"
    else:
        prompt = f"Fill in the blank with a {'year' if topic == 'year' else 'number'}: “{prompt_text}”"
        kind = "cloze"
    return QuizQuestion(kind=kind, prompt=prompt, options=options, answer=fact.token, citation=cit,
                        explanation=_explain(cit), section=section, topic=topic)


def _term_span(entry: Found) -> tuple[int, int] | None:
    """Where the term (or its long form) is written in its defining sentence."""
    text = entry.sent.text
    for cand in (entry.term, re.sub(r"\s*\([^)]*\)", "", entry.term)):
        i = text.lower().find(cand.lower())
        if i >= 0:
            return i, i + len(cand)
    return None


def _match_case(term: str, like: str) -> str:
    term = term.strip()
    if like[:1].isupper() and term[:1].islower():
        return term[0].upper() + term[1:]
    if like[:1].islower() and term[:1].isupper() and not term.split()[0].isupper():
        rest = term.split()[1:]
        if all(not w[:1].isupper() for w in rest):
            return term[0].lower() + term[1:]
    return term


def term_question(doc: Doc, entry: Found, others: list[Found], mcq: bool, section: str) -> QuizQuestion | None:
    span = _term_span(entry)
    if span is None:
        return None
    text = entry.sent.text
    answer = text[span[0]:span[1]]
    cit = doc.citation(entry.sent, section=section)
    prompt_text = _blanked(text, *span)
    options: list[str] = []
    if mcq:
        has_abbr = bool(entry.abbreviation)
        pool = [o for o in others if o.term.lower() != entry.term.lower() and o.how != "phrase"]
        pool.sort(key=lambda o: (bool(o.abbreviation) != has_abbr, abs(len(o.term.split()) - len(answer.split())),
                                 o.sent.order))
        ds = []
        for o in pool:
            shown = _match_case(o.term if has_abbr else re.sub(r"\s*\([^)]*\)", "", o.term), answer)
            if shown.lower() != answer.lower() and shown.lower() not in text.lower() and shown not in ds:
                ds.append(shown)
            if len(ds) == 3:
                break
        if len(ds) >= 2:
            options = _shuffled([answer] + ds, text)
    if options:
        return QuizQuestion(kind="mcq", prompt=f"Which term fills the blank? “{prompt_text}”", options=options,
                            answer=answer, citation=cit, explanation=_explain(cit), section=section, topic="term")
    return QuizQuestion(kind="cloze", prompt=f"Fill in the blank with the term the text defines: “{prompt_text}”",
                        options=[], answer=answer, citation=cit, explanation=_explain(cit), section=section, topic="term")


def word_question(doc: Doc, s: Sent, df: dict[str, int], section: str) -> QuizQuestion | None:
    """Fallback for corpora with few figures or terms: blank the sentence's rarest long content word."""
    best = None
    for m in re.finditer(r"(?<![\w'’-])[a-z]{2,}(?:-[a-z]+)*(?![\w'’-])", s.text):
        w = m.group(0)
        if len(w) < 6 or w in STOPWORDS:
            continue
        key = (df.get(w.lower(), 0), -len(w))
        if best is None or key < best[0]:
            best = (key, m.start(), m.end())
    if best is None:
        return None
    cit = doc.citation(s, section=section)
    prompt = f"Fill in the missing word: “{_blanked(s.text, best[1], best[2])}”"
    return QuizQuestion(kind="cloze", prompt=prompt, options=[], answer=s.text[best[1]:best[2]], citation=cit,
                        explanation=_explain(cit), section=section, topic="word")


class _Picker:
    """The questions taken so far; a new one must use a fresh sentence and answer and give none away."""

    def __init__(self):
        self.out: list[QuizQuestion] = []
        self.used_sents: set[int] = set()
        self.used_answers: set[str] = set()

    def gives_away(self, q: QuizQuestion) -> bool:
        """An answer that another question's sentence states (or the other way round)."""
        def shows(text: str, answer: str) -> bool:
            return re.search(r"(?<![\w.,])" + re.escape(answer) + r"(?![\w]|[.,]\d)", text, re.IGNORECASE) is not None

        return any(shows(o.prompt, q.answer) or shows(q.prompt, o.answer) for o in self.out)

    def take(self, q: QuizQuestion | None, order: int) -> bool:
        if q is None or order in self.used_sents or q.answer.lower() in self.used_answers or self.gives_away(q):
            return False
        self.out.append(q)
        self.used_sents.add(order)
        self.used_answers.add(q.answer.lower())
        return True


def _section_queues(by_section, terms: list[Found], pool: list[NumberFact]) -> list[tuple[str, list, list]]:
    """Per section: (title, its defined terms, its number facts), key sentences first."""
    facts_by_sent: dict[int, list[NumberFact]] = {}
    for f in pool:
        facts_by_sent.setdefault(f.sent.order, []).append(f)
    queues = []
    for title, keys, sents in by_section:
        key_orders = {s.order for s in keys}
        ordered = sorted(sents, key=lambda s: (s.order not in key_orders, s.order))
        nums = [f for s in ordered for f in facts_by_sent.get(s.order, [])[:1]]
        defs = [t for t in terms if t.how != "phrase" and any(t.sent.order == s.order for s in sents)]
        queues.append((title, defs, nums))
    return queues


def _take_one(doc: Doc, picker: _Picker, title: str, defs: list, nums: list, terms, pool) -> bool:
    """One question from a section, alternating terms and figures, multiple choice and cloze."""
    out = picker.out
    prefer_term = len(out) % 2 == 1
    for kind in (("term", "number") if prefer_term else ("number", "term")):
        src = defs if kind == "term" else nums
        while src:
            item = src.pop(0)
            same = [q for q in out if (q.topic == "term") == (kind == "term")]
            mcq = sum(q.kind == "mcq" for q in same) <= sum(q.kind == "cloze" for q in same)
            q = term_question(doc, item, terms, mcq, title) if kind == "term" else number_question(doc, item, pool, mcq, title)
            if picker.take(q, item.sent.order):
                return True
    return False


def _fill_with_words(doc: Doc, picker: _Picker, by_section, all_sents: list[Sent], minimum: int) -> None:
    """Few figures or terms: blank rare words of key sentences."""
    df: dict[str, int] = {}
    for s in all_sents:
        for w in set(re.findall(r"[a-z][a-z-]+", s.text.lower())):
            df[w] = df.get(w, 0) + 1
    for title, keys, sents in by_section:
        for s in keys + sents:
            if len(picker.out) >= minimum:
                return
            if s.order not in picker.used_sents and content_words(s.text):
                picker.take(word_question(doc, s, df, title), s.order)


def build_quiz(doc: Doc, by_section: list[tuple[str, list[Sent], list[Sent]]], terms: list[Found],
               target: int = 12, minimum: int = 8) -> list[QuizQuestion]:
    """``by_section``: (title, key sentences, all content sentences) per section that has prose."""
    all_sents = [s for _, _, sents in by_section for s in sents]
    pool = number_facts(all_sents)
    queues = _section_queues(by_section, terms, pool)
    picker = _Picker()
    progress = True
    while len(picker.out) < target and progress:
        progress = False
        for title, defs, nums in queues:
            if len(picker.out) >= target:
                break
            progress = _take_one(doc, picker, title, defs, nums, terms, pool) or progress
    if len(picker.out) < minimum:
        _fill_with_words(doc, picker, by_section, all_sents, minimum)
    out = picker.out
    order = {t: i for i, (t, _, _) in enumerate(by_section)}
    out.sort(key=lambda q: (order.get(q.section, 0), q.citation.page_index, q.citation.quote_start))
    return out
