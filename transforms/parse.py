"""ParseArticles: raw message bytes in, validated articles out, everything else dead-lettered.

Failure policy: this step never raises on input. Each record becomes exactly one Article or
exactly one DeadLetter whose reason names the first problem found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

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


EARLIEST_PUBLISHED_AT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_PUBLISHED_AHEAD = timedelta(days=1)
"""Publication times outside [1900, now + 1 day] are dead-lettered (``implausible_published_at``)
rather than replaced by the Kafka timestamp: a wrong date is a defect of the feed its owner should
see, and a plausible-looking substitute would hide it while skewing repeats and stance shifts."""
MAX_TEXT_CHARACTERS = 100_000
"""Longer texts (about 15,000 words: a site dump, not an article) are dead-lettered
(``text_too_long``), which bounds the parse attribution needs and the size of every alert."""


def _published_at(value: str, now: datetime) -> datetime | tuple[str, str]:
    """The publication time in UTC, or the (reason, detail) of its rejection."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        return "schema_violation", "published_at: not an RFC 3339 date-time with a time zone"
    implausible = (
        "implausible_published_at",
        f"published_at: {value} is before 1900 or more than a day ahead",
    )
    try:
        published_at = parsed.astimezone(UTC)
    except OverflowError:
        return implausible
    if not EARLIEST_PUBLISHED_AT <= published_at <= now + LATEST_PUBLISHED_AHEAD:
        return implausible
    return published_at


def _unencodable_field(document: dict[str, object]) -> str | None:
    """The first field holding a lone surrogate (``\\ud83d``), which no UTF-8 output can carry."""
    for name, value in document.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return name
    return None


def _decode(record: SourceRecord, max_bytes: int) -> dict[str, object] | DeadLetter:
    """The message as a JSON object, or why it is not one."""

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
    except RecursionError:
        return reject("too_deeply_nested", "the JSON nests deeper than the parser's recursion limit")
    if not isinstance(document, dict):
        return reject("not_an_object", f"expected a JSON object, got {type(document).__name__}")
    return document


def parse_article(record: SourceRecord, max_bytes: int, now: datetime | None = None) -> Article | DeadLetter:
    """Validate one message against the article schema, or say precisely why it is rejected."""

    def reject(reason: str, detail: str) -> DeadLetter:
        return DeadLetter(reason=reason, detail=detail, record=record)

    document = _decode(record, max_bytes)
    if isinstance(document, DeadLetter):
        return document
    if any(isinstance(value, str) and "\x00" in value for value in document.values()):
        return reject("null_bytes", "a field contains an escaped NUL character (\\u0000)")
    if (field := _unencodable_field(document)) is not None:
        return reject("invalid_unicode", f"{field}: contains a lone surrogate, which UTF-8 cannot encode")
    if (problem := _schema_problem(document)) is not None:
        return reject("schema_violation", problem)
    published_at = _published_at(str(document["published_at"]), now or datetime.now(UTC))
    if isinstance(published_at, tuple):
        return reject(*published_at)
    text = str(document["text"])
    if len(text) > MAX_TEXT_CHARACTERS:
        detail = f"text: {len(text)} characters exceeds the limit of {MAX_TEXT_CHARACTERS}"
        return reject("text_too_long", detail)
    ingested_at = datetime.fromtimestamp(record.timestamp_ms / 1000, tz=UTC) if record.timestamp_ms else None
    return Article(
        id=str(document["id"]),
        url=str(document["url"]),
        title=str(document["title"]),
        text=text,
        source=str(document["source"]),
        published_at=published_at,
        language=document.get("language"),  # type: ignore[arg-type]
        ingested_at=ingested_at,
        record=record,
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
