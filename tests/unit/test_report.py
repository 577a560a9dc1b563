"""The evaluation report's article-level sets: gold loading, matching, scoring and rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire_watch.model.articles import (
    Candidate,
    GoldArticle,
    GoldStatement,
    candidate_labels,
    candidates,
    gold_and_predicted,
    load_gold_articles,
    overlaps,
)
from ceasefire_watch.model.report import render, score_articles
from ceasefire_watch.text.conflicts import load_gazetteer

WAR_TITLE = "Sudan army rejects truce"
WAR_TEXT = (
    "KHARTOUM — Fighting went on in Omdurman on Monday as artillery shelled the river front.\n"
    "The Sudanese army said it rejects the proposed ceasefire with the Rapid Support Forces, "
    "a spokesman said. The army welcomed a humanitarian truce for Darfur, the spokesman added. "
    "Residents fled the city."
)
TRADE_TEXT = "The two supermarket chains declared a truce in their price war on Tuesday, the company said."


def gold_file(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    return path


def war_and_trade_articles(tmp_path: Path) -> list[GoldArticle]:
    rows: list[dict[str, object]] = [
        {
            "id": "war",
            "title": WAR_TITLE,
            "text": WAR_TEXT,
            "conflict": "sudan",
            "statements": [
                {"text": "The Sudanese army said it rejects the proposed ceasefire", "stance": "oppose"},
                {"text": "The army welcomed a humanitarian truce for Darfur", "stance": "support"},
                {"text": "Residents fled the city.", "stance": "neutral"},
            ],
        },
        {"id": "trade", "title": "", "text": TRADE_TEXT, "conflict": "none", "statements": []},
    ]
    return load_gold_articles(gold_file(tmp_path, rows))


def label_by_word(texts: list[str]) -> list[str]:
    """Fake model: 'reject' oppose, 'truce' support, anything else irrelevant."""
    return ["oppose" if "reject" in t else "support" if "truce" in t else "irrelevant" for t in texts]


class TestGoldArticles:
    def test_repeated_statement_text_is_located_at_its_next_occurrence(self, tmp_path: Path) -> None:
        """A statement whose words appear twice takes the occurrence after the previous statement."""
        text = "Truce holds. Talks go on. Truce holds."
        rows: list[dict[str, object]] = [
            {
                "id": "a",
                "text": text,
                "conflict": "x",
                "statements": [{"text": "Truce holds.", "stance": "neutral"}] * 2,
            }
        ]
        (article,) = load_gold_articles(gold_file(tmp_path, rows))
        assert [(s.start, s.end) for s in article.statements] == [(0, 12), (26, 38)]

    def test_statement_missing_from_the_text_is_refused(self, tmp_path: Path) -> None:
        """A gold statement that is not a substring of its article is an error, not a silent miss."""
        rows: list[dict[str, object]] = [
            {
                "id": "a",
                "text": "Truce holds.",
                "conflict": "x",
                "statements": [{"text": "No.", "stance": "oppose"}],
            }
        ]
        with pytest.raises(ValueError, match="not in the text"):
            load_gold_articles(gold_file(tmp_path, rows))

    def test_only_an_article_without_statements_and_conflict_is_figurative(self) -> None:
        """Figurative means no expected statement and conflict 'none'."""
        statement = GoldStatement(0, 5, "support")
        assert GoldArticle("a", "", "", "none", ()).figurative
        assert not GoldArticle("a", "", "", "sudan", ()).figurative
        assert not GoldArticle("a", "", "", "none", (statement,)).figurative


class TestMatching:
    def test_spans_match_when_they_share_half_of_the_shorter(self) -> None:
        """Overlap of at least half the shorter span is a match; less, or touching, is not."""
        assert overlaps((0, 10), (5, 30))
        assert not overlaps((0, 10), (6, 30))
        assert not overlaps((0, 10), (10, 20))

    def test_pairs_cover_found_missed_and_stray_statements(self) -> None:
        """Found statements take the alert's stance, missed ones irrelevant, strays are gold irrelevant."""
        article = GoldArticle(
            "a", "", "x" * 100, "sudan", (GoldStatement(0, 20, "oppose"), GoldStatement(40, 60, "support"))
        )
        found = [
            Candidate(0, 20, "", "", "", ""),
            Candidate(40, 60, "", "", "", ""),
            Candidate(70, 90, "", "", "", ""),
        ]
        pairs = gold_and_predicted(article, found, ["conditional", "irrelevant", "neutral"])
        assert pairs == [("oppose", "conditional"), ("support", "irrelevant"), ("irrelevant", "neutral")]

    def test_an_alert_with_the_right_stance_wins_over_another_overlapping_one(self) -> None:
        """When two alerts overlap one statement, the statement counts as right if either is."""
        article = GoldArticle("a", "", "x" * 100, "sudan", (GoldStatement(0, 40, "oppose"),))
        found = [Candidate(0, 30, "", "", "", ""), Candidate(10, 40, "", "", "", "")]
        assert gold_and_predicted(article, found, ["support", "oppose"]) == [("oppose", "oppose")]

    def test_candidate_label_is_the_overlapped_statements_stance(self) -> None:
        """A candidate takes the stance of the expected statement it overlaps, or irrelevant."""
        article = GoldArticle("a", "", "x" * 100, "sudan", (GoldStatement(0, 20, "oppose"),))
        found = [Candidate(0, 25, "", "", "", ""), Candidate(50, 60, "", "", "", "")]
        assert candidate_labels(article, found) == ["oppose", "irrelevant"]


class TestCandidates:
    def test_war_article_candidates_carry_title_and_neighbours(self, tmp_path: Path) -> None:
        """Lexicon sentences of a war article reach the model with the title and neighbouring sentences."""
        war, _ = war_and_trade_articles(tmp_path)
        found = candidates(war, load_gazetteer())
        assert [c.text for c in found] == [
            "The Sudanese army said it rejects the proposed ceasefire with the Rapid Support Forces, "
            "a spokesman said.",
            "The army welcomed a humanitarian truce for Darfur, the spokesman added.",
        ]
        assert found[0].title == WAR_TITLE
        assert found[0].context_before.startswith("KHARTOUM")
        assert found[1].context_after == "Residents fled the city."

    def test_figurative_truce_article_has_no_candidate(self, tmp_path: Path) -> None:
        """The armed-conflict gate drops a price-war truce before the model sees it."""
        _, trade = war_and_trade_articles(tmp_path)
        assert candidates(trade, load_gazetteer()) == []


class TestScoreArticles:
    def test_counts_found_right_stance_and_lexicon_misses(self, tmp_path: Path) -> None:
        """Two of three expected statements reach the model and are right; the third is a lexicon miss."""
        scored = score_articles(war_and_trade_articles(tmp_path), {"fake": label_by_word})
        assert scored["articles"] == 2
        assert scored["figurative_articles"] == 1
        assert scored["expected_reaching_the_model"] == 2
        result = scored["systems"]["fake"]
        assert result["expected_statements"] == 3
        assert (result["found"], result["found_with_right_stance"]) == (2, 2)
        assert result["alerts_on_figurative_articles"] == 0
        assert result["confusion_matrix"]["rows_gold_columns_predicted"][4] == [1, 0, 0, 0, 0]

    def test_render_names_the_systems_and_shows_article_tables(self, tmp_path: Path) -> None:
        """The rendered report describes each system and gives an article set its table and matrix."""
        scored = score_articles(war_and_trade_articles(tmp_path), {"fake": label_by_word})
        text = render({"systems": {"fake": "a keyword fake"}, "sets": {"articles_test": scored}})
        assert "fake                    a keyword fake" in text
        assert "### articles_test: 2 articles (1 figurative)" in text
        assert "2 of the 3 expected statements reach the model" in text
        assert "confusion (rows gold, columns predicted)" in text
