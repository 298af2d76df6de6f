"""Features of one candidate sentence for one question, and the small model that weighs them.

Transparent on purpose: a handful of signals a reader can check (how close the sentence and its
neighbours are to the question in the embedding space, which of the question's rarer words it
holds — rarer in the corpus and rarer among this question's own candidates, which picks out the
question's focus over the document's topic — and which of its word pairs, whether it holds the
kind of answer asked for — a date for "when", a number for "how many" — and whether its chunk
ranked well), weighed by a logistic regression fit on development data
(``app/eval/fit_ranker.py``). Its output is a probability that the sentence answers the question:
the same number ranks sentences and passages and decides refusal.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .text import STOPWORDS, content_sequence, content_words, word_pairs

WEIGHTS_FILE = Path(__file__).with_name("ranker_weights.json")

FEATURES = ("bias", "cos", "cos_ctx", "cos_win", "cos_prev_win", "chunk_cos", "chunk_rank", "lex", "lex_ctx", "lex_all",
            "lex_plain", "type_match", "type_miss", "defines", "dateline", "heading", "reference", "question", "fragment", "short", "title",
            "lex_local", "lex_local_ctx", "pairs", "length", "title_asked",
            "about_doc", "lead_asked", "counts")

MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b|\b\d{1,2}(st|nd|rd|th)?\s+" + MONTHS + r"|\b" + MONTHS + r"\s+\d{1,2}\b"
                   r"|\b(day|week|month|year|decade|century)s?\b", re.I)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                     r"hundred|thousand|million|billion|dozen|half|double|twice|once|several|few|many|most|majority)\b", re.I)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zA-Z]+|\bet al\b")
_TYPE_CUES = [
    ("date", re.compile(r"^\s*(when|since when|until when|by when)\b|\b(what|which) (year|date|month|day|time|period)\b"
                        r"|\bhow long ago\b", re.I)),
    ("number", re.compile(r"\bhow (many|much|long|often|large|big|high|low|far|old|frequent)\b|\b(what|which)( is| was| are|"
                          r" were)?( the| a)?( \w+)? (number|percentage|proportion|share|rate|ratio|fraction|amount|dose|"
                          r"size|level|range|duration|length|period|count|incidence|prevalence|mortality|age)\b"
                          r"|\bwhat per ?cent\b", re.I)),
    ("reason", re.compile(r"^\s*why\b|\bwhat (is|are|was|were) the (main )?(reasons?|causes?|purpose)\b|\bfor what reason\b", re.I)),
    ("name", re.compile(r"^\s*(who|whom|whose)\b|\b(which|what) (organi[sz]ation|institution|country|countries|agency|"
                        r"author|authors|person|people|company|city|region)\b", re.I)),
]
# a line that is only a date, near the top of a document: its publication date ("28 May, 2025")
_DATELINE = re.compile(r"^\(?(\d{1,2}(st|nd|rd|th)?\s+" + MONTHS + r",?\s+\d{4}|" + MONTHS + r"\s+\d{1,2},?\s+\d{4}|"
                       r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4})\)?$", re.I)
_REASON = re.compile(r"\b(because|due to|since|owing to|as a result|caused by|leads? to|led to|results? in|resulted in|thus|"
                     r"therefore|hence|in order to|so that|reasons?|causes?|attributed to|purpose)\b", re.I)
# "What is X?" / "What are X?": a sentence saying "X is ..." / "X (Y) are ..." / "X refers to ..." defines it
_DEFINE_Q = re.compile(r"^\s*(what|who)\s+(is|are|was|were)\s+(an?\s+|the\s+)?(?P<subj>[^?.,;]{2,60}?)\s*\??\s*$", re.I)
_COPULA = (r"((\s*\([^)]{1,40}\))?,?\s+(is|are|was|were|refers? to|means|denotes|describes|represents|can be defined as"
           r"|is defined as)\b|,\s+(an?|the)\s+\w)")  # or an apposition: "RANBP2, a nuclear pore protein, ..."
# "What is the title of the paper?", "What is the report called?": the answer is the document's own title
_DOC_NOUN = r"(paper|report|publication|document|study|article|review|book|work)"
_TITLE_Q = re.compile(r"\btitled?\b(?!\s+of\s+(?!(the|this|that)\s+" + _DOC_NOUN + r"\b))|\b" + _DOC_NOUN + r"('s)? (is )?(called|named)\b"
                      r"|\bname of (the|this) " + _DOC_NOUN + r"\b", re.I)
# Questions about the document itself (who wrote it, whom it is for, why it was written) and the words a document
# states those facts with: "Who edited the paper?" -> "editors: …", "Who is it written for?" -> "The primary audience is …"
_ABOUT_DOC = [
    (re.compile(r"\b(written|intended|meant|designed) for\b|\bwho should read\b|\b(audience|readership)\b"
                r"|\btarget (group|readers)\b", re.I),
     re.compile(r"\b(audiences?|readers?|readership|intended for)\b", re.I)),
    (re.compile(r"^\W*who\b[^?]*\b(wrote|writes|written|authored|edited|edits|compiled|prepared)\b"
                r"|\bwho (is|are|were|was) (the|its) (authors?|editors?)\b|\bnames? of (the )?(authors|editors)\b", re.I),
     re.compile(r"\b(authors?|editors?|edited by|written by|prepared by|compiled by)\b", re.I)),
    (re.compile(r"^\W*why (was|is|were|has|did)\b[^?]*\b" + _DOC_NOUN + r"\b[^?]*\b(written|produced|prepared|published|"
                r"commissioned|undertaken|conducted|done)\b|\b(purpose|aim|goal|objective|rationale|motivation)s? (of|behind|for) "
                r"(the|this|that) " + _DOC_NOUN + r"\b(?! of\b)|\bmotivat\w* (the|this|that) " + _DOC_NOUN + r"\b(?! of\b)", re.I),
     re.compile(r"\b(purpose|aims?|aimed|goals?|objectives?|need for|motivat\w*|rationale)\b", re.I)),
]
_REFERENCE_SECTIONS = re.compile(r"^(\d+(\.\d+)*\.?\s+)?(references|bibliography|works cited|reference list)$", re.I)


def looks_like_heading(text: str) -> bool:
    """Short and without closing punctuation: a heading or label line, not a sentence."""
    return text.rstrip()[-1:] not in ".!?\"”)]" and len(text.split()) <= 10


def answer_type(question: str) -> str | None:
    for name, pat in _TYPE_CUES:
        if pat.search(question):
            return name
    return None


def definition_pattern(question: str) -> re.Pattern | None:
    """For "What is X?", a pattern finding "X is/are/refers to ..." (X's last word, or its acronym)."""
    m = _DEFINE_Q.match(question)
    if not m:
        return None
    words = m.group("subj").split()
    if not words or len(words) > 6:
        return None
    heads = {re.escape(words[-1].strip("'\"“”"))}
    if len(words) > 1:
        heads.add("".join(w[0] for w in words if w[:1].isalpha()))  # acronym, "gender-responsive policing" -> GRP
    pattern = r"\b(" + "|".join(h for h in heads if len(h) > 1) + r")(e?s)?" + _COPULA
    acronym = words[0].strip("'\"“”")
    if len(words) == 1 and sum(c.isupper() for c in acronym) >= 2:  # "What is RSV?": its expansion defines it,
        acronym = acronym[:-1] if acronym.endswith("s") else acronym  # "respiratory syncytial virus (RSV)"
        pattern += r"|[A-Za-z][\w-]*(?:\s+[\w-]+){1,7}\s*\(\s*" + re.escape(acronym) + r"s?\s*[),;]"
    return re.compile(pattern, re.I)


_HOW_MANY = re.compile(r"\bhow many\s+(?P<np>[^?,;]+)", re.I)
_COUNT = re.compile(r"(?<![\w.-])(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                    r"forty|fifty|hundred|thousand|million|billion|dozen)(?![\w-])", re.I)

_TIMES = re.compile(r"\b(once|twice|thrice)\b", re.I)


def count_nouns(question: str) -> frozenset[str]:
    """For "How many X ...?", the stems of X: the words after "how many" up to the first stopword."""
    m = _HOW_MANY.search(question)
    if not m:
        return frozenset()
    words = []
    for w in re.findall(r"[A-Za-z][\w-]*", m.group("np")):
        if w.lower() in STOPWORDS:
            break
        words.append(w)
    return frozenset(w for w in content_words(" ".join(words)) if not w.isdigit())


def counts(nouns: frozenset[str], text: str, words: frozenset[str] | None = None) -> bool:
    """Does ``text`` give a number of one of ``nouns``: "31 patients", "eight cysteine residues", not "NS5A"?
    ``words``, the text's content words if known, rule most sentences out before any pattern runs."""
    if "time" in nouns and _TIMES.search(text):  # "repeated twice" counts times
        return True
    if words is not None and not nouns & words:
        return False
    return any(nouns & set(content_sequence(text[m.end():m.end() + 60])[:3]) for m in _COUNT.finditer(text))


def asks_for_title(question: str) -> bool:
    return bool(_TITLE_Q.search(question))


def about_document(question: str) -> re.Pattern | None:
    """For a question about the document itself (its authors, audience or purpose), the words stating it."""
    for asks, states in _ABOUT_DOC:
        if asks.search(question):
            return states
    return _SUMMARY if about_the_document(question) else None


# Words of a question about a document as a whole ("What is the conclusion of this study?", "What is
# discussed in this publication?"): asked about one document, such a question is never out of scope,
# however low the evidence of any single sentence (28 of COVID-QA's 1,106 questions; 3 were refused).
_ABOUT_THE_DOCUMENT = content_words(
    "study studies report publication article research document review work conclusion conclusions concluded "
    "conclude finding findings result results discussed discuss main summary summarise summarize topic topics aim "
    "aims purpose objective method methods methodology key point points drawn draw overall authors describe "
    "described focus about")
# How a document states its own findings, aims and method: such a question's words ("study", "conclusion")
# otherwise match boilerplate ("All data generated or analysed during this study ...").
_SUMMARY = re.compile(
    r"\b(in (conclusion|summary|general|short|brief)|to (conclude|summari[sz]e)|taken together|conclu(de|ded|des|sion|sions)"
    r"|our (results|findings|data)|these (results|findings|data|observations)"
    r"|(this|the present|the current) (study|work|paper|review|report|article) (shows?|showed|demonstrate\w*|suggest\w*"
    r"|provide\w*|present\w*|describe\w*|report\w*|highlight\w*|focus\w*|aim\w*|examine\w*|investigate\w*|found)"
    r"|we (found|find|show|showed|shown|demonstrate\w*|conclude\w*|propose\w*|describe\w*|review\w*|highlight\w*"
    r"|suggest\w*|identified|developed|investigated|examined|focus\w*|aim\w*)"
    r"|(results?|findings?|data|analys[ie]s) (suggest|indicate|show|reveal|demonstrate|support|highlight)\w*"
    r"|(suggests?|finds?|concludes?|argues?) that|(here|herein),? we)\b", re.I)


_SUMMARY_SECTIONS = re.compile(r"^(\d+(\.\d+)*\.?\s+)?(abstract|(executive )?summary|key (findings|messages|points)|main findings"
                               r"|conclusions?|concluding remarks)(\s+(and|&)\s+[\w ]+)?$", re.I)


def sums_up(section: str) -> bool:
    """Is ``section`` one where a document sums itself up (abstract, executive summary, conclusions)?"""
    return bool(_SUMMARY_SECTIONS.match(section.strip()))


def about_the_document(question: str) -> bool:
    """Is the question about its document as a whole ("What were the results?", "What is this paper about?")?"""
    return content_words(question) <= _ABOUT_THE_DOCUMENT  # "paper", "about" are stopwords: no words left is the same


def has_type(kind: str, sentence: str) -> bool:
    if kind == "reason":
        return bool(_REASON.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    return bool(_NAME.search(sentence))


def idf_overlap(q_words: set[str], words: set[str], idf: dict[str, float]) -> float:
    """Share of the question's content words in ``words``, each weighted by its rarity (IDF)."""
    if not q_words:
        return 0.0
    total = sum(idf.get(w, _MAX_IDF) for w in q_words)
    return sum(idf.get(w, _MAX_IDF) for w in q_words & words) / total if total else 0.0


_MAX_IDF = 8.0


def local_idf(q_words: set[str], pool: list[frozenset[str]]) -> dict[str, float]:
    """The question's words weighed by rarity among this question's candidates, not the whole corpus.

    The document's topic ("Venezuelan equine encephalitis virus") is in most candidates and weighs
    little; the words that single out the answer ("mortality", "adults") weigh most.
    A word no candidate holds keeps the top weight, so that a sentence holding only the question's one
    common word ("point" of "the boiling point of mercury") does not look like a full match."""
    n = max(len(pool), 1)
    return {w: math.log(1 + n / max(1, sum(w in ws for ws in pool))) for w in q_words}


def make_idf(doc_words: list[set[str]]) -> dict[str, float]:
    df: dict[str, int] = {}
    for ws in doc_words:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    n = max(len(doc_words), 1)
    return {w: min(_MAX_IDF, math.log(1 + n / c)) for w, c in df.items()}


@dataclass
class Candidate:
    """One sentence of the index considered for a question (row = its row in the sentence index)."""

    row: int
    cos: float
    cos_ctx: float
    cos_win: float  # the sentence with its neighbours, as one mean vector ("Its genome..." after "Bovine coronavirus...")
    cos_prev_win: float  # the sentence with the one before it (anaphora looks back)
    chunk_cos: float
    chunk_rank: float  # 1 / (1 + rank of its best chunk in the hybrid chunk ranking), 0 if unranked
    text: str
    words: frozenset[str]  # its stemmed content words (precomputed by the sentence index's ranker)
    context_words: frozenset[str]  # those of the sentence with its neighbours on the page
    section: str = ""
    title: bool = False  # the first sentence of a document (its title line)
    head: bool = False  # one of the first sentences of a document's first page (title, dateline, byline)
    in_title: bool = False  # near the top of the document and part of its registered title
    lead: bool = False  # on the document's first page (PDF), first block of paragraphs (text) or in a ``sums_up`` section


@dataclass
class Cues:
    """What the features need of the question, computed once per question."""

    words: set[str]
    type: str | None
    idf: dict[str, float]  # over the whole index
    local: dict[str, float]  # ``local_idf``: over this question's candidates (every question word has a weight)
    defines: re.Pattern | None = None
    pairs: frozenset[tuple[str, str]] = frozenset()  # adjacent content-word pairs ("mortality rate")
    title: bool = False  # ``asks_for_title``
    about: re.Pattern | None = None  # ``about_document``
    whole: bool = False  # ``about_the_document``: a question about the document as a whole
    counted: frozenset[str] = frozenset()  # ``count_nouns``: what a "How many ...?" question counts


def pair_share(pairs: frozenset[tuple[str, str]], words: frozenset[str], text: str) -> float:
    """Share of the question's word pairs found adjacent in ``text``; the text is split into pairs only
    when its (precomputed) words hold both words of one pair, which most candidates do not."""
    if not any(a in words and b in words for a, b in pairs):
        return 0.0
    return len(pairs & word_pairs(text)) / len(pairs)


def feature_vector(c: Candidate, q: Cues) -> np.ndarray:
    q_words, q_type, idf, defines = q.words, q.type, q.idf, q.defines
    s = c.text
    words = c.words
    stripped = s.rstrip()
    lead = s.lstrip("\"'“‘([")
    typed = q_type is not None
    matched = typed and has_type(q_type, s)
    return np.array([
        1.0, c.cos, c.cos_ctx, c.cos_win, c.cos_prev_win, c.chunk_cos, c.chunk_rank,
        idf_overlap(q_words, words, idf),
        idf_overlap(q_words, c.context_words, idf),
        float(bool(q_words) and q_words <= words),
        len(q_words & words) / len(q_words) if q_words else 0.0,
        float(matched), float(typed and not matched),
        float(defines is not None and defines.search(s) is not None),
        float(q_type == "date" and c.head and bool(_DATELINE.match(stripped))),
        float(looks_like_heading(s)),
        float(bool(_REFERENCE_SECTIONS.match(c.section or ""))),
        float(stripped.endswith("?")),
        float(not (lead[:1].isupper() or lead[:1].isdigit())),
        float(len(s.split()) < 6),
        float(c.title),
        idf_overlap(q_words, words, q.local),
        idf_overlap(q_words, c.context_words, q.local),
        pair_share(q.pairs, words, s),
        math.log1p(len(s.split())),
        float(q.title and c.in_title),
        float(q.about is not None and q.about.search(s) is not None),
        float(q.whole and c.lead),
        float(bool(q.counted) and counts(q.counted, s, words)),
    ], dtype=np.float32)


# Hand-set starting weights (used until a fit is saved): similarity and rare-word overlap dominate.
DEFAULT_WEIGHTS = dict(bias=-6.0, cos=5.0, cos_ctx=1.0, cos_win=0.0, cos_prev_win=0.0, title=-1.0, chunk_cos=1.0,
                       chunk_rank=1.0, lex=3.0, lex_ctx=1.0, lex_all=0.5, lex_plain=0.0, type_match=0.5, type_miss=-0.5, defines=1.0, dateline=4.0,
                       heading=-2.0, reference=-2.0, question=-1.5, fragment=-0.7, short=-0.7,
                       lex_local=0.0, lex_local_ctx=0.0, pairs=0.0, length=0.0, title_asked=4.0,
                       about_doc=2.0, lead_asked=1.5, counts=0.75)


class SentenceModel:
    """Logistic regression over ``FEATURES``: probability that a sentence answers the question."""

    def __init__(self, weights: dict[str, float] | None = None, info: dict | None = None):
        w = dict(DEFAULT_WEIGHTS)
        w.update(weights or {})
        self.weights = w
        self.info = info or {}
        self.w = np.array([w[f] for f in FEATURES], dtype=np.float32)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> SentenceModel:
        try:
            data = json.loads(Path(path).read_text())
            return cls(data["weights"], data.get("info"))
        except (OSError, ValueError, KeyError):
            return cls()

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        Path(path).write_text(json.dumps({"features": list(FEATURES), "weights": self.weights, "info": self.info},
                                         indent=1) + "\n")

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.w
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
