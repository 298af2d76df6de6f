"""Markdown -> plain text and its headings: quotes cite the words, not the markup.

"## Findings" stayed in the text as "##", a Setext heading ("Method" over "------") was read as the sentence
"Method ------", and "**key**", "[the report](https://…)" were quoted with their asterisks, brackets and URL.
Headings become paragraphs of their own (so they never run into the next sentence); code keeps its text.
"""
from __future__ import annotations

import re

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+.*$")
_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image: its alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link: its words
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference link
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolink
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)"), r"\1"),
]


def inline_text(line: str) -> str:
    for pattern, repl in _INLINE:
        line = pattern.sub(repl, line)
    return line


def markdown_text(raw: str) -> tuple[str, list[tuple[str, int]]]:
    """(plain text, [(heading, level)] in order) of Markdown ``raw``; line structure kept for ``normalise``."""
    lines = raw.splitlines()
    out: list[str] = []
    heads: list[tuple[str, int]] = []
    fence = ""
    skip = -1
    for i, line in enumerate(lines):
        if i == skip:
            continue
        if fence:
            if line.strip().startswith(fence):
                fence = ""
                out.append("")
            else:
                out.append(line)
            continue
        if m := _FENCE.match(line):
            fence = m.group(1)[:3]
            out.append("")
            continue
        if _REF_DEF.match(line):
            continue
        line = _QUOTE.sub("", line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        atx = _ATX.match(line)
        if atx or (line.strip() and not _LIST_ITEM.match(line) and not _RULE.match(line) and _SETEXT.match(nxt)):
            title = inline_text((atx.group(2) or "") if atx else line).strip()
            level = len(atx.group(1)) if atx else (1 if nxt.strip().startswith("=") else 2)
            if not atx:
                skip = i + 1
            if title:
                heads.append((title, level))
                out += ["", title, ""]
            continue
        if _RULE.match(line):
            out.append("")
            continue
        out.append(inline_text(line))
    return "\n".join(out), heads
