"""The ceasefire lexicon: which sentences may be about a halt in fighting.

It is deliberately broad (high recall): the stance model, not the lexicon, decides what is
relevant, so a word missing here is a statement the job can never report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ceasefire_watch.text.sentences import Sentence

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


def ceasefire_terms(sentence: str) -> tuple[str, ...]:
    """The lexicon terms a sentence contains, lower-cased and in order of appearance."""
    return tuple(
        dict.fromkeys(" ".join(m.group(0).lower().split()) for m in CEASEFIRE_LEXICON.finditer(sentence))
    )


def candidate_spans(sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """[start, end) of every sentence that mentions the lexicon."""
    return [(s.start, s.end) for s in sentences if ceasefire_terms(s.text)]
