"""Reference points for the evaluation report: keyword rules and zero-shot embedding similarity.

They show what the fine-tuned model adds over what a team could do without a labelled corpus.
"""

from __future__ import annotations

import re

from ceasefire_watch.records import IRRELEVANT
from ceasefire_watch.text.lexicon import ceasefire_terms

_OPPOSE = re.compile(
    r"\b(reject\w*|refus\w*|rule[sd]? out|dismiss\w*|suspend\w*|no (?:ceasefire|truce)|never"
    r"|will not|won't|trap|ruse|fight on|break)\b",
    re.I,
)
_CONDITIONAL = re.compile(
    r"\b(but|only if|provided|as long as|on condition|unless|once|must first|so long as)\b", re.I
)
_SUPPORT = re.compile(
    r"\b(welcom\w*|agree\w*|accept\w*|call\w* for|urg\w*|announc\w*|order\w*|declar\w*"
    r"|support\w*|back\w*|commit\w*)\b",
    re.I,
)

LABEL_DESCRIPTIONS = {
    IRRELEVANT: "A sentence about business, sport, politics, fires or battles, not a ceasefire in a war.",
    "support": "The speaker agrees to, welcomes or calls for a ceasefire in the war.",
    "conditional": "The speaker agrees to a ceasefire but attaches conditions or demands.",
    "oppose": "The speaker rejects or refuses a ceasefire and vows to keep fighting.",
    "neutral": "A factual report that a ceasefire took effect, was violated or is being negotiated.",
}


def keyword_rule_label(text: str) -> str:
    """Lexicon for relevance, then cue words: the alert a plain keyword system would raise."""
    if not ceasefire_terms(text):
        return IRRELEVANT
    if _OPPOSE.search(text):
        return "oppose"
    if _CONDITIONAL.search(text):
        return "conditional"
    if _SUPPORT.search(text):
        return "support"
    return "neutral"
