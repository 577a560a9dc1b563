"""Positions: one per speaker and conflict in an article, with the codebook's rule for its stance."""

from __future__ import annotations

from datetime import UTC, datetime

from ceasefire_watch import schemas
from ceasefire_watch.alerts import alert_id_of, build_position, position_id
from ceasefire_watch.positions import positions_of
from ceasefire_watch.records import Article, ClassifiedStatement, Speaker, StanceScores, Statement

ARTICLE = Article("a-1", "u", "t", "x" * 400, "Wire", datetime(2025, 3, 13, 18, tzinfo=UTC), "en")
PUTIN = Speaker("Vladimir Putin", "person", "Russia")
ENVOY = Speaker("Steve Witkoff", "person", "United States")


def said(
    text: str,
    stance: str,
    confidence: float = 0.95,
    start: int = 0,
    speaker: Speaker | None = PUTIN,
    conflict: str | None = "russia-ukraine",
) -> ClassifiedStatement:
    scores = {label: 0.0 for label in ("irrelevant", "support", "conditional", "oppose", "neutral")}
    scores[stance] = confidence
    scores["neutral" if stance != "neutral" else "support"] = 1 - confidence
    statement = Statement(
        ARTICLE, text, start, start + len(text), 0, "", "", ("ceasefire",), speaker, conflict
    )
    return ClassifiedStatement(statement, StanceScores(scores), "stance-model", "1.0.0")


AGREE_BUT = said("“We agree with the ceasefire, but it must remove the root causes,” he said.", "conditional")
QUESTIONS = said("“Who will monitor the ceasefire along 2,000 km?” he asked.", "conditional", start=100)
WELCOME = said("Putin said he welcomed the idea of a ceasefire.", "support", 0.75, start=200)
REPORT = said("The truce proposal was drafted in Jeddah, Putin said.", "neutral", start=300)


class TestRules:
    def test_agreement_with_conditions_is_conditional_with_merged_conditions(self):
        """Conditional statements make a conditional position carrying every condition, in order."""
        (position,) = positions_of([QUESTIONS, REPORT, AGREE_BUT, WELCOME], min_confidence=0.8)
        assert (position.speaker, position.conflict, position.stance) == (
            PUTIN,
            "russia-ukraine",
            "conditional",
        )
        assert position.conditions[0] == "it must remove the root causes"
        assert "Who will monitor the ceasefire along 2,000 km" in position.conditions
        assert position.statements == (AGREE_BUT, QUESTIONS)

    def test_a_refusal_decides_a_tie(self):
        """A refusal as heavy as the acceptances makes the position oppose."""
        refusal = said("“There will be no truce until they withdraw,” Putin said.", "oppose", start=400)
        (position,) = positions_of([AGREE_BUT, refusal], min_confidence=0.8)
        assert (position.stance, position.conditions, position.strongest) == ("oppose", (), refusal)

    def test_one_weaker_refusal_does_not_outweigh_a_conditional_answer(self):
        """A single refusal lighter than the speaker's conditional statements leaves them conditional."""
        asides = said(
            "He asked what a truce would mean for the troops cut off in Kursk.", "oppose", 0.87, 400
        )
        (position,) = positions_of([AGREE_BUT, QUESTIONS, asides], min_confidence=0.8)
        assert (position.stance, position.statements) == ("conditional", (AGREE_BUT, QUESTIONS, asides))

    def test_neutral_unattributed_untagged_or_unsure_statements_form_no_position(self):
        """Only attributed, tagged support, conditional or oppose statements above the threshold count."""
        statements = [
            REPORT,
            WELCOME,
            said("We back the truce.", "support", speaker=None),
            said("We back the truce.", "support", conflict=None),
        ]
        assert positions_of(statements, min_confidence=0.8) == []

    def test_each_speaker_gets_a_position(self):
        """Two speakers on the same conflict in one article give two positions, in article order."""
        envoy = said("Witkoff said Washington backed the truce.", "support", start=500, speaker=ENVOY)
        positions = positions_of([envoy, AGREE_BUT], min_confidence=0.8)
        assert [(p.speaker.name, p.stance) for p in positions] == [
            ("Vladimir Putin", "conditional"),
            ("Steve Witkoff", "support"),
        ]


class TestDocument:
    def test_matches_the_position_schema(self):
        """A position document validates and names its statements, rule and strongest quote."""
        (position,) = positions_of([AGREE_BUT, QUESTIONS], min_confidence=0.8)
        document = build_position(position, datetime(2025, 3, 13, 18, 6, tzinfo=UTC))
        schemas.validator(schemas.POSITION).validate(document)
        assert document["stance"]["rule"] == "conditions_qualify_agreement"
        assert document["statement_alert_ids"] == [alert_id_of(AGREE_BUT), alert_id_of(QUESTIONS)]
        assert document["strongest_quote"]["alert_id"] == alert_id_of(AGREE_BUT)

    def test_position_ids_are_pinned(self):
        """A position's id is fixed by article, speaker (any case), conflict and model version."""
        expected = "f11e88eac82fcd312d7101df91d59643"
        assert position_id("sample-001", "Vladimir Putin", "russia-ukraine", "1.1.0") == expected
        assert position_id("sample-001", "VLADIMIR PUTIN", "russia-ukraine", "1.1.0") == expected
