"""The bundled stance model, loaded offline from the repository, and the commands built on it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ceasefire_watch.config import BUNDLED_MODEL_DIR
from ceasefire_watch.model.artifact import ONNX_FILE, OnnxStanceClassifier
from ceasefire_watch.records import IRRELEVANT
from tests.integration.harness import REPO_ROOT, cli
from tests.reference import REFERENCE_ARTICLE

pytestmark = pytest.mark.integration

FIXED = REPO_ROOT / "tests" / "data" / "fixed_sentences.jsonl"


@pytest.fixture(scope="module")
def classifier() -> OnnxStanceClassifier:
    return OnnxStanceClassifier(BUNDLED_MODEL_DIR)


def test_model_is_small_and_loads_offline(monkeypatch, classifier):
    """The int8 model is at most 30 MB and loads with every hub access disabled."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert (BUNDLED_MODEL_DIR / ONNX_FILE).stat().st_size <= 30 * 1024 * 1024
    assert OnnxStanceClassifier(BUNDLED_MODEL_DIR).metadata.labels == classifier.metadata.labels


def test_fixed_sentences_get_their_expected_labels(classifier):
    """Of twenty hand-written sentences, four of each label, at most one is misclassified.

    Model 1.2.0 reads f10 ("no truce with terrorists", with no war named) as irrelevant rather than
    oppose; the model card lists it. Every other sentence keeps its label.
    """
    rows = [json.loads(line) for line in FIXED.read_text("utf-8").splitlines()]
    predicted = [scores.stance or IRRELEVANT for scores in classifier.classify([row["text"] for row in rows])]
    wrong = [row["id"] for row, label in zip(rows, predicted, strict=True) if label != row["label"]]
    assert wrong in ([], ["f10"])


def test_reference_key_sentence_is_conditional(classifier):
    """The seed article's 'we agree, but ... root causes' sentence is classified conditional."""
    key = next(line for line in REFERENCE_ARTICLE.splitlines() if "We agree with the proposal" in line)
    (scores,) = classifier.classify([key.strip()])
    assert scores.stance == "conditional"
    assert sum(scores.scores.values()) == pytest.approx(1.0, abs=1e-4)


def test_classify_command_writes_one_prediction_per_line(tmp_path: Path):
    """`classify` reads {id, text} lines, ignores extra fields and writes {id, relevant, stance, scores}."""
    output = tmp_path / "predictions.jsonl"
    subprocess.run(cli("classify", "--input", str(FIXED), "--output", str(output)), check=True, cwd=REPO_ROOT)
    predictions = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert [p["id"] for p in predictions] == [f"f{i:02d}" for i in range(1, 21)]
    assert all(set(p) == {"id", "relevant", "stance", "scores"} for p in predictions)
    assert all(p["relevant"] == (p["stance"] is not None) for p in predictions)


def test_evaluate_command_reports_the_test_split_the_blind_set_and_the_gold_articles(tmp_path: Path):
    """`evaluate` scores the model and named baselines on held-out split, blind set and gold articles."""
    output = tmp_path / "evaluation.json"
    completed = subprocess.run(
        cli("evaluate", "--output", str(output)), check=True, cwd=REPO_ROOT, capture_output=True, text=True
    )
    report = json.loads(output.read_text("utf-8"))
    assert set(report["sets"]) == {"corpus_test", "blind", "articles_gold", "articles_blind"}
    assert {"onnx_int8", "lexicon_then_onnx_int8", "keyword_rules"} <= set(report["systems"])
    held_out, blind = report["sets"]["corpus_test"], report["sets"]["blind"]
    assert {"onnx_int8", "lexicon_then_onnx_int8", "keyword_rules"} <= set(held_out["systems"])
    assert held_out["systems"]["onnx_int8"]["stance_macro_f1"] >= 0.85
    assert held_out["systems"]["onnx_int8"]["relevance_f1"] >= 0.95
    assert blind["examples"] >= 400
    assert "refusal_as_carrying_on" in blind["systems"]["onnx_int8"]["accuracy_by_phenomenon"]
    articles = report["sets"]["articles_blind"]
    assert articles["figurative_articles"] >= 1
    model = articles["systems"]["onnx_int8"]
    assert model["alerts_on_figurative_articles"] == 0
    assert 0 < model["found_with_right_stance"] <= model["found"] <= model["expected_statements"]
    matrix = model["confusion_matrix"]["rows_gold_columns_predicted"]
    assert sum(map(sum, matrix)) >= model["expected_statements"]
    assert "keyword_rules" in articles["systems"]
    assert "### blind" in completed.stdout and "### articles_gold" in completed.stdout
    assert "confusion" in completed.stdout
