"""FindStatements: split articles into sentences and keep those that may be about a ceasefire.

The lexicon is deliberately broad (high recall): the stance model, not the lexicon, decides
what is relevant. Offsets are character offsets into the article text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import apache_beam as beam

from ceasefire_watch import metrics
from ceasefire_watch.records import Article, Statement

CEASEFIRE_LEXICON = re.compile(
    r"""\b(?:
        cease[-\s]?fires?
      | truces?
      | armistices?
      | cessation\s+of\s+(?:all\s+)?hostilities
      | cease\s+(?:all\s+)?hostilities
      | (?:halt|pause|stop|suspend|suspension|end|lull|freeze)\w*\s+(?:(?:in|to|of)\s+)?(?:the\s+|all\s+)?
        (?:fighting|hostilities|attacks|strikes|shelling|bombing|bombardment|offensive|firing|war)
      | humanitarian\s+(?:pause|corridor)s?
      | silence\s+the\s+guns
      | lay\s+down\s+(?:(?:their|its|our|your|his)\s+)?(?:arms|weapons)
      | stand\s+down
      | (?:hold|holds|holding)\s+(?:their\s+|its\s+)?fire
      | stop\s+firing
      | de-?escalation\s+(?:zones?|agreements?|deal)
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "st",
        "no",
        "vs",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gov",
        "sen",
        "rep",
        "inc",
        "ltd",
        "corp",
        "co",
        "dept",
        "est",
        "approx",
    ]
)
_BOUNDARY = re.compile(r"""[.!?…]+["”’')\]]*\s+(?=["“‘'(\[]?[A-Z0-9])""")
_LAST_WORD = re.compile(r"([A-Za-z.]+)[.!?…]+[\"”’')\]]*\s+$")


@dataclass(frozen=True)
class Sentence:
    """A sentence's text and its [start, end) character offsets in the article."""

    text: str
    start: int
    end: int


def _is_abbreviation(preceding: str) -> bool:
    match = _LAST_WORD.search(preceding)
    if match is None:
        return False
    word = match.group(1)
    is_initialism = bool(re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word))
    return word.lower() in _ABBREVIATIONS or is_initialism


def split_sentences(text: str) -> list[Sentence]:
    """Split on sentence punctuation followed by a capital, never inside abbreviations or initials."""
    sentences: list[Sentence] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        start = paragraph.start()
        for boundary in _BOUNDARY.finditer(text, paragraph.start(), paragraph.end()):
            if _is_abbreviation(text[start : boundary.end()]):
                continue
            sentences.append(_trimmed(text, start, boundary.end()))
            start = boundary.end()
        sentences.append(_trimmed(text, start, paragraph.end()))
    return [sentence for sentence in sentences if sentence.text]


def _trimmed(text: str, start: int, end: int) -> Sentence:
    raw = text[start:end]
    left = len(raw) - len(raw.lstrip())
    right = len(raw.rstrip())
    return Sentence(text=raw[left:right], start=start + left, end=start + right)


def ceasefire_terms(sentence: str) -> tuple[str, ...]:
    """The lexicon terms a sentence contains, lower-cased and in order of appearance."""
    return tuple(
        dict.fromkeys(" ".join(m.group(0).lower().split()) for m in CEASEFIRE_LEXICON.finditer(sentence))
    )


def find_statements(article: Article) -> Iterator[Statement]:
    """Each sentence that mentions the lexicon, with the sentences on either side as context."""
    sentences = split_sentences(article.text)
    for index, sentence in enumerate(sentences):
        terms = ceasefire_terms(sentence.text)
        if not terms:
            continue
        yield Statement(
            article=article,
            text=sentence.text,
            start=sentence.start,
            end=sentence.end,
            sentence_index=index,
            context_before=sentences[index - 1].text if index > 0 else "",
            context_after=sentences[index + 1].text if index + 1 < len(sentences) else "",
            matched_terms=terms,
        )


class _FindStatementsFn(beam.DoFn):
    def process(self, article: Article) -> Iterator[Statement]:
        for statement in find_statements(article):
            metrics.STATEMENTS_FOUND.inc()
            yield statement


class FindStatements(beam.PTransform):
    """Articles in, candidate ceasefire Statements out (zero or more per article)."""

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        return articles | "MatchLexicon" >> beam.ParDo(_FindStatementsFn())
