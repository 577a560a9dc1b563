"""The ceasefire lexicon: which sentences may be about a halt in fighting.

It is deliberately broad (high recall): the stance model, not the lexicon, decides what is
relevant, so a word missing here is a statement the job can never report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ceasefire_watch.text.sentences import Sentence

_HALT_OR_GO_ON = r"""(?:
    halt | pause | stop | suspen[ds] | end | lull | freez | ceas | call(?:ed|ing|s)?\s+off | wind\w*\s+down
  | refrain\w*\s+from | scal\w*\s+back | resum | continu | keep\w*\s+up | kept\s+up | press\w*\s+on\s+with
  | step\w*\s+up | expand | pursu | go\w*\s+on\s+with
)\w*"""
_FIGHTING = r"""(?:
    fighting | hostilities | attacks? | air\s?strikes | (?:missile\s+|drone\s+)?strikes | shelling | bombing
  | bombardments? | offensives? | (?:military\s+)?operations | firing | war | campaign | advance | aggression
  | military\s+(?:actions?|activity) | violence | armed\s+(?:activity|struggle|campaign) | raids
)"""

_HALTED = r"(?:stopped|halted|suspended|ceased|paused)"

CEASEFIRE_LEXICON = re.compile(
    rf"""\b(?:
        cease[-\s]?fires?
      | truces?
      | armistices?
      | moratori(?:um|ums|a)
      | cessation\s+of\s+(?:all\s+|the\s+)?{_FIGHTING}
      | ceas\w*\s+(?:all\s+|the\s+)?(?:{_FIGHTING}|fire)
      | {_HALT_OR_GO_ON}\s+(?:[\w'’-]+\s+){{0,3}}?{_FIGHTING}
      | {_FIGHTING}\s+(?:(?:be|been|being|is|are|was|were|to\s+be)\s+)?{_HALTED}
      | humanitarian\s+(?:pause|corridor)s?
      | silence\s+the\s+guns
      | guns\s+(?:have\s+|had\s+)?(?:fell|fall|falls|fallen|went|go|gone)\s+(?:silent|quiet)
      | (?:lay|lays|laying|laid)\s+down\s+(?:(?:their|its|our|your|his|her)\s+)?(?:heavy\s+)?(?:arms|weapons)
      | (?:take|takes|taking|took)\s+up\s+arms
      | hand\w*\s+over\s+(?:(?:their|its|our)\s+)?(?:heavy\s+)?weapons
      | stand\s+down
      | (?:hold|holds|holding)\s+(?:their\s+|its\s+)?fire
      | stop\s+firing
      | fight(?:ing)?\s+on
      | keep\w*\s+fighting
      | war\s+(?:would|will|could|must|can)\s+(?:only\s+)?(?:end|go\s+on|continue)
      | de-?escalation\s+(?:zones?|agreements?|deal)
      | regime\s+of\s+calm
      | reduc\w*\s+(?:in\s+)?violence
      | peace\s+(?:agreements?|deals?|accords?)
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)


# Every lexicon pattern contains one of these words; text without any is skipped with one cheap
# scan, which is most articles and most sentences of the rest. The scan runs on case-folded text:
# that is four to five times faster than a case-insensitive pattern.
_ANCHORS = re.compile(
    r"""\b(?:cease|truce|armistice|moratori|cessation|hostilit|fight|attack|air\s?strike|strike|shell|bomb
    |offensive|operation|firing|fire|war|campaign|advance|aggression|militar|violence|armed|raid|pause
    |corridor|guns|arms|weapons|down|peace|calm|escalation|de-?escalation)""",
    re.VERBOSE,
)


def may_mention_ceasefire(text: str) -> bool:
    """Whether any sentence of `text` can hold a lexicon term. False for most articles, which then
    need no sentence split at all."""
    return _ANCHORS.search(text.casefold()) is not None


def ceasefire_terms(sentence: str) -> tuple[str, ...]:
    """The lexicon terms a sentence contains, lower-cased and in order of appearance."""
    if not may_mention_ceasefire(sentence):
        return ()
    return tuple(
        dict.fromkeys(" ".join(m.group(0).lower().split()) for m in CEASEFIRE_LEXICON.finditer(sentence))
    )


def candidate_spans(sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """[start, end) of every sentence that mentions the lexicon."""
    return [(s.start, s.end) for s in sentences if ceasefire_terms(s.text)]
