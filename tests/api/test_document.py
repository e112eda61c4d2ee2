"""The OpenAPI document states the input boundary's rules exactly as the server applies them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from scheduler.api import inputs
from scheduler.api.docs import openapi_document
from scheduler.boundary import text
from scheduler.errors import FieldErrors


def _schemas() -> dict[str, Any]:
    return openapi_document()["components"]["schemas"]


def _ecma(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern as ECMA-262 reads it: the closing `$` is the end of the string
    (Python's `$` would also match before a final line feed)."""
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)


def _pattern(name: str) -> re.Pattern[str]:
    return _ecma(_schemas()[name]["pattern"])


def _server_takes_date(value: str) -> bool:
    errors = FieldErrors()
    return inputs.iso_date(value, "day", errors) is not None and not errors


def _server_takes_moment(value: str) -> bool:
    errors = FieldErrors()
    return inputs.local_datetime(value, "moment", errors) is not None and not errors


def test_date_pattern_is_the_servers_rule_for_every_day_and_near_miss():
    pattern = _pattern("Date")
    day = date(1999, 12, 1)
    while day <= date(2101, 1, 31):
        text_day = day.isoformat()
        assert bool(pattern.search(text_day)) == _server_takes_date(text_day), text_day
        day += timedelta(days=1)
    near_misses = [
        "2027-02-29", "2028-02-29", "2100-02-29", "2000-02-29", "2027-04-31", "2027-13-01",
        "2027-00-10", "2027-01-00", "2027-1-05", "20270105", "2027-W01-1", " 2027-01-05",
        "2027-01-05 ", "0001-01-01", "9999-12-31", "２０２７-01-05", "2027-01-05\n", "",
    ]  # fmt: skip
    for value in near_misses:
        assert bool(pattern.search(value)) == _server_takes_date(value), value


@pytest.mark.parametrize(
    "value",
    [
        "2027-01-12T10:00", "2027-01-12T10:00:59", "2027-01-12T10:00:00.123456",
        "2027-01-12T10:00Z", "2027-01-12T10:00+02:00", "2027-01-12T10:00-23:59",
        "2100-12-31T23:59", "2000-01-01T00:00", "2027-01-12T24:00", "2027-01-12T10:60",
        "2027-01-12T10:00:60", "2027-01-12T10:00+24:00", "2027-01-12T10:00+0200",
        "2027-01-12T10", "2027-01-12 10:00", "2027-01-12T10:00:00.1234567", "1999-12-31T23:59",
        "2101-01-01T00:00", "2027-02-29T10:00", "2027-01-12T10:00\n",
    ],
)  # fmt: skip
def test_date_time_pattern_is_the_servers_rule(value):
    assert bool(_pattern("LocalDateTime").search(value)) == _server_takes_moment(value)


def _line_pattern() -> re.Pattern[str]:
    return _ecma(_schemas()["TitleInput"]["properties"]["fi"]["pattern"])


def _text_pattern() -> re.Pattern[str]:
    return _ecma(_schemas()["DescriptionInput"]["properties"]["fi"]["pattern"])


CHARACTERS = [chr(code) for code in range(0x3000)] + [
    chr(code) for code in (0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xFEFF, 0xFFFD, 0x1F600)
]


def test_text_patterns_refuse_exactly_the_characters_the_server_refuses():
    for character in CHARACTERS:
        value = f"a{character}b"
        assert bool(_text_pattern().search(value)) == (not text.unsafe(value)), hex(ord(character))
        single = not text.unsafe(value) and not text.breaks_line(value)
        assert bool(_line_pattern().search(value)) == single, hex(ord(character))


def test_every_json_body_refuses_unknown_fields_in_the_document():
    """The server refuses unknown fields in every JSON body; the document says so."""
    document = openapi_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = body["schema"]
            if "$ref" in schema:
                schema = _schemas()[schema["$ref"].rsplit("/", 1)[1]]
            assert schema.get("additionalProperties") is False, f"{method.upper()} {path}"


def test_every_operation_lists_the_answers_of_the_shared_boundary():
    document = openapi_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            statuses = set(operation["responses"])
            label = f"{method.upper()} {path}"
            if "{" in path:
                assert "404" in statuses, label
            if operation.get("security"):
                assert {"401", "403"} <= statuses, label
            if "requestBody" in operation:
                assert "413" in statuses, label
            assert "422" in statuses, label  # a rule broken, or an unknown query parameter
