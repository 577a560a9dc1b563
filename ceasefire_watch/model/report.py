"""``evaluate``: the bundled int8 model against baselines on the held-out test split."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.model.baselines import keyword_rule_label
from ceasefire_watch.model.corpus import Example, SplitPlan, load_examples
from ceasefire_watch.model.evaluation import Predictor, score
from ceasefire_watch.records import IRRELEVANT


def onnx_predictor(model_dir: Path) -> Predictor:
    classifier = OnnxStanceClassifier(model_dir)

    def predict(texts: list[str]) -> list[str]:
        labels: list[str] = []
        for start in range(0, len(texts), 32):
            labels += [s.stance or IRRELEVANT for s in classifier.classify(texts[start : start + 32])]
        return labels

    return predict


def evaluate(model_dir: Path, split: str = "test", fp32_dir: Path | None = None) -> dict[str, Any]:
    """Score the int8 model and each available baseline on one split of the corpus."""
    examples: list[Example] = SplitPlan.read().split(load_examples())[split]  # type: ignore[index]
    texts = [example.text for example in examples]
    gold = [example.label for example in examples]
    systems: dict[str, Predictor] = {
        "onnx_int8": onnx_predictor(model_dir),
        "keyword_rules": lambda batch: [keyword_rule_label(text) for text in batch],
    }
    if importlib.util.find_spec("torch") is not None:
        from ceasefire_watch.model.torch_baselines import fp32_predictor, zero_shot_predictor

        systems["zero_shot_embeddings"] = zero_shot_predictor()
        if fp32_dir is not None and fp32_dir.is_dir():
            systems["torch_fp32"] = fp32_predictor(fp32_dir)
    report: dict[str, Any] = {"split": split, "examples": len(examples), "systems": {}}
    for name, predict in systems.items():
        started = time.perf_counter()
        predicted = predict(texts)
        report["systems"][name] = {
            **score(gold, predicted),
            "seconds": round(time.perf_counter() - started, 2),
        }
    return report


def render(report: dict[str, Any]) -> str:
    """Plain text: a headline table, then each system's per-label scores and confusion matrix."""
    lines = [f"split={report['split']} examples={report['examples']}", ""]
    lines.append(f"{'system':<22}{'stance macro-F1':>16}{'relevance F1':>14}{'accuracy':>10}")
    for name, result in report["systems"].items():
        lines.append(
            f"{name:<22}{result['stance_macro_f1']:>16.3f}{result['relevance_f1']:>14.3f}{result['accuracy']:>10.3f}"
        )
    for name, result in report["systems"].items():
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
    return "\n".join(lines)
