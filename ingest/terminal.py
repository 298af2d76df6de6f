"""Document text and file names on a terminal: data, never escape sequences.

A text file holding "\\x1b[31m", a PDF title with a bell character or a file named "red\\x1b[31m.txt" reached the
terminal as they were through `ask`, `search`, `list` and the ingest report. ``safe_stdio`` wraps stdout and stderr
so every control character but newline, tab and carriage return is printed escaped ("\\x1b"); JSON output has none to escape.
"""
from __future__ import annotations

import contextlib
import re
import sys

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not newline, tab, nor the progress bars' \r


def escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def shown(text) -> str:
    """``text`` (a file name) on one line: every non-printable character escaped, newline and tab too, so a file
    name can neither break the one-line report nor send escape sequences to the terminal."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))


class _Safe:
    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(escape_controls(text))

    def __getattr__(self, name):  # flush, fileno, encoding, isatty, ...
        return getattr(self._stream, name)


@contextlib.contextmanager
def safe_stdio():
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Safe(out), _Safe(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
