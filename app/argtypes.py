"""argparse types the command lines share."""
from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A count of 1 or more ("-k 0" printed no passages and said nothing; "--sample -3" ended in a traceback)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return n
