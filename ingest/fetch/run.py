"""``python -m ingest fetch [--corpus DIR] [--json]``: download manifest sources missing from the corpus.

For every ``[[source]]`` in ``sources.toml`` with a ``url`` whose ``file`` is not in the corpus
folder, download it (http/https only; see ``ingest.fetch.download``). A landing page is resolved to the PDF
it links to (one hop). Files are written atomically inside the corpus folder and never overwrite a
file fetch did not download; results go to ``sources.lock`` (JSON). Exit codes: 0 = every manifest
file is present afterwards, 1 = something is missing (the report says where to drop it by hand),
2 = usage or configuration error.

File types by the manifest's ``file`` suffix: ``.pdf`` or no suffix (or no ``file``: the id's slug)
saves ``<stem>.pdf``, or ``<stem>.html`` when the page is an HTML article (its main text is the work;
see ``ingest.fetch.links.is_article``); a page that is only an abstract, a login or a landing page without a
working PDF link is not saved and the entry fails with that reason. ``.html`` / ``.htm`` saves the page
as served. DOIs go through ``MANDATE_DOI_RESOLVER``; each download has a total deadline
(``MANDATE_FETCH_DEADLINE_S``) and ``fetch_entry(..., until=)`` a budget for the whole run.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from ..errors import ConfigError
from ..index.settings import Settings, get_settings
from ..manifest import LOCK_NAME, MANIFEST_NAME, ManifestEntry, load_manifest, slugify
from ..parsers.registry import EXTENSIONS
from . import download as hd
from .links import action, is_article, resolvable_url
from .lock import _atomic_write, _may_write, _sha256_file, load_lock, write_lock

_SAVES = ("pdf", "html")  # the kinds a download is saved as (a PDF, or an HTML article)
_WANT = {**{ext: kind for ext, kind in EXTENSIONS.items() if kind in _SAVES}, "": "any"}  # name -> what to fetch
_MIME = {"pdf": "application/pdf", "html": "text/html"}


@dataclass
class Result:
    id: str
    status: Literal["downloaded", "present", "failed", "no-url"]
    url: str = ""
    file: str = ""  # the file the manifest expects in the corpus folder
    saved: str = ""  # the file written (or found) in the corpus folder
    reason: str = ""
    final_url: str = ""
    sha256: str = ""
    bytes: int = 0
    content_type: str = ""
    note: str = ""
    kind: str = ""  # why it failed: http | abstract | timeout | deadline | offline | too_large | refused | budget | ...
    http_status: int = 0

    @property
    def action(self) -> str:
        """The failure as one line a user can act on (see ``ingest.fetch.links.action``)."""
        return action(self.kind or ("no-url" if self.status == "no-url" else ""), self.reason, self.http_status)

    @property
    def missing(self) -> bool:
        return self.status == "failed" or (self.status == "no-url" and bool(self.file))


def safe_name(name: str) -> str:
    """The manifest's file name if it is a plain name inside the corpus folder, else ValueError."""
    n = name.strip()
    if (not n or n in (".", "..") or n.startswith(".") or any(c in n for c in "/\\:\x00")
            or len(n.encode("utf-8")) > 255 or Path(n).is_absolute()):
        raise ValueError(f"unsafe file name {name!r} in sources.toml: use a plain file name (no folders, no '..')")
    return n


def _resolve(url: str, want: str, title: str, s: Settings, until: float, slow: str) -> tuple[hd.Response, str, str, str]:
    """Download ``url`` (a DOI through the resolver setting); follow a landing page one hop to its PDF.
    Returns (response, kind, landing_url, note); kind "abstract" when an HTML page is neither the work
    (an HTML article) nor links to a PDF that works."""
    mb = int(s.max_file_mb * 1024 * 1024)

    def get(link: str) -> hd.Response:
        left = until - time.monotonic()
        try:
            if left <= 0:
                raise hd.FetchError("deadline", kind="deadline")
            return hd.download(link, timeout=s.fetch_timeout_s, max_bytes=mb, retries=s.fetch_retries,
                               deadline=left, delay=s.fetch_delay_s)
        except hd.FetchError as exc:
            if exc.kind == "deadline":  # name the whole allowance, not what was left for this hop
                exc.reason = slow
            raise

    resp = get(resolvable_url(url, s.doi_resolver))
    kind = hd.sniff(resp.body, resp.content_type)
    if kind != "html" or want == "html":
        return resp, kind, "", ""
    tried = []
    for link in hd.pdf_links(resp.body, resp.final_url, title)[: hd.MAX_LINK_HOPS]:
        try:
            doc = get(link)
        except hd.FetchError as exc:
            tried.append(f"{link}: {exc.reason}")
            continue
        if hd.sniff(doc.body, doc.content_type) == "pdf":
            return doc, "pdf", resp.final_url, ""
        tried.append(f"{link}: not a PDF")
    if is_article(resp.body):
        return resp, "html", "", "an HTML article (no PDF offered)" if not tried else \
            "an HTML article (its PDF links failed: " + "; ".join(tried) + ")"
    note = "the page links to no PDF" if not tried else "no PDF link on the page worked (" + "; ".join(tried) + ")"
    return resp, "abstract", "", note


def fetch_entry(entry: ManifestEntry, corpus: Path, s: Settings, lock: dict[str, dict],
                until: float | None = None) -> Result:
    """Fetch one manifest entry if its file is missing; updates ``lock`` (and sources.lock) on success.
    ``until`` (a ``time.monotonic()`` value) is the budget of the whole run: past it nothing is tried."""
    r = Result(id=entry.id, status="failed", url=entry.url.strip())
    if not r.url and not entry.file:
        return Result(id=entry.id, status="no-url", reason="no url and no file in sources.toml")
    raw = entry.file or slugify(entry.id)
    try:
        r.file = name = safe_name(raw)
    except ValueError as exc:
        r.file, r.reason = raw, str(exc)
        return r
    want, stem = _WANT.get(Path(name).suffix.lower()), Path(name).stem
    if _present(r, entry.id, name, want, corpus, lock):
        return r
    if not r.url:
        r.status, r.reason = "no-url", "file missing and no url in sources.toml"
        return r
    now = time.monotonic()
    limit, why = s.fetch_deadline_s, "MANDATE_FETCH_DEADLINE_S"
    if until is not None and until - now < limit:
        limit, why = until - now, "what was left of the run's --budget"
    slow = f"gave up after {round(limit, 1):g} s: the server is too slow ({why})"
    if until is not None and until <= now:
        r.kind, r.reason = "budget", "not tried: the time budget of this run was spent"
        return r
    if want is None:
        r.reason = f"cannot fetch into {name!r}: fetch saves only .pdf or .html files"
        return r
    try:
        resp, kind, landing, note = _resolve(r.url, want, entry.title, s, now + limit, slow)
    except hd.FetchError as exc:
        r.reason, r.kind, r.http_status = exc.reason, exc.kind, exc.status
        return r
    if kind == "abstract":
        served = f" (served as {resp.content_type})" if resp.content_type and resp.content_type != "text/html" else ""
        r.final_url, r.kind = resp.final_url, "abstract"
        r.reason = f"only an abstract, login or landing page at {resp.final_url}, no full text: {note}{served}"
        return r
    served = f" (served as {resp.content_type})" if resp.content_type and resp.content_type != _MIME.get(kind) else ""
    if kind == "other" or (want == "html" and kind != "html"):
        got = kind.upper() if kind != "other" else "neither PDF nor HTML"
        r.kind, r.final_url, r.reason = "wrong_type", resp.final_url, f"wrong type: got {got}{served}, expected {name}"
        return r
    save = name if want == kind or (want == "any" and Path(name).suffix.lower() == f".{kind}") else f"{stem}.{kind}"
    r.saved, r.final_url, r.content_type = save, resp.final_url, _MIME[kind]
    r.sha256, r.bytes = hashlib.sha256(resp.body).hexdigest(), len(resp.body)
    r.note = "; ".join(x for x in (f"via landing page {landing}" if landing else "", note, f"HTML{served}" if kind == "html" and served else "") if x)
    if not _may_write(corpus, save, lock):
        r.saved, r.reason = "", f"{save} already exists and was not downloaded by fetch; left untouched"
        return r
    extra = {"landing_url": landing} if landing else {}
    if kind == "html" and want != "html":
        extra["note"] = f"{note}; kept as {save}"
    return _save(r, entry.id, resp, corpus, lock, extra)


def _present(r: Result, entry_id: str, name: str, want: str | None, corpus: Path, lock: dict[str, dict]) -> bool:
    """Is the entry's file (or the .pdf/.html it may have become, or its locked name) already in the corpus?"""
    stem = Path(name).stem
    names = [name, f"{stem}.pdf", f"{stem}.html"] if want in ("any", "pdf") else [name]
    rec = lock.get(entry_id) or {}
    if rec.get("file") and rec["file"] not in names:
        names.append(rec["file"])
    found = next((n for n in names if os.path.lexists(corpus / n)), None)
    if not found:
        return False
    r.status, r.saved = "present", found
    if rec.get("file") == found and (corpus / found).is_file() and rec.get("sha256") != _sha256_file(corpus / found):
        r.note = "differs from sources.lock; kept as is"
    return True


def _save(r: Result, entry_id: str, resp, corpus: Path, lock: dict[str, dict], extra: dict) -> Result:
    """Write the body atomically as ``r.saved`` and record it in sources.lock."""
    try:
        _atomic_write(corpus, r.saved, resp.body)
        lock[entry_id] = {"url": r.url, "final_url": r.final_url, "file": r.saved, "sha256": r.sha256, "bytes": r.bytes,
                          "content_type": r.content_type, "served_content_type": resp.content_type,
                          "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **extra}
        write_lock(corpus, lock)
    except (OSError, ValueError) as exc:
        r.reason = f"could not write {r.saved} in {corpus}: {exc}"
        r.saved = ""
        return r
    r.status = "downloaded"
    return r


def _line(r: Result) -> str:
    if r.status == "downloaded":
        extra = f" ({r.bytes:,} bytes from {r.final_url}" + (f"; {r.note}" if r.note else "") + ")"
        return f"  downloaded  {r.id} -> {r.saved}{extra}"
    if r.status == "present":
        return f"  present     {r.id}: {r.saved}" + (f" ({r.note})" if r.note else "")
    return f"  {r.status:<11} {r.id}: {r.reason}"


def _missing_report(results: list[Result], corpus: Path) -> str:
    missing = [r for r in results if r.missing]
    if not missing:
        return "All manifest files are present."
    lines = [f"{len(missing)} source(s) missing. Download them by hand and put them in the corpus folder:", f"  {corpus}"]
    for r in missing:
        target = f"save as {r.file}" if r.file and r.file == Path(r.file).name else "fix its file name in sources.toml first"
        lines.append(f"  - {r.id}: {r.url or '(no url in sources.toml)'}\n      -> {target}")
    return "\n".join(lines + ["Then run `python -m ingest fetch` again to check."])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest fetch", description="Download manifest sources missing from the corpus folder.")
    parser.add_argument("--corpus", type=Path, default=None, metavar="DIR", help="corpus folder (default: settings.corpus_dir)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with per-entry results")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for usage errors, 0 for --help
        return int(exc.code or 0)

    def usage_error(msg: str) -> int:
        print(f"fetch: {msg}", file=sys.stderr)
        if args.json:
            print(json.dumps({"ok": False, "exit_code": 2, "error": msg}))
        return 2

    try:
        s = get_settings(corpus_dir=args.corpus)
    except ValidationError as exc:
        return usage_error(f"invalid MANDATE_* setting: {exc}")
    if s.max_file_mb <= 0 or s.fetch_timeout_s <= 0 or s.fetch_deadline_s <= 0 or s.fetch_retries < 0 or s.fetch_delay_s < 0:
        return usage_error("max_file_mb, fetch_timeout_s and fetch_deadline_s must be > 0, fetch_retries and fetch_delay_s >= 0")
    corpus = Path(s.corpus_dir).expanduser().resolve()
    if not corpus.is_dir():
        return usage_error(f"corpus folder {corpus} does not exist (create it or pass --corpus DIR)")
    try:
        entries, lock = load_manifest(corpus), load_lock(corpus)
    except ConfigError as exc:
        return usage_error(str(exc))
    if not entries and not args.json:
        print(f"fetch: no [[source]] entries in {corpus / MANIFEST_NAME}; nothing to do")
    if entries and not args.json:
        print(f"fetch: {len(entries)} source(s), corpus folder {corpus}", flush=True)
    results = []
    for entry in entries:
        results.append(fetch_entry(entry, corpus, s, lock))
        if not args.json:
            print(_line(results[-1]), flush=True)
    code = 1 if any(r.missing for r in results) else 0
    if args.json:
        missing = [{"id": r.id, "url": r.url, "file": r.file, "reason": r.reason, "action": r.action}
                   for r in results if r.missing]
        print(json.dumps({"ok": code == 0, "exit_code": code, "corpus_dir": str(corpus),
                          "lock": str(corpus / LOCK_NAME), "results": [asdict(r) for r in results],
                          "missing": missing}, indent=2, ensure_ascii=False))
    elif entries:
        print("\n" + _missing_report(results, corpus))
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
