"""Direct quotations: where they are, and the whole statement a quoted sentence belongs to.

Wire copy runs a quotation over several sentences (“A? B? C?” Putin said.) and attributes it
once; the statement is the whole quotation with its attribution clause. Characters only, no parse.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Sequence

from ceasefire_watch.text.sentences import paragraph_bounds, split_sentences

_QUOTE_MARKS = re.compile(r"[“”\"]")
_SPEECH_WORDS = re.compile(
    r"\b(?:said|says|say|asked|asks|added|adds|told|tells|claimed|claims|stated|states|warned|warns|"
    r"insisted|insists|stressed|stresses|noted|notes|explained|explains|argued|argues|declared|declares|"
    r"announced|announces|wrote|writes|continued|replied|responded|according)\b",
    re.IGNORECASE,
)


def find_quotations(text: str) -> list[tuple[int, int]]:
    """[start, end) of every direct quotation, marks included, curly or straight.

    Quotations are paired within a paragraph; one left open runs to the paragraph's end, as wire
    copy does when a quotation continues into the next paragraph.
    """
    quotes: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        opened: int | None = None
        for mark in _QUOTE_MARKS.finditer(text, paragraph.start(), paragraph.end()):
            char, position = mark.group(), mark.start()
            if opened is None:
                if char in '“"':
                    opened = position
            elif char in '”"':
                quotes.append((opened, position + 1))
                opened = None
            else:  # a second opening mark: the first was never closed
                opened = position
        if opened is not None:
            quotes.append((opened, paragraph.end()))
    return quotes


@functools.lru_cache(maxsize=4)
def _sentence_bounds(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the article's sentences, split once however many quotations it holds."""
    sentences = split_sentences(text)
    return [sentence.start for sentence in sentences], [sentence.end for sentence in sentences]


def _lead_in_start(text: str, quote_start: int) -> int:
    """Where the sentence that a quotation opens inside begins (the quote itself if it opens one)."""
    paragraph_start, _ = paragraph_bounds(text, quote_start)
    starts, _ = _sentence_bounds(text)
    last = bisect_right(starts, quote_start) - 1
    return starts[last] if last >= 0 and starts[last] >= paragraph_start else quote_start


def _attribution_tail_end(text: str, quote_end: int, quotes: Sequence[tuple[int, int]]) -> int:
    """End of the attribution clause after a quotation (`,” he said.`), or quote_end if there is none.

    After a comma inside the quote, or a lower-case continuation, the clause runs to the end of
    the sentence (taking in a further quotation, as in `“A,” she said, adding, “B.”`). After a
    sentence-final quote a capitalised clause counts only when it is short and has a speech verb
    (`?” Putin said.`), so that the next sentence of narration is not swallowed.
    """
    _, paragraph_end = paragraph_bounds(text, max(quote_end - 1, 0))
    rest = text[quote_end:paragraph_end]
    stripped = rest.lstrip()
    if not stripped:
        return quote_end
    if stripped[0] in ".!?,;:" and not stripped[1:].strip():
        return quote_end + len(rest) - len(stripped) + 1
    continues = text[quote_end - 2 : quote_end - 1] == "," or stripped[0].islower()
    if not continues and not stripped[0].isupper():
        return quote_end
    _, sentence_ends = _sentence_bounds(text)
    position = quote_end
    while position < paragraph_end:
        next_quote = next((q for q in quotes if position <= q[0] < paragraph_end), None)
        following = bisect_right(sentence_ends, position)
        end = (
            min(sentence_ends[following], paragraph_end) if following < len(sentence_ends) else paragraph_end
        )
        if next_quote is not None and next_quote[0] < end:
            position = next_quote[1]
            continue
        clause = text[quote_end:end]
        if not continues and (len(clause.split()) > 8 or not _SPEECH_WORDS.search(clause)):
            return quote_end
        return end
    return paragraph_end


def quotation_with_attribution(
    text: str, quote: tuple[int, int], quotes: Sequence[tuple[int, int]]
) -> tuple[int, int]:
    """[start, end) of a quotation widened to its sentence's lead-in and its attribution clause."""
    return _lead_in_start(text, quote[0]), _attribution_tail_end(text, quote[1], quotes)


def expand_to_quotes(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Widen sentences cut out of a direct quotation to the whole quotation and its attribution.

    The sentence splitter cuts “A? B? C?” Putin said. into four pieces, three of which may be
    candidates; the statement is the whole quotation, said by one person, so every piece is
    widened to the same span and the duplicates merge. Spans that already contain their quotation
    and its attribution are left alone. The result is sorted, without spans inside another.
    """
    quotes = find_quotations(text)
    widened: list[tuple[int, int]] = []
    for start, end in spans:
        new_start, new_end = start, end
        for quote in quotes:
            if not (quote[0] < end and quote[1] > start):
                continue
            full_start, full_end = quotation_with_attribution(text, quote, quotes)
            if quote[0] < start or quote[1] > end or full_end > end:
                new_start, new_end = min(new_start, full_start), max(new_end, full_end)
        widened.append((new_start, new_end))
    kept: list[tuple[int, int]] = []
    for span in sorted(set(widened), key=lambda s: (s[0], -s[1])):
        if kept and kept[-1][0] <= span[0] and span[1] <= kept[-1][1]:
            continue
        kept.append(span)
    return kept
