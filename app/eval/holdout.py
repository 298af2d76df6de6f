"""Build a refusal test from a set of answerable questions: hold some documents out of the index.

    python -m app.eval.holdout --set QUESTIONS.jsonl --corpus DIR --out DIR [--documents 20] [--answerable 200]

Writes ``OUT/corpus/`` (the corpus without the held-out documents, copied, not linked) and
``OUT/set.jsonl``: questions about held-out documents whose gold answer text occurs in no remaining
document (so the index cannot answer them: ``answerable: false``), mixed with a sample of questions
about the remaining documents (``answerable: true``), so one run measures refusal recall and the
false-refusal rate on the same index. Deterministic: documents and samples are chosen by hash.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

from ingest.parsers.registry import EXTENSIONS

from .dataset import load_set
from .matching import norm_text


def _h(s: str) -> int:
    return int(hashlib.sha256(s.encode()).hexdigest(), 16)


def build(set_path: Path, corpus: Path, out: Path, n_docs: int = 20, n_answerable: int = 200) -> dict:
    items = load_set(set_path)
    files = sorted(p for p in corpus.iterdir() if p.is_file() and not p.is_symlink() and p.suffix.lower() in EXTENSIONS)
    held = set(sorted((p.name for p in files), key=_h)[:n_docs])
    kept = [p for p in files if p.name not in held]
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    for p in kept:
        shutil.copyfile(p, out / "corpus" / p.name)
    remaining = norm_text(" ".join(p.read_text(encoding="utf-8", errors="replace") for p in kept if p.suffix != ".pdf"))
    rows = []
    for it in items:
        doc = (it.expected_sources or [""])[0]
        phrases = it.must_include_any + it.must_include
        if doc in held and phrases and not any(norm_text(ph) in remaining for ph in phrases):
            rows.append({"id": f"{it.id}-heldout", "question": it.question, "answerable": False,
                         "tags": ["heldout"], "held_out_source": doc})
    answerable = [it for it in items if (it.expected_sources or [""])[0] not in held]
    for it in sorted(answerable, key=lambda it: _h(it.id))[:n_answerable]:
        row = {"id": it.id, "question": it.question, "answerable": True, "expected_sources": it.expected_sources}
        if it.must_include_any:
            row["must_include_any"] = it.must_include_any
        if it.must_include:
            row["must_include"] = it.must_include
        rows.append(row)
    rows.sort(key=lambda r: _h(r["id"]))
    (out / "set.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"held_out_documents": sorted(held), "documents_kept": len(kept),
            "unanswerable": sum(not r["answerable"] for r in rows), "answerable": sum(r["answerable"] for r in rows)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m app.eval.holdout", description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", required=True, type=Path)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--documents", type=int, default=20)
    ap.add_argument("--answerable", type=int, default=200)
    args = ap.parse_args(argv)
    print(json.dumps(build(args.set, args.corpus, args.out, args.documents, args.answerable), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
