"""Conflict tagging: the shipped gazetteer, name matching, weighting and the decision rule."""

from __future__ import annotations

import json
import pickle

import pytest

from ceasefire_watch.text.conflicts import DEFAULT_GAZETTEER, load_gazetteer, parse_gazetteer
from ceasefire_watch.text.sentences import split_sentences
from tests.reference import REFERENCE_ARTICLE

KEY_SENTENCE_START = "“We agree with the proposal for a ceasefire to cease hostilities"
REQUIRED_SLUGS = (
    "russia-ukraine",
    "israel-gaza",
    "israel-lebanon",
    "israel-iran-2025",
    "syria",
    "yemen",
    "sudan",
    "ethiopia-tigray",
    "south-sudan",
    "drc-m23",
    "libya",
    "mozambique-renamo",
    "colombia-farc",
    "colombia-eln",
    "northern-ireland",
    "bosnia",
    "kosovo-1999",
    "basque-eta",
    "cyprus-1974",
    "india-pakistan",
    "afghanistan",
    "sri-lanka-ltte",
    "myanmar",
    "philippines-milf",
    "nepal-maoist",
    "thailand-cambodia-2025",
    "korean-war",
    "iran-iraq",
    "turkey-pkk",
    "indonesia-aceh",
    "ethiopia-eritrea",
    "vietnam",
    "gulf-war-1991",
    "georgia-russia-2008",
    "chechnya",
    "armenia-azerbaijan",
    "transnistria-1992",
    "somalia",
    "sahel-mali",
    "haiti-gangs",
)


@pytest.fixture(scope="module")
def document():
    return json.loads(DEFAULT_GAZETTEER.read_text("utf-8"))


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def slugs_listing(document, term):
    return {entry["slug"] for entry in document if term in entry["actors"] + entry["places"]}


class TestGazetteerFile:
    def test_covers_every_required_conflict_once(self, document):
        """Each required conflict has exactly one entry, and no slug appears twice."""
        slugs = [entry["slug"] for entry in document]
        assert len(slugs) == len(set(slugs))
        assert set(REQUIRED_SLUGS) <= set(slugs)

    def test_every_entry_is_complete(self, document):
        """Every entry has a name, region and years, and non-empty lists of non-empty string terms."""
        for entry in document:
            for key in ("slug", "name", "region", "years"):
                assert isinstance(entry[key], str) and entry[key].strip(), (entry["slug"], key)
            for key in ("actors", "places"):
                assert entry[key], (entry["slug"], key)
                for term in entry[key]:
                    assert isinstance(term, str) and term.strip() == term and term, (entry["slug"], term)
                    assert not term[0].islower(), (entry["slug"], term)
                assert len(entry[key]) == len(set(entry[key])), (entry["slug"], key)

    def test_loader_accepts_the_shipped_file(self, document, gazetteer):
        """The validating loader reads every entry of the shipped file."""
        assert gazetteer.slugs == tuple(entry["slug"] for entry in document)

    def test_ambiguous_names_are_listed_under_each_conflict(self, document):
        """Names shared by several conflicts are listed under each of them, for the tagger to split."""
        assert {"russia-ukraine", "georgia-russia-2008", "chechnya"} <= slugs_listing(document, "Moscow")
        assert {"israel-gaza", "israel-lebanon", "israel-iran-2025"} <= slugs_listing(document, "Israel")


class TestParseGazetteer:
    @staticmethod
    def entry(slug="a", actors=("Foo",), places=("Bar",)):
        return {
            "slug": slug,
            "name": "A",
            "region": "R",
            "years": "2000",
            "actors": list(actors),
            "places": list(places),
        }

    def test_rejects_a_duplicate_slug(self):
        """Two entries with one slug are refused, naming the slug."""
        with pytest.raises(ValueError, match="duplicate slug 'a'"):
            parse_gazetteer([self.entry(), self.entry()])

    def test_rejects_an_empty_list(self):
        """An entry without places is refused."""
        with pytest.raises(ValueError, match="'places' must be a non-empty list"):
            parse_gazetteer([self.entry(places=())])

    @pytest.mark.parametrize("term", ["", " Foo", 7, "foo"])
    def test_rejects_a_blank_padded_non_string_or_lowercase_term(self, term):
        """Terms must be trimmed, non-empty strings that start with a capital or a digit."""
        with pytest.raises(ValueError, match=r"term|must start with a capital"):
            parse_gazetteer([self.entry(actors=("Foo", term))])


class TestTagSentences:
    @pytest.mark.parametrize(
        ("sentence", "slug"),
        [
            # places only
            (
                "Shelling continued overnight around Pokrovsk and Kramatorsk despite the announced truce.",
                "russia-ukraine",
            ),
            (
                "Aid trucks crossed at Kerem Shalom as the pause in Rafah and Khan Younis began.",
                "israel-gaza",
            ),
            ("The truce brought the first quiet nights to El Fasher and Omdurman in months.", "sudan"),
            ("Residents of Goma and Bukavu said the ceasefire was largely holding.", "drc-m23"),
            (
                "Guns fell silent along the Line of Control in Poonch and Rajouri on Saturday evening.",
                "india-pakistan",
            ),
            ("The ceasefire held in Tskhinvali and Gori on its first day.", "georgia-russia-2008"),
            # actors only
            ("Hamas said it accepted the Egyptian proposal for a 72-hour humanitarian truce.", "israel-gaza"),
            ("The Houthis announced a unilateral halt to cross-border attacks.", "yemen"),
            ("The ELN declared a unilateral ceasefire over the Christmas holidays.", "colombia-eln"),
            ("Prachanda said the Maoists would observe an indefinite ceasefire.", "nepal-maoist"),
            ("The Tatmadaw and the Three Brotherhood Alliance agreed to a temporary truce.", "myanmar"),
            # possessives, straight and curly, plurals and diacritics
            (
                "Ukraine's general staff said its units would stop firing along the contact line.",
                "russia-ukraine",
            ),
            ("Hezbollah’s leader said the group would not halt its attacks.", "israel-lebanon"),
            ("Tamils in Jaffna welcomed the truce.", "sri-lanka-ltte"),
            ("Öcalan called on the fighters to lay down their arms.", "turkey-pkk"),
            ("Ocalan called on the fighters to lay down their arms.", "turkey-pkk"),
            ("The ceasefire was announced in Bogotá by the FARC delegation.", "colombia-farc"),
            # an ambiguous capital, resolved by a place
            (
                "Moscow said its peacekeepers in South Ossetia would respect the cease-fire.",
                "georgia-russia-2008",
            ),
            ("Moscow said the truce in Grozny would hold if the rebels disarmed.", "chechnya"),
            ("Moscow backed a ceasefire on the Dniester around Bender and Tiraspol.", "transnistria-1992"),
            ("Moscow rejected a 30-day ceasefire along the front in Zaporizhzhia.", "russia-ukraine"),
            ("Israel said it would halt strikes on Fordow and Natanz.", "israel-iran-2025"),
            (
                "Israel agreed to withdraw from south Lebanon under the ceasefire with Hezbollah.",
                "israel-lebanon",
            ),
        ],
    )
    def test_names_the_conflict(self, gazetteer, sentence, slug):
        """A sentence naming a conflict's actors or places gets that conflict's slug."""
        assert gazetteer.tag(sentence, "", "") == slug

    @pytest.mark.parametrize(
        "sentence",
        [
            "The ceasefire should hold for the sake of the children, the spokesman said.",
            "Shares rose after the two retailers agreed a truce in their price war.",
            "Moscow welcomed the ceasefire and called for talks.",  # only a name several conflicts share
            "Israel said the truce would hold.",
            "Hamas and Hezbollah both welcomed the announcement.",  # two conflicts, evenly
        ],
    )
    def test_abstains_without_clear_evidence(self, gazetteer, sentence):
        """No names, common words that look like names, or evenly split evidence give None."""
        assert gazetteer.tag(sentence, "", "") is None

    def test_names_are_whole_words(self, gazetteer):
        """An acronym inside a longer word ("SAF" in "USAF") is not a match."""
        assert gazetteer.scores("USAF and NASAF officials met.") == {}
        assert gazetteer.scores("SAF officials met.") == {"sudan": 1.0}

    def test_curly_apostrophes_and_line_breaks_inside_names_match(self, gazetteer):
        """ "Sana’a" matches the listed "Sana'a", and a name broken across lines still matches."""
        assert gazetteer.scores("Talks in Sana’a") == {"yemen": 1.0}
        assert gazetteer.scores("talks on Sri\nLanka and Khan\nYounis").keys() == {
            "sri-lanka-ltte",
            "israel-gaza",
        }

    def test_survives_pickling(self, gazetteer):
        """A pickled gazetteer (as Beam ships DoFn state) is rebuilt and tags alike."""
        restored = pickle.loads(pickle.dumps(gazetteer))
        assert restored.tag("Kyiv welcomed the truce.", "", "") == "russia-ukraine"

    def test_shared_name_is_split_between_conflicts(self, gazetteer, document):
        """A name listed by n conflicts adds 1/n to each of them."""
        owners = slugs_listing(document, "Moscow")
        assert gazetteer.scores("Moscow") == pytest.approx({slug: 1 / len(owners) for slug in owners})


class TestTagWithContext:
    def test_context_decides_for_a_sentence_without_names(self, gazetteer):
        """A quote that names nothing takes its conflict from the neighbouring sentences."""
        statement = "“We will respect it as long as the other side does,” he said."
        context = "A Houthi spokesman in Sanaa commented on the truce. Saudi officials did not respond."
        assert gazetteer.tag(statement, "", "") is None
        assert gazetteer.tag(statement, context, "") == "yemen"

    def test_statement_outweighs_the_rest_of_the_article(self, gazetteer):
        """A name in the statement counts three times a name elsewhere: Lebanon beats two Gaza mentions."""
        statement = "Hezbollah said it would respect the ceasefire in south Lebanon."
        article = f"Gaza talks resumed in Cairo. {statement} Officials said more talks were planned."
        assert gazetteer.tag(statement, "", article) == "israel-lebanon"

    def test_a_long_article_outweighs_a_passing_mention(self, gazetteer):
        """A statement that mentions another conflict in passing keeps the conflict the article is about."""
        statement = "Hezbollah welcomed the truce, the group said."
        article = " ".join(
            [
                "Hamas and Israel agreed a truce in Gaza.",
                "Aid reached Rafah and Khan Younis.",
                statement,
                "Gaza residents returned to Jabalia and Beit Lahia.",
                "Hamas freed hostages in Deir al-Balah.",
            ]
        )
        assert gazetteer.tag(statement, "", article) == "israel-gaza"

    def test_article_decides_when_statement_and_context_are_silent(self, gazetteer):
        """With nothing nearby, the rest of the article sets the conflict."""
        article = (
            "Fighting around Goma eased. M23 rebels held their positions. The truce held, officials said."
        )
        assert gazetteer.tag("The truce held, officials said.", "", article) == "drc-m23"

    def test_reference_article_key_sentence_is_russia_ukraine(self, gazetteer):
        """The reference article's key quote, with its neighbours and the article, is about Russia-Ukraine."""
        article = REFERENCE_ARTICLE
        sentences = split_sentences(article)
        index = next(i for i, s in enumerate(sentences) if s.text.startswith(KEY_SENTENCE_START))
        context = f"{sentences[index - 1].text} {sentences[index + 1].text}"
        assert gazetteer.tag(sentences[index].text, context, article) == "russia-ukraine"
