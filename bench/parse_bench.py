"""Parse time against input size for HTML and PDF: it must grow linearly (issue 12).

    python bench/parse_bench.py [--max-html-mb 10] [--max-pdf-mb 2] [--baseline] [--json]

HTML: a hostile page of nested <div>s (the case that was quadratic with BeautifulSoup tree
surgery) and a flat page of paragraphs, at doubling sizes up to --max-html-mb. PDF: a single page
whose content stream grows up to --max-pdf-mb (reportlab, uncompressed), parsed by pypdf. Each row
prints seconds and seconds per MB; "x smallest" is seconds-per-MB relative to the smallest size of
the same series (about 1.0 everywhere = linear; a quadratic parser doubles it at each step).
The last column parses through the per-file budget worker (ingest.parsers.worker), as ingest does.
--baseline also times the old BeautifulSoup ``insert_before/insert_after`` extraction on small
nested pages, in the same run, for comparison.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _common import machine, print_table


def nested_html(path: Path, target_bytes: int) -> None:
    n = max(1, (target_bytes - 100) // 11)
    path.write_text("<html><body>" + "<div>" * n + "<p>Deep text about gender advisers.</p>" + "</div>" * n
                    + "</body></html>")


def flat_html(path: Path, target_bytes: int) -> None:
    para = "<p>Gender training in security institutions works when leaders take part and trainers follow up.</p>\n"
    path.write_text("<html><head><title>Flat</title></head><body><main>" + para * max(1, target_bytes // len(para))
                    + "</main></body></html>")


def single_page_pdf(path: Path, target_bytes: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=0)
    c.setFont("Helvetica", 6)
    line = "Gender training in security institutions works when leaders take part and trainers follow up."
    n = max(1, target_bytes // (len(line) + 40))
    for i in range(n):
        c.drawString(20, 820 - (i % 130) * 6, line)
    c.showPage()
    c.save()


def old_bs4_html(path: Path) -> None:
    """The extraction this issue replaced (tree surgery: quadratic on nested blocks)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(), "html.parser")
    root = soup.body or soup
    for tag in root.find_all(["p", "div"]):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    root.get_text()


def timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def series(name, make, kind, sizes, workdir, settings, worker) -> list[dict]:
    from ingest.index.records import Source
    from ingest.parsers.parse import parse_source

    rows = []
    for size in sizes:
        path = workdir / f"{name}-{size}.{ 'pdf' if kind == 'pdf' else 'html'}"
        make(path, size)
        real = path.stat().st_size
        src = Source(source_id=name, path=path, sha256="0" * 64, title="")
        secs = min(timed(parse_source, src, settings, kind) for _ in range(2 if real < 2_000_000 else 1))
        wsecs = timed(worker.parse, src, kind)
        rows.append({"series": name, "bytes": real, "seconds": secs, "s_per_mb": secs / (real / 1e6),
                     "worker_seconds": wsecs})
    base = rows[0]["s_per_mb"]
    for r in rows:
        r["x_smallest"] = r["s_per_mb"] / base
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-html-mb", type=float, default=10.0)
    ap.add_argument("--max-pdf-mb", type=float, default=2.0)
    ap.add_argument("--baseline", action="store_true", help="also time the old BeautifulSoup extraction (slow)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from ingest.index.settings import Settings
    from ingest.parsers.worker import ParseWorker

    settings = Settings(parse_timeout_s=600, max_text_chars=0)

    def doubling(max_mb: float, start: int) -> list[int]:
        out, s = [], start
        while s <= max_mb * 1e6 * 1.01:
            out.append(s)
            s *= 2
        return out

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="parse-bench-") as tmp, ParseWorker(settings) as worker:
        work = Path(tmp)
        html_sizes = doubling(args.max_html_mb, int(args.max_html_mb * 1e6) // 16)
        pdf_sizes = doubling(args.max_pdf_mb, int(args.max_pdf_mb * 1e6) // 8)
        rows += series("html-nested-divs", nested_html, "html", html_sizes, work, settings, worker)
        rows += series("html-flat-paragraphs", flat_html, "html", html_sizes, work, settings, worker)
        rows += series("pdf-single-page", single_page_pdf, "pdf", pdf_sizes, work, settings, worker)
        if args.baseline:
            base_rows = []
            for size in (25_000, 50_000, 100_000):
                path = work / f"old-{size}.html"
                nested_html(path, size)
                secs = timed(old_bs4_html, path)
                base_rows.append({"series": "old-bs4-nested (baseline)", "bytes": path.stat().st_size, "seconds": secs,
                                  "s_per_mb": secs / (path.stat().st_size / 1e6), "worker_seconds": float("nan")})
            for r in base_rows:
                r["x_smallest"] = r["s_per_mb"] / base_rows[0]["s_per_mb"]
            rows += base_rows
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows}, indent=1))
        return
    print(f"parse time vs input size — {machine()}\n")
    print_table(["series", "MB", "seconds", "s/MB", "x smallest", "via worker s"],
                [[r["series"], f"{r['bytes'] / 1e6:.2f}", f"{r['seconds']:.2f}", f"{r['s_per_mb']:.3f}",
                  f"{r['x_smallest']:.2f}", f"{r['worker_seconds']:.2f}"] for r in rows])


if __name__ == "__main__":
    main()
