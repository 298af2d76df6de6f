"""``corpus/sources.lock``: what fetch downloaded (URL, final URL, file, SHA-256), written atomically.

Fetch overwrites only files the lock says it wrote itself, and a rerun skips what is recorded there.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from ..errors import ConfigError
from ..manifest import LOCK_NAME


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _atomic_write(corpus: Path, name: str, data: bytes) -> None:
    """Write to a temp file in the corpus folder, then ``os.replace`` onto ``corpus/name``."""
    target = corpus / name
    if target.parent.resolve() != corpus.resolve():  # belt and braces after safe_name
        raise ValueError(f"refusing to write outside {corpus}: {name!r}")
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".fetch-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_lock(corpus: Path) -> dict[str, dict]:
    path = corpus / LOCK_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, dict):
        raise ConfigError(f"{path} has no 'sources' object; fix or delete it")
    return sources


def write_lock(corpus: Path, sources: dict[str, dict]) -> None:
    text = json.dumps({"version": 1, "sources": dict(sorted(sources.items()))}, indent=2, ensure_ascii=False)
    _atomic_write(corpus, LOCK_NAME, (text + "\n").encode("utf-8"))


def _may_write(corpus: Path, name: str, lock: dict[str, dict]) -> bool:
    """True if ``name`` is free, or holds exactly what fetch itself downloaded earlier (per the lock)."""
    path = corpus / name
    if not os.path.lexists(path):
        return True
    if path.is_symlink() or not path.is_file():
        return False
    digest = _sha256_file(path)
    return any(rec.get("file") == name and rec.get("sha256") == digest for rec in lock.values())
