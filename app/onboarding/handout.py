"""The tour as a Markdown handout a trainer can print or share: sections with cited key sentences
and suggested questions, the glossary, and the quiz with an answer key.

Corpus text is escaped (no links, HTML, emphasis or tables smuggled in by a document).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

from app.engine.records import Citation, page_place

from .records import QuizQuestion, Tour

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$&])")


def md(text: str) -> str:
    """Corpus text for Markdown: whitespace flattened, markup characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text or "")).strip())


def short_title(title: str, limit: int = 50) -> str:
    """A long title cut at its first ':' / '?' / ' — ' (e.g. 'More than a mandate?')."""
    title = " ".join((title or "").split())
    if len(title) <= limit:
        return title
    for sep in ("?", ":", " — ", " – ", ". "):
        i = title.find(sep, 10)
        if 0 < i <= limit:
            return title[: i + 1].rstrip(" :—–.") if sep != "?" else title[: i + 1]
    return title[:limit].rsplit(" ", 1)[0] + "…"


def cite(c: Citation) -> str:
    """'title, p. N' for a citation (long titles shortened)."""
    return f"{md(short_title(c.title) or c.source_id)}, {md(page_place(c.page))}"


def quoted(c: Citation) -> str:
    return f"“{md(c.quote)}” ({cite(c)})"


def _letter(i: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[i]


def _question_lines(i: int, q: QuizQuestion) -> list[str]:
    lines = [f"{i}. {md(q.prompt)}"]
    if q.kind == "mcq":
        lines += [f"    - ({_letter(k)}) {md(o)}" for k, o in enumerate(q.options)]
    else:
        lines.append("    - Your answer: ____________________")
    return lines


def handout_markdown(tour: Tour, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    doc = "paper" if tour.kind == "paper" else "document"
    out = [f"# Onboarding handout: {md(tour.title or tour.source_id)}", "",
           f"_A guided, cited path through the {doc} for new trainers · generated {now:%Y-%m-%d}_", "",
           "Every sentence quoted below is taken word for word from the text, with its page. "
           "Read the sections in order, try the questions in the assistant, then take the quiz.", ""]
    if short_title(tour.title) != " ".join(tour.title.split()):
        out += [f"Quotes are cited as “{md(short_title(tour.title))}, p. N”.", ""]
    out += [f"> Note: {md(n)}" for n in tour.notes]
    if tour.notes:
        out.append("")
    out += ["## Contents", ""]
    out += [f"{'    ' * (max(s.level, 1) - 1)}- {md(s.title)} ({s.pages})" for s in tour.sections]
    out += ["", "## Sections", ""]
    for s in tour.sections:
        out += [f"{'#' * min(3 + max(s.level, 1) - 1, 6)} {md(s.title)}", "", f"_{s.pages}_", ""]
        if s.kind == "references":
            out += ["The reference list: the works this text cites.", ""]
            continue
        if s.generated:
            out += [f"In short: {md(s.generated)}", ""]
        if s.summary:
            out.append("Key sentences:")
            out.append("")
            out += [f"- {quoted(c)}" for c in s.summary]
            out.append("")
        if s.questions:
            out.append("Questions to ask the assistant:")
            out.append("")
            out += [f"- {md(q)}" for q in s.questions]
            out.append("")
    out += ["## Glossary", ""]
    if not tour.glossary:
        out += ["No key terms were found in this text.", ""]
    for g in tour.glossary:
        out.append(f"- **{md(g.term)}**: {quoted(g.citation)}")
    out += ["", "## Quiz", ""]
    if not tour.quiz:
        out += ["No quiz questions could be made from this text.", ""]
    for i, q in enumerate(tour.quiz, 1):
        out += _question_lines(i, q)
    out += ["", "## Answer key", ""]
    for i, q in enumerate(tour.quiz, 1):
        letter = f"({_letter(q.options.index(q.answer))}) " if q.kind == "mcq" and q.answer in q.options else ""
        out.append(f"{i}. {letter}**{md(q.answer)}**: {quoted(q.citation)}")
    return "\n".join(out).rstrip() + "\n"


def handout_filename(tour: Tour) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (tour.source_id or "tour").lower()).strip("-")[:40] or "tour"
    return f"onboarding-{slug}.md"
