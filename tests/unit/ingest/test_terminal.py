"""Document text and file names reach a terminal as data: control characters escaped, or gone from the text."""
from __future__ import annotations

import io
import sys

from ingest.parsers.clean import normalise
from ingest.terminal import escape_controls, safe_stdio


def test_control_characters_are_printed_escaped_but_lines_and_progress_bars_work():
    assert escape_controls("red\x1b[31m bell\x07 nul\x00\nnext\tcol\rbar") == "red\\x1b[31m bell\\x07 nul\\x00\nnext\tcol\rbar"
    out, err = io.StringIO(), io.StringIO()
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with safe_stdio():
            print("title \x1b]0;owned\x07 here")
            print("\x9b2J", file=sys.stderr)  # the C1 form of an escape sequence
    finally:
        sys.stdout, sys.stderr = real
    assert out.getvalue() == "title \\x1b]0;owned\\x07 here\n" and err.getvalue() == "\\x9b2J\n"


def test_colour_codes_and_control_characters_are_not_stored_as_text():
    assert normalise("Gender \x1b[31mtraining\x1b[0m lasts\x07 three\x00 days.") == "Gender training lasts three days."
