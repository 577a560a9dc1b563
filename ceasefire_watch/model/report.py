"""``evaluate``: the bundled int8 model against baselines on the held-out corpus split and the blind set."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.model.baselines import keyword_rule_label
from ceasefire_watch.model.corpus import BLIND_FILE, Example, SplitPlan, load_blind, load_examples
from ceasefire_watch.model.evaluation import Predictor, score
from ceasefire_watch.records import IRRELEVANT
from ceasefire_watch.text.lexicon import ceasefire_terms


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
    onnx = onnx_predictor(model_dir)
    systems: dict[str, Predictor] = {
        "onnx_int8": onnx,
        "lexicon_then_onnx_int8": lexicon_gated(onnx),
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


def evaluate(model_dir: Path, split: str = "test", fp32_dir: Path | None = None) -> dict[str, Any]:
    """Score the int8 model and the baselines on a held-out split of the corpus and on the blind set."""
    held_out: list[Example] = SplitPlan.read().split(load_examples())[split]  # type: ignore[index]
    systems = _systems(model_dir, fp32_dir)
    sets = {f"corpus_{split}": held_out}
    if BLIND_FILE.is_file():
        sets["blind"] = load_blind()
    return {"sets": {name: _score_set(examples, systems) for name, examples in sets.items()}}


def render(report: dict[str, Any]) -> str:
    """Plain text per set: a headline table, then each system's per-label scores and confusion matrix."""
    lines: list[str] = []
    for set_name, scored in report["sets"].items():
        lines += _render_set(set_name, scored)
    return "\n".join(lines)


def _render_set(set_name: str, scored: dict[str, Any]) -> list[str]:
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
        if result["accuracy_by_phenomenon"]:
            lines.append(
                "accuracy by phenomenon: "
                + ", ".join(
                    f"{phenomenon} {accuracy:.2f}"
                    for phenomenon, accuracy in result["accuracy_by_phenomenon"].items()
                )
            )
    return [*lines, ""]
