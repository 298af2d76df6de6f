"""Text cleaning for extracted PDF pages: hyphenation, whitespace, running headers/footers.

The cleaned page text is what chunks point into, so every step here is deterministic.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

from ..hyphens import HYPHEN_BREAK, LIGATURES, Hyphens
from ..sentences import abbreviation_before

_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
# terminal colour codes and other control characters are not words ("\x1b[31m" in a text file); from session 27 on
# (indexes built before keep theirs until a file is ingested again; the CLI prints them escaped: ingest.terminal)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1d\x1f\x7f-\x9f]")  # not \x1e: SOFT_BREAK
# pdflatex's old font encoding prints an accent as a glyph of its own before the letter: pypdf gives
# "Genevi`eve", "Universit´e", "na¨ıve"; composed back where Unicode has the accented letter.
_SPACING_ACCENTS = {"`": "\u0300", "\u00b4": "\u0301", "\u02c6": "\u0302", "\u02dc": "\u0303", "\u00a8": "\u0308",
                    "\u02da": "\u030a", "\u02c7": "\u030c"}
_ACCENT_LETTER = re.compile(r"(?<=[A-Za-z])([`\u00b4\u02c6\u02dc\u00a8\u02da\u02c7])([A-Za-z\u0131])")
_DIGITS = re.compile(r"\d+|\b[ivxlcdm]+\b", re.IGNORECASE)
_PAGE_NUMBER_ONLY = re.compile(r"^(page\s*)?[\divxlcdm]{1,6}(\s*(of|/)\s*\d+)?$", re.IGNORECASE)


def _shape(line: str) -> str:
    """A line with its numbers masked, so 'Page 3' and 'Page 4' count as the same header."""
    return _DIGITS.sub("#", line.strip().lower())


def running_lines(pages_lines: list[list[str]], edge: int = 3, min_share: float = 0.5) -> set[str]:
    """Shapes of lines repeated at the top or bottom of at least ``min_share`` of the pages, or of the pages of
    one side: a journal printed two-sided runs its title on even pages and its authors on odd ones, each on just
    under half of all pages ("2 Linear Mixed Models with lme4" / "Douglas Bates, ... 3")."""
    if len(pages_lines) < 2:
        return set()
    if len(pages_lines) == 2:  # two pages: only a line repeated on both, at the same edge, is a running line
        tops = [{_shape(ln) for ln in [x for x in lines if x.strip()][:1]} for lines in pages_lines]
        bottoms = [{_shape(ln) for ln in [x for x in lines if x.strip()][-1:]} for lines in pages_lines]
        return (tops[0] & tops[1]) | (bottoms[0] & bottoms[1])
    counts: Counter[str] = Counter()
    by_side: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    for i, lines in enumerate(pages_lines):
        nonblank = [ln for ln in lines if ln.strip()]
        shapes = {_shape(ln) for ln in nonblank[:edge] + nonblank[-edge:]} - {""}
        counts.update(shapes)
        by_side[i % 2].update(shapes)
    found = {shape for shape, n in counts.items() if n >= max(2, int(len(pages_lines) * min_share + 0.5))}
    for side, side_counts in enumerate(by_side):
        n_side = len(pages_lines[side::2])
        need = max(3, int(n_side * min_share + 0.5))  # three pages of one side at least: never two lines by chance
        found |= {shape for shape, n in side_counts.items() if n >= need}
    return found


def strip_running(lines: list[str], shapes: set[str], edge: int = 3) -> list[str]:
    """Drop header/footer lines (by shape) and bare page numbers from a page's edges."""
    nonblank_idx = [i for i, ln in enumerate(lines) if ln.strip()]
    edge_idx = set(nonblank_idx[:edge] + nonblank_idx[-edge:])
    out = []
    for i, ln in enumerate(lines):
        if i in edge_idx and (_shape(ln) in shapes or _PAGE_NUMBER_ONLY.match(ln.strip())):
            continue
        out.append(ln)
    return out


_FOOTNOTE = re.compile(r"^\d{1,2}\s+[A-Z\"“]")


def mark_blocks(lines: list[str], headings: set[str], footnote_zone: int = 8) -> list[str]:
    """Put headings and bottom-of-page footnotes in paragraphs of their own (blank lines around)."""
    out: list[str] = []
    n = len(lines)
    own = set(heading_candidates("\n".join(lines)))
    for i, ln in enumerate(lines):
        s = ln.strip()
        is_heading = bool(s) and (s in headings or s in own)
        is_note = i >= n - footnote_zone and bool(_FOOTNOTE.match(s))
        if is_heading or is_note:
            out += ["", ln, ""] if is_heading else ["", ln]
        else:
            out.append(ln)
    return out


# A line that closes a sentence: . ! ? (quotes, brackets, note marks or "[12] ." citation marks after it).
_LINE_CLOSES = re.compile(r"[.!?][\"'”’)\]]*(\s*\[\d{1,3}(?:[,–-]\s?\d{1,3})*\])*\s*\.?\d{0,3}$")
_LINE_OPENS = re.compile(r"^[\"“‘(\[]?[A-Z0-9]")


SOFT_BREAK = "\x1e"  # a paragraph end found by line length: "\n\n" in the page text, ignored by the chunker


def mark_paragraphs(lines: list[str], short: float = 0.7, min_lines: int = 6) -> list[str]:
    """A ``SOFT_BREAK`` line after each line that ends a paragraph, judged by its length.

    pypdf separates a PDF's paragraphs by a line break only, like any other line: pdflatex and most
    justified layouts print no blank line between paragraphs, so a page came out as one paragraph
    (all 29 typeset COVID-QA articles; the generated two-column paper too). The last line of a
    paragraph is the one that stops short of the column: it closes a sentence, it is clearly shorter
    than the page's usual line (``short`` of the 75th percentile, in characters), and the next line
    opens like a sentence. A break is only ever added after a sentence's end, so no sentence is cut;
    a paragraph whose last line happens to be full stays joined to the next one. The page text shows it
    as a paragraph break (sentences, tracing, cards); chunks are cut as if it were not there (``soft_breaks``):
    chunks aligned to these paragraphs came out smaller, and gold text fell out of the top passages of
    29 typeset articles more often (passage hit@5 0.919 -> 0.901 library-wide)."""
    widths = sorted(len(ln.strip()) for ln in lines if ln.strip())
    if len(widths) < min_lines:
        return lines
    usual = widths[int(len(widths) * 0.75)]
    out: list[str] = []
    for i, ln in enumerate(lines):
        out.append(ln)
        s = ln.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if (s and nxt and len(s) < short * usual and _LINE_CLOSES.search(s) and _LINE_OPENS.match(nxt)
                and not (s.endswith(".") and abbreviation_before(s[:-1]))):  # "et al." or an initial goes on
            out.append(SOFT_BREAK)
    return out


def _compose(m: re.Match) -> str:
    letter = "i" if m.group(2) == "\u0131" else m.group(2)  # a dotless i carries the accent of "ï"
    composed = unicodedata.normalize("NFC", letter + _SPACING_ACCENTS[m.group(1)])
    return composed if len(composed) == 1 else m.group(0)


def normalise(text: str, hyphens: Hyphens | None = None) -> str:
    """Join hyphenated line breaks (a compound's own hyphen stays, by what the document prints: ``Hyphens``),
    spell out ligatures, turn line breaks into spaces, keep paragraph breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00ad\n", "").replace("\u00ad", "").translate(LIGATURES)
    text = _CONTROLS.sub("", _ANSI.sub("", text))
    text = _SPACES.sub(" ", text)
    text = _ACCENT_LETTER.sub(_compose, text)
    text = re.sub(r" *\n *", "\n", text)
    text = HYPHEN_BREAK.sub((hyphens or Hyphens()).join, text)
    paragraphs = re.split(r"\n{2,}", text)
    paragraphs = [p.replace("\n", " ").strip() for p in paragraphs]
    return "\n\n".join(p for p in paragraphs if p)


def clean_pages(raw_pages: list[str], headings: set[str] | None = None) -> list[str]:
    """Clean every page of one document; running lines are found across the whole document."""
    return [text for text, _ in clean_pages_with_breaks(raw_pages, headings)]


def clean_pages_with_breaks(raw_pages: list[str], headings: set[str] | None = None) -> list[tuple[str, tuple[int, ...]]]:
    """(clean text, offsets of its soft paragraph breaks) of every page: see ``mark_paragraphs``."""
    pages_lines = [raw.splitlines() for raw in raw_pages]
    shapes = running_lines(pages_lines)
    heads = {h.strip() for h in headings or set()}
    hyphens = Hyphens.of(raw_pages)
    return [soft_breaks(normalise("\n".join(mark_paragraphs(mark_blocks(strip_running(lines, shapes), heads))), hyphens))
            for lines in pages_lines]


def soft_breaks(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` with each ``SOFT_BREAK`` made a paragraph break, and the offsets of those that are only soft
    (one next to a heading's or a note's own blank line is a hard break already)."""
    out, at, last, pos = [], [], 0, 0
    for m in re.finditer(r"\s*\x1e[\s\x1e]*", text):
        out.append(text[last:m.start()])
        pos += m.start() - last
        last = m.end()
        if pos == 0 or last == len(text):
            continue  # at the start or the end of the page: nothing to separate
        if "\n\n" not in m.group():
            at.append(pos)
        out.append("\n\n")
        pos += 2
    out.append(text[last:])
    return "".join(out), tuple(at)


_HEADING = re.compile(r"^(\d+(\.\d+)*\.?\s+)?[A-Z][^.!?;:]{2,80}$")


def heading_candidates(raw_page: str) -> list[str]:
    """Heuristic headings of a page without an outline: short numbered or title-like lines."""
    found = []
    lines = raw_page.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or len(s) > 80 or len(s.split()) > 10:
            continue
        nxt = next((ln.strip() for ln in lines[i + 1:] if ln.strip()), "")
        if s.endswith("-") or nxt[:1].islower():
            continue  # a sentence running on to the next line ("60. Neutralising antibodies were detected in 50% par-")
        numbered = re.match(r"^\d+(\.\d+)*\.?\s+[A-Z]", s)
        if numbered and _HEADING.match(s) and "," not in s and not re.search(r"\b(19|20)\d\d\b", s):
            found.append(s)
        elif s.lower() in {"abstract", "introduction", "conclusion", "conclusions", "references", "bibliography", "summary",
                           "executive summary", "recommendations"}:
            found.append(s)
    return found
