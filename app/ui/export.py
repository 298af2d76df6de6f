"""A conversation as Markdown with its citations (pure Python: tested without streamlit)."""
from __future__ import annotations

from datetime import UTC, datetime

from .text import escape_md, kind_label, page_md, page_number, place_md, safe_url

TITLE = "More than a mandate? — conversation with cited sources"


def conversation_markdown(messages: list[dict], now: datetime | None = None) -> str:
    """Each question, each answer (unverified sentences flagged), and numbered sources with quotes.

    Corpus and model text is markdown-escaped, so a viewer shows it literally (no links or HTML
    smuggled in by a document).
    """
    now = now or datetime.now(UTC)
    lines = [f"# {TITLE}", "", f"_Exported {now:%Y-%m-%d %H:%M} UTC_", ""]
    q = 0
    for m in messages:
        if m["role"] == "user":
            q += 1
            lines += [f"## Q{q}. {escape_md(m['content'])}", ""]
            continue
        answer = m.get("answer")
        if answer is None:
            lines += [f"*No answer: {escape_md(m.get('error') or m.get('content') or '')}*", ""]
            continue
        lines += _answer_lines(answer)
    return "\n".join(lines).rstrip() + "\n"


def _answer_lines(answer) -> list[str]:
    out = []
    if answer.notice:
        out += [f"> Note: {escape_md(answer.notice)}", ""]
    out += [escape_md(answer.text), ""]
    flagged = [c for c in answer.verified if not c.supported]
    if flagged:
        out.append("**Not verified against the sources:**")
        out += [f"- {escape_md(c.text)}" for c in flagged]
        out.append("")
    if answer.refused and answer.passages:
        out.append("**Closest passages:**")
        for p in answer.passages:
            out.append(f"- {escape_md(p.title)} ({kind_label(p.kind)}), {place_md(p.where, p.page_label)}: "
                       f"“{escape_md(_clip(p.text))}”")
        out.append("")
    if answer.citations:
        out.append(f"**Sources** ({answer.mode} mode):")
        out.append("")
        for c in answer.citations:
            line = (f"{c.n}. {escape_md(c.title)} ({kind_label(c.kind)}), {place_md(c.locator, c.page)}: "
                    f"“{escape_md(c.sentence)}”")
            url = safe_url(c.url)
            if url:
                line += f" <{url}#page={page_number(c.page, c.page_index)}>" if url.lower().endswith(".pdf") else f" <{url}>"
            out.append(line)
            for t in c.traces:
                if t.ingested and t.quote:
                    out.append(f"    - {escape_md(t.citation_text)}: {escape_md(t.title)}, {page_md(t.page)}: “{escape_md(t.quote)}”")
        out.append("")
    return out


def _clip(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def export_filename(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"mandate-conversation-{now:%Y%m%d-%H%M}.md"
