"""FindStatements: sentence splitting, the ceasefire lexicon and candidate statements."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ceasefire_watch.records import Article
from ceasefire_watch.text.armed_conflict import about_armed_conflict
from ceasefire_watch.text.lexicon import candidate_spans, ceasefire_terms, may_mention_ceasefire
from ceasefire_watch.text.sentences import split_sentences
from ceasefire_watch.transforms.statements import statements_from_spans
from tests.reference import REFERENCE_ARTICLE

KEY_SENTENCE_START = "“We agree with the proposal for a ceasefire to cease hostilities"


def article(text: str) -> Article:
    return Article("a", "u", "t", text, "s", datetime(2025, 1, 1, tzinfo=UTC), "en")


class TestSplitSentences:
    def test_offsets_point_back_into_the_text(self):
        """Each sentence's offsets slice exactly its text out of the article."""
        text = "First one. Second one!\nThird? Yes."
        for sentence in split_sentences(text):
            assert text[sentence.start : sentence.end] == sentence.text
        assert [s.text for s in split_sentences(text)] == ["First one.", "Second one!", "Third?", "Yes."]

    def test_does_not_split_after_abbreviations_or_initials(self):
        """Titles and initialisms such as U.S. and Gen. do not end a sentence."""
        text = "Talks with U.S. President Trump went on. Gen. Smith said the truce held."
        assert [s.text for s in split_sentences(text)] == [
            "Talks with U.S. President Trump went on.",
            "Gen. Smith said the truce held.",
        ]

    def test_keeps_closing_quotes_with_their_sentence(self):
        """A closing quotation mark stays with the sentence it ends."""
        text = "“We agree,” he said. “But not now.” She left."
        assert [s.text for s in split_sentences(text)] == [
            "“We agree,” he said.",
            "“But not now.”",
            "She left.",
        ]


class TestCeasefireTerms:
    @pytest.mark.parametrize(
        ("sentence", "term"),
        [
            ("The cease-fire began at dawn.", "cease-fire"),
            ("A truce was agreed.", "truce"),
            ("They signed an armistice.", "armistice"),
            ("A cessation of hostilities took effect.", "cessation of hostilities"),
            ("They called for a halt to the fighting.", "halt to the fighting"),
            ("A humanitarian pause was announced.", "humanitarian pause"),
            ("Rebels agreed to lay down their arms.", "lay down their arms"),
            ("Leaders vowed to silence the guns.", "silence the guns"),
        ],
    )
    def test_finds_each_family_of_terms(self, sentence, term):
        """Each wording of the lexicon is found, lower-cased."""
        assert term in ceasefire_terms(sentence)

    def test_ignores_sentences_without_ceasefire_wording(self):
        """War news without any halt to fighting is not a candidate."""
        assert ceasefire_terms("Artillery pounded the city for a third day.") == ()

    def test_capitals_and_case_folding_are_found(self):
        """The anchor scan runs on case-folded text, so a headline in capitals still reaches the lexicon."""
        assert ceasefire_terms("CEASEFIRE HOLDS IN THE SOUTH") == ("ceasefire",)

    def test_an_article_without_any_anchor_word_needs_no_split(self):
        """Text that cannot hold a lexicon term is recognised from one scan of the whole article."""
        assert not may_mention_ceasefire("Markets rallied.\nThe central bank held rates at 4%.")
        assert may_mention_ceasefire("Markets rallied.\nTalks on a Truce resume on Monday.")


class TestFindStatements:
    def test_finds_the_reference_articles_key_sentence_with_context(self):
        """The seed article's conditional sentence is a candidate, with its neighbours and exact offsets."""
        text = REFERENCE_ARTICLE
        sentences = split_sentences(text)
        statements = list(statements_from_spans(article(text), sentences, candidate_spans(sentences)))
        key = next(s for s in statements if s.text.startswith(KEY_SENTENCE_START))
        assert text[key.start : key.end] == key.text
        assert key.text.endswith("he said.")
        assert "cease hostilities" in key.matched_terms
        assert key.context_before.startswith("He began by thanking")
        assert key.context_after.startswith("Much of his answer dwelt")


class TestLexiconRecall:
    @pytest.mark.parametrize(
        "sentence",
        [
            "Both armies were told to cease the hostilities at dawn.",
            "The army chief ordered that all military actions be stopped along the border.",
            "The council demanded the cessation of airstrikes on the city.",
            "Both sides must refrain from attacks on civilian areas.",
            "The ministry said the moratorium on energy strikes had expired.",
            "The rebels said they would press on with the offensive whatever the mediators proposed.",
            "Commanders said the war would end only if all hostages were freed.",
            "Villagers said the guns fell silent along the line shortly after midnight.",
        ],
    )
    def test_halts_worded_without_the_word_ceasefire_are_candidates(self, sentence):
        """Halts and refusals worded without 'ceasefire' or 'truce' still reach the model."""
        assert ceasefire_terms(sentence)


class TestArmedConflictGate:
    def test_an_article_about_tariffs_is_not_about_armed_conflict(self):
        """A tariff truce in an article with no conflict and no words of war is gated out."""
        article_text = "Stocks rallied after Washington and Beijing agreed a 90-day tariff truce."
        assert not about_armed_conflict(article_text, None)

    def test_war_reporting_or_a_tagged_conflict_passes(self):
        """An untagged article with words of war, or any article tagged with a conflict, passes."""
        war = "Troops and rebels exchanged artillery fire before the truce; two civilians were killed."
        assert about_armed_conflict(war, None)
        assert about_armed_conflict("The truce held.", "haiti-gangs")
