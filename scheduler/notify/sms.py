"""Text messages as the phone network counts them: encoding, segments, and making them fit.

A text travels in GSM-7 when every character is in the GSM 03.38 alphabet (the `gsm0338`
codec knows it: Finnish and Swedish letters are in it, and the extension characters
such as € [ ] { } ~ | ^ \\ take two septets), otherwise in UCS-2, where a character outside
the Basic Multilingual Plane (most emoji) takes two code units. One segment holds 160
septets or 70 code units; a longer text is split into segments of 153 or 67 (the rest
holds the header that joins them), and a two-unit character is never split between two
segments. Our messages are at most MAX_SEGMENTS segments: `fit` shortens the variable
parts (a course title, a reason) until the text fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

MAX_SEGMENTS = 3
GSM7 = "gsm7"
UCS2 = "ucs2"
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}
ELLIPSIS = "..."  # three full stops: "…" is not in GSM-7 and would make the text UCS-2

# Typographic characters with a plain GSM-7 twin, so a pasted title does not halve the room.
_PLAIN = str.maketrans(
    {
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2010": "-",
        "\u2011": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\t": " ",
    }
)
_BLANKS = re.compile(r"[ ]{2,}")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def _gsm_costs(text: str) -> list[int] | None:
    """Septets per character, or None when a character is not in GSM 03.38."""
    costs = []
    for char in text:
        try:
            costs.append(len(char.encode("gsm03.38")))
        except UnicodeEncodeError:
            return None
    return costs


def _ucs2_costs(text: str) -> list[int]:
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _segments(costs: list[int], encoding: str) -> int:
    total = sum(costs)
    if total <= SINGLE[encoding]:
        return 1
    segments, room = 1, PART[encoding]
    for cost in costs:
        if cost > room:  # an escape pair or a surrogate pair is never split
            segments, room = segments + 1, PART[encoding]
        room -= cost
    return segments


def measure(text: str) -> SmsLength:
    """How the network sends `text`: its encoding, length in units and number of segments."""
    costs = _gsm_costs(text)
    encoding = GSM7
    if costs is None:
        costs, encoding = _ucs2_costs(text), UCS2
    return SmsLength(encoding=encoding, units=sum(costs), segments=_segments(costs, encoding))


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return measure(text).segments <= max_segments


def plain(text: str) -> str:
    """Typographic dashes, quotes, ellipses and odd spaces as their GSM-7 twins."""
    return text.translate(_PLAIN)


def tidy(text: str) -> str:
    """One message text: plain characters, no blank lines, no space at line ends."""
    lines = (_BLANKS.sub(" ", line).strip() for line in plain(text).splitlines())
    return "\n".join(line for line in lines if line)


def shorten(value: str, length: int) -> str:
    """`value` cut to at most `length` characters, marked with "..." when cut."""
    if len(value) <= length:
        return value
    if length <= len(ELLIPSIS):
        return ""
    return value[: length - len(ELLIPSIS)].rstrip() + ELLIPSIS


def fit(
    render: Callable[[Mapping[str, str]], str],
    shrinkable: Mapping[str, str],
    max_segments: int = MAX_SEGMENTS,
) -> str:
    """The text `render(values)` makes, with the values shortened (first ones first) just
    enough that it fits in `max_segments`; the best effort when even empty values do not."""
    values = {name: plain(value) for name, value in shrinkable.items()}
    text = render(values)
    for name in shrinkable:
        if fits(text, max_segments):
            return text
        original = values[name]
        low, high = 0, len(original)  # the longest length that fits lies in [low, high)
        values[name] = shorten(original, 0)
        text = render(values)
        if not fits(text, max_segments):
            continue  # even without this value it does not fit: shorten the next one too
        while high - low > 1:
            middle = (low + high) // 2
            if fits(render({**values, name: shorten(original, middle)}), max_segments):
                low = middle
            else:
                high = middle
        values[name] = shorten(original, low)
        text = render(values)
    return text
