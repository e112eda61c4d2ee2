"""Micro-benchmark of the iCalendar builder: a 2,000-event feed, built 15 times.

Run with ``python bench/calendars_build.py`` from the project root. The HTTP endpoints are
measured separately (``bench/calendars.py``); this isolates the text building.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler.calendars.ical import CalendarEvent, build_calendar

EVENTS = 2000
ROUNDS = 15
HELSINKI = ZoneInfo("Europe/Helsinki")


def sample_events(count: int = EVENTS) -> list[CalendarEvent]:
    """Realistic events: bilingual text with commas and non-ASCII letters, some long lines."""
    first = datetime(2027, 1, 4, 10, 0, tzinfo=HELSINKI)
    events = []
    for number in range(count):
        starts = first + timedelta(weeks=number % 200, hours=number % 8)
        events.append(
            CalendarEvent(
                uid=f"session-{number}@etapaiva.example",
                sequence=number % 5,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=90),
                summary=f"Hyvinvointiryhmä: uni ja lepo, kerta {number % 12 + 1}",
                description=(
                    "Tervetuloa etäryhmään! Ota mukaan vesipullo; liikumme yhdessä, "
                    "rauhallisesti. Välkommen till gruppen, vi ses på skärmen.\n"
                    "Ohjaajat: Länsi-Uusimaa ja Varsinais-Suomi."
                ),
                url=f"https://etapaiva.example/join/{number % 50}",
                cancelled=number % 17 == 0,
                last_modified=datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
                location="Etäyhteys",
                categories=("Etäpäivä",),
            )
        )
    return events


def main() -> None:
    events = sample_events()
    build_calendar(events, name="Lämmittely", language="fi")  # warm up
    timings = []
    size = 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        size = len(build_calendar(events, name="Hyvinvointiryhmät", language="fi"))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p90 = statistics.quantiles(timings, n=10, method="inclusive")[-1]
    print(f"build_calendar: {EVENTS} events, {ROUNDS} rounds, {size / 1024:.0f} KiB per feed")
    print(f"median {statistics.median(timings):.1f} ms, p90 {p90:.1f} ms, max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
