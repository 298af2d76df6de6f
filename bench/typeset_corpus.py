"""Typeset COVID-QA articles as two-column LaTeX PDFs, to measure the PDF path on real text.

    python bench/typeset_corpus.py --out /tmp/covid-pdf [--every 3]
    python -m ingest --corpus /tmp/covid-pdf/pdf --db /tmp/covid-pdf/pdf-db
    python -m ingest --corpus /tmp/covid-pdf/txt --db /tmp/covid-pdf/txt-db
    python -m app eval --set /tmp/covid-pdf/questions.jsonl --db /tmp/covid-pdf/pdf-db --json   (and txt-db)

Every ``--every``-th article of ``../shared/datasets/covid-qa`` goes through pdflatex (Debian package
``texlive-latex-base``; two columns, running header, page numbers, hyphenation, Computer Modern): what pypdf
then extracts has what real papers have (line-end hyphens, pages that end mid-sentence, "Genevi`eve").
The same articles are copied as TXT, and ``questions.jsonl`` keeps their questions whose gold text
typesets unchanged (Latin-1 only), so the two indexes answer the same questions: the difference is the
PDF path's loss. Nothing here is committed; the figures are in docs/evaluation.md.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

COVID = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "covid-qa"
SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "^": r"\^{}",
           "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
OTHER = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "--", "\u2014": "---", "\u2212": "-", "\u2009": " ",
         "\u00a0": "~", "\u2018": "`", "\u2019": "'", "\u201c": "``", "\u201d": "''", "\u00b1": r"$\pm$",
         "\u2264": r"$\le$", "\u2265": r"$\ge$", "\u00b0": r"\textdegree{}", "\u00d7": r"$\times$",
         "\u03b1": r"$\alpha$", "\u03b2": r"$\beta$", "\u03b3": r"$\gamma$", "\u03ba": r"$\kappa$", "\u00b5": r"$\mu$"}
SAFE = set("\u2010\u2011\u2012\u2013\u2014\u2018\u2019\u201c\u201d")
HEADER = ("http", "SHA:", "Authors:", "Date:", "DOI:", "License:")


def tex_escape(s: str) -> str:
    return "".join(SPECIAL.get(ch) or OTHER.get(ch) or (ch if ord(ch) < 256 else "?") for ch in s)


def latex(text: str) -> str:
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    title, body = paras[0], [tex_escape(p) for p in paras[1:] if not p.startswith(HEADER)]
    return (r"\documentclass[twocolumn,10pt]{article}\usepackage[utf8]{inputenc}\usepackage[margin=2cm]{geometry}"
            r"\usepackage{fancyhdr}\pagestyle{fancy}\fancyhead[L]{\small " + tex_escape(title[:60]) + r"}\fancyhead[R]{\small Preprint}"
            "\n" r"\title{" + tex_escape(title) + r"}\date{}\author{}\begin{document}\maketitle" "\n"
            + "\n\n".join(body) + "\n" r"\end{document}" "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--every", type=int, default=3, help="every N-th article (sorted by name)")
    args = ap.parse_args(argv)
    if not shutil.which("pdflatex"):
        print("pdflatex is missing: apt-get install texlive-latex-base", file=sys.stderr)
        return 2
    for sub in ("tex", "pdf", "txt"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    done = set()
    for f in sorted((COVID / "corpus").glob("*.txt"))[::args.every]:
        tex = args.out / "tex" / f"{f.stem}.tex"
        tex.write_text(latex(f.read_text(encoding="utf-8")), encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-output-directory", str(tex.parent), str(tex)],
                       capture_output=True, timeout=120)
        pdf = tex.with_suffix(".pdf")
        if not pdf.exists():
            print(f"{f.name}: pdflatex failed (see {tex.with_suffix('.log')})", file=sys.stderr)
            continue
        shutil.copy(pdf, args.out / "pdf" / pdf.name)
        shutil.copy(f, args.out / "txt" / f.name)
        done.add(f.stem)
    rows = []
    for line in (COVID / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        o = json.loads(line)
        golds = o.get("must_include_any", []) + o.get("must_include", [])
        if Path(o["expected_sources"][0]).stem in done and all(ord(c) < 256 or c in SAFE for g in golds for c in g):
            rows.append(line + "\n")
    (args.out / "questions.jsonl").write_text("".join(rows), encoding="utf-8")
    print(json.dumps({"articles": len(done), "questions": len(rows), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
