"""Which conflict a ceasefire statement is about, so that alerts can be filtered and routed per conflict.

A gazetteer (``data/conflicts.json``, shipped inside the package) lists, for each conflict, the
names that identify it in news text: actors (states, demonyms, armed groups, leaders, capitals used
as metonyms) and places (regions, towns, front lines, rivers). Tagging counts those names in the
statement, in its neighbouring sentences and in the rest of the article, weighting nearer evidence
more, and names a conflict only when one is clearly ahead. A name listed under several conflicts
("Moscow", "Israel") is split between them, so the other names around it decide.

Names match whole words, case-sensitively and as listed (plus their plural, possessive and
unaccented forms), so that the Kivu town "Sake" is not found in "for the sake of". Text in capitals
only is not matched: datelines ("DOHA —") name where the reporter or the talks are, often a
mediator's city, and counting them pulled articles away from their conflict in the evaluation.

Why a gazetteer and not a classifier: conflicts are named by proper nouns, a list is auditable and
can be extended by anyone the day a new war starts, and matching is a single regex scan per text.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_GAZETTEER = Path(__file__).resolve().parent / "data" / "conflicts.json"

STATEMENT_WEIGHT = 3.0
"""A name in the statement itself is the strongest evidence of what it is about."""
CONTEXT_WEIGHT = 2.0
"""The sentences either side often carry the place or the actor a quote leaves out ("he said")."""
ARTICLE_WEIGHT = 1.0
"""The rest of the article sets the topic when the statement and its neighbours name nothing."""
MIN_SCORE = 1.0
"""At least one mention of a name unique to the conflict somewhere in the article."""
MIN_LEAD = 1.5
"""The winner must score at least this many times the runner-up; otherwise the text is mixed."""

_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]+")
# Letters that NFKD leaves whole, and apostrophes.
_UNDECOMPOSED = str.maketrans("ıđĐøØłŁ’‘ʼ", "idDoOlL'''")
_SEPARATORS = re.compile(r"[\s\-‐‑–]+")
_HYPHEN_CLASS = r"[-‐‑–]"


def fold(text: str) -> str:
    """Strip diacritics and straighten apostrophes: "Bogotá" also gives "Bogota", "Sana’a" "Sana'a"."""
    if text.isascii():
        return text
    text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    return text.translate(_UNDECOMPOSED)


def term_key(text: str) -> str:
    """The identity of a name regardless of case, accents, hyphens or spacing ("Nagorno-Karabakh")."""
    return _SEPARATORS.sub(" ", fold(text)).casefold().strip()


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class Conflict:
    """One entry of the gazetteer: identity, for display, and the names that point to it."""

    slug: str
    name: str
    region: str
    years: str
    actors: tuple[str, ...]
    places: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return self.actors + self.places


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """The conflicts, and one compiled regex over every name of every conflict.

    One regex (a character trie, so that the engine never tries thousands of alternatives at a
    position) scans each text once, instead of one scan per conflict; each match is looked up in
    ``weights``, which already divides a shared name between the conflicts that list it.
    """

    conflicts: tuple[Conflict, ...]
    pattern: re.Pattern[str]
    weights: Mapping[str, tuple[tuple[str, float], ...]]
    """By ``term_key``: for each conflict listing the name, 1 / (number of conflicts listing it)."""
    surface_weights: Mapping[str, tuple[tuple[str, float], ...]] = field(repr=False)
    """The same, by exact spelling (and its plural), so that a match is one dictionary lookup."""
    article_scores: Callable[[str], Mapping[str, float]] = field(repr=False)
    """``scores`` remembered for the last few texts: an article is scanned once, not once per statement."""

    @classmethod
    def build(cls, conflicts: Iterable[Conflict]) -> Gazetteer:
        """Index every name of every conflict and compile the regex (about half a second)."""
        conflicts = tuple(conflicts)
        owners: dict[str, list[str]] = {}
        surface_forms: set[str] = set()
        for conflict in conflicts:
            for term in conflict.terms:
                slugs = owners.setdefault(term_key(term), [])
                if conflict.slug not in slugs:
                    slugs.append(conflict.slug)
                surface_forms.update((term, fold(term)))
        weights = {key: tuple((slug, 1.0 / len(slugs)) for slug in slugs) for key, slugs in owners.items()}
        surface_weights = {form + "s": weights[term_key(form)] for form in surface_forms}
        surface_weights.update({form: weights[term_key(form)] for form in surface_forms})
        # The trie comes first so that the regex engine skips, in C, every position whose character
        # cannot start a name (terms start with a capital or a digit). A trailing "s" covers plurals
        # ("Houthis"); a possessive ("Russia's") needs nothing, the apostrophe already ends the word.
        pattern = re.compile(r"(?:" + _trie_pattern(surface_forms) + r")s?(?!\w)")
        count = functools.partial(_count_names, pattern, surface_weights, weights)
        return cls(conflicts, pattern, weights, surface_weights, functools.lru_cache(maxsize=16)(count))

    def __reduce__(self) -> tuple[Callable[[tuple[Conflict, ...]], Gazetteer], tuple[tuple[Conflict, ...]]]:
        """Pickled as its conflicts and rebuilt on load (the cache inside cannot be pickled), for Beam."""
        return (Gazetteer.build, (self.conflicts,))

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(conflict.slug for conflict in self.conflicts)

    def scores(self, text: str) -> dict[str, float]:
        """Each conflict's share of the names found in ``text`` (a shared name counts 1/n for each of n)."""
        return _count_names(self.pattern, self.surface_weights, self.weights, text)

    def tag(self, statement: str, context: str, article_text: str) -> str | None:
        """The slug of the conflict a statement is about, or None when no conflict is clearly ahead.

        ``context`` is the neighbouring sentences; ``article_text`` the whole article, which may
        include the statement and context (their mentions are then counted once, at their own
        weight). A conflict wins when it scores at least ``MIN_SCORE`` and ``MIN_LEAD`` times the
        runner-up.
        """
        in_statement = self.scores(statement)
        in_context = self.scores(context) if context else {}
        in_article = self.article_scores(article_text) if article_text else {}
        totals: dict[str, float] = {}
        for slug in in_statement.keys() | in_context.keys() | in_article.keys():
            near = in_statement.get(slug, 0.0)
            neighbours = in_context.get(slug, 0.0)
            rest = max(0.0, in_article.get(slug, 0.0) - near - neighbours)
            totals[slug] = STATEMENT_WEIGHT * near + CONTEXT_WEIGHT * neighbours + ARTICLE_WEIGHT * rest
        return decide(totals)


def _count_names(
    pattern: re.Pattern[str],
    surface_weights: Mapping[str, tuple[tuple[str, float], ...]],
    weights: Mapping[str, tuple[tuple[str, float], ...]],
    text: str,
) -> dict[str, float]:
    totals: dict[str, float] = {}
    for match in pattern.finditer(text):
        start = match.start()
        if start and _is_word_char(text[start - 1]):
            continue  # inside a word: "SAF" in "USAF"
        found = match.group()
        # Not listed verbatim: a curly apostrophe, a line break inside a name, a plural.
        owners = (
            surface_weights.get(found)
            or weights.get(term_key(found))
            or weights.get(term_key(found[:-1]), ())
        )
        for slug, weight in owners:
            totals[slug] = totals.get(slug, 0.0) + weight
    return totals


def decide(totals: Mapping[str, float]) -> str | None:
    """The leading slug if it is clearly ahead of the runner-up, else None: a wrong tag misroutes an alert."""
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < MIN_SCORE:
        return None
    best_slug, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return best_slug if best >= MIN_LEAD * runner_up else None


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, longest first, factored by common prefixes."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _render(trie)


def _render(node: dict[str, Any]) -> str:
    branches = [_char(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: the longer ones are optional, tried first (greedy)
        return "(?:" + body + ")?"
    return body


def _char(char: str) -> str:
    if char == "'":
        return "['’]"
    if char == " ":
        return r"\s+"
    if char == "-":
        return _HYPHEN_CLASS
    return re.escape(char)


def parse_gazetteer(document: Any) -> tuple[Conflict, ...]:
    """The conflicts of a gazetteer document, or a ValueError naming the first thing wrong with it."""
    if not isinstance(document, list) or not document:
        raise ValueError("gazetteer: expected a non-empty JSON list of conflicts")
    conflicts: list[Conflict] = []
    seen: set[str] = set()
    for index, entry in enumerate(document):
        where = f"gazetteer entry {index}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object")
        for key in ("slug", "name", "region", "years"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"{where}: {key!r} must be a non-empty string")
        slug = entry["slug"]
        if slug in seen:
            raise ValueError(f"{where}: duplicate slug {slug!r}")
        seen.add(slug)
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("actors", "places"):
            terms = entry.get(key)
            if not isinstance(terms, list) or not terms:
                raise ValueError(f"{where} ({slug}): {key!r} must be a non-empty list")
            for term in terms:
                if not isinstance(term, str) or not term.strip() or term != term.strip():
                    raise ValueError(f"{where} ({slug}): {key!r} has a blank or padded term: {term!r}")
                if term[0].islower():
                    raise ValueError(f"{where} ({slug}): {term!r} must start with a capital or a digit")
            lists[key] = tuple(terms)
        conflicts.append(
            Conflict(
                slug=slug,
                name=entry["name"],
                region=entry["region"],
                years=entry["years"],
                actors=lists["actors"],
                places=lists["places"],
            )
        )
    return tuple(conflicts)


@functools.cache
def load_gazetteer(path: Path = DEFAULT_GAZETTEER) -> Gazetteer:
    """Read, validate and compile a gazetteer once per process (compiling the regex takes ~100 ms)."""
    document = json.loads(Path(path).read_text("utf-8"))
    return Gazetteer.build(parse_gazetteer(document))
