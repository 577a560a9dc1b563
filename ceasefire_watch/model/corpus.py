"""The labelled stance corpus under data/corpus and its split by conflict.

Splitting by conflict (not by sentence) makes the test score a measure of wars the model
has never seen, which is the situation the tool meets in production.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ceasefire_watch.records import LABELS

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The source checkout: the corpus and its split are development data, not shipped in the wheel."""
CORPUS_DIR = REPO_ROOT / "data" / "corpus"
SPLITS_FILE = REPO_ROOT / "data" / "splits.json"
BLIND_FILE = REPO_ROOT / "data" / "blind" / "stance-sentences.jsonl"
"""Sentences in wire style written apart from the corpus, from a list of phenomena: never trained on."""
ARTICLE_GOLD_FILES = {
    "articles_gold": REPO_ROOT / "data" / "eval" / "statements-gold.jsonl",
    "articles_blind": REPO_ROOT / "data" / "blind" / "attribution-articles.jsonl",
}
"""Whole articles with every expected statement and its stance; the blind ones were written apart."""
FP32_DIR = REPO_ROOT / "build" / "stance-fp32"
"""Where `train` leaves the fp32 torch model that `evaluate` compares with the int8 export."""
NO_CONFLICT = "none"
Split = Literal["train", "dev", "test"]


@dataclass(frozen=True)
class Example:
    """One labelled sentence."""

    id: str
    text: str
    conflict: str
    label: str
    note: str
    phenomenon: str = ""
    unambiguous: bool = True


def load_examples(corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """Every row of every JSONL file in the corpus folder, validated, in a stable order."""
    examples: list[Example] = []
    for path in sorted(corpus_dir.glob("*.jsonl")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["label"] not in LABELS:
                raise ValueError(f"{path}:{number}: unknown label {row['label']!r}")
            examples.append(
                Example(row["id"], row["text"], row["conflict"], row["label"], row.get("note", ""))
            )
    seen: set[str] = set()
    for example in examples:
        if example.id in seen:
            raise ValueError(f"duplicate corpus id {example.id}")
        seen.add(example.id)
    return examples


def load_blind(path: Path = BLIND_FILE) -> list[Example]:
    """The blind test set: each line's label, the phenomenon it tests and whether it is unambiguous."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [
        Example(
            row["id"],
            row["text"],
            row["conflict"],
            row["label"],
            row.get("note", ""),
            row.get("phenomenon", ""),
            bool(row.get("unambiguous", True)),
        )
        for row in rows
    ]


def _hash_fraction(text: str) -> float:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF


@dataclass(frozen=True)
class SplitPlan:
    """Which conflicts are held out, as written in data/splits.json."""

    test_conflicts: frozenset[str]
    dev_conflicts: frozenset[str]
    unassigned_test_share: float
    unassigned_dev_share: float

    @classmethod
    def read(cls, path: Path = SPLITS_FILE) -> SplitPlan:
        raw = json.loads(path.read_text("utf-8"))
        return cls(
            test_conflicts=frozenset(raw["test"]),
            dev_conflicts=frozenset(raw["dev"]),
            unassigned_test_share=raw["unassigned_share"]["test"],
            unassigned_dev_share=raw["unassigned_share"]["dev"],
        )

    def split_of(self, example: Example) -> Split:
        """Held-out conflicts go to test or dev; conflict-free sentences by a stable hash of the id."""
        if example.conflict == NO_CONFLICT:
            fraction = _hash_fraction(example.id)
            if fraction < self.unassigned_test_share:
                return "test"
            return "dev" if fraction < self.unassigned_test_share + self.unassigned_dev_share else "train"
        if example.conflict in self.test_conflicts:
            return "test"
        return "dev" if example.conflict in self.dev_conflicts else "train"

    def split(self, examples: Iterable[Example]) -> dict[Split, list[Example]]:
        result: dict[Split, list[Example]] = {"train": [], "dev": [], "test": []}
        for example in examples:
            result[self.split_of(example)].append(example)
        return result
