"""Text saved as UTF-16 or UTF-32 with a byte-order mark (Windows Notepad's "Unicode") is text, not binary."""
from __future__ import annotations

import random

import pytest

from ingest.parsers.parse import parse_source
from ingest.parsers.sniff import sniff_bytes, sniff_file
from ingest.parsers.text import read_text

LINE = "Gender training at the police academy lasts three days in Genève.\n"


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                          ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff")])
def test_wide_text_with_a_bom_is_text_and_html_is_html(tmp_path, encoding, bom):
    """Every other byte of such a file is NUL, and it was refused as "binary content (NUL bytes)"."""
    text = bom + ("Café training\n\n" + LINE * 20).encode(encoding)
    got = sniff_bytes(text, ".txt")
    assert got.ok and got.kind == "text" and got.encoding.startswith("utf-")
    page = bom + f"<!DOCTYPE html><html><body><p>{LINE}</p></body></html>".encode(encoding)
    assert sniff_bytes(page, ".txt").kind == "html"
    (tmp_path / "notes.txt").write_bytes(text)
    assert sniff_file(tmp_path / "notes.txt").kind == "text"
    assert read_text(tmp_path / "notes.txt") == "Café training\n\n" + LINE * 20


def test_binary_noise_after_a_bom_is_still_refused():
    noise = b"\xff\xfe" + random.Random(0).randbytes(20000)
    got = sniff_bytes(noise, ".txt")
    assert not got.ok and "not UTF-16 text" in got.reason
    controls = b"\xff\xfe" + "".join(chr(c) for c in range(1, 32)).encode("utf-16-le") * 50
    got = sniff_bytes(controls, ".txt")
    assert not got.ok and "control characters" in got.reason


def test_the_title_of_a_text_file_is_read_as_its_text_is(tmp_path):
    """The title was read as UTF-8 with replacement characters: NUL-ridden for UTF-16, "Caf�" for Windows-1252."""
    from ingest.index.records import Source
    from ingest.index.settings import Settings

    head = "Café training in Genève today\n\n" + LINE
    for name, raw in (("wide.txt", head.encode("utf-16")), ("ansi.txt", head.encode("cp1252"))):
        (tmp_path / name).write_bytes(raw)
        doc = parse_source(Source(name, tmp_path / name, "0" * 64, ""), Settings(corpus_dir=tmp_path, db_dir=tmp_path / "db"))
        assert doc.title == "Café training in Genève today", name


RU = "Гендерная подготовка полицейских проводится перед каждым развертыванием миссии. Курс длится три дня. " * 40


@pytest.mark.parametrize("meta,codec", [('<meta charset="windows-1251">', "cp1251"),
                                        ('<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">', "koi8_r"),
                                        ("<meta charset='shift_jis'>", "shift_jis"),
                                        ('<?xml version="1.0" encoding="ISO-8859-5"?>', "iso8859_5")])
def test_an_html_page_in_the_charset_it_declares_is_read_in_it(tmp_path, meta, codec):
    """Mostly bytes >= 0x80, such pages were refused as "neither UTF-8 nor Windows-1252 text"."""
    body = RU if codec != "shift_jis" else "ジェンダー研修は警察学校で三日間行われます。" * 300
    data = (f"{meta}<html><head><title>T</title></head>" if meta.startswith("<?xml") else
            f"<html><head>{meta}<title>T</title></head>") + f"<body><p>{body}</p></body></html>"
    data = data.encode(codec)
    got = sniff_bytes(data[:4000], ".html", tail=data[-4001:], truncated=True)  # both cut inside characters
    assert got.ok and got.kind == "html", got.reason
    (tmp_path / "page.html").write_bytes(data)
    assert body[:200] in read_text(tmp_path / "page.html")


def test_a_page_declaring_latin_1_that_is_utf_8_is_read_as_utf_8(tmp_path):
    (tmp_path / "page.html").write_bytes('<meta charset="iso-8859-1"><p>Café in Genève.</p>'.encode())
    assert "Café in Genève." in read_text(tmp_path / "page.html")
    assert sniff_file(tmp_path / "page.html").encoding == "utf-8"


@pytest.mark.parametrize("data", [
    "Café training in Genève\n".encode("cp1252") * 50,  # Windows-1252
    ("<html><head><meta charset=koi8-r></head><body><p>" + "Гендерная подготовка. " * 40 + "</p></body></html>").encode("koi8-r"),
    "\ufeffGender training\n".encode("utf-16-le") * 3,  # BOM once, then "\ufeff" as text
    bytes([0xE9, 0xE8, 0xF6, 0xFC, 0x41]) * 400,  # mostly bytes >= 0x80: binary as Windows-1252
    b"\xff\xfe" + "Gender training\n".encode("utf-16-le") * 20 + b"\x00",  # odd length after a UTF-16 BOM
])
def test_the_parser_reads_a_text_file_exactly_when_the_sniffer_admits_it(tmp_path, data):
    """One decoding order (`sniff.decode_bytes`): the parser's `read_text` had its own copy, without the sniffer's
    guard on mostly-high bytes and trying a complete file from its second byte on when its charset failed."""
    f = tmp_path / "doc.txt"
    f.write_bytes(data)
    sniffed = sniff_file(f)
    if sniffed.ok:
        assert read_text(f) == data.decode(sniffed.encoding if sniffed.encoding != "utf-8" else "utf-8-sig")
    else:
        with pytest.raises(Exception) as err:
            read_text(f)
        assert "text" in str(err.value)
