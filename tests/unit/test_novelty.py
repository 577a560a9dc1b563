"""StatementMemory: syndicated repeats share a statement id; a changed stance is a shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ceasefire_watch.novelty import Sighting, StatementMemory

T0 = datetime(2025, 3, 13, 10, tzinfo=UTC)
QUOTE = (
    "“We accept the ceasefire and will respect it fully,” Colonel Amir Haddad told reporters in Port Sudan."
)


def sighting(
    alert_id: str,
    text: str = QUOTE,
    source: str = "Wire A",
    minutes: int = 0,
    stance: str = "support",
    article: str | None = None,
    confidence: float = 0.95,
):
    """A sighting from its own article unless ``article`` names one."""
    published = T0 + timedelta(minutes=minutes)
    article_id = article or f"article-{alert_id}"
    return Sighting(alert_id, text, source, published, "Amir Haddad", "sudan", stance, article_id, confidence)


class TestRepeats:
    def test_syndicated_copy_shares_the_statement_id(self):
        """A copy with other quote marks and attribution from another outlet is a repeat of the first."""
        memory = StatementMemory()
        first = memory.observe(sighting("a1"))
        copy = (
            '"We accept the ceasefire and will respect it fully," Colonel Amir Haddad told reporters '
            "in Port Sudan on Friday."
        )
        second = memory.observe(sighting("a2", copy, "Wire B", minutes=5))
        assert not first.repeat
        assert second.repeat
        assert second.statement_id == first.statement_id == "a1"
        assert (second.sources, second.first_seen) == (2, T0)

    def test_different_statement_is_new(self):
        """A statement with different words gets its own id."""
        memory = StatementMemory()
        memory.observe(sighting("a1"))
        other = memory.observe(
            sighting("a2", "The army said it had begun pulling heavy guns back from the front.", minutes=5)
        )
        assert not other.repeat
        assert other.statement_id == "a2"

    def test_replayed_alert_gets_its_earlier_answer(self):
        """Observing the same alert id again returns exactly the first answer."""
        memory = StatementMemory()
        memory.observe(sighting("a1"))
        answer = memory.observe(sighting("a2", source="Wire B", minutes=5))
        assert memory.observe(sighting("a2", source="Wire B", minutes=5)) == answer


class TestStanceShifts:
    def test_changed_stance_of_same_speaker_and_conflict_is_a_shift(self):
        """A later statement with another stance names the previous one."""
        memory = StatementMemory()
        memory.observe(sighting("a1"))
        refusal = "“There will be no truce while the RSF shells El Fasher,” Amir Haddad said."
        answer = memory.observe(sighting("a2", refusal, minutes=120, stance="oppose"))
        assert answer.previous is not None
        assert (answer.previous.alert_id, answer.previous.stance) == ("a1", "support")

    def test_same_stance_is_not_a_shift(self):
        """Restating the same position is not a shift."""
        memory = StatementMemory()
        memory.observe(sighting("a1"))
        again = memory.observe(
            sighting("a2", "The army will keep to the truce, Amir Haddad said.", minutes=60)
        )
        assert again.previous is None

    def test_two_statements_of_one_article_are_no_shift(self):
        """Another sentence of the same speech is not a change of mind."""
        memory = StatementMemory()
        memory.observe(sighting("a1", article="speech"))
        refusal = "“There will be no truce while the RSF shells El Fasher,” Amir Haddad said."
        answer = memory.observe(sighting("a2", refusal, minutes=1, stance="oppose", article="speech"))
        assert answer.previous is None

    def test_neutral_statements_carry_no_position(self):
        """support, then neutral, then support again: no shift at all, neutral holds no position."""
        memory = StatementMemory()
        memory.observe(sighting("a1"))
        report = "The truce took effect at midnight, Amir Haddad said, and the front was quiet."
        assert memory.observe(sighting("a2", report, minutes=60, stance="neutral")).previous is None
        again = "“We stand by the ceasefire we signed last week,” Amir Haddad said on Sunday."
        assert memory.observe(sighting("a3", again, minutes=120)).previous is None

    def test_a_shift_needs_confident_statements(self):
        """A position held with less than the configured confidence is neither side of a shift."""
        memory = StatementMemory(shift_min_confidence=0.8)
        memory.observe(sighting("a1"))
        refusal = "“There will be no truce while the RSF shells El Fasher,” Amir Haddad said."
        assert (
            memory.observe(sighting("a2", refusal, minutes=60, stance="oppose", confidence=0.6)).previous
            is None
        )
        assert (
            memory.observe(
                sighting(
                    "a3",
                    "The army will press on with its offensive and rejects the truce, Amir Haddad said.",
                    minutes=90,
                    stance="oppose",
                )
            ).previous
            is not None
        )
