"""Evaluation harness: JSONL question sets, metrics, the naive baseline, calibration (docs/evaluation.md).

``python -m app eval --set FILE [--db DIR] [--mode quote|generate] [--json] [--calibrate]``
"""
from .dataset import DatasetError, EvalItem, load_set

__all__ = ["DatasetError", "EvalItem", "load_set"]
