"""Quote-mode answer latency per document type: PDF pages vs 50,000-character text files.

    python bench/doctype_bench.py [--workdir /tmp/mandate-doctype] [--questions 60] [--json]

Builds two indexes of comparable size in the work folder (kept between runs):
* ``pdf``: the generated paper-like PDF corpus of the tests (two columns, footnotes, references)
  plus generated multi-page PDFs of the same articles as below;
* ``text``: 50,000-character TXT files, each several COVID-QA articles of ``../shared`` joined.
Every question goes through ``Engine.answer(mode="quote")`` once after a warm-up; the table gives
total latency p50/p95 per index, and the ratio of the text index's p50 to the PDF index's p50
(target: both p50 <= 300 ms and p95 <= 800 ms; the ratio shows whether text length still costs).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _common import ROOT, machine, pct, print_table, rss_mb

COVID = ROOT.parent / "shared" / "datasets" / "covid-qa"


def _articles() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((COVID / "corpus").glob("*.txt"))[:24]]


def text_corpus(folder: Path, size: int = 50_000) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    buf, n = "", 0
    for art in _articles():
        buf += art.strip() + "\n\n"
        if len(buf) >= size:
            (folder / f"long-{n:02d}.txt").write_text(buf[:size].rsplit("\n\n", 1)[0] + "\n", encoding="utf-8")
            buf, n = "", n + 1


def pdf_corpus(folder: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from tests.fixtures.corpus import build_fixture_corpus

    build_fixture_corpus(folder)
    style = getSampleStyleSheet()["BodyText"]
    for i, art in enumerate(_articles()[:12]):
        doc = SimpleDocTemplate(str(folder / f"article-{i:02d}.pdf"), pagesize=A4)
        paras = [Paragraph(p.replace("&", "&amp;").replace("<", "&lt;"), style) for p in art.split("\n\n") if p.strip()]
        doc.build(paras)


def index(work: Path, name: str, make) -> Path:
    from ingest.index.settings import Settings
    from ingest.pipeline import run_ingest

    root = work / name
    db = root / "db"
    if not (db / "chroma.sqlite3").exists():
        make(root / "corpus")
        run_ingest(Settings(corpus_dir=root / "corpus", db_dir=db), progress=False)
    return db


def questions(n: int) -> list[str]:
    out = []
    for line in (COVID / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        out.append(json.loads(line)["question"])
    step = max(1, len(out) // n)
    return out[::step][:n]


def bench(db: Path, qs: list[str]) -> dict:
    import numpy as np

    from app.engine import Engine
    from ingest.index.settings import Settings

    engine = Engine(Settings(db_dir=db))
    for q in qs[:3]:
        engine.answer(q, mode="quote")
    total, refused = [], 0
    for q in qs:
        t = time.perf_counter()
        a = engine.answer(q, mode="quote")
        total.append(time.perf_counter() - t)
        refused += a.refused
    reg = engine.store.registry()
    ms = np.array(total) * 1000
    return {"sources": len(reg), "pages": sum(e.pages for e in reg.values()), "chunks": engine.store.chunks.count(),
            "sentences": len(engine.sentences), "answers": len(total), "refused": refused,
            "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1), "rss_mb": round(rss_mb() or 0)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default="/tmp/mandate-doctype")
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not COVID.is_dir():
        print(f"needs {COVID} (the ../shared development data)", file=sys.stderr)
        return 2
    work = Path(args.workdir)
    qs = questions(args.questions)
    res = {"pdf": bench(index(work, "pdf", pdf_corpus), qs), "text": bench(index(work, "text", text_corpus), qs)}
    res["text_over_pdf_p50"] = round(res["text"]["p50_ms"] / res["pdf"]["p50_ms"], 2)
    if args.json:
        print(json.dumps({"machine": machine(), **res}, indent=1))
        return 0
    print(f"Quote-mode answer latency per document type ({len(qs)} COVID-QA questions); {machine()}")
    print_table(["index", "sources", "pages", "chunks", "sentences", "refused", "p50 ms", "p95 ms", "RSS MB"],
                [[k, r["sources"], r["pages"], r["chunks"], r["sentences"], r["refused"], r["p50_ms"], r["p95_ms"],
                  r["rss_mb"]] for k, r in (("pdf", res["pdf"]), ("text (50,000 chars)", res["text"]))])
    print(f"\ntext p50 / pdf p50 = {res['text_over_pdf_p50']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
