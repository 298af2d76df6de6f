"""Evaluation sets: JSONL, one question per line, validated with errors that name file and line.

Format (see docs/evaluation.md)::

    {"question": str,                      # required
     "answerable": bool,                   # required
     "expected_sources": [str],            # source ids or file names (optional, default [])
     "expected_pages": [str | int],        # printed page labels, e.g. "iv", "12" (optional)
     "must_include": [str],                # phrases the answer or its quotes must ALL contain (optional)
     "must_include_any": [str],            # alternatives: ANY one of them suffices (short ones on word boundaries)
     "history": [{"role": "user"|"assistant", "content": str}],   # earlier chat turns (optional)
     "target_paper": str,                  # the document the question is about (optional): asked with it in
                                           # scope, as "Ask about this document" does in the app
     "id": str, "tags": [str], "reference_answer": str}           # optional extras

Blank lines and lines starting with ``#`` or ``//`` are skipped. Unknown fields are kept (``extra``)
and reported once as a note, so a set written for another tool still loads.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import MandateError

KNOWN = {"question", "answerable", "expected_sources", "expected_pages", "must_include", "must_include_any", "history",
         "id", "tags", "reference_answer", "target_paper"}
ROLES = {"user", "assistant"}


class DatasetError(MandateError, ValueError):
    """One or more invalid lines; ``problems`` holds one "FILE:LINE: reason" string each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the evaluation set"
        super().__init__(head + ":\n  " + "\n  ".join(problems))


@dataclass
class EvalItem:
    question: str
    answerable: bool
    expected_sources: list[str] = field(default_factory=list)
    expected_pages: list[str] = field(default_factory=list)
    must_include: list[str] = field(default_factory=list)
    must_include_any: list[str] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # [{"role", "content"}]
    id: str = ""
    tags: list[str] = field(default_factory=list)
    reference_answer: str = ""
    line: int = 0
    extra: dict = field(default_factory=dict)
    target_paper: str = ""  # source id or file name of the document asked about ("" = the whole library)
    exclude_source: str = ""  # a leave-one-out twin (leave_one_out.py): this document is left out of the search

    def turns(self):
        from ..engine import Turn

        return [Turn(role=t["role"], content=t["content"]) for t in self.history]


def _str_list(value, name: str, where: str, problems: list[str], allow_int: bool = False) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # a lone string is a common slip: accept it as a one-element list
        value = [value]
    if not isinstance(value, list):
        problems.append(f"{where}: \"{name}\" must be a list of strings, got {type(value).__name__}")
        return []
    out = []
    for i, v in enumerate(value):
        if allow_int and isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str) or not v.strip():
            problems.append(f"{where}: \"{name}\"[{i}] must be a non-empty string, got {v!r}")
            continue
        out.append(v.strip())
    return out


def _history(value, where: str, problems: list[str]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: \"history\" must be a list of {{\"role\", \"content\"}} objects")
        return []
    out = []
    for i, t in enumerate(value):
        if not isinstance(t, dict) or t.get("role") not in ROLES or not isinstance(t.get("content"), str):
            problems.append(f"{where}: \"history\"[{i}] must be {{\"role\": \"user\"|\"assistant\", "
                            f"\"content\": str}}, got {t!r}")
            continue
        out.append({"role": t["role"], "content": t["content"]})
    return out


def parse_line(obj, where: str, problems: list[str], warnings: list[str] | None = None) -> EvalItem | None:
    if not isinstance(obj, dict):
        problems.append(f"{where}: expected a JSON object, got {type(obj).__name__}")
        return None
    before = len(problems)
    q = obj.get("question")
    if not isinstance(q, str) or not q.strip():
        problems.append(f"{where}: \"question\" is missing or not a non-empty string")
    ans = obj.get("answerable")
    if not isinstance(ans, bool):
        problems.append(f"{where}: \"answerable\" is missing or not true/false (got {ans!r})")
    item = EvalItem(
        question=q.strip() if isinstance(q, str) else "",
        answerable=bool(ans),
        expected_sources=_str_list(obj.get("expected_sources"), "expected_sources", where, problems),
        expected_pages=_str_list(obj.get("expected_pages"), "expected_pages", where, problems, allow_int=True),
        must_include=_str_list(obj.get("must_include"), "must_include", where, problems),
        must_include_any=_str_list(obj.get("must_include_any"), "must_include_any", where, problems),
        history=_history(obj.get("history"), where, problems),
        id=str(obj.get("id") or ""),
        tags=_str_list(obj.get("tags"), "tags", where, problems),
        reference_answer=obj.get("reference_answer") if isinstance(obj.get("reference_answer"), str) else "",
        target_paper=obj.get("target_paper").strip() if isinstance(obj.get("target_paper"), str) else "",
        extra={k: v for k, v in obj.items() if k not in KNOWN},
    )
    if warnings is not None:
        if ans is False and (item.expected_sources or item.expected_pages):
            warnings.append(f"{where}: unanswerable question with expected sources/pages: they are ignored")
        if ans is True and not item.expected_sources and not item.expected_pages:
            warnings.append(f"{where}: answerable question without expected_sources: not counted in retrieval metrics")
    return item if len(problems) == before else None


def load_set(path: str | Path, warnings: list[str] | None = None) -> list[EvalItem]:
    """Parse and validate a JSONL evaluation set; raise ``DatasetError`` listing every bad line.

    Non-fatal remarks (e.g. an answerable question without expected sources) go to ``warnings``."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError([f"{path}: no such file"])
    problems: list[str] = []
    items: list[EvalItem] = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DatasetError([f"{path}: not UTF-8 text ({exc})"]) from exc
    seen_ids: dict[str, int] = {}
    for n, raw in enumerate(lines, start=1):
        s = raw.strip()
        if not s or s.startswith(("#", "//")):
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(s)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        item = parse_line(obj, where, problems, warnings)
        if item is None:
            continue
        item.line = n
        if not item.id:
            item.id = f"line{n}"
        elif item.id in seen_ids:
            problems.append(f"{where}: duplicate id {item.id!r} (first on line {seen_ids[item.id]})")
            continue
        seen_ids[item.id] = n
        items.append(item)
    if not items and not problems:
        problems.append(f"{path}: no questions found")
    if problems:
        raise DatasetError(problems)
    return items


def unknown_fields(items: list[EvalItem]) -> list[str]:
    return sorted({k for it in items for k in it.extra})


def split_of(item: EvalItem) -> str:
    """"train" or "test": the fits (``fit_ranker``, ``fit_adapter``) learn from the documents whose name hashes
    even and report on the others, which they never saw."""
    key = (item.expected_sources or [item.id])[0]
    return "train" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 == 0 else "test"
