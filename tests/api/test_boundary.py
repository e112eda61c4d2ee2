"""The input boundary's rules one by one (the API-wide tests send them everywhere)."""

from __future__ import annotations

import json

import pytest
from werkzeug.routing import IntegerConverter

from scheduler.boundary.ids import MAX_ID, IdConverter, bounded, form_reference
from scheduler.boundary.numbers import form_decimal, form_whole_number, is_number, whole_number
from scheduler.boundary.text import breaks_line, unsafe


def test_every_integer_route_part_is_a_bounded_id(app):
    converters = [c for rule in app.url_map.iter_rules() for c in rule._converters.values()]
    integers = [c for c in converters if isinstance(c, IntegerConverter)]
    assert integers and all(isinstance(c, IdConverter) for c in integers)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/courses/2147483647", 404),
        ("/api/v1/courses/2147483648", 404),
        ("/api/v1/courses/99999999999999999999999999999999", 404),
        ("/api/v1/courses/0", 404),
        ("/api/v1/courses/-1", 404),
        ("/api/v1/courses/٣", 404),
        ("/api/v1/courses/0001", 404),
        ("/join/2147483648", 404),
        ("/calendar/courses/2147483648.ics", 404),
        ("/courses/1000000000000000000000000000000", 404),
    ],
)
def test_ids_beyond_the_database_are_unknown_not_errors(client, path, status):
    response = client.get(path)
    assert response.status_code == status


def test_a_sibling_route_with_another_method_does_not_turn_a_huge_id_into_405(client):
    # POST /courses/<id>/applications exists beside GET; a huge id must still be 404.
    assert client.get("/api/v1/courses/2147483648/applications").status_code == 404
    assert client.post("/api/v1/courses/2147483648/applications", json={}).status_code == 404


def test_ids_in_bodies_and_forms():
    assert bounded(MAX_ID) == MAX_ID
    assert bounded(MAX_ID + 1) == 0 and bounded(0) == 0 and bounded(-5) == 0
    assert form_reference("12") == 12
    assert form_reference("²") is None and form_reference("٣") is None
    assert form_reference(str(10**30)) is None  # more digits than any id
    assert form_reference("2147483648") == 0


def test_numbers_take_ascii_digits_and_finite_values_only():
    assert whole_number(" 42 ") == 42
    for text in ("²", "٣", "４２", "1e3", "-1", "4.2", "", None):
        assert whole_number(text) is None, text
    assert form_whole_number("²") == "²"  # left as text: the parser says "Give a whole number."
    assert form_whole_number("") is None
    assert form_decimal("1,5") == 1.5
    assert form_decimal("nan") == "nan" and form_decimal("inf") == "inf"
    assert is_number(1) and is_number(1.5)
    assert not is_number(float("nan")) and not is_number(float("inf")) and not is_number(True)


@pytest.mark.parametrize("character", ["\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x85", "\ud800"])
def test_control_characters_and_lone_surrogates_are_never_stored(character):
    assert unsafe(f"a{character}b")


def test_long_texts_keep_their_lines_and_single_lines_refuse_every_break():
    assert not unsafe("rivi 1\r\nrivi 2\tsarake")
    for text in ("a\nb", "a\rb", "a\tb", "a\u2028b", "a\u2029b"):
        assert breaks_line(text), repr(text)
    assert not breaks_line("Äänestys – å, ö ja ü")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ('{"start": NaN}', 422, None),
        ('{"start": Infinity}', 422, None),
        ('{"start": -Infinity}', 422, None),
        ('{"start": 1e999}', 422, None),
        ("[" * 1000 + "]" * 1000, 422, None),
        ('{"reason": "\\ud800"}', 422, "reason"),
        ('{"reason": "a\\u0000b"}', 422, "reason"),
        ('{"a\\u0000": 1}', 422, "body"),
        ('{"start": "2027-01-01"', 422, None),
        (json.dumps({"reason": "x" * 300_000}), 413, None),
    ],
)
def test_json_bodies_are_read_with_limits(client, make_user, body, status, field):
    planner = make_user("planner", "05")
    response = client.post(
        "/api/v1/regions/05/closures",
        data=body,
        content_type="application/json",
        headers={**planner.headers, "Accept-Language": "sv"},
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Language"] == "sv"
    if field:
        assert field in response.get_json()["errors"]


def test_dates_outside_2000_to_2100_name_the_field(client, make_user):
    planner = make_user("planner", "05")
    response = client.post(
        "/api/v1/regions/05/closures",
        json={"start": "9999-12-01", "end": "9999-12-31"},
        headers={**planner.headers, "Accept-Language": "fi"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["start"] == [
        "Anna päivämäärä väliltä 2000-01-01–2100-12-31."
    ]
    report = client.get("/api/v1/reports/hosting?from=9999-01-01", headers=planner.headers)
    assert report.status_code == 422 and "from" in report.get_json()["errors"]


def test_query_strings_and_form_fields_with_control_characters_are_refused(client, make_user):
    planner = make_user("planner", "05")
    query = client.get("/api/v1/materials?q=a%00b", headers=planner.headers)
    assert query.status_code == 422 and "q" in query.get_json()["errors"]
    form = client.post("/courses/1/apply?lang=sv", data={"name": "Aino\x0b"})
    assert form.status_code == 422
    assert "Fältet ”name” har ett tecken som vi inte kan spara" in form.get_data(as_text=True)
    assert client.get("/my/a%00b").status_code == 404


def test_unknown_fields_and_wrong_types_are_refused(client, make_user):
    planner = make_user("planner", "05")
    unknown = client.post(
        "/api/v1/regions/05/closures",
        json={"start": "2027-07-01", "end": "2027-07-02", "reasons": "typo"},
        headers=planner.headers,
    )
    assert unknown.status_code == 422 and "reasons" in unknown.get_json()["errors"]
    for owner in (["05"], {"code": "05"}, 5):
        material = client.post(
            "/api/v1/materials",
            json={
                "title": {"fi": "x"},
                "url": "https://example.org/a.pdf",
                "languages": ["fi"],
                "owner_region": owner,
            },
            headers=planner.headers,
        )
        assert material.status_code == 422, owner
        assert "owner_region" in material.get_json()["errors"]
