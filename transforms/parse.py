"""ParseArticles: raw message bytes in, validated articles out, everything else dead-lettered.

Failure policy: this step never raises on input. Each record becomes exactly one Article or
exactly one DeadLetter whose reason names the first problem found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.transforms.window import TimestampedValue

from ceasefire_watch import metrics, schemas
from ceasefire_watch.records import Article, DeadLetter, SourceRecord

ARTICLES = "articles"
DEAD_LETTERS = "dead_letters"


def _schema_problem(document: object) -> str | None:
    error = next(iter(schemas.validator(schemas.ARTICLE).iter_errors(document)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(document)"
    return f"{where}: {error.message[:300]}"


def _parse_timestamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_article(record: SourceRecord, max_bytes: int) -> Article | DeadLetter:
    """Validate one message against the article schema, or say precisely why it is rejected."""

    def reject(reason: str, detail: str) -> DeadLetter:
        return DeadLetter(reason=reason, detail=detail, record=record)

    if len(record.payload) > max_bytes:
        return reject("too_large", f"{len(record.payload)} bytes exceeds the limit of {max_bytes}")
    try:
        decoded = record.payload.decode("utf-8")
    except UnicodeDecodeError as error:
        return reject("not_utf8", str(error))
    if "\x00" in decoded:
        return reject("null_bytes", "the message contains NUL characters")
    try:
        document = json.loads(decoded)
    except json.JSONDecodeError as error:
        return reject("not_json", str(error))
    if not isinstance(document, dict):
        return reject("not_an_object", f"expected a JSON object, got {type(document).__name__}")
    if any(isinstance(value, str) and "\x00" in value for value in document.values()):
        return reject("null_bytes", "a field contains an escaped NUL character (\\u0000)")
    if (problem := _schema_problem(document)) is not None:
        return reject("schema_violation", problem)
    published_at = _parse_timestamp(document["published_at"])
    if published_at is None:
        return reject("schema_violation", "published_at: not an RFC 3339 date-time with a time zone")
    ingested_at = datetime.fromtimestamp(record.timestamp_ms / 1000, tz=UTC) if record.timestamp_ms else None
    return Article(
        id=document["id"],
        url=document["url"],
        title=document["title"],
        text=document["text"],
        source=document["source"],
        published_at=published_at.astimezone(UTC),
        language=document.get("language"),
        ingested_at=ingested_at,
    )


class _ParseArticleFn(beam.DoFn):
    """Routes each record to the articles or the dead-letter output; event time is publication time."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes

    def process(self, record: SourceRecord) -> Iterator[object]:
        metrics.ARTICLES_READ.inc()
        result = parse_article(record, self._max_bytes)
        if isinstance(result, DeadLetter):
            metrics.PARSE_FAILURES.labels(reason=result.reason).inc()
            yield pvalue.TaggedOutput(DEAD_LETTERS, result)
        else:
            yield TimestampedValue(result, result.published_at.timestamp())


class ParseArticles(beam.PTransform):
    """SourceRecords in; a tuple of PCollections ``articles`` and ``dead_letters`` out."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__()
        self._max_bytes = max_bytes

    def expand(self, records: beam.PCollection) -> pvalue.DoOutputsTuple:
        return records | "Validate" >> beam.ParDo(_ParseArticleFn(self._max_bytes)).with_outputs(
            DEAD_LETTERS, main=ARTICLES
        )
