"""The reference article as the project retells it in ``data/samples`` (sample-001).

Tests use this retelling, not ``../shared/seed-article.txt``, so they pass on a clone without it.
"""

import json
from pathlib import Path

_SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples" / "articles.jsonl"

REFERENCE_ARTICLE: str = next(
    document["text"]
    for document in map(json.loads, _SAMPLES.read_text("utf-8").splitlines())
    if document["id"] == "sample-001"
)
