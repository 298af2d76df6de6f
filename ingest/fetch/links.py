"""Where the full text of a work is, and what to tell the user when it cannot be fetched.

- DOIs (``doi:10.x/y``, ``https://doi.org/10.x/y``) are resolved through ``settings.doi_resolver``
  (default the public resolver), so an institution's resolver or proxy can be used.
- An HTML page counts as the work itself (an HTML article) when its main text is long enough;
  otherwise it is only an abstract or landing page and the work is reported missing.
- ``action`` turns a failure into one short line a user can act on.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

MIN_ARTICLE_WORDS = 300  # main text of a page that is the work itself, not an abstract or a landing page
_DROP = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg"]
_DOI = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def doi_of(url: str) -> str:
    """The DOI a link names (``doi:...`` or a doi.org address), else ''."""
    m = _DOI.match((url or "").strip())
    return m.group(1) if m else ""


def resolvable_url(url: str, resolver: str) -> str:
    """``url`` with a DOI sent through ``resolver`` (``https://doi.org/`` by default); other URLs unchanged."""
    doi = doi_of(url)
    if not doi:
        return url.strip()
    base = (resolver or "https://doi.org/").strip()
    return base + ("" if base.endswith(("/", "=")) else "/") + doi


def main_text_words(html: bytes) -> int:
    """Words of the page's main text (navigation, header, footer and scripts left out)."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_DROP):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    return len(root.get_text(" ", strip=True).split())


def is_article(html: bytes) -> bool:
    """True if the page carries the full text (an HTML article), not only an abstract or a landing page."""
    return main_text_words(html) >= MIN_ARTICLE_WORDS


DROP_IT = "download it yourself and drop it in corpus/ (any file name)"


def action(kind: str, reason: str, status: int = 0) -> str:
    """One short line for the coverage report: what happened and what the user can do."""
    if kind == "http" and status in (401, 402, 403):
        return f"HTTP {status}: behind a login or paywall; {DROP_IT}"
    if kind == "http" and status in (404, 410):
        return f"{status}: the link is dead; look the work up by title and drop it in corpus/"
    if kind == "http" and (status == 429 or status >= 500):
        return f"HTTP {status}: the server is busy or failing; run `python -m ingest build` again later"
    if kind == "http":
        return f"HTTP {status}: refused by the server; {DROP_IT}"
    if kind == "abstract":
        return f"only an abstract page, no full text; {DROP_IT}"
    if kind in ("timeout", "deadline"):
        return f"{reason}; run `python -m ingest build` again later, or {DROP_IT}"
    if kind == "offline":
        return f"{reason} (offline?); run `python -m ingest build` again when online, or {DROP_IT}"
    if kind == "too_large":
        return f"{reason}; {DROP_IT} if you want it anyway"
    if kind == "no-url":
        return "no URL or DOI: look it up by title and drop it in corpus/"
    if kind == "budget":
        return "not tried: the time budget of this run was spent; run `python -m ingest build` again"
    return f"{reason}; {DROP_IT}" if reason else DROP_IT
