"""ParseArticles: every kind of bad input becomes a dead letter with a reason; good input an Article."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from ceasefire_watch.records import Article, DeadLetter, SourceRecord
from ceasefire_watch.transforms.parse import ARTICLES, DEAD_LETTERS, ParseArticles, parse_article

GOOD = {
    "id": "a-1",
    "url": "https://example.org/a-1",
    "title": "Truce holds",
    "text": "The truce held overnight.",
    "source": "Example Wire",
    "published_at": "2025-03-13T18:05:00Z",
}
LIMIT = 2 * 1024 * 1024


def record(payload: bytes, offset: int = 0) -> SourceRecord:
    return SourceRecord(
        payload=payload, topic="articles", partition=0, offset=offset, timestamp_ms=1_700_000_000_000
    )


def as_bytes(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


class TestParseArticle:
    def test_accepts_a_valid_article_and_uses_utc_publication_time(self):
        """A valid article keeps its fields and its publication time in UTC."""
        article = parse_article(record(as_bytes(GOOD)), LIMIT)
        assert isinstance(article, Article)
        assert article.id == "a-1"
        assert article.published_at == datetime(2025, 3, 13, 18, 5, tzinfo=UTC)
        assert article.ingested_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)

    def test_accepts_unknown_extra_fields(self):
        """Fields the schema does not name are accepted and ignored."""
        assert isinstance(
            parse_article(record(as_bytes({**GOOD, "byline": "x", "tags": [1]})), LIMIT), Article
        )

    @pytest.mark.parametrize(
        ("payload", "reason"),
        [
            (b"this is not json", "not_json"),
            (as_bytes([GOOD]), "not_an_object"),
            (as_bytes({k: v for k, v in GOOD.items() if k != "text"}), "schema_violation"),
            (as_bytes({**GOOD, "text": ""}), "schema_violation"),
            (as_bytes({**GOOD, "text": "  \n\t "}), "schema_violation"),
            (as_bytes({**GOOD, "id": 17}), "schema_violation"),
            (as_bytes({**GOOD, "published_at": "last Tuesday"}), "schema_violation"),
            (as_bytes({**GOOD, "published_at": "2025-03-13T18:05:00"}), "schema_violation"),
            (b'{"id": "a", "text": "caf\xe9"}', "not_utf8"),
            (as_bytes(GOOD).replace(b"overnight", b"over\x00night"), "null_bytes"),
            (as_bytes({**GOOD, "text": "bad \u0000 text"}), "null_bytes"),
            (as_bytes({**GOOD, "text": "x" * (LIMIT + 1)}), "too_large"),
            (as_bytes(GOOD).replace(b"overnight", b"overnight \\ud83d"), "invalid_unicode"),
            (as_bytes(GOOD).replace(b'"a-1"', b'"a-\\ud83d"'), "invalid_unicode"),
            (as_bytes({**GOOD, "published_at": "9999-12-31T23:59:59-14:00"}), "implausible_published_at"),
            (as_bytes({**GOOD, "published_at": "0001-01-01T00:00:00Z"}), "implausible_published_at"),
            (as_bytes({**GOOD, "published_at": "2999-01-01T00:00:00Z"}), "implausible_published_at"),
            (
                as_bytes({**GOOD, "extra": "x"}).replace(b'"x"', b"[" * 100_000 + b"]" * 100_000),
                "too_deeply_nested",
            ),
            (as_bytes({**GOOD, "text": "ceasefire " * 60_000}), "text_too_long"),
        ],
        ids=[
            "not-json",
            "array",
            "missing-text",
            "empty-text",
            "blank-text",
            "wrong-type",
            "bad-date",
            "naive-date",
            "invalid-utf8",
            "raw-nul",
            "escaped-nul",
            "oversized",
            "lone-surrogate-in-text",
            "lone-surrogate-in-id",
            "year-9999-minus-14h",
            "year-1",
            "far-future",
            "deep-nesting",
            "text-too-long",
        ],
    )
    def test_rejects_bad_input_with_a_reason(self, payload, reason):
        """Each kind of bad input becomes a dead letter naming its reason and keeping the bytes."""
        result = parse_article(record(payload), LIMIT)
        assert isinstance(result, DeadLetter)
        assert result.reason == reason
        assert result.detail
        assert result.record.payload == payload

    def test_schema_violation_names_the_field(self):
        """The detail of a schema violation points at the offending field."""
        result = parse_article(record(as_bytes({**GOOD, "id": 17})), LIMIT)
        assert isinstance(result, DeadLetter)
        assert result.detail.startswith("id:")


class TestParseArticlesTransform:
    def test_routes_records_to_articles_and_dead_letters(self):
        """Good records reach the articles output and bad ones the dead-letter output, none lost."""
        records = [record(as_bytes(GOOD), 0), record(b"{", 1), record(as_bytes({**GOOD, "id": "a-2"}), 2)]
        with TestPipeline() as pipeline:
            parsed = pipeline | beam.Create(records) | ParseArticles(LIMIT)
            assert_that(
                parsed[ARTICLES] | "Ids" >> beam.Map(lambda a: a.id),
                equal_to(["a-1", "a-2"]),
                label="articles",
            )
            assert_that(
                parsed[DEAD_LETTERS] | "Reasons" >> beam.Map(lambda d: (d.reason, d.record.offset)),
                equal_to([("not_json", 1)]),
                label="dead_letters",
            )
