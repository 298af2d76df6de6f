"""HTTP(S)-only downloads with timeouts, retries, a size cap, byte sniffing and landing-page links.

Standard library only (``urllib.request``) plus BeautifulSoup for reading landing pages.
Nothing here touches the disk: ``download`` returns the body in memory (bounded by the cap).
"""
from __future__ import annotations

import codecs
import http.client
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

from ..errors import MandateError
from ..parsers.sniff import bom_encoding, html_charset

USER_AGENT = "mandate-fetch/0.2 (More than a mandate? cited-sources assistant; one request at a time per host)"
ALLOWED_SCHEMES = ("http", "https")
BACKOFF_BASE_S = 1.0  # delay before retry n (0-based) is BACKOFF_BASE_S * 2**n, capped
BACKOFF_MAX_S = 30.0
CHUNK = 64 * 1024
MAX_LINK_HOPS = 3  # PDF links tried from one landing page (each is a single hop, never recursive)
_STOPWORDS = {"with", "from", "that", "this", "than", "into", "their", "what", "which", "more", "about", "between"}


class FetchError(MandateError):
    """A download failed; ``reason`` is one user-facing line, ``retryable`` drives the retry loop."""

    def __init__(self, reason: str, *, kind: str = "error", retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # refused | http | timeout | deadline | offline | too_large | wrong_type | error
        self.retryable = retryable
        self.status = 0  # the HTTP status for kind "http"
        self.retry_after: float | None = None


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


class _Watchdog:
    """Enforces a total deadline on one attempt: when it fires, every socket the attempt opened is shut
    down, which ends any blocked read (a server dripping one byte every few seconds never trips the
    per-read timeout)."""

    def __init__(self, seconds: float):
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def add(self, sock) -> None:
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                _shutdown(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shutdown(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _opener(dog: _Watchdog) -> urllib.request.OpenerDirector:
    # Built by hand so no file://, ftp:// or data: handler exists at all (not even via redirects).
    def watched(base):
        class Conn(base):
            def connect(self):
                super().connect()
                dog.add(self.sock)
        return Conn

    http_conn, https_conn = watched(http.client.HTTPConnection), watched(http.client.HTTPSConnection)

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(http_conn, req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(https_conn, req, context=self._context)

    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), Http(), Https(),
                    urllib.request.HTTPDefaultErrorHandler(), _SafeRedirects(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.3g} MB"


def _deadline_error(deadline: float) -> FetchError:
    return FetchError(f"gave up after {round(deadline, 1):g} s: the server is too slow (MANDATE_FETCH_DEADLINE_S)",
                      kind="deadline")


def _attempt(url: str, timeout: float, max_bytes: int, deadline: float) -> Response:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/pdf,text/html;q=0.9,*/*;q=0.5"})
    dog = _Watchdog(deadline)
    try:
        with _opener(dog).open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"too large: {_mb(int(length))} announced, limit is {_mb(max_bytes)} (MANDATE_MAX_FILE_MB)", kind="too_large")
            parts, total = [], 0
            while chunk := resp.read1(CHUNK):
                total += len(chunk)
                if total > max_bytes:  # stop reading; nothing partial is kept
                    raise FetchError(f"too large: more than {_mb(max_bytes)} (MANDATE_MAX_FILE_MB)", kind="too_large")
                parts.append(chunk)
            if dog.expired:  # the read loop ended because the watchdog cut the connection
                raise _deadline_error(deadline)
            ctype = (resp.headers.get_content_type() or "") if resp.headers.get("Content-Type") else ""
            body = as_utf8(b"".join(parts), ctype, resp.headers.get_content_charset() or "")
            return Response(url=url, final_url=resp.geturl(), content_type=ctype, body=body)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()
        retry = exc.code == 429 or exc.code >= 500
        err = FetchError(f"HTTP {exc.code} {exc.reason} ({exc.url})", kind="http", retryable=retry)
        err.status, err.retry_after = exc.code, _retry_after(exc.headers)
        raise err from None
    except Exception as exc:  # noqa: BLE001 - network errors come in many types; each gets one line
        if dog.expired:
            raise _deadline_error(deadline) from None
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, FetchError):
            raise reason from None
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise FetchError(f"timed out after {timeout:g} s without data", kind="timeout") from None
        if isinstance(exc, urllib.error.URLError):
            raise FetchError(f"could not connect: {reason}", kind="offline") from None
        if isinstance(exc, (ConnectionError, http.client.HTTPException, OSError)):
            raise FetchError(f"connection failed: {exc or type(exc).__name__}", kind="offline") from None
        raise
    finally:
        dog.cancel()


def as_utf8(body: bytes, content_type: str, charset: str) -> bytes:
    """A text or HTML ``body`` whose encoding only the HTTP header names (``charset=windows-1251``, no
    ``<meta charset>``), saved as UTF-8: the file on disk keeps nothing else that says how to read it."""
    if not charset or not content_type.startswith("text/") or bom_encoding(body) or html_charset(body):
        return body
    try:
        codec = codecs.lookup(charset).name
        body.decode("utf-8")
        return body  # already UTF-8 (a header claiming Latin-1 for UTF-8 is common)
    except LookupError:
        return body
    except UnicodeDecodeError:
        pass
    try:
        return body.decode(codec).encode("utf-8")
    except UnicodeDecodeError:
        return body  # not what the header says: the sniffer judges the bytes as they are


def _retry_after(headers) -> float | None:
    value = (headers or {}).get("Retry-After", "") if headers is not None else ""
    return float(value) if value and value.strip().isdigit() else None


_last_request: dict[str, float] = {}  # host -> time.monotonic() of the last request (politeness)


def _polite_wait(url: str, delay: float) -> None:
    """One request at a time per host (fetch is sequential) and at least ``delay`` s between two."""
    host = (urlsplit(url).hostname or "").lower()
    wait = _last_request.get(host, -1e9) + delay - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    _last_request[host] = time.monotonic()


def download(url: str, *, timeout: float, max_bytes: int, retries: int, deadline: float = 180.0,
             delay: float = 0.0) -> Response:
    """GET ``url`` within ``deadline`` seconds in all; retry only HTTP 429 and 5xx, with exponential
    backoff (or the server's Retry-After, capped); a timeout, refusal or other 4xx is final."""
    check_url(url)
    end = time.monotonic() + deadline
    attempts = max(0, int(retries)) + 1
    for n in range(attempts):
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise _deadline_error(deadline)
        _polite_wait(url, delay)
        try:
            return _attempt(url, timeout, max_bytes, end - time.monotonic())
        except FetchError as exc:
            if exc.kind == "deadline":
                exc.reason = _deadline_error(deadline).reason
            if not exc.retryable or n == attempts - 1:
                if attempts > 1 and exc.retryable:
                    exc.reason += f" ({attempts} attempts)"
                raise
            pause = exc.retry_after if exc.retry_after is not None else BACKOFF_BASE_S * 2 ** n
            time.sleep(max(0.0, min(pause, BACKOFF_MAX_S, end - time.monotonic())))
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
