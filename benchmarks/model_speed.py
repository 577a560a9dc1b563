"""Sentences per second of the stance model: ONNX int8 (the runtime) and torch fp32, batch 1 and 32.

Needs the ``train`` extra for the torch rows and ``build/stance-fp32`` from ``ceasefire-watch train``.

    .venv/bin/python benchmarks/model_speed.py --sentences 512
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np

from ceasefire_watch.config import BUNDLED_MODEL_DIR
from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.model.corpus import FP32_DIR, load_examples


def sentences_per_second(
    run_batch: Callable[[list[str]], object], texts: list[str], batch_size: int
) -> float:
    run_batch(texts[:batch_size])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        run_batch(texts[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads for both runtimes")
    args = parser.parse_args()
    texts = [example.text for example in load_examples()][: args.sentences]
    results: dict[str, float] = {}

    onnx = OnnxStanceClassifier(BUNDLED_MODEL_DIR, intra_op_threads=args.threads)
    encode = onnx._tokenizer  # the same tokenizer, to time padded batches through the same session
    session = onnx._session

    def onnx_batched(batch: list[str]) -> object:
        encoded = encode(batch, padding=True, truncation=True, max_length=96, return_tensors="np")
        return session.run(["logits"], {k: np.asarray(v, dtype=np.int64) for k, v in encoded.items()})

    results["onnx_int8_batch1_per_sentence_calls"] = sentences_per_second(onnx.classify, texts, 1)
    results["onnx_int8_batch32_padded"] = sentences_per_second(onnx_batched, texts, 32)

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(FP32_DIR)
    model = AutoModelForSequenceClassification.from_pretrained(FP32_DIR).eval()

    def torch_batched(batch: list[str]) -> object:
        with torch.no_grad():
            return model(
                **tokenizer(batch, padding=True, truncation=True, max_length=96, return_tensors="pt")
            ).logits

    results["torch_fp32_batch1"] = sentences_per_second(torch_batched, texts, 1)
    results["torch_fp32_batch32"] = sentences_per_second(torch_batched, texts, 32)
    print(json.dumps({name: round(value, 1) for name, value in results.items()}, indent=2))


if __name__ == "__main__":
    main()
