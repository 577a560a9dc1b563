"""``evaluate``: the bundled int8 model against baselines on the held-out corpus split, the blind
sentence set and the article-level gold sets."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

from ceasefire_watch.model.articles import (
    GoldArticle,
    candidates,
    gold_and_predicted,
    load_gold_articles,
    reaching_the_model,
)
from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.model.baselines import keyword_rule_label
from ceasefire_watch.model.corpus import (
    ARTICLE_GOLD_FILES,
    BLIND_FILE,
    Example,
    SplitPlan,
    load_blind,
    load_examples,
)
from ceasefire_watch.model.evaluation import Predictor, score
from ceasefire_watch.records import IRRELEVANT
from ceasefire_watch.text.conflicts import load_gazetteer
from ceasefire_watch.text.lexicon import ceasefire_terms

SYSTEMS = {
    "onnx_int8": "the shipped model (int8 ONNX) on every sentence",
    "lexicon_then_onnx_int8": "what the pipeline does: the model only where the lexicon matches",
    "torch_fp32": "the same model before ONNX export and int8 quantisation",
    "keyword_rules": "baseline: lexicon for relevance, then cue words for the stance",
    "zero_shot_embeddings": "baseline: plain MiniLM embeddings, nearest label description",
}
"""Every system the report can hold; on articles the lexicon already chose the candidates."""


def onnx_predictor(model_dir: Path) -> Predictor:
    classifier = OnnxStanceClassifier(model_dir)

    def predict(texts: list[str]) -> list[str]:
        labels: list[str] = []
        for start in range(0, len(texts), 32):
            labels += [s.stance or IRRELEVANT for s in classifier.classify(texts[start : start + 32])]
        return labels

    return predict


def lexicon_gated(predict: Predictor) -> Predictor:
    """What the pipeline does: a sentence without a lexicon term never reaches the model."""

    def gated(texts: list[str]) -> list[str]:
        labels = predict(texts)
        return [
            label if ceasefire_terms(text) else IRRELEVANT for text, label in zip(texts, labels, strict=True)
        ]

    return gated


def _systems(model_dir: Path, fp32_dir: Path | None) -> dict[str, Predictor]:
    systems: dict[str, Predictor] = {
        "onnx_int8": onnx_predictor(model_dir),
        "keyword_rules": lambda batch: [keyword_rule_label(text) for text in batch],
    }
    if importlib.util.find_spec("torch") is not None:
        from ceasefire_watch.model.torch_baselines import fp32_predictor, zero_shot_predictor

        systems["zero_shot_embeddings"] = zero_shot_predictor()
        if fp32_dir is not None and fp32_dir.is_dir():
            systems["torch_fp32"] = fp32_predictor(fp32_dir)
    return systems


def _score_set(examples: list[Example], systems: dict[str, Predictor]) -> dict[str, Any]:
    texts = [example.text for example in examples]
    gold = [example.label for example in examples]
    unambiguous = [i for i, example in enumerate(examples) if example.unambiguous]
    phenomena = sorted({example.phenomenon for example in examples if example.phenomenon})
    result: dict[str, Any] = {"examples": len(examples), "systems": {}}
    for name, predict in systems.items():
        started = time.perf_counter()
        predicted = predict(texts)
        entry = {**score(gold, predicted), "seconds": round(time.perf_counter() - started, 2)}
        if len(unambiguous) < len(examples):
            clear = score([gold[i] for i in unambiguous], [predicted[i] for i in unambiguous])
            entry["unambiguous"] = {
                key: clear[key] for key in ("examples", "stance_macro_f1", "relevance_f1")
            }
        entry["accuracy_by_phenomenon"] = {
            phenomenon: round(
                sum(
                    p == g
                    for p, g, e in zip(predicted, gold, examples, strict=True)
                    if e.phenomenon == phenomenon
                )
                / sum(1 for e in examples if e.phenomenon == phenomenon),
                3,
            )
            for phenomenon in phenomena
        }
        result["systems"][name] = entry
    return result


def score_articles(articles: list[GoldArticle], systems: dict[str, Predictor]) -> dict[str, Any]:
    """Per system: scores over expected statements and stray candidates, found and false-alert counts."""
    gazetteer = load_gazetteer()
    found = [candidates(article, gazetteer) for article in articles]
    texts = [candidate.text for article_candidates in found for candidate in article_candidates]
    result: dict[str, Any] = {
        "articles": len(articles),
        "figurative_articles": sum(article.figurative for article in articles),
        "candidates": len(texts),
        "expected_statements": sum(len(article.statements) for article in articles),
        "expected_reaching_the_model": sum(map(reaching_the_model, articles, found)),
        "systems": {},
    }
    for name, predict in systems.items():
        started = time.perf_counter()
        labels = iter(predict(texts))
        pairs: list[tuple[str, str]] = []
        false_alarms = 0
        for article, article_candidates in zip(articles, found, strict=True):
            predicted = [next(labels) for _ in article_candidates]
            pairs += gold_and_predicted(article, article_candidates, predicted)
            if article.figurative:
                false_alarms += sum(label != IRRELEVANT for label in predicted)
        expected = [(gold, label) for gold, label in pairs if gold != IRRELEVANT]
        result["systems"][name] = {
            **score([gold for gold, _ in pairs], [label for _, label in pairs]),
            "expected_statements": len(expected),
            "found": sum(label != IRRELEVANT for _, label in expected),
            "found_with_right_stance": sum(gold == label for gold, label in expected),
            "alerts_on_figurative_articles": false_alarms,
            "seconds": round(time.perf_counter() - started, 2),
        }
    return result


def evaluate(model_dir: Path, split: str = "test", fp32_dir: Path | None = None) -> dict[str, Any]:
    """Score the int8 model and the baselines on a held-out split of the corpus, the blind set and
    the article-level gold sets."""
    held_out: list[Example] = SplitPlan.read().split(load_examples())[split]  # type: ignore[index]
    systems = _systems(model_dir, fp32_dir)
    onnx = systems["onnx_int8"]
    sentence_systems = {"onnx_int8": onnx, "lexicon_then_onnx_int8": lexicon_gated(onnx), **systems}
    sentence_sets = {f"corpus_{split}": held_out}
    if BLIND_FILE.is_file():
        sentence_sets["blind"] = load_blind()
    sets = {name: _score_set(examples, sentence_systems) for name, examples in sentence_sets.items()}
    for name, path in ARTICLE_GOLD_FILES.items():
        sets[name] = score_articles(load_gold_articles(path), systems)
    return {"systems": {name: SYSTEMS[name] for name in sentence_systems}, "sets": sets}


def render(report: dict[str, Any]) -> str:
    """Plain text: what each system is, then per set a headline table and each system's per-label
    scores and confusion matrix."""
    lines = ["systems:", *(f"  {name:<24}{description}" for name, description in report["systems"].items())]
    for set_name, scored in report["sets"].items():
        lines += ["", *(_render_articles if "articles" in scored else _render_sentences)(set_name, scored)]
        lines += _render_details(scored)
    return "\n".join(lines)


def _render_sentences(set_name: str, scored: dict[str, Any]) -> list[str]:
    lines = [f"### {set_name}: {scored['examples']} sentences", ""]
    lines.append(
        f"{'system':<24}{'stance macro-F1':>16}{'relevance F1':>14}{'accuracy':>10}{'unambiguous':>14}"
    )
    for name, result in scored["systems"].items():
        clear = result.get("unambiguous")
        clear_text = f"{clear['stance_macro_f1']:.3f}/{clear['relevance_f1']:.3f}" if clear else ""
        lines.append(
            f"{name:<24}{result['stance_macro_f1']:>16.3f}{result['relevance_f1']:>14.3f}"
            f"{result['accuracy']:>10.3f}{clear_text:>14}"
        )
    return lines


def _render_articles(set_name: str, scored: dict[str, Any]) -> list[str]:
    lines = [
        f"### {set_name}: {scored['articles']} articles ({scored['figurative_articles']} figurative), "
        f"{scored['candidates']} candidate statements after the lexicon and the armed-conflict gate; "
        f"{scored['expected_reaching_the_model']} of the {scored['expected_statements']} expected statements "
        "reach the model",
        "scored over the expected statements (a missed one counts as irrelevant) and stray candidates",
        "",
        f"{'system':<24}{'stance macro-F1':>16}{'relevance F1':>14}{'found':>10}{'right stance':>14}"
        f"{'figurative alerts':>19}",
    ]
    for name, result in scored["systems"].items():
        expected = result["expected_statements"]
        lines.append(
            f"{name:<24}{result['stance_macro_f1']:>16.3f}{result['relevance_f1']:>14.3f}"
            f"{result['found']:>6}/{expected:<3}{result['found_with_right_stance']:>10}/{expected:<3}"
            f"{result['alerts_on_figurative_articles']:>19}"
        )
    return lines


def _render_details(scored: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name, result in scored["systems"].items():
        lines += ["", f"== {name}", f"{'label':<13}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"]
        for label, row in result["per_label"].items():
            lines.append(
                f"{label:<13}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>9}"
            )
        matrix = result["confusion_matrix"]
        lines.append(
            "confusion (rows gold, columns predicted): " + " ".join(label[:4] for label in matrix["labels"])
        )
        for label, row in zip(matrix["labels"], matrix["rows_gold_columns_predicted"], strict=True):
            lines.append(f"  {label:<12}" + "".join(f"{cell:>5}" for cell in row))
        if result.get("accuracy_by_phenomenon"):
            lines.append(
                "accuracy by phenomenon: "
                + ", ".join(
                    f"{phenomenon} {accuracy:.2f}"
                    for phenomenon, accuracy in result["accuracy_by_phenomenon"].items()
                )
            )
    return [*lines, ""]
