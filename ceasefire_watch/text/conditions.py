"""Which conditions a conditional statement sets, as exact substrings of it.

Conditions are what a speaker attaches to agreement: "only if", "provided that", modal demands,
`but ... will` warnings and open questions. The rules work on characters only, no parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

_CONDITION_MARKERS = re.compile(
    r"""(?<![\w-])(?:
        only\s+(?:if|when|after|once)
      | provided(?:\s+that)?
      | providing\s+that
      | (?:as|so)\s+long\s+as
      | on\s+(?:the\s+)?condition\s+that
      | on\s+(?:the|one)\s+basis(?:\s+only)?,?\s+that
      | unless
      | once(?!\s+(?:again|more|and|before|a\b|every|upon))
      | (?<!\beven\s)(?<!\bas\s)if
    )\s+""",
    re.IGNORECASE | re.VERBOSE,
)
_MODAL = re.compile(
    r"\b(?:must|should|needs?\s+to|has\s+to|have\s+to|first\s+(?:wants?|wanted|needs?|needed|demand\w*|requir\w*))\b",
    re.IGNORECASE,
)
_BUT_WILL = re.compile(r"\b(?:but|yet)\s+(?:(?!but\b|yet\b)[\w'’-]+\s+){1,4}?(?:will|would)\b", re.IGNORECASE)
# A clause ends at punctuation (not a thousands comma), a closing quote or a dash.
_CLAUSE_END = re.compile(r"(?<!\d),|,(?!\d)|[;:.!?”\"—–()]|\s-\s")
# Where a clause may start, looking back from its verb.
_CLAUSE_START = re.compile(r"[,;:.!?—–(]\s*|\b(?:but|yet|that|and|because|while|although|though)\s+", re.I)
_LEADING_WORDS = re.compile(r"^(?:(?:now|so|then|also|and|but|yet|that|however|first),?\s+)+", re.IGNORECASE)
# "and" starts a new clause when a subject and a finite verb follow, or a past-tense verb does.
_AUX = r"(?:must|should|will|would|can|could|is|are|was|were|has|have|had|need|needs|do|does|did)"
_DETERMINER = r"(?:the|a|an|its|their|our|his|her|this|that|any)"
_NEW_CLAUSE_AFTER_AND = re.compile(
    rf"""\band\s+(?=
        (?:[\w'’-]+(?:,\d+)*\s+){{0,3}}?{_AUX}\b
      | \w+ed\b
      | (?!{_DETERMINER}\b)\w+\s+(?:all|the|its|their|every|no|\w+ing)\b
      | (?:{_DETERMINER}\s+)?\w+\s+\w+(?:s|es)\b\s*(?:$|[,.;]|{_DETERMINER}\b|every\b|all\b|no\b|to\b|with\b)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_QUESTION_START = re.compile(r"""(?:^|[.!?:]["”’]?\s+|[“"]\s*)""")
# Questions joined by a comma and `and`/`or` are separate issues: "..., and who will be blamed?"
_QUESTION_JOIN = re.compile(
    r",\s+(?:and|or)\s+(?=(?:who|what|when|where|why|how|which|will|would|should|can|could|is|are|do|does)\b)",
    re.IGNORECASE,
)
_QUESTION_LEAD = re.compile(r"^(?:(?:and|or|but|so|then)\s+)+", re.IGNORECASE)


def _clause_end(statement: str, start: int) -> int:
    """Where the clause starting at `start` ends; a quotation opened inside it does not end it."""
    for match in _CLAUSE_END.finditer(statement, start):
        if match.group() in '”"' and "“" in statement[start : match.start()]:
            continue
        if (
            match.group() == "."
            and match.start() + 1 < len(statement)
            and statement[match.start() + 1].isdigit()
        ):
            continue
        return match.start()
    return len(statement)


_AUX_WORD = re.compile(rf"{_AUX}|\w+ed", re.IGNORECASE)
_DETERMINER_WORD = re.compile(_DETERMINER, re.IGNORECASE)


def _has_verb(text: str) -> bool:
    """Whether words hold a finite verb: an auxiliary, an -ed form, or an -s form after a name or noun.

    `the checkpoints` is a noun after a determiner; `the ELN stops` has a verb.
    """
    words = re.findall(r"[\w'’-]+", text)
    for index, word in enumerate(words):
        if _AUX_WORD.fullmatch(word):
            return True
        third_person = len(word) > 3 and word.endswith("s") and not word.endswith("ss")
        if index > 0 and third_person and not _DETERMINER_WORD.fullmatch(words[index - 1]):
            return True
    return False


def _split_coordinated(statement: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split `A and B` where both are clauses (`the checkpoints are lifted and the siege ends`).

    `and` between nouns (`Rafah and Khan Younis`, `civilian areas and homes`) does not split:
    a clause must follow, and the words before `and` must already hold a verb.
    """
    for match in _NEW_CLAUSE_AFTER_AND.finditer(statement, start, end):
        if not _has_verb(statement[start : match.start()]):
            continue
        yield start, match.start()
        start = match.end()
    yield start, end


def _trimmed(statement: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and statement[start] in "“\"‘'( ":
        start += 1
    piece = statement[start:end]
    lead = _LEADING_WORDS.match(piece.lstrip())
    skip = len(piece) - len(piece.lstrip()) + (lead.end() if lead else 0)
    start += skip
    piece = statement[start:end].rstrip(" ,;:")
    end = start + len(piece)
    return (start, end) if len(piece.split()) >= 2 else None


def _question_spans(statement: str) -> Iterator[tuple[int, int]]:
    """The core of each question: from its start (sentence or quote) to the mark, split at `, and who`."""
    for mark in re.finditer(r"\?", statement):
        starts = [m.end() for m in _QUESTION_START.finditer(statement, 0, mark.start())]
        start = starts[-1] if starts else 0
        for join in _QUESTION_JOIN.finditer(statement, start, mark.start()):
            yield start, join.start()
            start = join.end()
        lead = _QUESTION_LEAD.match(statement, start)
        yield (lead.end() if lead else start), mark.start()


def _marker_spans(statement: str) -> Iterator[tuple[int, int]]:
    for marker in _CONDITION_MARKERS.finditer(statement):
        yield from _split_coordinated(statement, marker.end(), _clause_end(statement, marker.end()))


def _clause_around(statement: str, verb_start: int) -> tuple[int, int]:
    starts = [m.end() for m in _CLAUSE_START.finditer(statement, 0, verb_start)]
    return (starts[-1] if starts else 0), _clause_end(statement, verb_start)


def _modal_spans(statement: str, questions: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Clauses with must/should/need to, and `but ... will` warnings, outside questions."""
    for modal in [*_MODAL.finditer(statement), *_BUT_WILL.finditer(statement)]:
        if any(start <= modal.start() <= end for start, end in questions):
            continue
        if modal.re is _BUT_WILL:
            start, end = modal.start(), _clause_end(statement, modal.start())
        else:
            start, end = _clause_around(statement, modal.start())
        yield from _split_coordinated(statement, start, end)


def extract_conditions(statement: str) -> list[str]:
    """Short condition spans of a conditional statement, as exact substrings in order.

    Conditions are what a speaker attaches to agreement: clauses after only if / provided that /
    as long as / on condition that / once / unless / if, modal demands (must, should, need to,
    must first), `but ... will` warnings, and the open questions a speaker lists. Marker words are
    left out (`only if X` gives X). A span inside another is dropped in favour of the smaller,
    more specific one.
    """
    questions = [span for span in _question_spans(statement) if span[1] > span[0]]
    candidates = [*_marker_spans(statement), *_modal_spans(statement, questions), *questions]
    spans = {span for raw in candidates if (span := _trimmed(statement, *raw)) is not None}
    specific = [s for s in spans if not any(o != s and s[0] <= o[0] and o[1] <= s[1] for o in spans)]
    ordered = sorted(specific)
    return list(dict.fromkeys(statement[start:end] for start, end in ordered))
