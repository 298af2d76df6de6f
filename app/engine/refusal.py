"""When to refuse: one calibrated evidence score plus two rules a threshold cannot express.

* evidence (the sentence model's probability that the best sentence answers) below
  ``Settings.refusal_threshold``;
* a name, acronym, long number or technical term of the question that occurs nowhere in the corpus
  ("Norwegian police", "resolution 2242", "hepcidin"; an acronym the corpus writes out in full, "WPS" for
  "Women, Peace and Security", is not unknown: ``acronyms.py``);
* none of the question's words (or a follow-up's, with its history) used anywhere in the corpus ("éééé", a question
  in another language); words about a document itself ("title", "author") do not count;
* weak evidence and none of the question's words near the best sentences (off topic);
* a question naming its topic ("What does the paper say about climate change?") whose topic words the corpus
  (or the one document asked about) never uses: at least half of them, or the last;
* asked of the library: specific terms that no single document uses all of ("Asian" in one article,
  "CHIKV" in another);
* asked about one document: a term that document never uses but others do (``document_terms.py``), or
  another document answering far better (``Elsewhere``; the answer names it);
* "When was / did …?" (not "When should …?") and no date, day, month or year in the best sentences;
* "How many …?" / "How much …?" and no number (nor a list to count) in the best sentences; no sum of money
  when the question asks what something costs.

Refusal is decided here from retrieval scores, never by a language model.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from ingest.index.embedder import tokenizer_of
from ingest.index.lexical import tokenize
from ingest.index.settings import Settings

from .acronyms import acronyms_in
from .document_terms import DocumentTerms
from .features import log_odds
from .question_cues import ABOUT_THE_DOCUMENT, about_the_document, answer_type, has_type, topic_of
from .text import STOPWORDS, content_words

REFUSAL = ("The paper and its cited sources do not cover this question, so I won't answer it. "
           "The closest passages are shown below in case they help.")

OFF_TOPIC_EVIDENCE = 0.2  # below this, an answer must share a question word with its best sentences
# A question asked about one document that another document of the library answers far better is not
# answered from the first: its best sentence's log-odds must trail the other document's by more than
# ``Settings.refusal_elsewhere_margin`` and the other's probability reach ``refusal_elsewhere_min``.
# At ELSEWHERE_NEEDLESS evidence the other document would need a probability above 0.78 (shipped settings);
# none of the 2,183 questions and twins reached it when it mattered, so the library is not searched again.
ELSEWHERE_NEEDLESS = 0.5
# "How many women serve in UN peace operations?" asked of a page that gives no figure: its best sentences hold
# no number, in digits or words, and no list to count. Every answered "how many" question of COVID-QA (the
# 400-question sample) and of the typeset-PDF set has a number in its quotes, so the rule costs those nothing;
# it refuses where a narrative text has no figure to give.
_MONEY_NOUN = r"(budget|price|salary|salaries|allowance|fee|fees)s?\b"
# "What percentage / proportion / number of …?" and "… in hours?" ask for a figure as well (COVID-QA: 22 such
# questions, held-out index 9, dev set 6: every one has a figure in its best sentences)
_SHARE_Q = (r"\b(what|which)\s+((is|was|are|were)\s+)?(the\s+)?((approximate|estimated|average|mean|median|overall|total)"
            r"\s+)?(percentage|percent|per cent|proportion|share|fraction|ratio|number|rate)\s+of\b"
            r"|^\W*(what|which)\s+(percentage|percent|per cent|proportion|share|fraction)\b"
            r"|\bin (hours|days|weeks|months|years|minutes)\W*$")
_SHARE = re.compile(_SHARE_Q, re.I)
_COUNT_Q = re.compile(r"\bhow (many|much)\b|" + _SHARE_Q + r"|\bwhat (is|was|are|were) the ((annual|monthly|yearly|daily|"
                      r"total|average|mean) )?" + _MONEY_NOUN + r"|^\W*what (annual|monthly|yearly|daily) "
                      r"(budget|price|salary|allowance|fee)s?\b", re.I)
_FIGURE = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|"
                     r"forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|halves|double|twice|triple|"
                     r"once|single|none|no one|nobody|quarter|third)\b", re.I)
# an amount of money ("How much does a course cost?", "What is the annual budget of …?") needs a sum of money
_MONEY_Q = re.compile(r"\bhow much\b[^?]*\b(cost|costs|pay|paid|spend|spent|charge|charged|earn|earns|fund|funded|"
                      r"budget|price)\b|\b" + _MONEY_NOUN, re.I)
_MONEY = re.compile(r"[$€£¥]|\b(US\$|USD|EUR|GBP|CHF|CAD|AUD|SEK|NOK|DKK|JPY|dollars?|euros?|pounds?|francs?|kron[aeor]r?|"
                    r"yen|rupees?)\b", re.I)
_LIST = re.compile(r"(?:[^,;]{1,40}[,;]\s+){2,}[^,;]{0,40}\b(?:and|or)\b")  # "A, B, C and D": short items to count
NO_FIGURE = ("The passages that come closest give no figure, so I won't answer this question. They are shown below "
             "in case they help.")
NO_SUM = NO_FIGURE.replace("no figure", "no sum of money")
# "When was the Elsie Initiative founded?" of a page that never dates it: no date (nor a day, month or year) in the
# best sentences. Of COVID-QA's 25 "when" questions, the held-out index's 10 and the dev set's 3, every one has one.
NO_DATE = NO_FIGURE.replace("no figure", "no date")
# "?", "...", "   ": nothing to search for; ranked anyway, such a query scored 0.67-0.69 against the paper's summary
# (every candidate ties on the word features) and was answered with it, as a close match
NO_WORDS = "The question has no words to search for, so I won't answer it. Ask it in words, e.g. “What does the paper conclude?”"
_A_WORD = re.compile(r"[^\W_]")
_WORDS = re.compile(r"[^\W_][\w'’-]*")  # any script: "Müller" is one name, not "M" and "ller"
# words about a document itself, which its text need not use: "What is the title?" of a page that never says "title"
_DOCUMENT_WORDS = ABOUT_THE_DOCUMENT | content_words("title titled author wrote written writer publish published date "
                                                     "dated edit edited editor editors audience reader readers year")
# "When is gender training most effective?", "When should a refresher be given?": a condition, not a date
_WHEN_IF = re.compile(r"^\W*when\s+(is|are|does|do|should|can|could|would|will|might|must|may|shall)\b", re.I)
_DEFAULT = Settings.model_fields  # the rule's defaults are the settings' own
# "this study", "the authors", "What dataset do they use?" (questions written about a paper call its authors
# "they"): the question is about the document it is asked about, which no other document can answer for it
_THIS_DOCUMENT = re.compile(
    r"\b(this|these|the|our)\s+(study|studies|paper|report|article|publication|review|work|analysis|analyses|"
    r"research|authors?|trial|survey|document|findings|results)\b"
    r"|\b(do|did|does|are|were|have|had|can|could|will|would)\s+(they|the\s+authors)\b"
    r"|\b(they|we)\s+(use|propose|evaluate|compare|train|test|collect|report|find|found|show|measure|apply|build|"
    r"introduce|obtain|achieve|conduct|perform|focus|experiment|annotate|sample|recruit|analy[sz]e)\w*"
    r"|\btheir\s+(model|method|approach|data|dataset|system|results?|experiments?|proposed|baseline|study|analysis|"
    r"work|framework|findings|sample|participants)\b", re.I)


@dataclass
class Elsewhere:
    """The best sentence of the library outside the document a question is asked about."""

    source_id: str
    title: str
    prob: float

    def answers_better_than(self, evidence: float, margin: float, minimum: float) -> bool:
        return self.prob >= minimum and log_odds(self.prob) - log_odds(evidence) > margin


@dataclass
class Refusal:
    text: str
    unknown: list[str] = field(default_factory=list)
    elsewhere: Elsewhere | None = None  # the document that answers it instead


class RefusalPolicy:
    def __init__(self, index, threshold: float, elsewhere_margin: float = _DEFAULT["refusal_elsewhere_margin"].default,
                 elsewhere_min: float = _DEFAULT["refusal_elsewhere_min"].default):
        self.index = index
        self.threshold = threshold
        self.elsewhere_margin = elsewhere_margin
        self.elsewhere_min = elsewhere_min

    @cached_property
    def document_terms(self) -> DocumentTerms:
        """Per-document vocabularies (built by ``warm_up`` or on the first question that needs them)."""
        return DocumentTerms(self.index.sentences, self.index.lexical)

    def warm_up(self) -> None:
        """Build the per-document vocabularies now (0.3 s for 88 articles), not on a user's question."""
        self.document_terms.vocabulary("")

    def decide(self, question: str, query: str, ranked, passages, evidence: float,
               source_id: str | None = None, elsewhere: Callable[[], Elsewhere | None] | None = None,
               documents: Callable[[], list[str]] | None = None) -> Refusal | None:
        """``source_id``: the question is asked about that one document (its terms are checked against it);
        ``elsewhere()`` then gives the library's best sentence outside it. Asked of the library, ``documents()``
        gives the documents in scope, best-ranked first. Both are computed only when a rule needs them."""
        if self.wordless(question, query):
            return Refusal(NO_WORDS)
        specific = {text: self.specific_terms(text) for text in (query, question)}
        topic, covered = topic_of(question)  # covered: "Does the paper discuss X?", whose answer is "No"
        unknown = list(dict.fromkeys([w for words in specific.values() for w in self._unknown(words)]
                                     + _uncovered(topic, self._unknown(topic) + self._unwritten(topic))))
        if unknown:
            return _never_mentioned(unknown, covered, "the paper and its cited sources never mention")
        if stranger := self.all_unknown(query):  # a follow-up ("Elaborate please") brings its history's words
            return _never_mentioned(stranger, False, "the paper and its cited sources use none of the question's words:")
        if source_id:
            unknown = list(dict.fromkeys([w for text, words in specific.items()
                                          for w in self.document_terms.unknown_to(source_id, words, text)]
                                         + _uncovered(topic, self.document_terms.unknown_to(source_id, topic, question)
                                                      + self._unwritten(topic, source_id))))
            if unknown:
                return _never_mentioned(unknown, covered, "this document never mentions", " about it",
                                        "; other documents of the library may cover it")
        # the question's own terms: a follow-up's query carries the previous question's, often about another document
        named = specific[question]
        if not source_id and len(named) >= 2 and documents is not None and not self._together(named, question, documents()):
            return Refusal(f"No single document of the library mentions all of {_and(named)}, so I won't answer "
                           f"this question. The closest passages are shown below in case they help.")
        if source_id and passages and about_the_document(question):
            return None
        if (source_id and passages and elsewhere is not None and evidence < ELSEWHERE_NEEDLESS
                and not _THIS_DOCUMENT.search(question)):
            other = elsewhere()
            if other is not None and other.answers_better_than(evidence, self.elsewhere_margin, self.elsewhere_min):
                return Refusal(f"This document does not seem to answer this question; “{other.title}” does. The "
                               f"closest passages of this document are shown below; ask the question of the whole "
                               f"library, or about that document, for its answer.", elsewhere=other)
        counting = _COUNT_Q.search(question) is not None
        dating = answer_type(question) == "date" and not _WHEN_IF.search(question)
        if ranked and (counting or dating):  # both rules read the three best sentences
            best = [self.index.sentences.texts[rk.row] for rk in ranked[:3]]
            money = counting and _MONEY_Q.search(question) is not None and not _SHARE.search(question)  # a share: a figure
            if counting and not any((_MONEY.search(t) if money else _FIGURE.search(t) or _LIST.search(t)) for t in best):
                return Refusal(NO_SUM if money else NO_FIGURE)
            if dating and not any(has_type("date", t) for t in best):
                return Refusal(NO_DATE)
        # (COVID-QA held-out set and dev set: the off-topic rule refuses no answerable question of either)
        off_topic = evidence < OFF_TOPIC_EVIDENCE and not self.index.ranker.shares_words(question, ranked)
        if not passages or evidence < self.threshold or off_topic:
            return Refusal(REFUSAL)
        return None

    @staticmethod
    def wordless(question: str, query: str) -> bool:
        """Neither the question nor its standalone form has a word: nothing to search for, so nothing is ranked."""
        return not _A_WORD.search(question) and not _A_WORD.search(query)

    def all_unknown(self, question: str) -> list[str]:
        """The question's content words when the corpus uses none of them: "éééé", a question in another language.
        (Ranked anyway, "éééééé" scored 0.71 against the paper's summary. No answerable question of COVID-QA's 1,106,
        the held-out index's 200, the dev set's 46 or the papers-like set's 53 has all its words unknown.) Words about
        a document itself ("title", "editors") are no reason to refuse, and a question using them is about it: only words
        outside the English vocabulary are then a reason ("Who is the author of plorb?", not "How many editors?")."""
        words = list(dict.fromkeys(w for w in _WORDS.findall(question) if w.lower() not in STOPWORDS))
        about = [w for w in words if content_words(w) and content_words(w) <= _DOCUMENT_WORDS]
        content = [w for w in words if w not in about and any(not t.isdigit() for t in tokenize([w]).vocab)]
        if not content or len(self.index.lexical.unknown_terms(content)) < len(content):
            return []
        unknown = self._unknown(content)  # an acronym the corpus writes out in full is known
        if len(unknown) != len(content):
            return []
        if about and any(map(self._english, unknown)):
            return []  # "How many editors …?", "Which readers is it meant for?": English about a document, not gibberish
        return unknown

    def _together(self, words: list[str], question: str, documents: list[str]) -> bool:
        """Does one of ``documents`` use every specific term of the question (as the document-terms rule reads
        them)? "Asian CHIKV" in a library where one article says "Asian" and another "CHIKV" is about neither."""
        return any(not self.document_terms.unknown_to(sid, words, question) for sid in documents)

    def unknown_terms(self, query: str) -> list[str]:
        """Names, acronyms, numbers and technical terms of the question that occur nowhere in the corpus.

        A question about "Norwegian police", "resolution 2242" or "hepcidin" is not answered by
        passages about police, resolutions or iron in general, however similar they look to the
        embedding model. A lower-case word counts as a technical term when the embedding model's own
        vocabulary splits it into four or more word pieces (hepcidin, rupintrivir): everyday words a
        paraphrase might use ("syllabi", "fieldwork") are one to three pieces, so they never refuse.
        """
        return self._unknown(self.specific_terms(query))

    def expand_acronyms(self, query: str) -> str:
        """``query`` with its words added after each acronym the corpus never uses but writes out in full:
        "the WPS agenda" is searched as "the WPS (Women, Peace and Security) agenda"."""
        phrases = {w: p for w in acronyms_in(query) if (p := self.document_terms.phrase(w))}
        for w in self.index.lexical.unknown_terms(list(phrases)) if phrases else []:
            query = re.sub(rf"\b{re.escape(w)}\b", f"{w} ({phrases[w]})", query, count=1)
        return query

    def _unwritten(self, words: list[str], source_id: str | None = None) -> list[str]:
        """Compound ``words`` ("e-learning") that no sentence (of ``source_id``) writes, hyphenated, joined or
        spaced: the library knowing "learning" does not make it cover e-learning."""
        compounds = [w for w in words if "-" in w.strip("-")]
        if not compounds:
            return []
        s = self.index.sentences
        texts = s.texts if source_id is None else [t for t, sid in zip(s.texts, s.source_ids) if sid == source_id]
        out = []
        for w in compounds:
            written = re.compile(r"\b" + r"[-\s]?".join(re.escape(p) for p in w.split("-") if p) + r"\b", re.I)
            if not any(written.search(t) for t in texts):
                out.append(w)
        return out

    def _unknown(self, words: list[str]) -> list[str]:
        """``words`` the corpus never uses; an acronym it writes out in full ("WPS": "Women, Peace and Security")
        is known."""
        if not words:
            return []
        return [w for w in self.index.lexical.unknown_terms(words) if not self.document_terms.spells_out(w)]

    def specific_terms(self, query: str) -> list[str]:
        """Names (capitalised after a sentence's first word), acronyms, numbers and technical terms."""
        specific = []
        for sentence in re.split(r"(?<=[.?!])\s+", query):
            words = _WORDS.findall(sentence)
            specific += [w for i, w in enumerate(words) if w.lower() not in STOPWORDS
                         and ((i > 0 and w[0].isupper()) or any(ch.isdigit() for ch in w) or self._technical(w))]
        return list(dict.fromkeys(specific))

    def _english(self, word: str) -> bool:
        """One whole word piece of the embedding model's (English) vocabulary: "many", "charge"; not "plorb"."""
        if not word.isascii() or not word.isalpha():
            return False
        try:
            return len(tokenizer_of(self.index.embeddings).tokenize(word.lower())) == 1
        except Exception:  # noqa: BLE001 - an embedder without a word-piece tokenizer
            return False

    def _technical(self, word: str) -> bool:
        if len(word) < 6 or not word.isalpha() or not word.isascii():  # English word pieces say nothing of "подготовка"
            return False
        try:
            return len(tokenizer_of(self.index.embeddings).tokenize(word.lower())) >= 4
        except Exception:  # noqa: BLE001 - an embedder without a word-piece tokenizer: no technical terms
            return False


def _uncovered(topic: list[str], absent: list[str]) -> list[str]:
    """The ``absent`` words of a question's ``topic`` when they mean the topic is not covered: at least half its
    words, or its last (the most specific: "gender training for firefighters"). "What does the paper say about
    climate change?" of a library that never writes "climate" is refused; a topic one stray word off is not."""
    gone = set(absent)
    absent = [w for w in topic if w in gone]  # once each, in the question's order
    if absent and (2 * len(absent) >= len(topic) or topic[-1] in absent):
        return absent
    return []


def _never_mentioned(unknown: list[str], covered: bool, says: str, about: str = "", more: str = "") -> Refusal:
    """The refusal naming the ``unknown`` terms: "No: <says> 'X'." for "Does the paper discuss X?" (``covered``),
    otherwise "<Says> 'X', so I won't answer this question<about>."; ``more`` ends the pointer to the passages."""
    listed = ", ".join(repr(w) for w in unknown)
    text = f"No: {says} {listed}." if covered else f"{says[0].upper()}{says[1:]} {listed}, so I won't answer this question{about}."
    return Refusal(f"{text} The closest passages are shown below in case they help{more}.", unknown)


def _and(words: list[str]) -> str:
    quoted = [repr(w) for w in words]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
