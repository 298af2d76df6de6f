"""One writer at a time: an inter-process file lock on the index (``<db_dir>/write.lock``).

Every writer (CLI ingest, --rebuild, the app's upload/ingest) holds it for its whole run; a second
writer waits (``write_lock_wait_s``) or stops with ``IndexLocked`` naming the holder (pid, command,
since). Readers never take it: they keep answering while an ingest runs. The lock is ``flock``:
the kernel drops it when the holder dies, so a crashed ingest never leaves a stale lock.
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .errors import ConfigError
from .index.settings import Settings

LOCK_FILE = "write.lock"


class IndexLocked(ConfigError):
    """Another process is writing the index (exit code 2)."""


def lock_path(settings: Settings) -> Path:
    return Path(settings.db_dir) / LOCK_FILE


def holder(path: Path) -> str:
    """Who holds the lock, e.g. 'pid 123 (python -m ingest --corpus x) since 12:01:02 UTC'."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "another process"
    since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(info.get("since", 0)))
    return f"pid {info['pid']} ({info.get('command', '?')}) since {since}"


def _command() -> str:
    argv = [os.path.basename(sys.argv[0])] + sys.argv[1:] if sys.argv and sys.argv[0] else ["python"]
    if argv[0] in ("__main__.py", "-m") or argv[0].endswith("__main__.py"):
        argv[0] = "python -m " + (__package__ or "ingest")
    return " ".join(argv)[:200]


@contextmanager
def write_lock(settings: Settings, wait_s: float | None = None, on_wait: Callable[[str], None] | None = None,
               command: str | None = None):
    """Hold the index's write lock for the ``with`` block (waits up to ``wait_s`` seconds)."""
    path = lock_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except (FileExistsError, NotADirectoryError) as exc:
        raise ConfigError(f"the index folder {settings.db_dir} is not a folder (is --db / MANDATE_DB_DIR "
                          f"pointing at a file?)") from exc
    except OSError as exc:
        raise ConfigError(f"cannot write the index at {settings.db_dir} ({exc.strerror}): writers need write "
                          f"access; readers (ask, search, check) work on a read-only index") from exc
    wait_s = settings.write_lock_wait_s if wait_s is None else wait_s
    deadline = time.monotonic() + max(0.0, wait_s)
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                who = holder(path)
                if time.monotonic() >= deadline:
                    raise IndexLocked(
                        f"the index at {settings.db_dir} is being written by {who}; run again when it has "
                        f"finished" + (f" (waited {wait_s:g} s)" if wait_s > 0 else
                                       " (or let it wait: --wait SECONDS, MANDATE_WRITE_LOCK_WAIT_S)")) from None
                if not told and on_wait:
                    on_wait(f"waiting for the index lock held by {who}")
                    told = True
                time.sleep(0.25)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command or _command(), "since": time.time()}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
