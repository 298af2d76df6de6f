"""A dvips-style PDF whose bitmap (Type 3) font has no Unicode map: its T1 ligature codes become letters."""
from __future__ import annotations

from ingest.parsers.pdf import parse_pdf


def _type3_pdf(text: bytes) -> bytes:
    """One page showing ``text`` in a Type 3 font named like dvips's (/a28 ...), without ToUnicode."""
    glyph = b"stream\n0 0 0 0 0 0 d1\nendstream"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
            b"/Contents 4 0 R >>",
            None,
            b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1 1] /FontMatrix [0.001 0 0 0.001 0 0] "
            b"/CharProcs << /a28 6 0 R >> /FirstChar 16 /LastChar 122 /Widths [" + b" 500" * 107 + b"] "
            b"/Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [16 /a16 /a17 21 /a21 /a22 "
            b"27 /a27 /a28 /a29 /a30 /a31] >> >>",
            b"<< /Length 17 >>\n" + glyph]
    content = b"BT /F1 12 Tf 72 700 Td (" + text + b") Tj ET"
    objs[3] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


def test_t1_ligature_and_dash_codes_of_a_type3_font_are_letters(tmp_path):
    path = tmp_path / "dvips.pdf"
    path.write_bytes(_type3_pdf(b"The \\035uctuation test \\034nally di\\033ers in 1986\\0251989 for all coe\\036cients."))
    text = parse_pdf(path, min_chars_per_page=5).pages[0].text
    # T1's codes: 0x1d fl, 0x1c fi, 0x1b ff, 0x15 an en dash, 0x1e ffi (Python reads 0x1c-0x1f as white space)
    assert "The fluctuation test finally differs in 1986\u20131989 for all coefficients." in text
