"""What a question asks for and how a sentence gives it: answer types, definitions, titles, questions about
the document itself or as a whole, counts. Patterns a reader can check; ``features.py`` turns them into
features of the sentence model.
"""
from __future__ import annotations

import re

from .text import STOPWORDS, content_sequence, content_words

MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b|\b\d{1,2}(st|nd|rd|th)?\s+" + MONTHS + r"|\b" + MONTHS + r"\s+\d{1,2}\b"
                   r"|\b(day|week|month|year|decade|century)s?\b|\b\d+\s*(y|yrs?)\s+ago\b", re.I)
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
                 r"thousand|million|billion|dozen")
_NUMBER = re.compile(r"\d|\b(" + _NUMBER_WORDS + r"|half|double|twice|once|several|few|many|most|majority)\b", re.I)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zA-Z]+|\bet al\b")
_TYPE_CUES = [
    ("date", re.compile(r"^\s*(when|since when|until when|by when)\b|\b(what|which) (year|date|month|day|time|period)\b"
                        r"|\bhow long ago\b|^\W*(what|which)\b[^?]*\b(date|year) (of|it was|was it)\b"  # "What was the date of …?"
                        r"|^\W*(what|which)\b[^?]*\b(publication|release|issue|start|launch|due) date\b", re.I)),
    ("number", re.compile(r"\bhow (many|much|long|often|large|big|high|low|far|old|frequent)\b|\b(what|which)( is| was| are|"
                          r" were)?( the| a)?( \w+)? (number|percentage|proportion|share|rate|ratio|fraction|amount|dose|"
                          r"size|level|range|duration|length|period|count|incidence|prevalence|mortality|age)\b"
                          r"|\bwhat per ?cent\b", re.I)),
    ("reason", re.compile(r"^\s*why\b|\bwhat (is|are|was|were) the (main )?(reasons?|causes?|purpose)\b|\bfor what reason\b", re.I)),
    ("name", re.compile(r"^\s*(who|whom|whose)\b|\b(which|what) (organi[sz]ation|institution|country|countries|agency|"
                        r"author|authors|person|people|company|city|region)\b", re.I)),
]
# a line that is only a date, near the top of a document: its publication date ("28 May, 2025")
DATELINE = re.compile(r"^\(?(\d{1,2}(st|nd|rd|th)?\s+" + MONTHS + r",?\s+\d{4}|" + MONTHS + r"\s+\d{1,2},?\s+\d{4}|"
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
                r"|\btarget (group|readers)\b|\bfor whom\b|^\W*who\b[^?]*\b" + _DOC_NOUN + r"\b[^?]*\bfor\W*$", re.I),
     re.compile(r"\b(audiences?|readers?|readership|intended for)\b", re.I)),
    (re.compile(r"^\W*who\b[^?]*\b(wrote|writes|written|authored|edited|edits|compiled|prepared)\b"
                r"|\bwho (is|are|were|was) (the|its) (authors?|editors?)\b|\bnames? of (the )?(authors|editors)\b", re.I),
     re.compile(r"\b(authors?|editors?|edited by|written by|prepared by|compiled by)\b", re.I)),
    (re.compile(r"^\W*why (was|is|were|has|did)\b[^?]*\b" + _DOC_NOUN + r"\b[^?]*\b(written|produced|prepared|published|"
                r"commissioned|undertaken|conducted|done)\b|\b(purpose|aim|goal|objective|rationale|motivation)s? (of|behind|for) "
                r"(the|this|that) " + _DOC_NOUN + r"\b(?! of\b)|\bmotivat\w* (the|this|that) " + _DOC_NOUN + r"\b(?! of\b)", re.I),
     re.compile(r"\b(purpose|aims?|aimed|goals?|objectives?|need for|motivat\w*|rationale)\b", re.I)),
]
# a document's metadata line ("Authors: …", "DOI: …", "SHA: …", a bare URL) says what the document is, not what
# it says: quoted only for a question about the document itself (its authors, date or title)
_METADATA = re.compile(r"^\W*((authors?|date|doi|licen[cs]e|sha|keywords|received|accepted|published|copyright|"
                       r"correspondence|e-?mail|citation|issn|isbn|url|affiliations?)\s*:|https?://\S+\s*$)", re.I)
REFERENCE_SECTIONS = re.compile(r"^(\d+(\.\d+)*\.?\s+)?(references|bibliography|works cited|reference list)$", re.I)


def looks_like_heading(text: str) -> bool:
    """Short and without closing punctuation: a heading or label line, not a sentence."""
    return text.rstrip()[-1:] not in ".!?\"”)]" and len(text.split()) <= 10


def is_metadata(text: str) -> bool:
    return bool(_METADATA.match(text))


def answer_type(question: str) -> str | None:
    if _ABOUT_DOC[0][0].search(question):  # "Who should read it?", "Who is it for?": a readership, not a name
        return None
    for name, pat in _TYPE_CUES:
        if pat.search(question):
            return name
    return None


def asked_term(question: str) -> str | None:
    """The X of "What is X?" / "What are X?" when X is a bare term (no article: "What is the focus …?" asks none)."""
    m = _DEFINE_Q.match(question)
    if not m or m.group(1).lower() != "what" or m.group(2).lower() not in ("is", "are") or m.group(3):
        return None
    return m.group("subj")


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
_COUNT = re.compile(r"(?<![\w.-])(\d[\d,.]*|" + _NUMBER_WORDS + r")(?![\w-])", re.I)
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


# a date question about the document itself ("When was the paper published?", "What is the publication date?"):
# only those are answered by its dateline, not "When was the Elsie Initiative founded?"
_DATED = re.compile(r"\b(publish\w*|publication|released?|issued?|written|came out|come out|dated?|posted|appeared)\b"
                    r"|\b" + _DOC_NOUN + r"\b", re.I)


def asks_when_published(question: str) -> bool:
    return answer_type(question) == "date" and bool(_DATED.search(question))


def asks_for_title(question: str) -> bool:
    return bool(_TITLE_Q.search(question))


_ASKING_VERBS = frozenset(content_words("read reading written writes intended meant designed target aimed"))


def asking_words(question: str) -> frozenset[str]:
    """The words with which a question asks whom a document is for ("should read", "meant for"), not what it says:
    "Who should read the paper?" shares "read" with a link line ("-> Read the executive summary") and, beside it,
    the editors' names, which then outranked "The primary audience is …". The stating words ("audience") stay."""
    m = _ABOUT_DOC[0][0].search(question)
    return frozenset(content_words(m.group(0)) & _ASKING_VERBS) if m else frozenset()


def about_document(question: str) -> re.Pattern | None:
    """For a question about the document itself (its authors, audience or purpose), the words stating it."""
    for asks, states in _ABOUT_DOC:
        if asks.search(question):
            return states
    return _SUMMARY if about_the_document(question) else None


# Words of a question about a document as a whole ("What is the conclusion of this study?", "What is
# discussed in this publication?"): asked about one document, such a question is never out of scope,
# however low the evidence of any single sentence (28 of COVID-QA's 1,106 questions; 3 were refused).
ABOUT_THE_DOCUMENT = content_words(
    "study studies report publication article research document review work conclusion conclusions concluded "
    "conclude finding findings result results discussed discuss main summary summarise summarize topic topics aim "
    "aims purpose objective method methods methodology key point points drawn draw overall authors describe "
    "described focus about cover covers covered overview scope")
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
    return content_words(question) <= ABOUT_THE_DOCUMENT  # "paper", "about" are stopwords: no words left is the same


def has_type(kind: str, sentence: str) -> bool:
    if kind == "reason":
        return bool(_REASON.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    return bool(_NAME.search(sentence))


# "What does the paper say about climate change?", "Does the review discuss firefighters?", "Is e-learning
# covered?", "How does the paper define toxic masculinity?": a question naming the topic it asks about. A topic the
# library never words is one it does not cover (``RefusalPolicy``), however near its passages look to the embedding
# model.
_TELLER = (r"(the |this |that |its )?(paper|report|publication|document|study|article|review|page|text|authors?|"
           r"library|sources?|literature|it|they)")
_TOPIC = re.compile(
    r"^\W*(what|how)\s+(does|do|did|can)\s+" + _TELLER + r"\s+(say|write|tell|note|state|report|argue|suggest|"
    r"recommend|conclude|find|mention|discuss|cover)(\s+us)?\s+(about|on|regarding|concerning)\s+(?P<a>[^?]+)"
    r"|^\W*(does|did|do|is|are|was|were)\s+" + _TELLER + r"\s+(say|talk|discuss|mention|cover|address|deal\s+with|"
    r"touch\s+on|consider|examine|explore|look\s+at|refer\s+to|include|have)(ing)?(\s+(anything|something))?"
    r"(\s+(about|on|regarding|concerning))?\s+(?P<b>[^?]+)"
    r"|^\W*(is|are|was|were)\s+(?P<c>[^?]+?)\s+(discussed|mentioned|covered|addressed|considered|examined|explored)\b"
    r"|^\W*(tell me|anything|something)\s+(about|on)\s+(?P<d>[^?]+)"
    # a definition asked for: "How does the paper define toxic masculinity?", "What is meant by X?"
    r"|^\W*how\s+(does|do|did|is|are)\s+(" + _TELLER + r"\s+)?defined?\s+(?P<e>[^?]+)"
    r"|^\W*(what\s+is\s+(meant|understood)\s+by|what\s+is\s+the\s+definition\s+of|define)\s+(?P<f>[^?]+)"
    r"|^\W*what\s+(does|do)\s+(?P<g>[^?]+?)\s+mean\b|^\W*how\s+(is|are|was|were)\s+(?P<h>[^?]+?)\s+defined\b", re.I)
_TOPIC_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


def topic_of(question: str) -> tuple[list[str], bool]:
    """(the words of the topic a question asks the library about, "climate" and "change", or none; whether it asks
    yes or no if the library covers it: "Does the paper discuss X?", "Is X covered?")."""
    m = _TOPIC.search(question)
    if not m:
        return [], False
    topic = next((g for g in m.group("a", "b", "c", "d", "e", "f", "g", "h") if g), "")
    words = list(dict.fromkeys(w for w in _TOPIC_WORD.findall(topic) if w.lower() not in STOPWORDS and len(w) >= 3))
    return words, bool(m.group("b") or m.group("c"))
