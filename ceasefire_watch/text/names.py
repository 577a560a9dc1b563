"""People named in an article: their names, titles and whom they speak for.

A name counts as a person's when there is evidence for it (a rank, the NER label, a person noun
beside it, an alias); later surname-only mentions are resolved to the first full name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from ceasefire_watch.records import Speaker
from ceasefire_watch.text.canonical import APOSTROPHES as _APOSTROPHES
from ceasefire_watch.text.canonical import state_named
from ceasefire_watch.text.wordlists import (
    ALIAS_WORDS,
    CAPITALS,
    DEMONYMS,
    NAME_PARTICLES,
    ORG_NAME_ENDINGS,
    ORG_NOUNS,
    PERSON_NOUNS,
    RANK_ABBREVIATIONS,
    RANKS,
    ROLE_NOUNS,
    country,
    strip_article,
)

GROUP_LABELS = frozenset({"ORG", "GPE", "NORP"})


def is_lower(token: Token) -> bool:
    return token.text[:1].islower()


@dataclass(frozen=True)
class Person:
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
        and text.translate(_APOSTROPHES).replace("-", "").replace("'", "").isalpha()
        and not (len(text) > 1 and text.isupper())
        and token.lower_ not in {"the", "a", "an"}
        and token.ent_type_ not in {"DATE", "TIME", "CARDINAL", "ORDINAL"}
        and (token.pos_ == "PROPN" or token.ent_type_ == "PERSON")
    )


_KNOWN_AS = re.compile(
    r"([A-Z][\w'’-]+(?: [A-Z][\w'’-]+){0,3}), (?:[^,.\n]{1,60}, )?(?:who (?:is |was )?)?"
    r"(?:better |also |widely )?(?:known (?:as|by)|goes by)"
    r"(?: (?:his|her|the) (?:nom de guerre|alias|name))? ([A-Z][\w'’-]+)"
)
"""`Pushpa Kamal Dahal, better known as Prachanda`, `Mendez, who goes by the nom de guerre
Tiburon`: the name later mentions use (an apposition may come between)."""


def _continues_name(doc: Doc, index: int) -> bool:
    """`Ki-moon` after `Ban`, `Na'eem` after `Sami`: name parts the tagger does not call proper."""
    if index == 0:
        return False
    token, previous = doc[index], doc[index - 1]
    if index >= 2 and previous.text == "-" and not previous.whitespace_ and token.is_alpha:
        return not doc[index - 2].whitespace_ and _is_name_word(doc[index - 2])
    return bool(_INNER_APOSTROPHE.fullmatch(token.text)) and _is_name_word(previous)


_INNER_APOSTROPHE = re.compile(r"[A-Z][a-z]{0,3}['’][A-Za-z]{2,}")


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
            joined |= token.text == "." and doc[end - 1].lower_ in RANK_ABBREVIATIONS  # "Col. Lam Gatluak"
            particle = (
                token.lower_ in NAME_PARTICLES
                and end + 1 < len(doc)
                and (doc[end + 1].text == "-" or _is_name_word(doc[end + 1]))
            )
            if _is_name_word(token) or joined or particle or _continues_name(doc, end):
                end += 1
            else:
                break
        while end > index and not (_is_name_word(doc[end - 1]) or _continues_name(doc, end - 1)):
            end -= 1
        office_of = index >= 2 and doc[index - 1].lower_ in {"of", "for"}
        office_of = office_of and doc[index - 2].lower_ in ROLE_NOUNS
        if office_of and end - index >= 3:
            index += 1  # "Minister of State X Y", "Commissioner for Peace X Y"
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


def is_person_noun(token: Token) -> bool:
    return is_lower(token) and token.lemma_.lower() in PERSON_NOUNS


def _split_title(words: list[Token]) -> tuple[list[Token], list[Token]]:
    """Ranks and offices before a name, and the name: `Ukrainian Defence Minister | Oleksandr Bondar`."""
    ranks = []
    while words and (words[0].lower_.rstrip(".") in RANKS | PERSON_NOUNS or words[0].text == "."):
        ranks.append(words.pop(0))
    offices = [i for i, word in enumerate(words[:-1]) if word.lower_ in ROLE_NOUNS]
    if offices:
        ranks += words[: offices[-1] + 1]
        words = words[offices[-1] + 1 :]
    return ranks, words


def _name_mention(doc: Doc, start: int, end: int) -> _NameMention | None:
    """Read a name chain as a person's name, with the evidence that it is one and its title words.

    Evidence is a rank (`Colonel`), the NER label, a person noun beside it (`shopkeeper X`,
    `X, a schoolteacher`, `a spokesman, X,`), a relative `X, who ...`, or an alias (`who uses the
    alias X`). A name that ends like an organisation's (`Arakan Army`) is never a person's.
    """
    ranks, words = _split_title(list(doc[start:end]))
    if not words or words[-1].lower_ in ORG_NAME_ENDINGS:
        return None
    name = doc[words[0].i : end].text
    if name.lower() in CAPITALS or name.lower() in DEMONYMS or state_named(name):
        return None  # "Jordan's army" is not Jordan Mbeki's
    if start >= 1 and doc[start - 1].text in {"al", "el"}:
        return None  # "al Shabaab", "al Qaeda": a group's name after the Arabic article
    segment = _segment(doc, start - 1, -1)
    cut = max((i + 1 for i, t in enumerate(segment) if t.pos_ in {"DET", "ADP", "PRON", "CCONJ"}), default=0)
    left = segment[cut:]
    strong = bool(ranks) or any(is_person_noun(t) for t in left[-2:])
    after: list[Token] = []
    if end + 1 < len(doc) and doc[end].text == ",":
        if doc[end + 1].lower_ == "who":
            strong = True
            after = [t for t in doc[end + 1 : min(end + 14, len(doc))]]
            stop = next((i for i, t in enumerate(after) if t.is_punct), len(after))
            after = after[:stop]
        elif doc[end + 1].pos_ in {"DET", "PRON", "ADJ", "NOUN"} or doc[end + 1].dep_ == "poss":
            after = _segment(doc, end + 1, 1)
            if any(is_person_noun(t) for t in after):
                strong = True
            else:
                after = []
    before: list[Token] = []
    if start >= 2 and doc[start - 1].text == ",":
        before = _segment(doc, start - 2, -1)
        if any(is_person_noun(t) for t in before):
            strong = True
        else:
            before = []
    if start >= 1 and doc[start - 1].lower_ in ALIAS_WORDS:
        strong = True
    if start >= 2 and doc[start - 1].lower_ == "as" and doc[start - 2].lower_ == "name":
        strong = True
    labelled = any(t.ent_type_ == "PERSON" for t in words) and not any(
        t.ent_type_ in GROUP_LABELS for t in words
    )
    titles = tuple(before + left + ranks + after)
    return _NameMention(start, end, name, titles, strong or labelled)


def _title_keys(tokens: Sequence[Token]) -> set[str]:
    keys: set[str] = set()
    for token in tokens:
        word = token.lower_.removesuffix("'s").removesuffix("’s")
        keys.update({word, word.replace(".", ""), token.lemma_.lower()})  # U.N. and UN
        keys.add(RANK_ABBREVIATIONS.get(word.rstrip("."), word))
        if nation := country(word):
            keys.add(nation.lower())
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
                text = strip_article(doc[phrase[0].i : phrase[-1].i + 1].text)
                return country(text) or text
    for label in ("ORG", "GPE", "NORP"):
        for token in usable:
            if token.ent_type_ == label and (entity := entity_of(token)) is not None:
                text = strip_article(entity.text)
                if label == "NORP" and token.head.lemma_.lower() in ORG_NOUNS and token.head.i in indices:
                    return f"{text} {token.head.text}"
                return country(text) or text
    for token in usable:
        if token.pos_ == "PROPN" and not is_lower(token) and token.lower_ not in RANKS | PERSON_NOUNS:
            return country(token.text) or _proper_phrase(token)
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
    entity = entity_of(token)
    if entity is not None:
        return strip_article(re.split(r"[\n,]", entity.text)[0])
    head = token
    while head.dep_ == "compound" and head.head.pos_ == "PROPN" and head.head.i > head.i:
        head = head.head
    words = [
        t for t in head.subtree if t.i <= head.i and t.pos_ == "PROPN" and t.dep_ in {"compound", "flat"}
    ]
    start = min((t.i for t in words), default=head.i)
    return token.doc[start : head.i + 1].text


def entity_of(token: Token) -> Span | None:
    if not token.ent_type_:
        return None
    for entity in token.doc.ents:
        if entity.start <= token.i < entity.end:
            return entity
    return None


def _inside_description(token: Token, apposition: Token) -> bool:
    """Whether a name sits in a prepositional phrase of an apposition (`an alliance of X groups`)."""
    if apposition.dep_ != "appos":
        return False
    while token.i != apposition.i and token.head.i != token.i:  # Token objects are made anew on each access
        if token.dep_ == "pobj":
            return True
        token = token.head
    return False


def _surname_key(name: str) -> str:
    """One key for a surname's spellings: `Na’eem` and `Na'eem`, `Zelenskiy` and `Zelensky`,
    `al-Ansari` and `Ansari`."""
    words = name.split()
    surname = (
        re.sub(r"^(?:al|el|ad|as|ash|at)-", "", words[-1].lower().translate(_APOSTROPHES)) if words else ""
    )
    return surname[:-2] + "y" if surname.endswith("iy") else surname


class _ShortNames:
    """Which full name a shorter mention stands for: `Tadesse told a rally` after `Tadesse
    Werede` (some names are shortened to the first), `Prachanda said` after `Pushpa Kamal Dahal,
    better known as Prachanda`; otherwise its surname."""

    def __init__(self, full: dict[str, str], text: str) -> None:
        self._full = full
        first_names = {key: name.split()[0].lower() for key, name in full.items()}
        given = Counter(first_names.values())
        self._by_given = {first: key for key, first in first_names.items() if given[first] == 1}
        self.aliases = {
            _surname_key(alias): _surname_key(name)
            for name, alias in _KNOWN_AS.findall(text)
            if _surname_key(name) in full
        }

    def key_of(self, mention: _NameMention) -> str:
        key = _surname_key(mention.name)
        if key in self.aliases:
            return self.aliases[key]
        if key in self._full or " " in mention.name:
            return key
        return self._by_given.get(mention.name.lower(), key)


class People:
    """Everyone named in one parsed article, and which tokens name them."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.people: dict[str, Person] = {}
        self.mentions: list[tuple[int, str]] = []  # (last token of a name mention, surname key)
        self._aliases: dict[str, str] = {}  # `Prachanda` -> the key of `Pushpa Kamal Dahal`
        self._person_at: dict[int, str] = {}  # token index -> surname key
        self._collect_people()

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
        short_names = _ShortNames(full, self.doc.text)
        key_of = short_names.key_of
        self._aliases = short_names.aliases
        for mention in mentions:
            if mention.evidence and key_of(mention) not in full:
                full[key_of(mention)] = mention.name
        for mention in mentions:  # "Mariano Sitoe" once, then "Sitoe told reporters"
            key = key_of(mention)
            if key in full and " " not in full[key] and " " in mention.name:
                full[key] = mention.name
        titles: dict[str, set[str]] = {}
        speaks_for: dict[str, str | None] = {}
        for mention in mentions:
            key = key_of(mention)
            if key not in full:
                continue
            titles.setdefault(key, set()).update(_title_keys(mention.titles))
            if speaks_for.get(key) is None:
                speaks_for[key] = _speaks_for_from_title(mention.titles)
            self.mentions.append((mention.end - 1, key))
            for index in range(mention.start, mention.end):
                self._person_at[index] = key
        for key, name in full.items():
            self.people[key] = Person(name, speaks_for.get(key), frozenset(titles.get(key, ())))

    def by_surname(self, text: str) -> Person | None:
        """The person a bare surname names (`Zelenskiy:` in a headline, which tags it poorly)."""
        if " " in text.strip():
            return None
        key = _surname_key(text)
        return self.people.get(self._aliases.get(key, key))

    def person_at(self, token: Token) -> Person | None:
        key = self._person_at.get(token.i)
        return self.people.get(key) if key is not None else None

    def person_in_phrase(self, head: Token) -> Person | None:
        """A named person inside a person-noun subject: `shopkeeper X`, `a spokesman, X,`, `alias X`.

        Inside a relative clause or a prepositional phrase only an alias counts (`a commander who
        uses the alias X`), or a name set off after it (`a spokesman for X, Y,`); `a spokesman for
        X` names whom he speaks for, not him.
        """
        if not (is_person_noun(head) or head.pos_ == "PROPN"):
            return None
        for child in head.children:
            if child.dep_ not in {"compound", "appos", "flat", "nmod", "npadvmod", "relcl", "acl", "prep"}:
                continue
            for token in child.subtree:
                person = self.person_at(token)
                if person is None:
                    continue
                if _inside_description(token, child):
                    continue  # "the FLA, an alliance of mostly Tuareg groups": not its name
                if child.dep_ not in {"relcl", "acl", "prep"} or self.named_by_alias(token):
                    return person
                if child.dep_ == "prep" and token.dep_ == "appos" and is_person_noun(head):
                    return person  # the parser hangs "Lway Yay Oo" on the TNLA
                if child.dep_ == "prep" and head.pos_ == "PROPN" and head.lower_ in ROLE_NOUNS:
                    return person  # "High Commissioner for Peace Luis Ortega": an office's title
        return None

    def named_by_alias(self, token: Token) -> bool:
        index = token.i
        while index > 0 and self._person_at.get(index - 1) == self._person_at.get(token.i):
            index -= 1
        return index > 0 and self.doc[index - 1].lower_ in ALIAS_WORDS | {"as"}
