"""Scores for the stance task: per-label precision/recall/F1, stance macro-F1, relevance F1."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from ceasefire_watch.records import IRRELEVANT, LABELS, STANCES

Predictor = Callable[[list[str]], list[str]]
"""A system under evaluation: sentences in, one label each out."""


def score(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Metrics over the five labels; a stance predicted for an irrelevant sentence counts against it."""
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=list(LABELS), zero_division=0
    )
    per_label = {
        label: {
            "precision": round(float(precision[i]), 4),
            "recall": round(float(recall[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(support[i]),
        }
        for i, label in enumerate(LABELS)
    }
    relevance_f1 = f1_score(
        [label != IRRELEVANT for label in gold], [label != IRRELEVANT for label in predicted], zero_division=0
    )
    return {
        "examples": len(gold),
        "per_label": per_label,
        "stance_macro_f1": round(sum(per_label[s]["f1"] for s in STANCES) / len(STANCES), 4),
        "relevance_f1": round(float(relevance_f1), 4),
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(1, len(gold)), 4),
        "confusion_matrix": {
            "labels": list(LABELS),
            "rows_gold_columns_predicted": confusion_matrix(gold, predicted, labels=list(LABELS)).tolist(),
        },
    }
