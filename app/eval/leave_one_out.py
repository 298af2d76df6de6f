"""Unanswerable questions without a second index: each answerable question asked again with its own
document left out of the search (``Filters.exclude_source``).

A question gets a leave-one-out twin only when no other document holds its gold answer text, so the
twin has no answer in what the engine may search. The evidence threshold and the off-topic rule see
exactly that. The unknown-terms rule still consults the whole index's vocabulary (a name that only the
left-out document mentions does not refuse here, as it would in an index built without it), so refusal
recall measured this way is a lower bound of what ``app.eval.holdout``'s second index measures; in
exchange every question of a set counts, and nothing is ingested twice.
"""
from __future__ import annotations

from dataclasses import replace

from .dataset import EvalItem
from .matching import SourceResolver, holds_gold, norm_text


def source_texts(engine) -> dict[str, str]:
    """Each indexed document's sentences, normalised as gold answers are matched (``norm_text``)."""
    parts: dict[str, list[str]] = {}
    idx = engine.sentences
    for sid, text in zip(idx.source_ids, idx.texts):
        parts.setdefault(sid, []).append(text)
    return {sid: norm_text(" ".join(ts)) for sid, ts in parts.items()}


def leave_one_out(items: list[EvalItem], engine) -> list[EvalItem]:
    """Unanswerable twins (id ``<id>-loo``, tag ``leave-one-out``) of the answerable items that name one
    indexed document and whose gold text no other document holds."""
    resolver = SourceResolver.from_registry(engine.store.registry())
    texts = source_texts(engine)
    out = []
    for it in items:
        sids = resolver.expected(it.expected_sources) if it.answerable else []
        if len(sids) != 1 or not (it.must_include or it.must_include_any):
            continue
        if any(holds_gold(t, it.must_include, it.must_include_any, normalised=True) for sid, t in texts.items() if sid != sids[0]):
            continue  # another document answers it too
        out.append(replace(it, id=f"{it.id or it.line}-loo", answerable=False, expected_sources=[], expected_pages=[],
                           must_include=[], must_include_any=[], tags=[*it.tags, "leave-one-out"], exclude_source=sids[0],
                           target_paper=""))  # asked of the library without its own document
    return out
