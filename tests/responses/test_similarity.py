"""Grouping near-identical comments (letter campaigns) and measuring how alike two texts are.

Pure functions: no database, no app. The speed for 20,000 comments is measured by
``bench/grouping.py``, not here.
"""

from __future__ import annotations

import random

import pytest

from consult.responses.grouping.similarity import (
    SimilarGroup,
    group_similar,
    normalise,
    shingles,
    similarity,
)

LETTER = (
    "Geachte leden van de raad, wij maken ons grote zorgen over de wachtlijsten in de "
    "jeugdzorg. Kinderen met ernstige problemen wachten nu vaak meer dan een half jaar op "
    "specialistische hulp. In die tijd worden de problemen alleen maar groter, voor het kind "
    "en voor het hele gezin. Wij vragen u om in de regiovisie op te nemen dat geen kind langer "
    "dan acht weken wacht, en om daar ook het geld voor vrij te maken. "
    "Met vriendelijke groet, Anna de Vries"
)

# Different comments on the same topic, with the same words, but not copies.
OWN_WORDS = [
    "Ik werk in een wijkteam en zie elke week gezinnen die te lang wachten op hulp. De "
    "wachtlijsten zijn het grootste probleem, maar meer geld alleen lost het niet op: er zijn "
    "te weinig behandelaars.",
    "Als moeder van een zoon met autisme heb ik negen maanden gewacht op een plek bij een "
    "specialistische aanbieder. De regiovisie zegt niets over wat gezinnen in die tijd krijgen.",
    "De gemeente moet de wachtlijsten in de jeugdzorg aanpakken door beter samen te werken met "
    "scholen en huisartsen, zodat kinderen eerder lichte hulp krijgen.",
    "Wij maken ons zorgen over de jeugdzorg in onze regio. Graag zien wij dat de raad meer "
    "aandacht geeft aan preventie en aan het werk van jongerenwerkers in de wijk.",
]


def copy_of_letter(name: str = "Anna de Vries", *, before: str = "", after: str = "") -> str:
    body = LETTER.replace("Anna de Vries", name)
    greeting, rest = body.split("raad, ", 1)
    closing = "Met vriendelijke groet,"
    main, signature = rest.split(closing)
    return f"{greeting}raad, {before}{main}{after}{closing}{signature}"


def groups_as_sets(groups: list[SimilarGroup]) -> list[set[int]]:
    return [set(group.ids) for group in groups]


# -- measuring one pair ------------------------------------------------------------------------


def test_normalise_ignores_case_accents_punctuation_and_spacing() -> None:
    assert normalise("  Financiële ZORG-aanbieders,\n\tideeën!! (België)  ") == (
        "financiele zorg aanbieders ideeen belgie"
    )
    assert normalise("Straße") == "strasse"
    assert normalise("Yılmaz") == "yılmaz"  # a letter without an ASCII base stays
    assert normalise("...!?") == ""


def test_shingles_are_runs_of_three_words_and_a_short_text_is_one() -> None:
    assert shingles("De wachtlijst is te lang.") == {
        "de wachtlijst is",
        "wachtlijst is te",
        "is te lang",
    }
    assert shingles("Ja!") == {"ja"}
    assert shingles("Helemaal mee eens") == {"helemaal mee eens"}
    assert shingles("") == frozenset()


def test_similarity_is_the_jaccard_index_of_the_shingles() -> None:
    assert similarity(LETTER, LETTER.upper().replace(",", "")) == 1.0
    # {a b c, b c d} against {a b c, b c e}: one of three shingles shared.
    assert similarity("a b c d", "a b c e") == pytest.approx(1 / 3)
    assert similarity("ja", "Ja.") == 1.0
    assert similarity("ja", "nee") == 0.0
    assert similarity("ik ben tegen", "ik ben voor") == 0.0
    # Nothing to compare is not similar, not even to itself.
    assert similarity("!!!", "!!!") == 0.0
    changed_name = copy_of_letter("Mohammed El Amrani")
    assert 0.85 < similarity(LETTER, changed_name) < 1.0
    for text in OWN_WORDS:
        assert similarity(LETTER, text) < 0.1


# -- grouping ----------------------------------------------------------------------------------


def test_a_letter_campaign_with_small_edits_is_one_group() -> None:
    campaign = {
        1: LETTER,
        2: copy_of_letter("Mohammed El Amrani"),
        3: copy_of_letter("Sanne Jansen", after="Mijn dochter wacht al sinds maart op hulp. "),
        4: copy_of_letter("Joost Bakker", before="Ik sluit mij aan bij deze brief. "),
        5: LETTER.upper().replace(".", "!").replace(",", ""),
        6: "  ".join(LETTER.split()).replace("Anna de Vries", "anna DE vries"),
        7: copy_of_letter("Fatima Öztürk").replace("acht weken", "zes weken"),
        8: LETTER.replace("geen kind", "géén kind").replace("Anna", "Anna-Sophie"),
    }
    others = {10 + i: text for i, text in enumerate(OWN_WORDS)}

    groups = group_similar([*campaign.items(), *others.items()])

    assert groups_as_sets(groups) == [set(campaign)]
    (group,) = groups
    assert group.ids == tuple(sorted(campaign))
    assert group.representative in campaign
    assert group.similarity[group.representative] == 1.0
    representative_text = campaign[group.representative]
    for item_id, text in campaign.items():
        assert group.similarity[item_id] == round(similarity(representative_text, text), 2)
    assert group.min_similarity == min(group.similarity.values())
    assert 0.7 < group.min_similarity < 1.0


def test_different_comments_on_the_same_topic_are_not_grouped() -> None:
    assert group_similar(enumerate(OWN_WORDS, start=1)) == []
    assert group_similar([(1, OWN_WORDS[0]), (2, OWN_WORDS[0] + " " + OWN_WORDS[2])]) == []


def test_identical_short_texts_group_and_different_ones_do_not() -> None:
    groups = group_similar(
        [(1, "ja"), (2, "Ja."), (3, "nee"), (4, "JA!"), (5, "Nee"), (6, "misschien"), (7, "ja nee")]
    )
    assert groups_as_sets(groups) == [{1, 2, 4}, {3, 5}]
    assert groups[0].similarity == {1: 1.0, 2: 1.0, 4: 1.0}
    assert groups[0].representative == 1


def test_a_short_text_does_not_join_a_long_text_that_contains_it() -> None:
    long_text = "Ik ben tegen het plan omdat de wachtlijsten dan nog langer worden."
    assert group_similar([(1, "Ik ben tegen"), (2, long_text), (3, "ik ben voor")]) == []


def test_groups_are_transitive() -> None:
    # A is like B, B is like C, but A is not like C: the three are one group.
    a = " ".join(f"woord{i}" for i in range(40))
    b = a + " " + " ".join(f"extra{i}" for i in range(6))
    c = b + " " + " ".join(f"meer{i}" for i in range(6))
    threshold = 0.8
    assert similarity(a, b) >= threshold
    assert similarity(b, c) >= threshold
    assert similarity(a, c) < threshold

    (group,) = group_similar([(30, c), (10, a), (20, b)], threshold=threshold)

    assert group.ids == (10, 20, 30)
    assert group.representative == 20  # the one in the middle is most like the others
    assert group.similarity == {
        10: round(similarity(a, b), 2),
        20: 1.0,
        30: round(similarity(b, c), 2),
    }


def test_the_representative_is_the_text_most_copies_share() -> None:
    edited = copy_of_letter("Joost Bakker", after="Dit is voor mij heel belangrijk. ")
    items = [(1, edited), (2, copy_of_letter("Kim Smit")), (3, LETTER), (4, LETTER), (5, LETTER)]

    (group,) = group_similar(items)

    assert group.representative == 3  # the lowest id of the text sent three times
    assert group.similarity[3] == group.similarity[4] == group.similarity[5] == 1.0
    assert group.similarity[1] == round(similarity(LETTER, edited), 2)


def test_exact_copies_alone_form_a_group() -> None:
    groups = group_similar([(5, LETTER), (2, LETTER), (9, OWN_WORDS[0])])
    assert groups == [SimilarGroup(ids=(2, 5), representative=2, similarity={2: 1.0, 5: 1.0})]


def test_the_threshold_decides_what_is_similar_enough() -> None:
    plus = copy_of_letter(after="Dit is voor mij heel belangrijk, want ik wacht al lang. ")
    value = similarity(LETTER, plus)
    assert groups_as_sets(group_similar([(1, LETTER), (2, plus)], threshold=value)) == [{1, 2}]
    assert group_similar([(1, LETTER), (2, plus)], threshold=value + 0.01) == []


def test_the_same_texts_give_the_same_groups_in_any_order() -> None:
    items = corpus(random.Random(1), campaigns=3, copies=12, unique=30)
    first = group_similar(items)
    shuffled = list(items)
    random.Random(2).shuffle(shuffled)

    assert group_similar(shuffled) == first
    assert group_similar(iter(items)) == first
    assert len(first) >= 3


def test_empty_input_and_texts_without_words_give_no_groups() -> None:
    assert group_similar([]) == []
    assert group_similar([(1, ""), (2, "  "), (3, "!!!"), (4, "...")]) == []
    assert group_similar([(1, LETTER)]) == []


def test_other_scripts_are_compared_too() -> None:
    arabic = "نحن قلقون بشأن قوائم الانتظار في رعاية الشباب"
    groups = group_similar([(1, arabic), (2, arabic + "!"), (3, "Yılmaz"), (4, "yılmaz")])
    assert groups_as_sets(groups) == [{1, 2}, {3, 4}]


def test_wrong_input_is_refused() -> None:
    with pytest.raises(ValueError, match="duplicate id 1"):
        group_similar([(1, "ja"), (1, "nee")])
    with pytest.raises(ValueError, match="threshold"):
        group_similar([], threshold=0)
    with pytest.raises(ValueError, match="threshold"):
        group_similar([], threshold=1.5)


def test_a_large_campaign_is_one_group_of_all_its_copies() -> None:
    rng = random.Random(3)
    items = [(i, edit(rng, LETTER)) for i in range(1, 401)]
    items += [(1000 + i, text) for i, text in enumerate(OWN_WORDS)]

    groups = group_similar(items)

    assert groups_as_sets(groups) == [set(range(1, 401))]
    assert groups[0].min_similarity >= 0.5


# -- properties on generated comments --------------------------------------------------------

WORDS = (  # noqa: SIM905
    "jeugdzorg wachtlijst gemeente regio ouders kinderen jongeren school huisarts wijkteam "
    "pleegzorg budget preventie inkoop hulp gezin zorgen veilig thuis snel lang beter de het een "
    "en van in op voor met dat niet wel ook meer geen moet kan wij ik onze"
).split()


def edit(rng: random.Random, text: str) -> str:
    """``text`` with a new name and up to two small edits."""
    words = text.replace("Anna de Vries", f"Persoon {rng.randrange(10_000)}").split()
    for _ in range(rng.randrange(3)):
        at = rng.randrange(len(words))
        if rng.random() < 0.5:
            words[at] = rng.choice(WORDS)
        else:
            words[at:at] = rng.choices(WORDS, k=rng.randint(3, 8))
    return " ".join(words)


def corpus(
    rng: random.Random, *, campaigns: int, copies: int, unique: int
) -> list[tuple[int, str]]:
    texts = []
    for _ in range(campaigns):
        letter = " ".join(rng.choices(WORDS, k=rng.randint(40, 80))) + " Anna de Vries"
        texts += [edit(rng, letter) for _ in range(rng.randint(2, copies))]
    texts += [" ".join(rng.choices(WORDS, k=rng.randint(3, 60))) for _ in range(unique)]
    texts += ["ja"] * rng.randint(0, 3)
    rng.shuffle(texts)
    return list(enumerate(texts, start=1))


@pytest.mark.parametrize("seed", range(8))
def test_groups_are_joined_only_by_similar_pairs_and_never_split_very_similar_ones(
    seed: int,
) -> None:
    rng = random.Random(seed)
    threshold = rng.choice([0.5, 0.6, 0.7, 0.8, 0.9])
    items = corpus(rng, campaigns=rng.randint(1, 4), copies=15, unique=rng.randint(5, 40))
    texts = dict(items)

    groups = group_similar(items, threshold=threshold)

    group_of = {item_id: n for n, group in enumerate(groups) for item_id in group.ids}
    ids = sorted(texts)
    for n, group in enumerate(groups):
        assert len(group.ids) >= 2
        assert group.ids == tuple(sorted(group.ids))
        assert set(group.similarity) == set(group.ids)
        assert group.representative in group.ids
        assert group.similarity[group.representative] == 1.0
        for item_id in group.ids:
            expected = similarity(texts[group.representative], texts[item_id])
            assert group.similarity[item_id] == round(expected, 2)
        # Every member is linked to the others through pairs at least ``threshold`` similar.
        reached = {group.ids[0]}
        frontier = [group.ids[0]]
        while frontier:
            current = frontier.pop()
            for other in group.ids:
                if other not in reached and (similarity(texts[current], texts[other]) >= threshold):
                    reached.add(other)
                    frontier.append(other)
        assert reached == set(group.ids), f"group {n} is not connected by similar pairs"
    # Pairs that are nearly the same are always found (LSH misses such a pair with a
    # probability below one in a million), and no text is in two groups.
    assert sum(len(group.ids) for group in groups) == len(group_of)
    for i, first in enumerate(ids):
        for second in ids[i + 1 :]:
            if similarity(texts[first], texts[second]) >= max(threshold, 0.9):
                assert group_of.get(first) is not None
                assert group_of.get(first) == group_of.get(second)
    # Sorted largest first, then by lowest id.
    assert [(-len(g.ids), g.ids[0]) for g in groups] == sorted(
        (-len(g.ids), g.ids[0]) for g in groups
    )
