"""Speaker attribution, multi-sentence quotations and condition extraction."""

from __future__ import annotations

import pytest

from ceasefire_watch.records import Speaker
from ceasefire_watch.text.conditions import extract_conditions
from ceasefire_watch.text.names import _inside_description
from ceasefire_watch.text.quotes import expand_to_quotes, find_quotations
from ceasefire_watch.text.sentences import split_sentences
from ceasefire_watch.text.speakers import SpeakerAttributor, _entity_windows
from tests.reference import REFERENCE_ARTICLE

PUTIN = Speaker("Vladimir Putin", "person", "Russia")
KEY_SENTENCE = "“We agree with the proposal for a ceasefire to cease hostilities"
QUESTION_QUOTE = "“Who will give orders to cease hostilities?"


@pytest.fixture(scope="module")
def attributor() -> SpeakerAttributor:
    return SpeakerAttributor()


@pytest.fixture(scope="module")
def seed() -> str:
    return REFERENCE_ARTICLE


def _paragraph_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def span_of(text: str, fragment: str) -> tuple[int, int]:
    start = text.index(fragment)
    return start, start + len(fragment)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_sentences(text)]


def statement_starting(text: str, spans: list[tuple[int, int]], prefix: str) -> tuple[int, int]:
    return next(span for span in spans if text[span[0] : span[1]].startswith(prefix))


def speaker_of(attributor: SpeakerAttributor, text: str, fragment: str) -> Speaker | None:
    return attributor.attribute(text, [span_of(text, fragment)])[0]


class TestSeedArticle:
    def test_key_statements_are_putins(self, attributor, seed):
        """The key conditional sentence and the other quoted key statements are Vladimir Putin's."""
        spans = expand_to_quotes(seed, sentence_spans(seed))
        prefixes = [
            KEY_SENTENCE,
            QUESTION_QUOTE,
            "“All these issues need to be carefully",
            "“The idea is good, and we absolutely support it",
        ]
        chosen = [statement_starting(seed, spans, prefix) for prefix in prefixes]
        assert attributor.attribute(seed, chosen) == [PUTIN] * len(prefixes)

    def test_multi_sentence_question_quote_becomes_one_statement(self, seed):
        """The four sentences of the question quotation, attribution included, merge into one statement."""
        sentences = sentence_spans(seed)
        quote_start = seed.index(QUESTION_QUOTE)
        pieces = [s for s in sentences if quote_start <= s[0] < seed.index("Putin said.", quote_start) + 11]
        assert len(pieces) >= 4
        expanded = expand_to_quotes(seed, pieces)
        assert len(expanded) == 1
        text = seed[expanded[0][0] : expanded[0][1]]
        assert text.startswith(QUESTION_QUOTE)
        assert text.endswith("Who will be blamed for violating the ceasefire?” Putin said.")

    def test_key_sentence_conditions(self, seed):
        """The conditions of the key sentence are the enduring peace and removing the root causes."""
        start = seed.index(KEY_SENTENCE)
        statement = seed[start : seed.index("he said.", start) + len("he said.")]
        conditions = extract_conditions(statement)
        assert any("enduring peace" in c for c in conditions)
        assert any("remove the root causes" in c for c in conditions)
        assert all(c in statement for c in conditions)

    def test_narration_has_no_speaker(self, attributor, seed):
        """A narration sentence with no speech verb and no quotation has no speaker."""
        assert (
            speaker_of(attributor, seed, "A U.S. envoy arrived in Moscow on Thursday to discuss the proposal")
            is None
        )

    def test_one_parse_serves_every_span(self, attributor, seed):
        """attribute returns one answer per span, in order, and none for no spans."""
        spans = sentence_spans(seed)
        assert len(attributor.attribute(seed, spans)) == len(spans)
        assert attributor.attribute(seed, []) == []


class TestDirectQuotes:
    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            ("Hamas official Basem Naim spoke in Doha.\n“We accept the truce,” Naim said.", "“We accept"),
            (
                "Hamas official Basem Naim told reporters: “We accept the truce.”",
                "Hamas official Basem Naim told reporters: “We accept the truce.”",
            ),
            ("“We accept the truce,” said Basem Naim, a spokesman for Hamas.", "“We accept"),
        ],
    )
    def test_quote_with_attribution_clause(self, attributor, text, fragment):
        """“...,” X said / X said: “...” / “...,” said X all name X, by his full name."""
        speaker = speaker_of(attributor, text, fragment)
        assert speaker == Speaker("Basem Naim", "person", "Hamas")

    def test_continued_quote_takes_previous_speaker(self, attributor):
        """A quotation with no attribution continues the one before it in the paragraph."""
        text = "“The group has been isolated,” army spokesman Nabil Abdallah claimed. “They will surrender.”"
        assert speaker_of(attributor, text, "“They will surrender.”") == Speaker(
            "Nabil Abdallah", "person", "army"
        )

    def test_quote_after_colon_paragraph(self, attributor):
        """A quotation opening a paragraph after `X said:` is X's."""
        text = "The Qatari mediator Majed al-Ansari said:\n“Both sides must hold their fire.”"
        assert speaker_of(attributor, text, "“Both sides").name == "Majed al-Ansari"

    def test_straight_quotes(self, attributor):
        """Straight quotation marks work like curly ones."""
        text = '"We will honour the truce," Israeli army spokesman Avi Levy said.'
        assert speaker_of(attributor, text, '"We will honour').name == "Avi Levy"


class TestReportedSpeech:
    @pytest.mark.parametrize(
        "sentence",
        [
            "Prime Minister Ana Torres said that the truce would hold.",
            "Prime Minister Ana Torres said the truce would hold.",
            "According to Prime Minister Ana Torres, the truce will hold.",
            "Prime Minister Ana Torres told reporters that the truce would hold.",
            "Prime Minister Ana Torres warned that the truce might not hold.",
            "Prime Minister Ana Torres insisted the truce would hold.",
        ],
    )
    def test_reported_speech_patterns(self, attributor, sentence):
        """said (that), according to, told reporters, warned, insisted: each names the speaker."""
        assert speaker_of(attributor, sentence, sentence).name == "Ana Torres"

    def test_added_with_pronoun(self, attributor):
        """`He added` refers back to the last person who spoke."""
        text = "Colonel Omar Haddad said the ceasefire held. He added that patrols would continue."
        assert speaker_of(attributor, text, "He added").name == "Omar Haddad"

    def test_pronoun_prefers_the_subject(self, attributor):
        """`he said` after `X thanked Y` is X, the subject, not Y, the nearer name."""
        text = (
            "Putin thanked U.S. President Donald Trump for the effort.\n"
            "“We agree with the ceasefire,” he said."
        )
        speaker = speaker_of(attributor, "Russian President Vladimir Putin spoke. " + text, "“We agree")
        assert speaker == PUTIN

    def test_negated_speech_is_no_statement(self, attributor):
        """`has not said` attributes nothing."""
        text = "The White Army, a youth militia, has not said whether it will respect the halt."
        assert speaker_of(attributor, text, text) is None

    def test_joint_subject_is_a_joint_speaker_with_both_parties(self, attributor):
        """A joint act of two parties is attributed to both, each with whom it speaks for."""
        text = "Israel and Hamas agreed to a ceasefire on Sunday."
        israel, hamas = Speaker("Israel", "state", "Israel"), Speaker("Hamas", "organisation", "Hamas")
        assert speaker_of(attributor, text, text) == Speaker(
            "Israel and Hamas", "joint", None, (israel, hamas)
        )

    def test_the_two_sides_are_the_parties_named_before(self, attributor):
        """`The two sides` refers back to the last pair of parties the article named."""
        text = "Thailand and Cambodia met in Kuala Lumpur. The two sides said the truce would hold."
        speaker = speaker_of(attributor, text, "The two sides said")
        assert speaker is not None and [party.name for party in speaker.parties] == ["Thailand", "Cambodia"]


class TestRolesAndTypes:
    def test_role_reference_resolves_to_titled_person(self, attributor):
        """`the Russian president` is the named person whose title matches, not the nearest name."""
        text = (
            "Russian President Vladimir Putin met U.S. President Donald Trump in Helsinki.\n"
            "The ceasefire must address root causes, the Russian president said."
        )
        assert speaker_of(attributor, text, text.split("\n")[1]) == PUTIN

    def test_spokesman_reference(self, attributor):
        """`the spokesman` is the person introduced earlier with that title."""
        text = (
            "“We reject the truce,” army spokesman Colonel Patrice Mbuyi said. "
            "The spokesman said operations would continue."
        )
        assert speaker_of(attributor, text, "The spokesman said").name == "Patrice Mbuyi"

    def test_unnamed_role_is_its_own_speaker(self, attributor):
        """An official never named is reported by role."""
        text = "An Israeli official, speaking on condition of anonymity, said the pause would end."
        assert speaker_of(attributor, text, text) == Speaker("Israeli official", "person", "Israel")

    @pytest.mark.parametrize(
        ("sentence", "expected"),
        [
            ("Hamas said on Monday it accepted the truce.", Speaker("Hamas", "organisation", "Hamas")),
            ("Russia said it would observe the truce.", Speaker("Russia", "state", "Russia")),
            ("Moscow said the truce was a trick.", Speaker("Russia", "state", "Russia")),
            (
                "The Russian defence ministry said the truce held.",
                Speaker("Russian defence ministry", "organisation", "Russia"),
            ),
        ],
    )
    def test_organisations_and_states(self, attributor, sentence, expected):
        """Organisations and states are typed, and a capital speaks for its country."""
        assert speaker_of(attributor, sentence, sentence) == expected

    def test_appositive_gives_speaks_for(self, attributor):
        """`X, the Sudanese army's spokesman,` speaks for the Sudanese army."""
        text = "Nabil Abdallah, the Sudanese army's spokesman, said the truce was over."
        assert speaker_of(attributor, text, text) == Speaker("Nabil Abdallah", "person", "Sudanese army")


class TestQuotations:
    def test_find_quotations_curly_and_straight(self):
        """Curly and straight quotations are found with their marks; an unclosed one runs to the line end."""
        text = '“One.” and "two" and “three\nnext'
        assert [text[s:e] for s, e in find_quotations(text)] == ["“One.”", '"two"', "“three"]

    def test_sentences_inside_a_quote_merge(self):
        """Every sentence cut out of `“A. B? C?” he said.` widens to the same statement."""
        text = (
            "Intro line.\n“We agree. But who will monitor it? Who will pay?” he said. Then fighting resumed."
        )
        expanded = expand_to_quotes(text, sentence_spans(text))
        assert [text[s:e] for s, e in expanded] == [
            "Intro line.",
            "“We agree. But who will monitor it? Who will pay?” he said.",
            "Then fighting resumed.",
        ]

    def test_lead_in_attribution_is_kept(self):
        """A quotation opened inside a sentence keeps the words before it."""
        text = 'Putin asked "would they leave? Should we release them?" Fighting went on.'
        spans = sentence_spans(text)
        expanded = expand_to_quotes(text, spans)
        assert (
            text[expanded[0][0] : expanded[0][1]] == 'Putin asked "would they leave? Should we release them?"'
        )

    def test_whole_sentences_are_left_alone(self):
        """Spans that already hold their quotation, or none, are unchanged."""
        text = "“We agree,” he said. The truce held."
        spans = sentence_spans(text)
        assert expand_to_quotes(text, spans) == spans


class TestConditions:
    @pytest.mark.parametrize(
        ("statement", "expected"),
        [
            ("We agree to a truce, but Israel must withdraw first.", ["Israel must withdraw first"]),
            ("Kyiv will stop strikes, but only if Moscow halts its attacks.", ["Moscow halts its attacks"]),
            ("Ukraine is ready provided that Russian warships stay east.", ["Russian warships stay east"]),
            ("We will hold fire as long as the other side does.", ["the other side does"]),
            (
                "We will withdraw on condition that our prisoners are released.",
                ["our prisoners are released"],
            ),
            ("The truce takes effect once the hostages are released.", ["the hostages are released"]),
            ("There will be no truce unless the siege ends.", ["the siege ends"]),
            (
                "The rebels must first hand over their weapons.",
                ["The rebels must first hand over their weapons"],
            ),
            (
                "“Who will give orders to cease hostilities? And who will pay?” he said.",
                ["Who will give orders to cease hostilities", "who will pay"],
            ),
        ],
    )
    def test_markers(self, statement, expected):
        """Each conditional construction yields its condition without the marker word."""
        assert extract_conditions(statement) == expected

    def test_coordinated_conditions_split(self):
        """Two clauses joined by `and` are two conditions; two nouns joined by `and` are not split."""
        statement = "Only if the checkpoints near Rafah and Gaza City are lifted and aid reaches every town."
        assert extract_conditions(statement) == [
            "the checkpoints near Rafah and Gaza City are lifted",
            "aid reaches every town",
        ]

    def test_exact_substrings_in_order_without_duplicates(self):
        """Conditions are substrings of the statement, in order, each once."""
        statement = "We accept, but the army must leave, and the army must leave, once talks begin."
        conditions = extract_conditions(statement)
        assert conditions == ["the army must leave", "talks begin"]
        assert all(c in statement for c in conditions)

    def test_plain_statement_has_no_conditions(self):
        """A statement with no condition yields nothing."""
        assert extract_conditions("We welcome the ceasefire agreement.") == []


class TestWireCopy:
    def test_headline_prefix_role_is_the_person_the_story_names(self, attributor):
        """`Hamas official: ...` in a headline is the Hamas official named in the story."""
        text = (
            "Hamas official: group accepts the truce proposal\n"
            "DOHA (Harbour Wire) - Hamas has accepted the proposal, "
            "senior Hamas official Khaled Mansour said."
        )
        speaker = speaker_of(attributor, text, "Hamas official: group accepts the truce proposal")
        assert speaker is not None and speaker.name == "Khaled Mansour"

    def test_headline_prefix_capital_is_its_state(self, attributor):
        """`Kyiv: ...` in a headline is Ukraine speaking."""
        text = "Kyiv: energy truce only if strikes stop\nKYIV - Officials met on Tuesday."
        assert speaker_of(attributor, text, "Kyiv: energy truce") == Speaker("Ukraine", "state", "Ukraine")

    def test_a_news_agency_is_never_the_speaker(self, attributor):
        """The agency that quotes someone is the source; the one quoted speaks."""
        text = "The state news agency quoted the defence ministry as saying the ceasefire would hold."
        speaker = speaker_of(attributor, text, text)
        assert speaker is not None and speaker.name == "defence ministry"
        reported = "State television reported that troops had withdrawn under the truce."
        assert speaker_of(attributor, reported, reported) is None

    @pytest.mark.parametrize(
        "text",
        [
            "The state-run Morning Light reported that three officers were killed.",
            "The Morning Light, a state-run newspaper, said the talks went well.",
            "Xinhua's correspondent in Aceh said the market reopened on Sunday.",
        ],
    )
    def test_a_state_run_outlet_or_its_reporter_is_never_the_speaker(self, attributor, text):
        """An outlet known by `state-run` or `a newspaper` beside it, or an agency reporter, only reports."""
        assert speaker_of(attributor, text, text) is None

    def test_dateline_outlet_is_not_the_speaker(self, attributor):
        """A dateline's place and outlet never become the speaker of the sentence after them."""
        text = "ISTANBUL (Harbour Wire) - The truce was holding on Sunday, the Turkish defence ministry said."
        speaker = speaker_of(attributor, text, text.split(" - ")[1])
        assert speaker == Speaker("Turkish defence ministry", "organisation", "Turkey")

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("Russia's defence ministry said the truce had been broken.", "Russian defence ministry"),
            (
                "The Rapid Support Forces (RSF) agreed. The RSF said the truce would hold.",
                "Rapid Support Forces",
            ),
            ("Beijing said the ceasefire should hold.", "China"),
            (
                "The Council of Southern Elders (CSE) agreed. The CSE said the truce would hold.",
                "Council of Southern Elders",
            ),
            (
                "The Western Resistance Front, or WRF, agreed. The WRF said the truce would hold.",
                "Western Resistance Front",
            ),
            (
                "The Northern Defence Brigade, known as Halcon, agreed. Halcon said the truce would hold.",
                "Northern Defence Brigade",
            ),
            ("The U.N. Security Council said the truce must hold.", "United Nations Security Council"),
            ("The Kingdom of Saudi Arabia said the truce must hold.", "Saudi Arabia"),
            ("In an audio recording, al Shabaab said it rejected the truce.", "al Shabaab"),
            ("London said the truce must hold. Britain said it would send monitors.", "United Kingdom"),
        ],
    )
    def test_names_are_canonical(self, attributor, text, name):
        """Possessive states become adjectives, capitals their states, acronyms and aliases full names."""
        speaker = speaker_of(attributor, text, text.split(". ")[-1])
        assert speaker is not None and speaker.name == name

    def test_the_ministry_is_the_defence_ministry_named_before(self, attributor):
        """`the ministry said` after `the defence ministry said` is that defence ministry."""
        text = (
            "BAKU (Harbour Wire) - Troops fired at a border post overnight, the defence ministry said. "
            "The ministry said no one had been hurt."
        )
        speaker = speaker_of(attributor, text, "The ministry said no one had been hurt.")
        assert speaker is not None and speaker.name == "Azerbaijani defence ministry"

    def test_the_statement_is_its_issuer(self, attributor):
        """`the statement said` is whoever issued the statement earlier in the story."""
        text = (
            "Egypt's foreign ministry said in a statement that talks would resume. "
            "The statement said both sides had agreed to a truce."
        )
        speaker = speaker_of(attributor, text, "The statement said")
        assert speaker is not None and speaker.name == "Egyptian foreign ministry"

    def test_quotation_over_a_paragraph_break_keeps_its_speaker(self, attributor):
        """A quotation left open at a paragraph's end continues in the next; both halves are its speaker's."""
        text = (
            "GOMA (Harbour Wire) - Army spokesman Colonel Jean Mbala said the army would respect the truce. "
            '"We will not fire first. Our soldiers have orders to hold their positions.\n'
            '"If the rebels attack, we will respond and the ceasefire will be over," he said.\n'
            '"The truce is the only way to bring aid to Goma.\n'
            '"Nobody wants another war," Mbala added.'
        )
        for fragment in ('"We will not fire first.', '"If the rebels attack', '"The truce is the only way'):
            speaker = speaker_of(attributor, text, fragment)
            assert speaker is not None and speaker.name == "Jean Mbala", fragment

    def test_headline_pair_is_a_joint_speaker(self, attributor):
        """`Armenia, Azerbaijan agree ...` in a headline is both parties speaking together."""
        text = "Armenia, Azerbaijan agree to hold fire on border\nYEREVAN (Harbour Wire) - Guns fell silent."
        speaker = speaker_of(attributor, text, "Armenia, Azerbaijan agree to hold fire on border")
        assert speaker is not None and speaker.kind == "joint"
        assert [party.name for party in speaker.parties] == ["Armenia", "Azerbaijan"]

    def test_a_line_opening_with_a_pair_keeps_the_pair(self, attributor):
        """After a headline with no full stop, `Pakistan and India agreed` stays one joint speaker."""
        text = "Truce signed on the frontier\nPakistan and India agreed on Saturday to halt all firing."
        speaker = speaker_of(attributor, text, "Pakistan and India agreed on Saturday to halt all firing.")
        assert speaker is not None and [party.name for party in speaker.parties] == ["Pakistan", "India"]

    def test_an_unnamed_state_body_is_the_datelined_state(self, attributor):
        """`the defence ministry said` in a story from Bogota is the Colombian defence ministry."""
        text = "BOGOTA (Harbour Wire) - The defence ministry said troops would hold fire during the talks."
        speaker = speaker_of(attributor, text, text.split(" - ")[1])
        assert speaker == Speaker("Colombian defence ministry", "organisation", "Colombia")

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            (
                "BEIRUT (Harbour Wire) - The Health Ministry said two people were killed.",
                "Lebanese Health Ministry",
            ),
            (
                "KABUL (Harbour Wire) - The presidential palace said the truce would hold.",
                "Afghan presidential palace",
            ),
            (
                "BAMAKO (Harbour Wire) - The army general staff said units held fire.",
                "Malian army general staff",
            ),
            (
                "MANILA (Harbour Wire) - The provincial disaster office said schools had reopened.",
                "provincial disaster office",
            ),
            ("Armenia's General Staff said the truce held.", "Armenian General Staff"),
            (
                "TRIPOLI (Harbour Wire) - The Presidential Council said the truce took effect.",
                "Libyan Presidential Council",
            ),
            ("TRIPOLI (Harbour Wire) - The Security Council said the truce must hold.", "Security Council"),
            (
                "Interior Ministry: truce holds\nDAMASCUS (Harbour Wire) - Guns fell silent.",
                "Syrian Interior Ministry",
            ),
        ],
    )
    def test_state_bodies_take_the_state_adjective(self, attributor, text, name):
        """A state's unnamed or possessive body takes its adjective; a provincial one or bare council not."""
        speaker = speaker_of(attributor, text, text.split("\n")[0] if "\n" in text else text.split(" - ")[-1])
        assert speaker is not None and speaker.name == name

    def test_spokesman_named_after_his_organisation(self, attributor):
        """`A spokesman for X, NAME, said` is NAME, not an earlier spokesman."""
        text = (
            "Military spokesman Zaw Min Tun said the truce would be extended. "
            "A spokesman for the Arakan Army, Khaing Thu Kha, said the group would keep its positions."
        )
        speaker = speaker_of(attributor, text, text.split(". ")[1])
        assert speaker is not None and speaker.name == "Khaing Thu Kha"

    def test_whoever_quotes_someone_relays_them(self, attributor):
        """An outlet the project does not list still only relays the person it quotes as saying."""
        text = "The Kurdish outlet Rudaw quoted SDF commander Mazloum Abdi as saying the truce would hold."
        speaker = speaker_of(attributor, text, text)
        assert speaker is not None and speaker.name == "Mazloum Abdi"

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            (
                "The United Nations Mission in South Sudan said patrols would resume.",
                "United Nations Mission in South Sudan",
            ),
            ("U.N. Secretary-General Ban Ki-moon said both sides must stop.", "Ban Ki-moon"),
            (
                "Qatar's Minister of State Mohammed Al-Khulaifi said both parties agreed.",
                "Mohammed Al-Khulaifi",
            ),
            (
                "Pastor Jean Pierre Lafleur, who runs a clinic, said the gangs wanted talks.",
                "Jean Pierre Lafleur",
            ),
            ("High Commissioner for Peace Luis Ortega said the truce would hold.", "Luis Ortega"),
            (
                "Kenya's Deputy President and Interior Minister Joseph Otieno said the truce held.",
                "Joseph Otieno",
            ),
            (
                "Foreign Minister Jordan Mbeki spoke. Jordan's military said it hit a launcher.",
                "Jordanian military",
            ),
        ],
    )
    def test_whole_names(self, attributor, text, name):
        """A mission keeps its place, a name its parts; titles, a pastor's too, and a state are no name."""
        speaker = speaker_of(attributor, text, text.split(". ")[-1])
        assert speaker is not None and speaker.name == name

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            (
                "Maoist leader Pushpa Kamal Dahal, better known as Prachanda, signed the accord. "
                '"We will not go back to the jungle," Prachanda said.',
                "Pushpa Kamal Dahal",
            ),
            (
                "Lieutenant General Tadesse Werede heads the interim administration. "
                '"Our people have buried enough of their children," Tadesse told a rally.',
                "Tadesse Werede",
            ),
            (
                "Rebel commander Carlos Mendez, who goes by the nom de guerre Tiburon, spoke by radio. "
                '"We will hold our fire," Tiburon said.',
                "Carlos Mendez",
            ),
            (
                "Spokesman Majed al-Ansari said talks would resume. Ansari said both sides were close.",
                "Majed al-Ansari",
            ),
        ],
    )
    def test_short_mentions_are_the_full_name(self, attributor, text, name):
        """An alias, a first name and a surname without `al-` all name the person first named in full."""
        speaker = speaker_of(attributor, text, text[text.rindex(". ") + 2 :])
        assert speaker is not None and speaker.name == name

    def test_both_sides_are_the_latest_pair_not_a_larger_group(self, attributor):
        """`both sides` refers back to two parties, passing over a group of four named later."""
        text = (
            "Ukraine and Russia agreed to the truce. "
            "Leaders of Ukraine, Russia, Germany and France met in Minsk. "
            "Both sides reported violations on the first night."
        )
        speaker = speaker_of(attributor, text, "Both sides reported violations on the first night.")
        assert speaker is not None and [party.name for party in speaker.parties] == ["Ukraine", "Russia"]

    @pytest.mark.parametrize(
        "text",
        [
            "Truce on the border\nArmenia and Azerbaijan agreed on Monday to pull troops back from the "
            "border, Swiss Foreign Minister Anna Keller announced in Geneva.",
            "Truce on the border\nArmenia and Azerbaijan signed a truce on Monday to end clashes in the "
            "mountains, Swiss diplomat Anna Keller, the bloc's envoy for the region, said after the talks.",
        ],
    )
    def test_a_closing_say_clause_names_the_mediator(self, attributor, text):
        """`X and Y agreed ..., MEDIATOR announced`: the clause after the last comma speaks, not X and Y."""
        speaker = speaker_of(attributor, text, text.split("\n")[1])
        assert speaker is not None and speaker.name == "Anna Keller"

    def test_a_headline_alias_is_the_full_name(self, attributor):
        """An alias before a headline's colon is the person the story gives it to."""
        text = (
            "Tiburon: rebels will hold their fire\n"
            "Rebel commander Carlos Mendez, better known as Tiburon, said the truce would hold."
        )
        speaker = speaker_of(attributor, text, "Tiburon: rebels will hold their fire")
        assert speaker is not None and speaker.name == "Carlos Mendez"

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("Residents of Kibati said the shooting stopped at dawn.", "residents of Kibati"),
            ("Traders in Torkham said the crossing stayed shut.", "traders in Torkham"),
        ],
    )
    def test_people_named_by_a_place_keep_it(self, attributor, text, name):
        """`residents of X` are the residents, even where the tagger reads the place as an organisation."""
        speaker = speaker_of(attributor, text, text)
        assert speaker is not None and speaker.name == name

    @pytest.mark.parametrize(
        ("fragment", "name"),
        [
            ("Army spokesman says offensive in north to continue", "Musa Adamu"),
            ("The army will keep up operations", "Musa Adamu"),
            ("A Western diplomat said the truce was fragile.", "Western diplomat"),
        ],
    )
    def test_the_leads_role_is_named_in_the_next_sentence(self, attributor, fragment, name):
        """The lead's `an army spokesman said` and the headline's role are the next sentence's speaker."""
        text = (
            "Army spokesman says offensive in north to continue\n"
            "LAGOS (Harbour Wire) - The army will keep up operations in the north despite the truce, "
            "an army spokesman said on Monday.\n"
            "Col. Musa Adamu said rebels had ambushed a supply convoy.\n"
            "Rebel spokesman Ali Garba said the group would respect the truce.\n"
            "A Western diplomat said the truce was fragile.\n"
            "Amina Bello said aid had not arrived."
        )
        start = text.index(fragment)
        speaker = attributor.attribute(text, [(start, _paragraph_end(text, start))])[0]
        assert speaker is not None and speaker.name == name

    def test_a_name_set_off_by_commas_before_a_closing_say_clause_speaks(self, attributor):
        """`..., NAME, a member of the group's bureau, told reporters` is NAME however the parser joins it."""
        text = (
            "Talks resume\nThe movement will only accept a deal that returns the displaced to the valley, "
            "including the villages along the Chad border, Khalil Nasser, a member of the group's "
            "ruling council, told reporters on Thursday as talks went on."
        )
        speaker = speaker_of(attributor, text, text.split("\n")[1])
        assert speaker is not None and speaker.name == "Khalil Nasser"

    def test_a_dateline_with_place_and_country_is_not_the_speaker(self, attributor):
        """`MARAWI CITY, Philippines, March 2 (Wire) -` is blanked; its country owns `the ministry`."""
        text = "MARAWI CITY, Philippines, March 2 (Wire) - The defence ministry said troops held fire."
        speaker = speaker_of(attributor, text, text)
        assert speaker is not None and speaker.name == "Philippine defence ministry"

    @pytest.mark.parametrize(
        ("headline", "name"),
        [
            ("Rebel leader extends ceasefire, says talks are making progress", "Joao Sitoe"),
            ("Rivals agree to reopen roads, U.N. says", "United Nations"),
            ("IGAD envoy: rivals back ceasefire after Nairobi meeting", "Samuel Wekesa"),
        ],
    )
    def test_headline_speakers(self, attributor, headline, name):
        """A headline's `X does Y, says Z`, its closing `, U.N. says` and an acronym's role before a colon."""
        text = (
            f"{headline}\nADDIS ABABA (Harbour Wire) - The rivals recommitted to the truce on Monday, "
            "special envoy Samuel Wekesa said. Rebel leader Joao Sitoe said the talks were on the right path."
        )
        speaker = speaker_of(attributor, text, headline)
        assert speaker is not None and speaker.name == name

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            (
                "Rebel commander Luis Castro left the talks in May. In a video posted online, Castro, "
                "surrounded by armed men, said the group would fight on.",
                "Luis Castro",
            ),
            ("In Goma, Amani Baraka, 52, said the market had reopened.", "Amani Baraka"),
            (
                "The dissidents are led by Mariano Sitoe. "
                '"Our men will keep their rifles," Sitoe told reporters by telephone.',
                "Mariano Sitoe",
            ),
            (
                "Guns fell silent. The claim was untrue and its troops had held fire, Armenia's defence "
                "ministry said in a statement on its website.",
                "Armenian defence ministry",
            ),
        ],
    )
    def test_speakers_the_parse_misses(self, attributor, text, name):
        """A name before an aside (`NAME, 37, said`), a full name given once, a possessive state's body."""
        speaker = speaker_of(attributor, text, text.split(". ")[-1])
        assert speaker is not None and speaker.name == name

    @pytest.mark.parametrize(
        ("fragment", "name"),
        [
            ("The official said the army would stay", "Israeli official"),
            ("The sources said talks would begin", "Egyptian security sources"),
        ],
    )
    def test_a_bare_role_is_the_same_role_that_spoke_before(self, attributor, fragment, name):
        """`The official said` after `An Israeli official said` is that official, not one named later."""
        text = (
            "Truce extended\nCAIRO (Harbour Wire) - Egypt has put forward a plan for a pause, security "
            "sources in Cairo said on Monday. The sources said talks would begin next week. "
            "An Israeli official said the cabinet would vote on Sunday. "
            "The official said the army would stay in the corridor. "
            "Karim Haddad, a senior Hamas official, said the group wanted a lasting end to the war."
        )
        start = text.index(fragment)
        speaker = attributor.attribute(text, [(start, text.index(".", start) + 1)])[0]
        assert speaker is not None and speaker.name == name

    @pytest.mark.parametrize(
        ("text", "fragment", "name"),
        [
            (
                "Armenia and Azerbaijan said in a joint communique that the guns would fall silent. "
                "The communique said monitors would deploy within a week.",
                "The communique said",
                "Armenia and Azerbaijan",
            ),
            (
                "The management of the port said on Monday that the cranes were working again.",
                "The management",
                "management of the port",
            ),
            (
                "Moscow has criticised the talks for leaving out its diplomats.",
                "Moscow",
                "Russia",
            ),
            (
                "The state news agency quoted Interior Minister Ali Warsame as saying police were on alert.",
                "The state news agency",
                "Ali Warsame",
            ),
        ],
    )
    def test_more_issuers_and_verbs(self, attributor, text, fragment, name):
        """A communique speaks for its issuers, a management speaks, criticism is speech, `X as saying`."""
        start = text.index(fragment)
        speaker = attributor.attribute(text, [(start, text.index(".", start + len(fragment)) + 1)])[0]
        assert speaker is not None and speaker.name == name

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            (
                "The Sahel Liberation Front (SLF), a coalition of mainly Tuareg armed movements, said it "
                "would respect the pause.",
                "Sahel Liberation Front",
            ),
            (
                "Both forces agreed to stop fighting around the town, an elder who chaired the "
                "talks, Ugaas Omar Warsame, said on Thursday.",
                "Omar Warsame",
            ),
            (
                "The Northern Gang Alliance will stop raids on police posts for a month, "
                "its leaders said in a recorded message.",
                "Northern Gang Alliance",
            ),
        ],
    )
    def test_descriptions_beside_names(self, attributor, text, name):
        """A people in a description is no person, a name set off after it speaks, `its leaders` its group."""
        speaker = speaker_of(attributor, text, text)
        assert speaker is not None and speaker.name == name

    def test_he_is_the_last_person_to_speak_even_with_a_plural_looking_surname(self, attributor):
        """`he said` after `Baran Yildirims ... urged` is Yildirims, though the surname is tagged plural."""
        text = (
            "Prime Minister Kemal Aydin said the air campaign was over. "
            "He told reporters the army would rest. "
            "Baran Yildirims, co-leader of the opposition party, urged both sides to return to the truce. "
            '"Only talks can end this," he said.'
        )
        speaker = speaker_of(attributor, text, '"Only talks can end this," he said.')
        assert speaker is not None and speaker.name == "Baran Yildirims"

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            (
                "A senior official at the interior ministry, who asked not to be named, said talks stalled.",
                "senior official at the interior ministry",
            ),
            (
                "A diplomat from one of the mediating countries said talks had stalled.",
                "diplomat from one of the mediating countries",
            ),
            (
                "An official with the monitoring team said talks had stalled.",
                "official with the monitoring team",
            ),
        ],
    )
    def test_an_unnamed_person_keeps_where_they_work(self, attributor, text, name):
        """An unnamed person keeps `at`, `with` and `from` phrases that say whose they are."""
        speaker = speaker_of(attributor, text, text)
        assert speaker is not None and speaker.name == name

    def test_according_to_a_source_issued_by_a_body_is_that_body(self, attributor):
        """`according to figures issued by the Lebanese health ministry` are the ministry's words."""
        text = "Raids have killed 40 people, according to figures issued by the Lebanese health ministry."
        speaker = speaker_of(attributor, text, text)
        assert speaker is not None and speaker.name == "Lebanese health ministry"

    def test_headline_pair_with_other_verbs(self, attributor):
        """`Armenia and Azerbaijan initial border accord` in a headline is both parties speaking."""
        text = "Armenia and Azerbaijan initial border accord\nWASHINGTON (Wire) - Talks ended."
        speaker = speaker_of(attributor, text, text.split("\n")[0])
        assert speaker is not None and [party.name for party in speaker.parties] == ["Armenia", "Azerbaijan"]

    def test_a_groups_command_speaks_for_the_group(self, attributor):
        """`its central command said` after the group is named is the group speaking."""
        text = (
            "The Northern Liberation Army declared a truce on Monday. "
            "Its central command said the truce would last ten days."
        )
        speaker = speaker_of(attributor, text, "Its central command said the truce would last ten days.")
        assert speaker is not None and speaker.name == "Northern Liberation Army"


@pytest.mark.timeout(30)
def test_a_name_outside_an_apposition_is_not_inside_its_description(attributor):
    """Walking up from the sentence's root stops there: the check answers no instead of looping."""
    doc = attributor.parse("Ahmed Saleh, the group's deputy leader, said the truce would hold.")
    apposition = next(token for token in doc if token.dep_ == "appos")
    root = next(token for token in doc if token.head.i == token.i)
    assert not _inside_description(root, apposition)


class TestEntityWindows:
    TEXT = (
        "Border talks resume in Kuala Lumpur\n"
        "Negotiators met again on Monday in Kuala Lumpur, officials said.\n"
        "Rain flooded roads across Battambang and Pursat overnight, closing markets.\n"
        "Prices of rice rose in Siem Reap for a third week.\n"
        "Cambodian Prime Minister Hun Manet spoke to reporters in Phnom Penh.\n"
        "Farmers in Pailin waited for the harvest.\n"
        "Delegates from Thailand arrived late.\n"
        "He said the ceasefire would hold if the shelling stopped."
    )
    STATEMENT = (TEXT.index("He said"), len(TEXT))

    def test_entities_are_read_near_statements_and_titles_only(self, attributor):
        """The recogniser sees the lead, the statement's paragraph and the one before, and titled names."""
        windows = [window.text for window in _entity_windows(attributor.parse(self.TEXT), [self.STATEMENT])]
        assert windows[0].startswith("Border talks") and "Monday in Kuala Lumpur" in windows[0]
        assert any("Cambodian Prime Minister Hun Manet" in window for window in windows)
        assert windows[-1].startswith("Delegates from Thailand") and windows[-1].endswith("shelling stopped.")
        read = " ".join(windows)
        assert "Battambang" not in read and "Pailin" not in read

    def test_a_title_paragraphs_before_the_statement_still_gives_the_speakers_side(self, attributor):
        """`Cambodian Prime Minister Hun Manet`, three sentences up, gives the later `he` his side."""
        speaker = attributor.attribute(self.TEXT, [self.STATEMENT])[0]
        assert speaker == Speaker("Hun Manet", "person", "Cambodia")
