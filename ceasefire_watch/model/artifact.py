"""What a bundled model folder contains, and how the runtime reads it without torch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from ceasefire_watch.records import StanceScores

METADATA_FILE = "ceasefire_model.json"
ONNX_FILE = "model.int8.onnx"


@dataclass(frozen=True)
class ModelMetadata:
    """Identity and label order of a model, stored beside its weights in ceasefire_model.json."""

    name: str
    version: str
    labels: tuple[str, ...]
    max_length: int

    @classmethod
    def read(cls, model_dir: Path) -> ModelMetadata:
        path = model_dir / METADATA_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: {model_dir} is not a ceasefire-watch model folder")
        raw = json.loads(path.read_text("utf-8"))
        return cls(
            name=raw["name"],
            version=raw["version"],
            labels=tuple(raw["labels"]),
            max_length=raw["max_length"],
        )

    def write(self, model_dir: Path) -> None:
        document = {
            "name": self.name,
            "version": self.version,
            "labels": list(self.labels),
            "max_length": self.max_length,
        }
        (model_dir / METADATA_FILE).write_text(json.dumps(document, indent=2) + "\n", "utf-8")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exponentials = np.exp(shifted)
    result: np.ndarray = exponentials / exponentials.sum(axis=-1, keepdims=True)
    return result


class OnnxStanceClassifier:
    """Tokenizer plus ONNX Runtime session: texts in, StanceScores out."""

    def __init__(self, model_dir: Path, intra_op_threads: int = 1) -> None:
        self.metadata = ModelMetadata.read(model_dir)
        self._tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(str(model_dir))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        self._session = onnxruntime.InferenceSession(
            str(model_dir / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {node.name for node in self._session.get_inputs()}

    def classify(self, texts: list[str]) -> list[StanceScores]:
        """Score each text on its own.

        Dynamic int8 quantisation picks activation scales per call, so a sentence scored inside
        a batch would get slightly different probabilities depending on its neighbours and their
        padding. One call per sentence makes a replayed article get exactly the same alerts.
        """
        return [self._classify_one(text) for text in texts]

    def _classify_one(self, text: str) -> StanceScores:
        encoded = self._tokenizer(
            [text], truncation=True, max_length=self.metadata.max_length, return_tensors="np"
        )
        feeds = {
            name: np.asarray(value, dtype=np.int64)
            for name, value in encoded.items()
            if name in self._input_names
        }
        (logits,) = self._session.run(["logits"], feeds)
        probabilities = softmax(np.asarray(logits, dtype=np.float64))[0]
        return StanceScores(
            {label: round(float(p), 6) for label, p in zip(self.metadata.labels, probabilities, strict=True)}
        )
