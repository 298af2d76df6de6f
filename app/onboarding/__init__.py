"""Onboarding new trainers: a guided, cited tour of a source (sections with key sentences and
suggested questions, a glossary, a self-check quiz) and its Markdown handout.

A feature built on the answer engine, not part of answering: it imports ``app.engine``; the engine
never imports it (import-linter contract in pyproject.toml). Modules: ``tour`` (build and cache),
``doc`` and ``sections`` (the source's sentences and sections), ``glossary``, ``questions``,
``quiz``, ``grade`` (checking replies), ``handout`` (Markdown), ``llm`` (optional generated
summaries), ``records`` (the tour's data).
"""
from .tour import (
                   TOUR_VERSION,
                   GlossaryEntry,
                   QuizQuestion,
                   Section,
                   Tour,
                   ask_filters,
                   build_tour,
                   check,
                   default_source,
                   fingerprint,
                   handout_filename,
                   handout_markdown,
                   onboarding,
)

__all__ = ["onboarding", "build_tour", "default_source", "fingerprint", "check", "handout_markdown", "handout_filename",
           "ask_filters", "Tour", "Section", "GlossaryEntry", "QuizQuestion", "TOUR_VERSION"]
