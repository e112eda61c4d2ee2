"""Counting SMS segments as the network does, and fitting a text into three of them."""

from __future__ import annotations

import pytest

from scheduler.notify.sms import fit, fits, measure, plain, shorten, tidy
from tests.notify.fake_gateway import segments_of


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("a" * 459, "gsm7", 459, 3),
        ("a" * 460, "gsm7", 460, 4),
        ("Hyvää päivää, Åsa! Välkommen.", "gsm7", 29, 1),  # ä ö å are GSM-7 letters
        ("€" * 80, "gsm7", 160, 1),  # the euro sign is an escape pair: two septets
        ("€" * 81, "gsm7", 162, 2),
        ("a" * 69 + "😀", "ucs2", 71, 2),  # an emoji: UCS-2, and two code units
        ("a" * 70, "gsm7", 70, 1),
        ("ç" * 70, "ucs2", 70, 1),  # ç (small) is not in GSM-7
        ("ç" * 71, "ucs2", 71, 2),
        ("ç" * 201, "ucs2", 201, 3),
        ("ç" * 202, "ucs2", 202, 4),
        ("", "gsm7", 0, 1),
    ],
)
def test_length_encoding_and_segments(text, encoding, units, segments):
    length = measure(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)
    assert segments_of(text) == segments  # the stand-in gateway counts the same, on its own


def test_an_escape_pair_is_never_split_between_segments():
    # 152 plain septets, then "€" (2): the pair does not fit in the first 153, so it starts
    # the second segment; 153 + 2 + 152 = 307 septets would otherwise still fit in two.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text).units == 306
    assert measure(text).segments == 3
    assert segments_of(text) == 3


def test_a_surrogate_pair_is_never_split_between_segments():
    # 134 units would fill two segments of 67 exactly, but the pair cannot be cut after 66:
    # 66 | 😀 + 65 | 1.
    text = "a" * 66 + "😀" + "a" * 66
    assert measure(text).units == 134
    assert measure(text).segments == 3
    assert segments_of(text) == 3


def test_typographic_characters_become_plain_gsm7():
    text = "Liikunta – ”hyvä” olo…"
    assert measure(text).encoding == "ucs2"
    assert plain(text) == 'Liikunta - "hyvä" olo...'
    assert measure(plain(text)).encoding == "gsm7"
    assert tidy("  Hei   Aino,\n\n  tervetuloa!  \n") == "Hei Aino,\ntervetuloa!"


def test_shorten_marks_a_cut_with_three_full_stops():
    assert shorten("Liikuntatuokio", 20) == "Liikuntatuokio"
    assert shorten("Liikuntatuokio", 8) == "Liiku..."
    assert len(shorten("x" * 100, 10)) == 10
    assert shorten("Liikuntatuokio", 2) == ""


def test_fit_shortens_the_first_value_first_and_only_as_much_as_needed():
    def render(values):
        return f"{values['title']}: {values['name']} https://e.fi/j/{'a' * 22}"

    long_title = "Kurssi " * 100
    text = fit(render, {"title": long_title, "name": "Aino Asiakas"})
    assert fits(text)
    assert "Aino Asiakas" in text  # the second value was not needed
    assert text.endswith("a" * 22)  # the link is whole
    assert measure(text).units >= 455  # as much of the title as fits in 459
    # Shortening only the first value is not enough: the second one goes too.
    text = fit(render, {"title": long_title, "name": "N" * 600})
    assert fits(text) and text.startswith(":") and text.endswith("a" * 22)


def test_fit_with_an_emoji_title_counts_ucs2():
    def render(values):
        return f"{values['title']} - https://e.fi/j/{'a' * 22}"

    text = fit(render, {"title": "Laulu 🎵 " * 60})
    assert measure(text).encoding == "ucs2"
    assert measure(text).segments == 3
    assert "🎵" in text
