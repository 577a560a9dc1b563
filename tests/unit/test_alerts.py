"""BuildAlerts and BuildDeadLetters: documents that match the published schemas, with stable ids."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from ceasefire_watch import schemas
from ceasefire_watch.alerts import (
    alert_id,
    build_alert,
    build_dead_letter,
    build_stance_shift,
    sighting_of,
    stance_shift_id,
)
from ceasefire_watch.novelty import Novelty, Sighting
from ceasefire_watch.records import (
    Article,
    ClassifiedStatement,
    DeadLetter,
    SourceRecord,
    Speaker,
    StanceScores,
    Statement,
)
from ceasefire_watch.text.conditions import extract_conditions

NOW = datetime(2025, 3, 13, 18, 6, tzinfo=UTC)
ARTICLE = Article(
    "a-1",
    "https://e.org/1",
    "T",
    "We agree, but. Later.",
    "Wire",
    datetime(2025, 3, 13, 18, tzinfo=UTC),
    None,
)
NEW = Novelty("f" * 32, datetime(2025, 3, 13, 17, tzinfo=UTC), 2, True)
SCORES = StanceScores(
    {"irrelevant": 0.05, "support": 0.1, "conditional": 0.7, "oppose": 0.05, "neutral": 0.1}
)


def classified(version: str = "1.0.0", speaker: Speaker | None = None) -> ClassifiedStatement:
    statement = Statement(
        ARTICLE,
        "We agree, but only if the shelling stops.",
        0,
        41,
        0,
        "",
        "Later.",
        ("truce",),
        speaker=speaker or Speaker("Amal Haddad", "person", "Example Army"),
        conflict="yemen",
    )
    return ClassifiedStatement(statement, SCORES, "stance-model", version)


class TestAlertId:
    def test_is_stable_for_the_same_article_span_and_model(self):
        """Known inputs give the ids subscribers and the history rebuild already hold; they never change."""
        assert alert_id("a-1", 0, 14, "1") == "385d71379c793fed59b91f7eea6c6d6d"
        assert alert_id("sample-001", 729, 937, "1.1.0") == "10423ab767c1ef6eed7d16c4414acd0f"

    def test_stance_shift_ids_are_pinned(self):
        """A stance shift's id is fixed by the two statements it joins."""
        shift = stance_shift_id("978a115633f0506e9ec6b437874503a5", "10423ab767c1ef6eed7d16c4414acd0f")
        assert shift == "df56ed2f24ab6ef4f0d143802d81bdc6"

    def test_changes_with_span_article_or_model(self):
        """A different span, article or model version gives a different id."""
        ids = {
            alert_id("a-1", 0, 14, "1"),
            alert_id("a-1", 0, 15, "1"),
            alert_id("a-2", 0, 14, "1"),
            alert_id("a-1", 0, 14, "2"),
        }
        assert len(ids) == 4


class TestBuildAlert:
    def test_matches_the_alert_schema(self):
        """An alert validates against alert.schema.json."""
        alert = build_alert(classified(), NEW, extract_conditions(classified().statement.text), NOW)
        schemas.validator(schemas.ALERT).validate(alert)
        assert alert["stance"]["label"] == "conditional"
        assert alert["speaker"] == {"name": "Amal Haddad", "type": "person", "speaks_for": "Example Army"}
        assert alert["conflict"] == "yemen"
        assert alert["conditions"] == ["the shelling stops"]
        assert (alert["statement_id"], alert["sources"], alert["repeat"]) == ("f" * 32, 2, True)
        assert alert["published_at"] == "2025-03-13T18:00:00.000Z"
        assert alert["detected_at"] == "2025-03-13T18:06:00.000Z"

    def test_a_joint_speaker_lists_its_parties(self):
        """A joint speaker validates against the schema and names each party with whom it speaks for."""
        parties = (Speaker("Israel", "state", "Israel"), Speaker("Hezbollah", "organisation", "Hezbollah"))
        joint = Speaker("Israel and Hezbollah", "joint", None, parties)
        alert = build_alert(classified(speaker=joint), NEW, [], NOW)
        schemas.validator(schemas.ALERT).validate(alert)
        assert alert["speaker"]["type"] == "joint"
        assert alert["speaker"]["parties"] == [
            {"name": "Israel", "speaks_for": "Israel"},
            {"name": "Hezbollah", "speaks_for": "Hezbollah"},
        ]

    def test_id_depends_on_model_version(self):
        """Re-classifying with a new model version yields a new alert id."""
        assert (
            build_alert(classified("1"), NEW, [], NOW)["alert_id"]
            != build_alert(classified("2"), NEW, [], NOW)["alert_id"]
        )


class TestBuildStanceShift:
    def test_matches_its_schema_and_names_both_statements(self):
        """A stance shift validates against its schema and carries the previous and the new statement."""
        previous = Sighting(
            "0" * 32,
            "We back the truce.",
            "Wire",
            datetime(2025, 3, 1, tzinfo=UTC),
            "Amal Haddad",
            "yemen",
            "support",
        )
        shift = build_stance_shift(previous, sighting_of(classified()), NOW)
        schemas.validator(schemas.STANCE_SHIFT).validate(shift)
        assert (shift["previous"]["stance"], shift["current"]["stance"]) == ("support", "conditional")
        assert shift["speaker"] == "Amal Haddad"


class TestBuildDeadLetter:
    def test_keeps_original_bytes_and_coordinates(self):
        """A dead letter validates against its schema and carries the exact original bytes."""
        source = SourceRecord(b"\xff\x00 not json", "articles", 2, 41, 1_700_000_000_000, b"k")
        document = build_dead_letter(DeadLetter("not_utf8", "bad byte", source), NOW)
        schemas.validator(schemas.DEAD_LETTER).validate(document)
        assert base64.b64decode(document["payload_base64"]) == source.payload
        assert document["source"] == {
            "topic": "articles",
            "partition": 2,
            "offset": 41,
            "timestamp_ms": 1_700_000_000_000,
            "key_base64": base64.b64encode(b"k").decode(),
        }


class TestStanceScores:
    def test_irrelevant_majority_means_no_stance(self):
        """When 'irrelevant' has at least half the probability, there is no stance."""
        scores = StanceScores(
            {"irrelevant": 0.6, "support": 0.4, "conditional": 0, "oppose": 0, "neutral": 0}
        )
        assert not scores.relevant
        assert scores.stance is None

    def test_stance_is_the_most_probable_non_irrelevant_label(self):
        """A relevant sentence's stance is its most probable stance label."""
        assert SCORES.relevant
        assert SCORES.stance == "conditional"
