"""Unanswerable questions without a second index: each answerable question asked again with its own
document left out of the search (``Filters.exclude_source``).

A question gets a leave-one-out twin only when no other document holds its gold answer text, so the
twin has no answer in what the engine may search. The evidence threshold and the off-topic rule see
exactly that. The unknown-terms rule still consults the whole index's vocabulary (a name that only the
left-out document mentions does not refuse here, as it would in an index built without it), so refusal
recall measured this way is a lower bound of what ``app.eval.holdout``'s second index measures; in
exchange every question of a set counts, and nothing is ingested twice.

``wrong_paper`` makes the same kind of twin for questions asked about one document: the question is
put to the other document that ranks highest for it (the nearest one, the hardest to refuse) among
those that do not hold its gold text, as a user would who asks it with the wrong paper open.
"""
from __future__ import annotations

from dataclasses import replace

from .dataset import EvalItem
from .matching import SourceResolver, holds_gold, norm_text


def source_texts(engine) -> dict[str, str]:
    """Each indexed document's sentences, normalised as gold answers are matched (``norm_text``)."""
    return {sid: norm_text(" ".join(ts)) for sid, ts in engine.sentences.texts_by_source().items()}


def _single_source(items: list[EvalItem], engine) -> tuple[list[tuple[EvalItem, str, set[str]]], int]:
    """[(item, its one indexed document, the other documents that do not hold its gold text)] for each
    answerable item that names one indexed document and has gold text; and the number of documents."""
    resolver = SourceResolver.from_registry(engine.store.registry())
    texts = source_texts(engine)
    out = []
    for it in items:
        sids = resolver.expected(it.expected_sources) if it.answerable else []
        if len(sids) != 1 or not (it.must_include or it.must_include_any):
            continue
        others = {sid for sid, t in texts.items()
                  if sid != sids[0] and not holds_gold(t, it.must_include, it.must_include_any, normalised=True)}
        out.append((it, sids[0], others))
    return out, len(texts)


def _twin(it: EvalItem, suffix: str, tag: str, **kw) -> EvalItem:
    """An unanswerable copy of ``it`` (no gold, tagged), asked in the scope ``kw`` sets."""
    return replace(it, id=f"{it.id or it.line}-{suffix}", answerable=False, expected_sources=[], expected_pages=[],
                   must_include=[], must_include_any=[], tags=[*it.tags, tag], **kw)


def leave_one_out(items: list[EvalItem], engine) -> list[EvalItem]:
    """Unanswerable twins (id ``<id>-loo``, tag ``leave-one-out``) of the answerable items that name one
    indexed document and whose gold text no other document holds."""
    found, n_docs = _single_source(items, engine)
    return [_twin(it, "loo", tag="leave-one-out", exclude_source=sid, target_paper="")  # the library without it
            for it, sid, others in found if len(others) == n_docs - 1]  # no other document answers it


def wrong_paper(items: list[EvalItem], engine, depth: int = 20) -> list[EvalItem]:
    """Unanswerable twins (id ``<id>-wrong``, tag ``wrong-paper``): each answerable item asked about the
    highest-ranked other document that does not hold its gold text (none within ``depth`` passages: no twin)."""
    out = []
    for it, _, others in _single_source(items, engine)[0]:
        nearest = next((p.source_id for p in engine.search(it.question, k=depth) if p.source_id in others), None)
        if nearest:
            out.append(_twin(it, "wrong", tag="wrong-paper", target_paper=nearest))
    return out
