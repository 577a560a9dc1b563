"""The project's one sentence splitter: sentences with their character spans in the article.

Wire copy breaks paragraphs with line breaks and ends sentences with punctuation followed by a
capital; abbreviations, titles and initials (`Gen.`, `U.S.`) do not end one. Every stage that
needs sentences (candidate statements, their context, the extent of a quotation) uses this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "st", "no", "vs"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("gov", "sen", "rep", "inc", "ltd", "corp", "co", "dept", "est", "approx"),
    }
)
_BOUNDARY = re.compile(r"""[.!?…]+["”’')\]]*\s+(?=["“‘'(\[]?[A-Z0-9])""")
_LAST_WORD = re.compile(r"([A-Za-z.]+)[.!?…]+[\"”’')\]]*\s+$")
_PARAGRAPH = re.compile(r"[^\n]+")


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


def _trimmed(text: str, start: int, end: int) -> Sentence:
    raw = text[start:end]
    left = len(raw) - len(raw.lstrip())
    right = len(raw.rstrip())
    return Sentence(text=raw[left:right], start=start + left, end=start + right)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """The sentences of the paragraphs in text[start:end], with offsets into ``text``."""
    sentences: list[Sentence] = []
    for paragraph in _PARAGRAPH.finditer(text, start, len(text) if end is None else end):
        sentence_start = paragraph.start()
        for boundary in _BOUNDARY.finditer(text, paragraph.start(), paragraph.end()):
            if _is_abbreviation(text[sentence_start : boundary.end()]):
                continue
            sentences.append(_trimmed(text, sentence_start, boundary.end()))
            sentence_start = boundary.end()
        sentences.append(_trimmed(text, sentence_start, paragraph.end()))
    return [sentence for sentence in sentences if sentence.text]


def paragraph_bounds(text: str, position: int) -> tuple[int, int]:
    """[start, end) of the paragraph (line) holding ``position``."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return start, len(text) if end < 0 else end


def neighbours(sentences: Sequence[Sentence], start: int, end: int) -> tuple[str, str]:
    """The whole sentences just before and just after the span [start, end)."""
    before = [sentence for sentence in sentences if sentence.end <= start]
    after = [sentence for sentence in sentences if sentence.start >= end]
    return (before[-1].text if before else "", after[0].text if after else "")
