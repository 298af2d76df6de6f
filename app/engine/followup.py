"""Follow-up questions -> standalone retrieval queries (heuristic; the LLM may refine it)."""
from __future__ import annotations

import logging
import re

from .generate import rewrite_messages
from .records import Turn
from .text import content_words, strip_markers

log = logging.getLogger(__name__)

_PRONOUNS = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there|such)\b", re.I)
_OPENERS = re.compile(r"^\s*(and|but|also|what about|how about|what else|why|how so|tell me more|more on|and what|so)\b", re.I)


# "Elaborate", "Go on", "Tell me more", "Details?": more of the same topic. Added to the previous question these words
# only blur it (evidence 0.5 -> 0.06, refused); the previous question is searched instead, and the answer leaves out
# what the previous answer already quoted (``Engine``).
_CONTINUE = re.compile(
    r"^\W*(?:(?:please|can you|could you|pls)\s+)?(?:elaborate|go on|continue|keep going|say more|tell me more|more|"
    r"more details?|(?:any |some )?(?:more |further )?details|expand|explain(?: more| further)?|anything else|what else|"
    r"go deeper|in more detail)(?:\s+(?:on (?:that|this|it)|about (?:that|this|it)|please|more|further|then))*\W*$", re.I)


def is_continuation(question: str) -> bool:
    return bool(_CONTINUE.match(question))


def last_assistant_answer(history: list[Turn] | None) -> str:
    for t in reversed(history or []):
        if t.role == "assistant" and t.content.strip():
            return t.content
    return ""


def not_already_said(ranked: list, texts: list[str], said: str) -> list:
    """``ranked`` sentences the previous answer did not quote (all of them if it quoted every one)."""
    said = " ".join(strip_markers(said).split())
    fresh = [r for r in ranked if " ".join(texts[r.row].split()) not in said]
    return fresh or ranked


def last_user_question(history: list[Turn]) -> str:
    for t in reversed(history):
        if t.role == "user" and t.content.strip():
            return t.content.strip()
    return ""


def is_follow_up(question: str) -> bool:
    return bool(_OPENERS.match(question) or _PRONOUNS.search(question) or len(content_words(question)) < 3)


def heuristic_standalone(question: str, history: list[Turn] | None) -> str:
    """Prefix a follow-up with the previous user question so retrieval sees the topic."""
    if not history:
        return question
    prev = last_user_question(history)
    if not prev or not is_follow_up(question):
        return question
    return prev if is_continuation(question) else f"{prev} {question}"


def accept_rewrite(candidate: str, question: str, heuristic: str = "") -> bool:
    """A model's rewrite is used only if it is one sane question that keeps the follow-up's words.

    Small models drop the very detail that matters ("...for Norway in 2015?" -> a question without
    Norway), so every name, number and content word of the follow-up must survive the rewrite.
    """
    c = candidate.strip()
    if not (5 <= len(c) <= 3 * len(heuristic or question) + 200) or "\n" in c or not content_words(c):
        return False
    return content_words(question) <= content_words(c)


def standalone_query(question: str, history: list[Turn] | None, llm=None) -> str:
    """Follow-up -> standalone query: the heuristic always, the LLM's rewrite only when it is accepted.

    ``llm``: None for the heuristic only, else () -> chat model (built lazily, may fail)."""
    query = heuristic_standalone(question, history)
    if llm is not None and history and is_follow_up(question) and not is_continuation(question):
        try:
            out = llm().invoke(rewrite_messages(question, history)).content.strip()
            if accept_rewrite(out, question, heuristic=query):
                return out
        except Exception as exc:  # noqa: BLE001 - the heuristic query is a complete fallback
            log.warning("follow-up rewrite failed, using the heuristic query: %s: %s", type(exc).__name__, exc)
    return query
