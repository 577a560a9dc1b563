"""Sentences per second of the bundled stance model with ONNX Runtime, as the job runs it.

Runs on the runtime install (ONNX Runtime and tokenizers, no torch). Rows:

- ``onnx_int8_per_sentence``: ``OnnxStanceClassifier.classify``, one session call per sentence,
  which is how the job scores statements (so a sentence's scores never depend on its batch);
- ``onnx_int8_batch<N>_padded``: the same session fed padded batches, what batching would gain.

When torch and the fp32 model from ``ceasefire-watch train`` (``build/stance-fp32``) are both
present, torch fp32 rows are added for comparison; otherwise they are skipped and the report says
why.

    .venv/bin/python benchmarks/model_speed.py --sentences 512
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections.abc import Callable

import numpy as np

from ceasefire_watch.config import BUNDLED_MODEL_DIR
from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.model.corpus import FP32_DIR, load_examples

Batch = Callable[[list[str]], object]


def sentences_per_second(run_batch: Batch, texts: list[str], batch_size: int) -> float:
    run_batch(texts[:batch_size])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        run_batch(texts[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def onnx_padded(classifier: OnnxStanceClassifier) -> Batch:
    """Padded batches through the classifier's own tokenizer and session."""
    tokenizer, session = classifier._tokenizer, classifier._session
    max_length = classifier.metadata.max_length

    def run(batch: list[str]) -> object:
        encoded = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="np")
        return session.run(["logits"], {k: np.asarray(v, dtype=np.int64) for k, v in encoded.items()})

    return run


def torch_fp32(threads: int, max_length: int) -> Batch:
    """The fp32 model the int8 export was made from, in torch (needs the ``train`` extra)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(FP32_DIR)
    model = AutoModelForSequenceClassification.from_pretrained(FP32_DIR).eval()

    def run(batch: list[str]) -> object:
        with torch.no_grad():
            encoded = tokenizer(
                batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            )
            return model(**encoded).logits

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32, help="for the padded-batch rows")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (the job uses 1)")
    args = parser.parse_args()
    texts = [example.text for example in load_examples()][: args.sentences]

    classifier = OnnxStanceClassifier(BUNDLED_MODEL_DIR, intra_op_threads=args.threads)
    results: dict[str, object] = {
        "model": f"{classifier.metadata.name} {classifier.metadata.version}",
        "sentences": len(texts),
        "threads": args.threads,
        "onnx_int8_per_sentence": sentences_per_second(classifier.classify, texts, 1),
        f"onnx_int8_batch{args.batch_size}_padded": sentences_per_second(
            onnx_padded(classifier), texts, args.batch_size
        ),
    }
    if importlib.util.find_spec("torch") is None:
        results["torch_fp32"] = "skipped: torch is not installed (the train extra)"
    elif not FP32_DIR.is_dir():
        results["torch_fp32"] = f"skipped: no fp32 model at {FP32_DIR} (run ceasefire-watch train)"
    else:
        run_torch = torch_fp32(args.threads, classifier.metadata.max_length)
        results["torch_fp32_batch1"] = sentences_per_second(run_torch, texts, 1)
        results[f"torch_fp32_batch{args.batch_size}_padded"] = sentences_per_second(
            run_torch, texts, args.batch_size
        )
    rounded = {
        name: round(value, 1) if isinstance(value, float) else value for name, value in results.items()
    }
    print(json.dumps(rounded, indent=2))


if __name__ == "__main__":
    main()
