"""One-line explanations for failures of the index itself (not of one document): the Chroma server
gone, a full disk, a store that cannot be read, a read-only index, ``--db`` on a file.

Every command (ingest, check, ask, search, the app) prints ``describe(exc, settings)`` instead of a
traceback, and it always says what to do next.
"""
from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from .index.settings import Settings

_UNREADABLE = ("error deserializing pickle", "error loading hnsw", "error constructing hnsw", "error creating hnsw",
               "database disk image is malformed", "file is not a database", "malformed database schema",
               "no such table", "error reading from", "failed to load", "invalid hnsw index")
_DISK_FULL = ("no space left on device", "database or disk is full", "disk full", "disk quota exceeded")
_READ_ONLY = ("readonly database", "read-only file system", "attempt to write a readonly")
_SERVER = ("could not connect to a chroma server", "connection refused", "server disconnected", "connection reset",
           "remote end closed", "connecterror", "readerror", "remoteprotocolerror", "all connection attempts failed",
           "failed to establish a new connection", "name or service not known", "timed out")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _first_line(exc: BaseException) -> str:
    msg = (str(exc) or type(exc).__name__).strip().splitlines()[0]
    return msg if len(msg) <= 200 else msg[:199] + "…"


def kind_of(exc: BaseException, settings: Settings | None = None) -> str | None:
    """'disk_full' | 'read_only' | 'server' | 'unreadable' | 'not_a_folder' | 'store' | None (not an index failure)."""
    server_mode = bool(settings and settings.chroma_host)
    for e in _chain(exc):
        text = f"{type(e).__name__}: {e}".lower()
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT) or any(s in text for s in _DISK_FULL):
            return "disk_full"
        if isinstance(e, OSError) and e.errno == errno.EROFS or any(s in text for s in _READ_ONLY):
            return "read_only"
        if isinstance(e, (NotADirectoryError, FileExistsError)) and settings is not None:
            return "not_a_folder"
        if any(s in text for s in _UNREADABLE) or (isinstance(e, sqlite3.DatabaseError)
                                                   and not isinstance(e, sqlite3.OperationalError)):
            return "unreadable"
        mod = type(e).__module__ or ""
        if server_mode and (isinstance(e, ConnectionError) or mod.startswith(("httpx", "httpcore"))
                            or any(s in text for s in _SERVER)):
            return "server"
    store_error = any((type(e).__module__ or "").startswith("chromadb") or isinstance(e, (OSError, sqlite3.Error))
                      for e in _chain(exc))
    if store_error and settings is not None and not server_mode and _nearly_full(Path(settings.db_dir)):
        return "disk_full"  # Chroma's Rust core often reports a full disk as e.g. "Error in compaction"
    if any((type(e).__module__ or "").startswith("chromadb") for e in _chain(exc)):
        return "store"
    return None


def _nearly_full(db: Path, floor_bytes: int = 32 * 1024 * 1024) -> bool:
    for p in (db, *db.parents):
        if p.exists():
            try:
                return shutil.disk_usage(p).free < floor_bytes
            except OSError:
                return False
    return False


def describe(exc: BaseException, settings: Settings, writer: bool = False) -> str | None:
    """The one line to print for an index failure, or None when ``exc`` is something else."""
    kind = kind_of(exc, settings)
    where = settings.chroma_mode()
    detail = _first_line(exc)
    if kind == "disk_full":
        return (f"disk full while writing the index at {where} ({detail}); free some space and run "
                f"`python -m ingest` again (stored sources are kept; if the index cannot be read afterwards, "
                f"`python -m ingest --rebuild`)")
    if kind == "read_only":
        return (f"the index at {where} is read-only ({detail}): writers (ingest, upload, --rebuild) need write "
                f"access; ask, search and check work on a read-only index")
    if kind == "not_a_folder":
        return f"the index location {settings.db_dir} is not a folder (is --db / MANDATE_DB_DIR pointing at a file?)"
    if kind == "server":
        then = ("start it and run `python -m ingest` again: what was stored is kept and the rerun completes the index"
                if writer else "start it and try again")
        return f"the Chroma server at {where} is unreachable or went away ({detail}); {then}"
    if kind == "store":
        return (f"the index at {where} failed ({type(exc).__name__}: {detail}); run `python -m ingest check`, "
                f"and if it keeps failing rebuild it with `python -m ingest --rebuild`")
    if kind == "unreadable":
        return (f"the index at {where} cannot be read ({detail}); rebuild it with `python -m ingest --rebuild`")
    return None
