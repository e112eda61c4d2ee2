"""Numbers: finite only, and written with ASCII digits in forms.

`"²".isdigit()` and `int("٣")` are both true in Python, and `float("nan")` is a float; the
helpers here accept exactly what a person types on a Finnish or Swedish keyboard.
"""

from __future__ import annotations

import math
import re
from typing import Any

WHOLE = re.compile(r"[0-9]{1,15}")
DECIMAL = re.compile(r"[0-9]{1,15}(?:[.,][0-9]{1,15})?")


def is_number(value: Any) -> bool:
    """A JSON number: int or float, not bool, and finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def whole_number(text: str | None) -> int | None:
    """The whole number written in ASCII digits (spaces around allowed), else None."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if WHOLE.fullmatch(text) else None


def form_whole_number(text: str | None) -> int | str | None:
    """A form field for the JSON-shaped parsers: empty → None, ASCII digits → int, anything
    else stays text so that the parser answers "Give a whole number." in the user's language."""
    if text is None or not text.strip():
        return None
    number = whole_number(text)
    return text if number is None else number


def form_decimal(text: str | None) -> float | str | None:
    """Like form_whole_number for decimals; a comma is a decimal separator too ("1,5")."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not DECIMAL.fullmatch(text):
        return text
    return float(text.replace(",", "."))
