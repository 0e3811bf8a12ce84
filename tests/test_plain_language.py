"""The participant interface speaks B1 Dutch (issue 17, item 4): short sentences.

Measures the Dutch text of every message that a participant page, form, mail or the
glossary uses (found by the catalog's locations; the regions' own text is not in the
catalog, so it is never measured). Fails when the average sentence is longer than 15
words or one sentence is longer than 25, and prints the average and the longest.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).parent.parent / "translations/nl/LC_MESSAGES/messages.po"

# Where a participant reads: the public pages, the comment form, the receipt and status
# pages, the mails a participant gets, the glossary and the role lines.
PARTICIPANT_LOCATIONS = (
    "templates/base.html",
    "templates/public/",
    "templates/comments/",
    "templates/follows/",
    "templates/errors/",
    "templates/evidence/_receipt_proof.html",
    "templates/mail/comments/",
    "templates/mail/follows/",
    "templates/mail/responses/",
    "consult/comments/forms.py",
    "consult/comments/models.py",
    "consult/public/",
    "consult/stakeholders/",
)
MAX_AVERAGE = 15
MAX_SENTENCE = 25

PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\{[a-z_]+\}")
# Abbreviations whose full stop ends no sentence.
ABBREVIATION = re.compile(r"\b(bijv|bv|o\.a|d\.w\.z|e\.d|enz|nr|ca)\.", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The sentences of one message: tags and placeholders left out."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = PLACEHOLDER.sub(" ", text)
    text = ABBREVIATION.sub(lambda m: m.group(1).replace(".", ""), text)
    return [part for part in SENTENCE_END.split(text) if words(part)]


def words(sentence: str) -> list[str]:
    return [token for token in sentence.split() if re.search(r"\w", token)]


def participant_sentences() -> list[tuple[int, str, str]]:
    """(words, sentence, where) for every sentence a participant reads."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    found = []
    for message in catalog:
        if not message.id:
            continue
        places = [path for path, _line in message.locations]
        if not any(path.startswith(PARTICIPANT_LOCATIONS) for path in places):
            continue
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:
            for sentence in sentences(text or ""):
                found.append((len(words(sentence)), sentence, places[0]))
    return found


def test_the_sentence_splitter_counts_words_not_placeholders_or_tags() -> None:
    text = "Je code: %(code)s. Bekijk <a href='x'>hier</a> wat er gebeurt, bijv. morgen!\nKlaar"
    assert [len(words(s)) for s in sentences(text)] == [2, 7, 1]


def test_participant_sentences_are_short(capsys) -> None:
    measured = participant_sentences()
    assert len(measured) > 500  # the locations above still match the catalog
    # The average over real sentences (ending in . ! or ?): labels and button texts
    # would make it look better than the prose a participant reads.
    prose = [count for count, sentence, _w in measured if sentence.rstrip()[-1:] in ".!?"]
    average = sum(prose) / len(prose)
    longest = max(measured)
    with capsys.disabled():
        print(
            f"\nparticipant interface (nl): {len(prose)} sentences (of {len(measured)} texts), "
            f"average {average:.1f} words, longest {longest[0]} words ({longest[2]})"
        )
    too_long = [f"{n} words ({where}): {s}" for n, s, where in measured if n > MAX_SENTENCE]
    assert not too_long, "\n".join(too_long)
    assert average <= MAX_AVERAGE, f"the average sentence has {average:.1f} words"
