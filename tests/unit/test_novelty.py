"""StatementMemory: syndicated repeats share a statement id; a changed stance is a shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ceasefire_watch.novelty import Sighting, StatementMemory

T0 = datetime(2025, 3, 13, 10, tzinfo=UTC)
QUOTE = (
    "“We accept the ceasefire and will respect it fully,” Colonel Amir Haddad told reporters in Port Sudan."
)


def sighting(
    alert_id: str, text: str = QUOTE, source: str = "Wire A", minutes: int = 0, stance: str = "support"
):
    return Sighting(alert_id, text, source, T0 + timedelta(minutes=minutes), "Amir Haddad", "sudan", stance)


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
