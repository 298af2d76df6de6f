"""HTTP(S)-only downloads with timeouts, retries, a size cap, byte sniffing and landing-page links.

Standard library only (``urllib.request``) plus BeautifulSoup for reading landing pages.
Nothing here touches the disk: ``download`` returns the body in memory (bounded by the cap).
"""
from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

USER_AGENT = "mandate-fetch/0.1"
ALLOWED_SCHEMES = ("http", "https")
BACKOFF_BASE_S = 1.0  # delay before retry n (0-based) is BACKOFF_BASE_S * 2**n, capped
BACKOFF_MAX_S = 30.0
CHUNK = 64 * 1024
MAX_LINK_HOPS = 3  # PDF links tried from one landing page (each is a single hop, never recursive)
_STOPWORDS = {"with", "from", "that", "this", "than", "into", "their", "what", "which", "more", "about", "between"}


class FetchError(Exception):
    """A download failed; ``reason`` is one user-facing line, ``retryable`` drives the retry loop."""

    def __init__(self, reason: str, *, kind: str = "error", retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # refused | http | timeout | offline | too_large | wrong_type | error
        self.retryable = retryable


@dataclass
class Response:
    url: str
    final_url: str
    content_type: str  # the Content-Type header as served (without parameters)
    body: bytes


def check_url(url: str) -> None:
    """Refuse anything but absolute http(s) URLs before any network access."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchError(f"refused URL {url!r}: only http:// and https:// URLs are fetched", kind="refused")
    if not parts.hostname:
        raise FetchError(f"refused URL {url!r}: no host name", kind="refused")


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects (urllib's default limit of 10) but only to http(s) targets."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            check_url(urljoin(req.full_url, newurl))
        except FetchError as exc:
            raise FetchError(f"redirect {code} from {req.full_url} {exc.reason}", kind="refused") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    # Built by hand so no file://, ftp:// or data: handler exists at all (not even via redirects).
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(), urllib.request.HTTPDefaultErrorHandler(), _SafeRedirects(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.3g} MB"


def _attempt(url: str, timeout: float, max_bytes: int) -> Response:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/pdf,text/html;q=0.9,*/*;q=0.5"})
    try:
        with _opener().open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"too large: {_mb(int(length))} announced, limit is {_mb(max_bytes)} (MANDATE_MAX_FILE_MB)", kind="too_large")
            parts, total = [], 0
            while chunk := resp.read(CHUNK):
                total += len(chunk)
                if total > max_bytes:  # stop reading; nothing partial is kept
                    raise FetchError(f"too large: more than {_mb(max_bytes)} (MANDATE_MAX_FILE_MB)", kind="too_large")
                parts.append(chunk)
            ctype = (resp.headers.get_content_type() or "") if resp.headers.get("Content-Type") else ""
            return Response(url=url, final_url=resp.geturl(), content_type=ctype, body=b"".join(parts))
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()
        raise FetchError(f"HTTP {exc.code} {exc.reason} ({exc.url})", kind="http", retryable=exc.code >= 500) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FetchError):
            raise exc.reason from None
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise FetchError(f"timed out after {timeout:g} s", kind="timeout", retryable=True) from None
        raise FetchError(f"could not connect: {exc.reason}", kind="offline", retryable=True) from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"timed out after {timeout:g} s", kind="timeout", retryable=True) from None
    except (ConnectionError, http.client.HTTPException, OSError) as exc:
        raise FetchError(f"connection failed: {exc or type(exc).__name__}", kind="offline", retryable=True) from None


def download(url: str, *, timeout: float, max_bytes: int, retries: int) -> Response:
    """GET ``url``; retry connection errors, timeouts and 5xx with exponential backoff (not 4xx)."""
    check_url(url)
    attempts = max(0, int(retries)) + 1
    for n in range(attempts):
        try:
            return _attempt(url, timeout, max_bytes)
        except FetchError as exc:
            if not exc.retryable or n == attempts - 1:
                if attempts > 1 and exc.retryable:
                    exc.reason += f" ({attempts} attempts)"
                raise
            time.sleep(min(BACKOFF_BASE_S * 2 ** n, BACKOFF_MAX_S))
    raise AssertionError("unreachable")


def sniff(body: bytes, content_type: str = "") -> str:
    """``"pdf"``, ``"html"`` or ``"other"``, judged by the bytes (the header only breaks ties)."""
    if body.startswith(b"%PDF"):
        return "pdf"
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"<") and (re.search(rb"<(html|head|body|title|meta|a)[\s>]", head) or content_type == "text/html"):
        return "html"
    return "other"


def _title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) > 3 and w not in _STOPWORDS}


def pdf_links(html: bytes, base_url: str, title: str = "") -> list[str]:
    """Absolute http(s) URLs of PDFs a landing page offers, best first.

    Candidates: ``<meta name="citation_pdf_url">``, links whose path ends in ``.pdf`` and links
    marked ``type="application/pdf"``. Ranked by mentions of download / pdf / full text and of the
    title's words in the link text or href; ties keep page order.
    """
    soup = BeautifulSoup(html, "html.parser")
    base = soup.find("base", href=True)
    base_url = urljoin(base_url, base["href"]) if base else base_url
    words = _title_words(title)
    scored: dict[str, float] = {}
    meta = soup.find("meta", attrs={"name": "citation_pdf_url"})
    if meta and meta.get("content"):
        scored[urljoin(base_url, meta["content"].strip())] = 100.0
    for i, a in enumerate(soup.find_all("a", href=True)):
        href = a["href"].strip()
        url = urljoin(base_url, href)
        is_pdf = unquote(urlsplit(url).path).lower().endswith(".pdf") or "pdf" in (a.get("type") or "").lower()
        if not is_pdf or urlsplit(url).scheme.lower() not in ALLOWED_SCHEMES:
            continue
        text = f"{a.get_text(' ', strip=True)} {a.get('title', '')} {unquote(href)}".lower()
        score = 3 * ("download" in text) + ("pdf" in text) + 2 * ("full" in text)
        score += min(3, sum(w in text for w in words)) - i * 1e-6
        scored[url] = max(scored.get(url, -1e9), score)
    return sorted(scored, key=lambda u: -scored[u])
