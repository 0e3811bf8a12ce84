"""Tracking codes catch typos; comment text is escaped before anything becomes HTML."""

from __future__ import annotations

import random

from consult.comments import codes
from consult.comments.text import render_comment

SAMPLES = 300


def test_new_codes_are_valid_and_read_forgivingly():
    for _ in range(SAMPLES):
        code = codes.new_tracking_code()
        assert len(code) == 11
        assert codes.normalise(code) == code
        shown = codes.display(code)
        assert shown.count("-") == 2
        assert codes.normalise(shown.lower()) == code
        assert codes.normalise(" ".join(shown)) == code
    assert codes.normalise("") is None
    assert codes.normalise("K7QX-M2PA") is None
    assert codes.normalise("U" * 11) is None


def test_confusable_letters_are_read_as_digits():
    code = "0" * 10
    code += codes._check_symbol(code)
    assert codes.normalise("O" * 10 + code[-1]) == code


def test_every_single_symbol_typo_is_caught():
    rng = random.Random(4)
    for _ in range(SAMPLES):
        code = codes.new_tracking_code()
        for position in range(len(code)):
            alphabet = codes.ALPHABET if position < codes.RANDOM_SYMBOLS else codes.CHECK_ALPHABET
            wrong = rng.choice([s for s in alphabet if s != code[position]])
            typo = code[:position] + wrong + code[position + 1 :]
            assert codes.normalise(typo) is None, (code, typo)


def test_adjacent_swaps_are_caught():
    for _ in range(SAMPLES):
        code = codes.new_tracking_code()
        for position in range(len(code) - 1):
            a, b = code[position], code[position + 1]
            if a == b:
                continue
            swapped = code[:position] + b + a + code[position + 2 :]
            assert codes.normalise(swapped) is None, (code, swapped)


def test_comment_text_is_escaped_then_paragraphed_and_linked():
    html = str(
        render_comment(
            "Eerste alinea met <script>alert(1)</script>\r\nnieuwe regel\r\n\r\n"
            "Tweede: https://example.org/a?b=1&c=2. En javascript:alert(1) en "
            'data:text/html,x "https://x.nl/"onmouseover=alert(1)'
        )
    )
    assert html.count('<p class="utrecht-paragraph">') == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>" in html
    link = '<a class="utrecht-link" href="https://example.org/a?b=1&amp;c=2"'
    assert f'{link} rel="nofollow ugc noopener">' in html
    assert 'href="javascript' not in html
    assert 'href="data' not in html
    assert 'href="https://x.nl/"' in html
    assert "onmouseover=alert(1)</p>" in html
    assert '" onmouseover' not in html
    assert str(render_comment("www.nji.nl")).count('href="https://www.nji.nl"') == 1
    assert str(render_comment("   ")) == ""
