"""The table look-up that replaces the model's attribute ruler gives the same tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ceasefire_watch.text.speakers import MODEL_NAME, SpeakerAttributor

# Our own sentences, with the ruler's rarer cases: contractions, two-token patterns, auxiliaries as
# main verbs, determiners standing alone, `it` as an object, a space token.
SENTENCES = [
    "Fighting ain't over, the commander said, and we're gonna hold the line till they stop.",
    "Let's be clear: y'all know nothin' has changed since the truce was signed.",
    "There is no ceasefire, and there were none before it either.",
    "The army did what it promised; that was the deal, and those who broke it will answer.",
    "He has a plan.  She does, too, whether or not the talks resume.",
    "I'd say Kyiv isn't ready, the envoy told me, but Moscow hasn't said why it rejected it.",
    "Hamas said it had accepted the proposal.\nIsrael: no truce without the hostages",
]
V3 = Path(__file__).resolve().parents[2] / "data" / "blind" / "attribution-articles-v3.jsonl"


@pytest.fixture(scope="module")
def pipelines() -> tuple[Language, Language]:
    ruler_pipeline = spacy.load(MODEL_NAME, exclude=["senter"])
    ruler_pipeline.add_pipe("ceasefire_newline_boundaries", before="parser")
    return SpeakerAttributor()._nlp, ruler_pipeline


def _tokens(doc: Doc) -> list[tuple[object, ...]]:
    return [
        (t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_type_, t.is_sent_start)
        for t in doc
    ]


def test_the_lookup_replaces_the_ruler(pipelines: tuple[Language, Language]) -> None:
    """The attributor's pipeline has the look-up where the model had its attribute ruler."""
    lookup_pipeline, _ = pipelines
    assert "attribute_ruler" not in lookup_pipeline.pipe_names
    names = lookup_pipeline.pipe_names
    assert names.index("ceasefire_attribute_lookup") == names.index("parser") + 1


def test_same_tokens_as_the_ruler(pipelines: tuple[Language, Language]) -> None:
    """Tags, parts of speech, morphology, lemmas, dependencies and entities equal the ruler's."""
    lookup_pipeline, ruler_pipeline = pipelines
    texts = SENTENCES + [json.loads(line)["text"] for line in V3.read_text().splitlines()[:12]]
    for text, with_lookup, with_ruler in zip(
        texts, lookup_pipeline.pipe(texts), ruler_pipeline.pipe(texts), strict=True
    ):
        assert _tokens(with_lookup) == _tokens(with_ruler), text


def test_the_rarer_cases_are_applied(pipelines: tuple[Language, Language]) -> None:
    """The patterns left to the Matcher and those with exclusions take effect."""
    lookup_pipeline, _ = pipelines
    doc = lookup_pipeline(SENTENCES[0] + " " + SENTENCES[1])
    lemmas = {token.text: token.lemma_ for token in doc}
    assert lemmas["ai"] == "be"
    assert lemmas["gon"] == "go"
    assert lemmas["nothin'"] == "nothing"
