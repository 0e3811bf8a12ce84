"""Tracking codes catch typos; comment text is escaped before anything becomes HTML."""

from __future__ import annotations

import random

from consult.comments import codes
from consult.comments.text import render_comment

SAMPLES = 300


def test_new_codes_are_valid_and_read_forgivingly():
    for _ in range(SAMPLES):
        code = codes.new_tracking_code()
        assert len(code) == 12
        assert set(code) <= set(codes.ALPHABET)  # digits and capitals only, no * ~ $ = U
        assert codes.normalise(code) == code
        shown = codes.display(code)
        assert shown == f"{code[:4]}-{code[4:8]}-{code[8:]}"
        assert codes.normalise(shown.lower()) == code
        assert codes.normalise(" ".join(shown)) == code
    assert codes.normalise("") is None
    assert codes.normalise("K7QX-M2PA") is None
    assert codes.normalise("K7QX-M2PA-9R2N") == "K7QXM2PA9R2N"  # the example on the pages
    assert codes.normalise("K7QX-M2PA-9R2") is None  # eleven symbols: the old length
    assert codes.normalise("U" * 12) is None


def test_confusable_letters_are_read_as_digits():
    code = "0" * 10 + codes.check_symbols("0" * 10)
    assert codes.normalise("O" * 10 + code[-2:]) == code
    code = "1" * 10 + codes.check_symbols("1" * 10)
    assert codes.normalise("IlIlIlIlIl" + code[-2:]) == code


def test_the_check_catches_every_single_typo_and_swap_by_construction():
    """The arithmetic behind the check, exhaustively for every position and difference.

    A typo at position k (from the right, among the ten random symbols) changes the number
    by d * 32**k with 0 < |d| < 32; a swap of neighbours by (a - b) * 31 * 32**k. Neither
    may be a multiple of 1021. A swap across the last random symbol and the first check
    symbol goes unnoticed only when 33 * (a - c) is a multiple of 1021, i.e. a == c.
    """
    m = codes.CHECK_MODULUS
    for k in range(codes.RANDOM_SYMBOLS):
        for d in range(1, 32):
            assert (d * 32**k) % m != 0
            assert (d * 31 * 32**k) % m != 0
    assert all((33 * d) % m != 0 for d in range(1, 32))
    assert m < 32 * 32  # two check symbols hold every remainder


def test_every_single_symbol_typo_is_caught():
    for _ in range(SAMPLES):
        code = codes.new_tracking_code()
        for position in range(len(code)):
            for wrong in codes.ALPHABET:
                if wrong == code[position]:
                    continue
                typo = code[:position] + wrong + code[position + 1 :]
                assert codes.normalise(typo) is None, (code, typo)


def test_adjacent_swaps_are_caught():
    rng = random.Random(4)
    samples = [codes.new_tracking_code() for _ in range(SAMPLES)]
    # And codes whose last random symbol meets the first check symbol in every way.
    for _ in range(SAMPLES * 10):
        symbols = "".join(rng.choice(codes.ALPHABET) for _ in range(codes.RANDOM_SYMBOLS))
        samples.append(symbols + codes.check_symbols(symbols))
    for code in samples:
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


def _link(href: str, shown: str | None = None) -> str:
    return f'<a class="utrecht-link" href="{href}" rel="nofollow ugc noopener">{shown or href}</a>'


def test_punctuation_after_an_address_belongs_to_the_sentence():
    def p(inner: str) -> str:
        return f'<p class="utrecht-paragraph">{inner}</p>'

    assert str(render_comment("Zie https://nji.nl.")) == p(f"Zie {_link('https://nji.nl')}.")
    assert str(render_comment("(zie https://nji.nl/a)")) == p(f"(zie {_link('https://nji.nl/a')})")
    assert str(render_comment("https://a.nl, www.b.nl; en http://c.nl/x?!")) == p(
        f"{_link('https://a.nl')}, {_link('https://www.b.nl', 'www.b.nl')}; en "
        f"{_link('http://c.nl/x')}?!"
    )
    # A bracket that belongs to the address stays in it.
    assert str(render_comment("https://nl.wikipedia.org/wiki/Jeugd_(zorg).")) == p(
        _link("https://nl.wikipedia.org/wiki/Jeugd_(zorg)") + "."
    )
    # Angle brackets end an address and stay escaped text.
    assert str(render_comment("<https://a.nl><https://b.nl>")) == p(
        f"&lt;{_link('https://a.nl')}&gt;&lt;{_link('https://b.nl')}&gt;"
    )
    # Only a prefix is no address.
    assert str(render_comment("www. en http://.")) == p("www. en http://.")


def test_long_runs_of_punctuation_render_whole():
    """Inputs that made the old lazy pattern with a lookahead take quadratic time."""
    dots = "http://a" + "." * 4990 + "x"
    assert str(render_comment(dots)) == f'<p class="utrecht-paragraph">{_link(dots)}</p>'
    marks = "www." + "!" * 4995 + "x"
    assert str(render_comment(marks)) == (
        f'<p class="utrecht-paragraph">{_link("https://" + marks, marks)}</p>'
    )
    trailing = "http://a" + "." * 4990
    assert str(render_comment(trailing)) == (
        f'<p class="utrecht-paragraph">{_link("http://a")}{"." * 4990}</p>'
    )
