"""JSON request bodies: read once, with limits, into plain values whose strings are safe.

Python's json module takes `NaN` and `Infinity`, nests until the interpreter's recursion
limit, and decodes `"\\ud800"` into a string that cannot be written back as UTF-8. Every
JSON body the API reads comes through `read_json`, which refuses all of that with 422 (and
an oversized body with 413) before any service sees the data.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from scheduler.boundary.text import unsafe
from scheduler.errors import TooLarge, ValidationFailed

MAX_BYTES = 256 * 1024  # far above the longest texts the API takes (a few 5,000-character fields)
MAX_DEPTH = 16  # the API's deepest body nests three levels
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def read_json() -> Any:
    """The request's JSON body as plain values; raise ValidationFailed (422) or TooLarge (413)."""
    if not request.is_json:
        raise ValidationFailed(_l("Send a JSON object with Content-Type application/json."))
    if (request.content_length or 0) > MAX_BYTES:
        raise TooLarge(_l("The request is too large."))
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BYTES:
        raise TooLarge(_l("The request is too large."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(_l("The request is not valid UTF-8 text.")) from None
    if _depth(text) > MAX_DEPTH:
        raise ValidationFailed(
            _l("The JSON nests too deeply: at most %(count)d levels.", count=MAX_DEPTH)
        )
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotFinite:
        raise ValidationFailed(
            _l("Numbers must be finite: NaN and Infinity are not accepted.")
        ) from None
    except (ValueError, RecursionError):
        raise ValidationFailed(_l("The request is not valid JSON.")) from None
    _check_strings(data)
    return data


def _depth(text: str) -> int:
    """How deeply arrays and objects nest, counted without parsing (strings skipped)."""
    deepest = depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _check_strings(data: Any) -> None:
    """Refuse the whole body when any key or string has a character that is never stored,
    naming the top-level field it is in."""
    items = data.items() if isinstance(data, dict) else [("body", data)]
    errors: dict[str, list[Any]] = {}
    for key, value in items:
        if unsafe(key) or _has_unsafe(value):
            name = key if not unsafe(key) else "body"
            errors[name] = [_l("This has characters we cannot save. Please write it again.")]
    if errors:
        raise ValidationFailed(_l("Please check the information."), errors=errors)


def _has_unsafe(value: Any) -> bool:
    if isinstance(value, str):
        return unsafe(value)
    if isinstance(value, dict):
        return any(unsafe(key) or _has_unsafe(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_unsafe(item) for item in value)
    return False
