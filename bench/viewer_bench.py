"""Open-at-page speed: "Open at p. N" on a page of a 50-page two-column PDF (target: <= 1 s).

    python bench/viewer_bench.py [--pages 50] [--repeat 5] [--workdir /tmp/mandate-viewer-bench] [--json]

Generates a two-column PDF (tests/fixtures/layout.py, hyphen breaks included), ingests it into a
fresh index, then for quotes on five pages spread over the document measures, uncached:

- render only (baseline): open the PDF, render that one page at the viewer's scale, encode PNG;
- locate only: open the PDF, read the page's characters, find the quote's line boxes (the CLI);
- open at page: ``SourceViewer.open_page`` as the UI calls it: registry lookup, path/symlink/size
  checks, content hash, page text from Chroma, locate, render, highlight, close-up, PNG encode;
- the same call again (cached).

The ratio open-at-page / render-only is what locating and highlighting add to merely showing a page.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

from _common import machine, pct, print_table

TARGET_S = 1.0


def make_pdf(path: Path, n_pages: int) -> None:
    from tests.fixtures.layout import Block, Geometry, Style, _flow, render
    from tests.fixtures.simple_pdf import synthetic_pages

    body = Style(size=10.0, leading=13.0, space_after=5.0)
    words = " ".join(synthetic_pages(3, n_pages, words_per_page=900)).split()
    words = [w if len(w) < 9 or i % 3 else w[:4] + "~" + w[4:] for i, w in enumerate(words)]  # hyphen points
    blocks = [Block("para", " ".join(words[k:k + 130]), body) for k in range(0, len(words), 130)]
    pages = _flow(blocks, Geometry(), 2, {})[:n_pages]  # (flow() refuses breaks across pages)
    assert len(pages) == n_pages, f"only {len(pages)} pages of text"
    render(path, pages, Geometry(), header="Viewer benchmark — synthetic", footers=[str(i + 1) for i in range(len(pages))],
           title="Viewer benchmark", author="bench/viewer_bench.py")


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _build(workdir: Path, pages: int):
    """A fresh index of one generated two-column PDF; (its path, a SourceViewer on it)."""
    from app.engine import viewer as v
    from ingest.index.settings import Settings
    from ingest.index.store import Store
    from ingest.pipeline import run_ingest

    shutil.rmtree(workdir, ignore_errors=True)
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True)
    pdf_path = corpus / "bench.pdf"
    make_pdf(pdf_path, pages)
    settings = Settings(corpus_dir=corpus, db_dir=workdir / "db")
    report = run_ingest(settings, progress=False)
    assert not report.failed, report.failed
    return pdf_path, v.SourceViewer(settings, Store(settings, create=False))


def _print_report(result: dict, rows: list, stats: dict, n: int, ratio: float, repeat: int, n_picks: int) -> None:
    from app.engine import viewer as v

    print(f"viewer bench — {machine()}")
    print(f"{n}-page two-column PDF ({result['pdf_kb']} KB), scale {v.SCALE} px/pt, {repeat} runs x {n_picks} pages\n")
    print_table(["page", "quote chars", "lines marked", "PNG"], rows)
    print()
    print_table(["step", "median ms", "p95 ms", "max ms"],
                [[k, f"{s['median_s'] * 1000:.0f}", f"{s['p95_s'] * 1000:.0f}", f"{s['max_s'] * 1000:.0f}"]
                 for k, s in stats.items()])
    print(f"\nopen at page / render only (median): {ratio:.2f}x")
    print(f"target: open at page <= {TARGET_S:.1f} s -> worst {stats['open_at_page']['max_s']:.3f} s: "
          + ("met" if result["meets_target"] else "NOT met"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/mandate-viewer-bench"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import pypdfium2 as pdfium

    from app.engine import viewer as v
    from app.engine.locate import locate_pdf

    pdf_path, viewer = _build(args.workdir, args.pages)
    sid = next(iter(viewer.store.registry()))
    n = len(viewer.labels(sid))
    picks = sorted({0, n // 5, n // 2, (4 * n) // 5, n - 1})

    def quote_of(i: int) -> tuple[str, int]:
        text = viewer.page_text(sid, i)
        start = text.find(". ", len(text) // 3) + 2  # a sentence from the middle of the page
        end = text.find(".", start + 120) + 1
        return text[start:end], start

    def render_only(i: int) -> None:
        pdf = pdfium.PdfDocument(str(pdf_path))
        page = pdf[i]
        image = page.render(scale=v.SCALE, may_draw_forms=False).to_pil()
        page.close()
        pdf.close()
        v._png(image)

    rows, per = [], {"render_only": [], "locate_only": [], "open_at_page": [], "open_cached": []}
    found = []
    for i in picks:
        quote, start = quote_of(i)
        per["render_only"] += timed(lambda i=i: render_only(i), args.repeat)
        per["locate_only"] += timed(lambda i=i, quote=quote: locate_pdf(pdf_path, i, quote), args.repeat)

        def open_uncached(i=i, quote=quote, start=start):
            v._render.cache_clear()
            v._sha256.cache_clear()
            return viewer.open_page(sid, i, quote, start)

        per["open_at_page"] += timed(open_uncached, args.repeat)
        view = viewer.open_page(sid, i, quote, start)
        per["open_cached"] += timed(lambda i=i, quote=quote, start=start: viewer.open_page(sid, i, quote, start), args.repeat)
        found.append(len(view.location.boxes))
        rows.append([f"p. {view.page_label}", len(quote), len(view.location.boxes), f"{len(view.png) / 1024:.0f} KB"])

    stats = {k: {"median_s": statistics.median(x), "p95_s": pct(x, 95), "max_s": max(x)} for k, x in per.items()}
    ratio = stats["open_at_page"]["median_s"] / stats["render_only"]["median_s"]
    result = {"machine": machine(), "pdf_pages": n, "pdf_kb": round(pdf_path.stat().st_size / 1024), "pages": picks,
              "repeat": args.repeat, "stats": stats, "ratio_open_vs_render_only": ratio,
              "target_s": TARGET_S, "meets_target": stats["open_at_page"]["max_s"] <= TARGET_S,
              "lines_highlighted": found}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    _print_report(result, rows, stats, n, ratio, args.repeat, len(picks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
