"""The corpus manifest ``corpus/sources.toml``: what each document is and where it comes from."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

MANIFEST_NAME = "sources.toml"
LOCK_NAME = "sources.lock"
KINDS = ("paper", "cited")


@dataclass
class ManifestEntry:
    id: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    url: str = ""
    kind: str = "cited"
    file: str = ""  # file name inside the corpus folder
    password: str = ""


def slugify(name: str) -> str:
    """A stable, readable source id from a file name."""
    stem = Path(name).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", stem).strip("-") or "source"


def load_manifest(corpus_dir: Path) -> list[ManifestEntry]:
    path = Path(corpus_dir) / MANIFEST_NAME
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    sources = data.get("source", [])
    if not isinstance(sources, list):
        raise ConfigError(f"{path}: `source` must be a list of [[source]] tables")
    entries = []
    seen: set[str] = set()
    for i, raw in enumerate(sources):
        if not isinstance(raw, dict) or raw.get("id") in (None, ""):
            raise ConfigError(f"{path}: [[source]] #{i + 1} has no id")
        raw = _typed(path, i, raw)
        if raw["id"] in seen:
            raise ConfigError(f"{path}: duplicate source id {raw['id']!r}")
        seen.add(raw["id"])
        known = {k: raw[k] for k in ManifestEntry.__dataclass_fields__ if k in raw}
        entries.append(ManifestEntry(**known))
    return entries


_STR_FIELDS = ("id", "title", "url", "kind", "file", "password")


def _typed(path: Path, i: int, raw: dict) -> dict:
    """``raw`` with every known field checked for its type (before anything is written): ConfigError names the field."""
    where = f"{path}: [[source]] #{i + 1}" + (f" ({raw['id']!r})" if isinstance(raw.get("id"), str) else "")
    out = dict(raw)
    for k in _STR_FIELDS:
        if k in raw and not isinstance(raw[k], str):
            raise ConfigError(f"{where}: `{k}` must be a string in quotes, not {type(raw[k]).__name__} "
                              f"({k} = {raw[k]!r}); e.g. {k} = \"{raw[k]}\"")
    if "id" in raw and not raw["id"].strip():
        raise ConfigError(f"{where}: `id` is empty")
    kind = raw.get("kind", "cited")
    if kind not in KINDS:
        raise ConfigError(f"{path}: source {raw['id']!r} has kind {kind!r}; use one of {KINDS}")
    authors = raw.get("authors", [])
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise ConfigError(f"{where}: `authors` must be a list of strings, e.g. authors = [\"Smith, J.\"]")
    out["authors"] = list(authors)
    year = raw.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year)
        else:
            raise ConfigError(f"{where}: `year` must be a whole number, e.g. year = 2019 (got {year!r})")
        out["year"] = year
    return out


def in_corpus(name: str) -> bool:
    """``name`` (a sources.toml ``file``) is a path within the corpus folder: not absolute, no ``..`` out of it. Only
    the corpus folder is ingested, so "/home/me/x.pdf" was neither ingested nor reported missing (it exists)."""
    p = Path(name)
    return not p.is_absolute() and ".." not in p.parts


def entry_for_file(entries: list[ManifestEntry], file_name: str) -> ManifestEntry | None:
    for e in entries:
        if e.file and e.file == file_name:
            return e
    return None


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{s}"'


def append_entries(corpus_dir: Path, entries: list[ManifestEntry]) -> None:
    """Append entries to the manifest without rewriting (or losing comments of) existing ones."""
    path = Path(corpus_dir) / MANIFEST_NAME
    blocks = []
    for e in entries:
        lines = ["", "[[source]]"]
        for k in ManifestEntry.__dataclass_fields__:
            v = getattr(e, k)
            if v in ("", None, []):
                continue
            lines.append(f"{k} = {_toml_value(v)}")
        blocks.append("\n".join(lines) + "\n")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(blocks))


def with_fetched_files(entries: list[ManifestEntry], corpus_dir: Path) -> list[ManifestEntry]:
    """Entries without a ``file``, completed with the file fetch saved for them (``sources.lock``), or
    ``<slug>.pdf`` / ``<slug>.html`` if present, so a download keeps its entry's title, URL and kind."""
    import json

    try:
        lock = json.loads((Path(corpus_dir) / LOCK_NAME).read_text(encoding="utf-8")).get("sources", {})
    except (OSError, ValueError, AttributeError):
        lock = {}
    out = []
    for e in entries:
        if not e.file:
            rec = lock.get(e.id) if isinstance(lock, dict) else None
            names = ([rec["file"]] if isinstance(rec, dict) and isinstance(rec.get("file"), str) else [])
            names += [f"{slugify(e.id)}.pdf", f"{slugify(e.id)}.html"]
            found = next((n for n in names if "/" not in n and (Path(corpus_dir) / n).is_file()), "")
            if found:
                e = ManifestEntry(**{**e.__dict__, "file": found})
        out.append(e)
    return out


def set_entry_file(corpus_dir: Path, entry_id: str, file_name: str) -> bool:
    """Record ``file = file_name`` in the ``[[source]]`` block of ``entry_id``, editing only that block
    (comments and other entries stay as written). False if no such block."""
    path = Path(corpus_dir) / MANIFEST_NAME
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if ln.strip() == "[[source]]"] + [len(lines)]
    id_line = re.compile(r"^\s*id\s*=\s*(?:" + re.escape(_toml_value(entry_id)) + "|'" + re.escape(entry_id) + r"')\s*(#.*)?$")
    for a, b in zip(starts, starts[1:]):
        block = lines[a:b]
        at = next((i for i, ln in enumerate(block) if id_line.match(ln.rstrip("\n"))), None)
        if at is None:
            continue
        new = f"file = {_toml_value(file_name)}\n"
        old = next((i for i, ln in enumerate(block) if re.match(r"^\s*file\s*=", ln)), None)
        if old is not None:
            block[old] = new
        else:
            block.insert(at + 1, new)
        lines[a:b] = block
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        tmp.replace(path)
        return True
    return False
