"""What a file really is, decided by its bytes (never by its name): pdf, html, text, or refused.

One place for corpus discovery, uploads and downloads: ``sniff_file`` for a path (refuses
symbolic links), ``sniff_bytes`` for data in memory (an upload, a download before it is saved).
A PDF named ``.txt`` is a PDF; binary noise is refused whatever its extension says.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .registry import kind_for

SAMPLE_BYTES = 256 * 1024  # looked at from the start (and as much again from the end) of a file
MAX_CONTROL_RATIO = 0.01  # text with more control characters than this is binary
MAX_HIGH_RATIO_CP1252 = 0.30  # "Windows-1252 text" that is mostly bytes >= 0x80 is binary

# Binary formats that never are a document we parse (a PDF inside a zip is still a zip).
_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (or DOCX/ODT/EPUB)", b"\x7fELF": "an executable", b"MZ": "a Windows executable",
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x1f\x8b": "gzip data",
    b"BZh": "bzip2 data", b"\xfd7zXZ": "xz data", b"7z\xbc\xaf": "a 7z archive", b"Rar!": "a RAR archive",
    b"\xd0\xcf\x11\xe0": "an old Office document", b"%!PS": "a PostScript file", b"\x00\x00\x01\x00": "an icon",
    b"RIFF": "a RIFF media file", b"OggS": "an Ogg media file", b"ID3": "an MP3 file", b"SQLite format 3": "an SQLite database",
}
_HTML_HINTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")


@dataclass(frozen=True)
class Sniffed:
    """The parser to use (``kind``), or why the file is refused (``reason``, kind is None)."""

    kind: str | None
    reason: str = ""
    encoding: str = ""  # for html/text: utf-8, cp1252, utf-16, utf-32 or the charset an HTML page declares
    refusal: str = ""  # when refused: "unsupported" (a link, a known non-document format) or "broken" (noise, fake PDF)

    @property
    def ok(self) -> bool:
        return self.kind is not None


def _refuse(reason: str, refusal: str = "broken") -> Sniffed:
    return Sniffed(None, reason, refusal=refusal)


PDF_HEADER_BYTES = 1024  # a PDF's "%PDF-" may follow some junk; readers accept it within the first 1 KB


def is_pdf_header(head: bytes) -> bool:
    """Do the first bytes of a file say PDF (whatever its name)?"""
    return b"%PDF-" in head[:PDF_HEADER_BYTES]


def bom_encoding(data: bytes) -> str | None:
    """"utf-32" / "utf-16" when ``data`` starts with that byte-order mark: Windows Notepad's "Unicode" text is
    UTF-16 with a BOM, every other character a NUL byte (it was refused as binary)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{2,40})"""
                           rb"""|^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9._:-]{2,40})""", re.I)


def html_charset(head: bytes) -> str | None:
    """The encoding an HTML page declares in its first 4 KB (``<meta charset="windows-1251">``, or an XHTML page's
    ``<?xml … encoding="…"?>``), when Python knows
    it and it is not UTF-8: a Russian page in windows-1251 is mostly bytes >= 0x80 and was refused as binary."""
    m = _META_CHARSET.search(head[:4096])
    if not m:
        return None
    try:
        name = codecs.lookup((m.group(1) or m.group(2)).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return None if name in ("utf-8", "utf-16", "utf-32") else name


def decode_bytes(data: bytes, declared: str | None = None, *, cut_start: bool = False,
                 cut_end: bool = False) -> tuple[str, str] | None:
    """Text of ``data`` and the encoding that decodes it, or None. The one decoding order of ingest (the sniffer's
    samples and ``parsers.text.read_text`` alike): UTF-16/32 by their byte-order mark; else UTF-8 (pages declaring
    ISO-8859-1 are often UTF-8, and valid UTF-8 is rarely anything else); else the ``declared`` charset; else
    Windows-1252, unless most bytes are >= 0x80 (binary). ``cut_start`` / ``cut_end``: ``data`` is a sample that may
    start / end inside a multi-byte character."""
    if wide := bom_encoding(data):
        width = 4 if wide == "utf-32" else 2
        try:
            return (data[:len(data) - len(data) % width] if cut_end else data).decode(wide), wide
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if cut_end and exc.start >= len(data) - 3:  # cut inside a multi-byte character: still UTF-8
            try:
                return data[:exc.start].decode("utf-8-sig"), "utf-8"
            except UnicodeDecodeError:
                pass
    if declared:  # a sample may start or end inside a multi-byte character (Shift_JIS, GB2312)
        for lead in range(4) if cut_start else (0,):
            for cut in range(4) if cut_end else (0,):
                try:
                    return data[lead:len(data) - cut].decode(declared), declared
                except UnicodeDecodeError:
                    continue
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if sum(1 for b in data if b >= 0x80) > MAX_HIGH_RATIO_CP1252 * max(1, len(data)):
        return None
    return text, "cp1252"


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0 or ch == "\ufffd")
    return bad / len(text)


def text_reason(samples: list[tuple[bytes, bool, bool]]) -> tuple[str | None, str]:
    """(None, encoding) when every sample (bytes, cut_start, cut_end) reads as text, else (why not, "")."""
    encoding = "utf-8"
    declared = html_charset(samples[0][0]) if samples else None
    wide = bom_encoding(samples[0][0]) if samples else None
    if wide:
        samples = samples[:1]  # (the tail is not checked: it may start inside a character)
    for data, cut_start, cut_end in samples:
        if not wide and b"\x00" in data:
            return "binary content (NUL bytes), not text", ""
        got = decode_bytes(data, declared, cut_start=cut_start, cut_end=cut_end)
        if got is None:
            return (f"binary content: not {wide.upper()} text despite its byte-order mark" if wide else
                    "binary content: neither UTF-8 nor Windows-1252 text"), ""
        text, enc = got
        if enc != "utf-8":
            encoding = enc
        ratio = _control_ratio(text)
        if ratio > MAX_CONTROL_RATIO:
            return f"binary content: {ratio:.0%} control characters, not text", ""
    return None, encoding


def sniff_bytes(head: bytes, declared: str = "", tail: bytes = b"", truncated: bool = False) -> Sniffed:
    """Decide from the first bytes (``head``; ``tail`` = the last ones of a larger file).

    ``declared`` is the extension (".txt") or kind ("text") the name or server claims; it only
    chooses between HTML and plain text for text content, never makes binary data text.
    """
    declared = (kind_for(declared) or declared.lower()) if declared else ""
    if not head:
        return _refuse("empty file (0 bytes)")
    if is_pdf_header(head):
        return Sniffed("pdf")
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return _refuse(f"{what}, not a PDF, HTML or text document", "unsupported")
    samples = [(head, False, truncated)]
    if tail:
        # the tail may start inside a UTF-8 character: drop continuation bytes at its start
        i = 0
        while i < min(4, len(tail)) and 0x80 <= tail[i] < 0xC0:
            i += 1
        samples.append((tail[i:], True, False))
    reason, encoding = text_reason(samples)
    if reason:
        if declared == "pdf":
            return _refuse("not a PDF (no %PDF- header) and not text either")
        return _refuse(reason)
    if declared == "pdf":  # a "PDF" that is text (often an HTML error page) is refused, not guessed at
        return _refuse("not a PDF: the file is text without a %PDF- header")
    if encoding in ("utf-16", "utf-32"):  # look for markup in the text, not in its bytes
        head = head[:262144].decode(encoding, "ignore").encode()
    lead = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    looks_html = lead.startswith(_HTML_HINTS) or (lead.startswith(b"<") and b"<body" in head[:65536].lower())
    if declared == "html" or looks_html:
        return Sniffed("html", encoding=encoding)
    return Sniffed("text", encoding=encoding)


def sniff_file(path: Path, declared: str | None = None) -> Sniffed:
    """Sniff a file on disk; symbolic links are refused (not followed), as is anything but a regular file."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except OSError as exc:
        return _refuse(f"cannot read the file ({exc.strerror or exc})")
    if stat.S_ISLNK(st.st_mode):
        return _refuse("symbolic link: not followed (copy the document itself into the corpus folder)", "unsupported")
    if not stat.S_ISREG(st.st_mode):
        return _refuse("not a regular file", "unsupported")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        return _refuse(f"cannot read the file ({exc.strerror or exc})")
    with os.fdopen(fd, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
        size = os.fstat(fh.fileno()).st_size
        tail = b""
        if size > 2 * SAMPLE_BYTES:
            fh.seek(size - SAMPLE_BYTES)
            tail = fh.read(SAMPLE_BYTES)
        elif size > SAMPLE_BYTES:
            tail = fh.read()
    return sniff_bytes(head, path.suffix if declared is None else declared, tail=tail, truncated=size > SAMPLE_BYTES)


def sniff_data(data: bytes, declared: str = "") -> Sniffed:
    """``sniff_bytes`` for a whole file in memory (an upload, a finished download)."""
    head = data[:SAMPLE_BYTES]
    tail = data[-SAMPLE_BYTES:] if len(data) > 2 * SAMPLE_BYTES else data[SAMPLE_BYTES:]
    return sniff_bytes(head, declared, tail=tail, truncated=len(data) > SAMPLE_BYTES)
