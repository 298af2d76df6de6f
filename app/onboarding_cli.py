"""CLI: `python -m app onboard [--db DIR] [--source ID] [--json] [--format md] [--out FILE]`.

Prints the onboarding tour of the paper (sections with cited key sentences and suggested
questions, glossary, quiz); ``--json`` prints it as JSON, ``--format md`` the Markdown handout.
``--out FILE`` writes the output to a file instead of stdout.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def text_report(tour) -> str:
    from .engine.records import page_place
    from .onboarding.handout import short_title

    lines = [f"Onboarding tour: {tour.title or tour.source_id}",
             f"{len(tour.sections)} sections · {len(tour.glossary)} glossary terms · {len(tour.quiz)} quiz questions"
             f" · built in {tour.build_s:.1f} s", ""]
    lines += [f"note: {n}" for n in tour.notes]
    short = short_title(tour.title) or tour.source_id
    for s in tour.sections:
        lines.append(f"{'  ' * (s.level - 1)}{s.title} ({s.pages})")
        for c in s.summary:
            lines.append(f"{'  ' * s.level}- \"{c.quote}\" ({short}, {page_place(c.page)})")
        for q in s.questions:
            lines.append(f"{'  ' * s.level}? {q}")
    lines += ["", "Glossary:"]
    lines += [f"  {g.term}: \"{g.citation.quote}\" ({page_place(g.citation.page)})" for g in tour.glossary]
    lines += ["", "Quiz:"]
    for i, q in enumerate(tour.quiz, 1):
        lines.append(f"  {i}. {q.prompt}")
        if q.options:
            lines.append("     options: " + " | ".join(q.options))
        lines.append(f"     answer: {q.answer} ({page_place(q.citation.page)})")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m app onboard",
                                description="A guided, cited tour of the paper for new trainers.")
    p.add_argument("--db", help="index folder (default: MANDATE_DB_DIR or .mandate/index)")
    p.add_argument("--source", help="tour of this source id (default: the paper)")
    p.add_argument("--json", action="store_true", help="print the tour as JSON")
    p.add_argument("--format", choices=["text", "md"], default="text", help="md: the Markdown handout")
    p.add_argument("--out", help="write to this file instead of stdout")
    p.add_argument("--no-questions", action="store_true", help="skip the suggested questions (faster)")
    p.add_argument("--llm", action="store_true", help="add verified LLM summaries (optional; needs a model)")
    p.add_argument("--rebuild", action="store_true", help="build the tour again (and replace the cached one)")
    args = p.parse_args(argv)

    from ingest.index.settings import get_settings

    from .engine import Engine
    from .onboarding import handout_markdown, onboarding

    if args.out and not Path(args.out).resolve().parent.is_dir():  # before minutes of work, not after
        print(f"error: cannot write {args.out}: folder {Path(args.out).resolve().parent} does not exist", file=sys.stderr)
        return 2
    engine = Engine(get_settings(db_dir=args.db))
    t0 = time.perf_counter()
    try:
        tour = onboarding(engine, args.source, questions=not args.no_questions, use_llm=args.llm,
                          refresh=args.rebuild)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - t0
    if args.json:
        payload = tour.to_json()
        payload["load_s"] = round(elapsed, 3)
        out = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "md":
        out = handout_markdown(tour)
    else:
        out = text_report(tour)
    if args.out:
        try:
            Path(args.out).write_text(out, encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"wrote {args.out} ({len(tour.sections)} sections, {len(tour.glossary)} glossary terms, "
              f"{len(tour.quiz)} quiz questions)", file=sys.stderr)
    else:
        sys.stdout.write(out)
    return 0
