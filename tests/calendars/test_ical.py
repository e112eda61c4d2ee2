"""The feed builder, read back by two independent parsers (icalendar and vobject)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from scheduler.calendars.ical import (
    CalendarEvent,
    build_calendar,
    escape_text,
    etag_for,
    fold_line,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
STAMP = datetime(2027, 1, 15, 8, 30, 5, tzinfo=UTC)
LONG_TEXT = (
    "Tervetuloa etäryhmään! Tänään käsittelemme unta, lepoa ja palautumista; ota mukaan "
    "vesipullo, muistivihko ja hyvä tuoli. Välkommen till distansgruppen: vi pratar om sömn, "
    "vila och återhämtning. Åsa, Örjan och Äino ohjaavat, vuorotellen. Backslash \\ stays."
)


def make_event(number: int = 1, **changes: object) -> CalendarEvent:
    starts = datetime(2027, 1, 11, 10, 0, tzinfo=HELSINKI) + timedelta(weeks=number - 1)
    fields: dict[str, object] = {
        "uid": f"session-{number}@etapaiva.example",
        "sequence": number % 3,
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=90),
        "summary": f"Hyvinvointiryhmä {number}",
        "description": "Aihe: uni",
        "url": "https://etapaiva.example/join/7",
        "cancelled": False,
        "last_modified": STAMP,
    }
    fields.update(changes)
    return CalendarEvent(**fields)  # type: ignore[arg-type]


def weekly_series() -> list[CalendarEvent]:
    """Mondays 10:00 from 1 March to 29 November 2027: over both clock changes of 2027."""
    first = date(2027, 3, 1)
    events = []
    for week in range(40):
        day = first + timedelta(weeks=week)
        starts = datetime(day.year, day.month, day.day, 10, 0, tzinfo=HELSINKI)
        events.append(
            make_event(
                week + 1,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1, minutes=30),
                cancelled=week == 5,
            )
        )
    return events


def expected_offset(day: date) -> timedelta:
    # Last Sundays of 2027: 28 March and 31 October.
    summer = date(2027, 3, 28) < day < date(2027, 10, 31)
    return timedelta(hours=3 if summer else 2)


def parse_both(data: bytes) -> tuple[icalendar.Calendar, vobject.base.Component]:
    return icalendar.Calendar.from_ical(data), vobject.readOne(data.decode("utf-8"))


# --- daylight saving ------------------------------------------------------------------------


def test_weekly_series_across_dst_with_icalendar() -> None:
    events = weekly_series()
    calendar = icalendar.Calendar.from_ical(build_calendar(events, name="Ryhmä", language="fi"))
    vtimezone_tz = calendar.walk("VTIMEZONE")[0].to_tz()  # built from our VTIMEZONE text
    parsed = calendar.walk("VEVENT")
    assert len(parsed) == len(events)
    for event, vevent in zip(events, parsed, strict=True):
        assert vevent["DTSTART"].params["TZID"] == "Europe/Helsinki"
        start = vevent.decoded("DTSTART")
        assert (start.hour, start.minute, start.weekday()) == (10, 0, 0)
        assert start.utcoffset() == expected_offset(start.date())
        assert start.astimezone(UTC) == event.starts_at.astimezone(UTC)
        naive = start.replace(tzinfo=None)
        from_vtimezone = naive.replace(tzinfo=vtimezone_tz)
        assert from_vtimezone.utcoffset() == expected_offset(start.date())
        assert from_vtimezone.astimezone(UTC) == naive.replace(tzinfo=HELSINKI).astimezone(UTC)
        end = vevent.decoded("DTEND")
        assert end.astimezone(UTC) == event.ends_at.astimezone(UTC)


def test_weekly_series_across_dst_with_vobject() -> None:
    events = weekly_series()
    calendar = vobject.readOne(build_calendar(events, name="Ryhmä", language="fi").decode())
    vtimezone_tz = calendar.vtimezone.gettzinfo()  # dateutil's reading of our VTIMEZONE
    parsed = calendar.vevent_list
    assert len(parsed) == len(events)
    for event, vevent in zip(events, parsed, strict=True):
        start = vevent.dtstart.value
        assert (start.hour, start.minute, start.weekday()) == (10, 0, 0)
        assert start.utcoffset() == expected_offset(start.date())
        assert start.astimezone(UTC) == event.starts_at.astimezone(UTC)
        from_vtimezone = start.replace(tzinfo=None).replace(tzinfo=vtimezone_tz)
        assert from_vtimezone.utcoffset() == expected_offset(start.date())
        assert from_vtimezone.astimezone(UTC) == event.starts_at.astimezone(UTC)
        assert vevent.dtend.value.astimezone(UTC) == event.ends_at.astimezone(UTC)


def test_vtimezone_rules_match_zoneinfo_for_years() -> None:
    """Every hour around both changes, 2026-2035, as the VTIMEZONE text defines it."""
    tz = icalendar.Calendar.from_ical(build_calendar([], name="x", language="fi"))
    vtimezone_tz = tz.walk("VTIMEZONE")[0].to_tz()
    for year in range(2026, 2036):
        for month in (3, 10):
            base = datetime(year, month, 20, tzinfo=UTC)
            for hour in range(24 * 14):
                instant = base + timedelta(hours=hour)
                local = instant.astimezone(HELSINKI).replace(tzinfo=None)
                if (
                    local.replace(tzinfo=HELSINKI, fold=1).utcoffset()
                    != local.replace(tzinfo=HELSINKI).utcoffset()
                ):
                    continue  # the repeated October hour: naive time alone is ambiguous
                assert (
                    local.replace(tzinfo=vtimezone_tz).utcoffset()
                    == instant.astimezone(HELSINKI).utcoffset()
                ), (year, month, local)


def test_repeated_october_hour_keeps_the_instant() -> None:
    first_pass = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 03:30 EEST
    second_pass = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 03:30 EET
    events = [
        make_event(1, starts_at=first_pass, ends_at=first_pass + timedelta(minutes=20)),
        make_event(2, starts_at=second_pass, ends_at=second_pass + timedelta(minutes=20)),
    ]
    data = build_calendar(events, name="x", language="fi")
    assert b"DTSTART;TZID=Europe/Helsinki:20271031T033000\r\n" in data
    assert b"DTSTART:20271031T013000Z\r\n" in data
    ical, vcal = parse_both(data)
    for event, vevent in zip(events, ical.walk("VEVENT"), strict=True):
        assert vevent.decoded("DTSTART").astimezone(UTC) == event.starts_at
    assert vcal.vevent_list[1].dtstart.value.astimezone(UTC) == second_pass


# --- content --------------------------------------------------------------------------------


def test_fields_round_trip_in_both_parsers() -> None:
    events = [
        make_event(
            1,
            summary="Ryhmä; uni, lepo ja åäö – Gruppen: sömn",
            description=LONG_TEXT + "\nToinen rivi.\r\nTredje raden.",
            location="Etäyhteys, Teams; ei osoitetta",
            categories=("Etäpäivä", "sömn, vila"),
        ),
        make_event(2, cancelled=True, sequence=4, url=None, description=""),
        make_event(3, summary="Kolmas", description=""),
    ]
    data = build_calendar(events, name="Hyvinvointi, sömn; ryhmä", language="sv")
    ical, vcal = parse_both(data)

    normalized = LONG_TEXT + "\nToinen rivi.\nTredje raden."
    first_description = normalized + "\n\nhttps://etapaiva.example/join/7"

    ievents = ical.walk("VEVENT")
    assert [str(e["UID"]) for e in ievents] == [e.uid for e in events]
    assert [int(e["SEQUENCE"]) for e in ievents] == [1, 4, 0]
    assert [str(e["STATUS"]) for e in ievents] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert str(ievents[0]["SUMMARY"]) == events[0].summary
    assert ievents[0]["SUMMARY"].params["LANGUAGE"] == "sv"
    assert str(ievents[0]["DESCRIPTION"]) == first_description
    assert str(ievents[0]["LOCATION"]) == events[0].location
    assert list(ievents[0]["CATEGORIES"].cats) == ["Etäpäivä", "sömn, vila"]
    assert str(ievents[0]["URL"]) == "https://etapaiva.example/join/7"
    assert "URL" not in ievents[1] and "DESCRIPTION" not in ievents[1]
    assert str(ievents[2]["DESCRIPTION"]) == "https://etapaiva.example/join/7"
    assert ievents[0].decoded("DTSTAMP") == STAMP
    assert ievents[0].decoded("LAST-MODIFIED") == STAMP
    # A non-standard property is TEXT (RFC 5545, 3.8.8.2), so it is escaped; icalendar 7 keeps
    # unknown properties raw, vobject unescapes them.
    assert str(ical["X-WR-CALNAME"]) == "Hyvinvointi\\, sömn\\; ryhmä"
    assert str(ical["X-WR-TIMEZONE"]) == "Europe/Helsinki"
    assert str(ical["METHOD"]) == "PUBLISH"
    assert str(ical["CALSCALE"]) == "GREGORIAN"
    assert str(ical["VERSION"]) == "2.0"
    assert str(ical["PRODID"]) == "-//Etapaiva//Scheduler//FI"

    vevents = vcal.vevent_list
    assert [e.uid.value for e in vevents] == [e.uid for e in events]
    assert [int(e.sequence.value) for e in vevents] == [1, 4, 0]
    assert [e.status.value for e in vevents] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert vevents[0].summary.value == events[0].summary
    assert vevents[0].description.value == first_description
    assert vevents[0].location.value == events[0].location
    assert vevents[0].url.value == "https://etapaiva.example/join/7"
    assert vevents[2].description.value == "https://etapaiva.example/join/7"
    assert vevents[0].dtstamp.value == STAMP
    assert vcal.contents["x-wr-calname"][0].value == "Hyvinvointi, sömn; ryhmä"
    assert vcal.contents["name"][0].value == "Hyvinvointi, sömn; ryhmä"


def test_vtimezone_present_exactly_once() -> None:
    for events in ([], weekly_series()):
        data = build_calendar(events, name="x", language="fi")
        assert data.count(b"BEGIN:VTIMEZONE\r\n") == 1
        assert data.count(b"TZID:Europe/Helsinki\r\n") == 1
        ical, vcal = parse_both(data)
        assert len(ical.walk("VTIMEZONE")) == 1
        assert len(vcal.vtimezone_list) == 1


def test_lines_are_folded_crlf_and_never_split_a_character() -> None:
    summary = "åäö€😀" * 40 + "x" * 3
    events = [make_event(i, summary="a" * i + summary, description=LONG_TEXT) for i in range(1, 6)]
    data = build_calendar(events, name="Ryhmä", language="fi")
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    for physical in data.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")  # strict: no character cut in half
    unfolded = data.replace(b"\r\n ", b"").decode("utf-8")
    assert f"SUMMARY;LANGUAGE=fi:{'a' * 3}{summary}\r\n" in unfolded


@pytest.mark.parametrize("prefix", range(6))
def test_fold_line_on_octet_boundaries(prefix: int) -> None:
    line = "DESCRIPTION:" + "x" * prefix + "ä€😀" * 30
    folded = fold_line(line)
    chunks = folded.split(b"\r\n ")
    assert len(chunks[0]) <= 75 and all(len(c) <= 74 for c in chunks[1:])
    assert all(len(c) > 70 for c in chunks[:-1])  # no needless short lines
    assert "".join(c.decode("utf-8") for c in chunks) == line
    assert fold_line("SHORT:ok") == b"SHORT:ok"


def test_escape_text() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf\rg\x00h\ti") == r"a\\b\;c\,d\ne\nf\ng" + "h\ti"
    assert escape_text("plain ä") == "plain ä"


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": datetime(2027, 1, 11, 10, 0)},
        {"last_modified": datetime(2027, 1, 11, 10, 0)},
        {"ends_at": datetime(2027, 1, 11, 9, 0, tzinfo=HELSINKI)},
        {"url": "https://x.example/a\r\nSTATUS:CANCELLED"},
        {"url": "https://x.example/a b"},
        {"uid": ""},
        {"sequence": -1},
    ],
)
def test_invalid_events_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_event(1, **changes)


def test_language_parameter_is_validated() -> None:
    with pytest.raises(ValueError):
        build_calendar([], name="x", language='fi";X=1')


def test_output_is_deterministic() -> None:
    events = weekly_series()
    assert build_calendar(events, name="x", language="fi") == build_calendar(
        events, name="x", language="fi"
    )


def test_etag_for() -> None:
    etag = etag_for(["course-7", "2027-01-15T08:30:05+00:00", "fi"])
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 30
    assert etag == etag_for(["course-7", "2027-01-15T08:30:05+00:00", "fi"])
    assert etag != etag_for(["course-7", "2027-01-15T08:30:05+00:00", "sv"])
    assert etag_for(["ab", "c"]) != etag_for(["a", "bc"])
    assert not etag.startswith("W/")
