"""The national network in a real database, for load benchmarks (not a test).

Reuses the rotation benchmark's generator (``bench/rotation.py``: 22 organisers, 300 courses
of 40 weekly sessions, planned with ``plan_network``) and places it around today: the
network's year starts about half a year ago, so there are past and coming sessions, this
year's reports have data and the join page of one course is open now. ``scale`` copies of
the network are stored, each earlier copy three years (156 weeks) further back: 10× data is
the same live network with nine earlier networks of history behind it.

Besides the generated courses: one open course whose session is open for joining for the
next hours (the join benchmark), 5 applications per course (1,500 in the national network)
per copy, spread over the closed courses
(one of them accepted in a course whose session is open now, with a known personal link),
a planner and an admin of region 05, and region 05's secret calendar address.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scheduler.accounts.services import create_user, find_user  # noqa: E402
from scheduler.calendars.tokens import renew_region_token  # noqa: E402
from scheduler.courses.models import Course, CourseRegion, Session  # noqa: E402
from scheduler.dbtypes import utcnow  # noqa: E402
from scheduler.enrolment.models import Application  # noqa: E402
from scheduler.enrolment.tokens import assign_new_token  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.rotation import plan_network  # noqa: E402
from scheduler.security import hash_token, new_nonce, new_token  # noqa: E402

SEED = 2027
APPLICATIONS_PER_COURSE = 5  # 1,500 in the 300-course network
PASSWORD = "bench-password-2027"
PLANNER = "planner05@bench.etapaiva.fi"
ADMIN = "admin@bench.etapaiva.fi"
REGION = "05"
WEEK = timedelta(weeks=1)
# Earlier copies lie this far apart: a copy runs about 92 weeks (starts spread over a year,
# 40 weekly sessions), so with three years between them no earlier copy reaches this year,
# the feeds' window or the coming weeks: 10x data is 10x history, the present unchanged.
HISTORY_STEP = timedelta(weeks=156)
THEMES = (
    ("Liikuntaryhmä", "Motionsgrupp", "liikkuminen ja tasapaino", "rörelse och balans"),
    ("Uni ja lepo", "Sömn och vila", "hyvä uni ja rentoutuminen", "god sömn och avslappning"),
    ("Ravitsemus", "Näring", "arjen ruoka ja juominen", "vardagens mat och dryck"),
    (
        "Mielen hyvinvointi",
        "Psykiskt välbefinnande",
        "tunteet ja voimavarat",
        "känslor och krafter",
    ),
    ("Muistiryhmä", "Minnesgrupp", "muistin tukeminen", "att stödja minnet"),
    ("Musiikkihetki", "Musikstund", "laulu ja soitto yhdessä", "sång och musik tillsammans"),
    ("Taidepaja", "Konstverkstad", "piirtäminen ja maalaus", "teckning och målning"),
    ("Digitaidot", "Digitala färdigheter", "tabletti ja videopuhelu", "surfplatta och videosamtal"),
    ("Ulkoilu", "Utomhusliv", "luonto ja vuodenajat", "naturen och årstiderna"),
    ("Kulttuurikierros", "Kulturrunda", "museot ja kirjastot", "museer och bibliotek"),
)
FIRST_NAMES = ("Aino", "Eino", "Helmi", "Väinö", "Saga", "Elis", "Tuula", "Pekka", "Maj", "Olof")


@dataclass
class Network:
    """What the driver needs to reach every benchmarked page."""

    courses: int
    sessions: int
    applications: int
    live_course: int  # open course with a session open now
    participant_token: str  # accepted participant of a closed course with a session open now
    region_token: str  # region 05's calendar feed
    planner: str
    admin: str
    password: str


def _rotation_bench() -> Any:
    """bench/rotation.py as a module (the generator of the national network)."""
    spec = importlib.util.spec_from_file_location("bench_rotation", ROOT / "bench" / "rotation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def generated_plan(courses: int | None = None) -> tuple[list[Any], list[Any]]:
    """The rotation benchmark's network (first ``courses`` of it) and its plan."""
    bench = _rotation_bench()
    network = bench.build_network(random.Random(SEED))
    if courses is not None:
        network = network[:courses]
    return network, plan_network(network)


def _offset(today: date) -> timedelta:
    """Whole weeks that move the generator's year (2027) to start about 26 weeks ago."""
    start = today - timedelta(weeks=26)
    return timedelta(weeks=round((start - date(2027, 1, 1)).days / 7))


def load_network(scale: int = 1, courses: int | None = None, *, now: datetime) -> Network:
    """Fill the (migrated, empty) database of the current app context; commits."""
    network, results = generated_plan(courses)
    rng = random.Random(SEED + 1)
    offset = _offset(now.date())
    counts = {"courses": 0, "sessions": 0, "applications": 0}
    participant_course = None
    for copy in range(scale):
        shift = offset - copy * HISTORY_STEP
        course_ids = _insert_courses(network, results, shift, copy, rng, counts)
        closed = [cid for cid, kind in course_ids if kind == "closed"]
        if copy == 0:
            participant_course = _open_now(closed, now)
        how_many = APPLICATIONS_PER_COURSE * len(network)
        _insert_applications(closed, how_many, rng, counts, now - copy * HISTORY_STEP)
    assert participant_course is not None
    live = _insert_live_course(now, counts)
    token = _participant(participant_course)
    planner, admin = _staff()
    region_token = _region_token(admin)
    db.session.commit()
    return Network(
        courses=counts["courses"],
        sessions=counts["sessions"],
        applications=counts["applications"],
        live_course=live,
        participant_token=token,
        region_token=region_token,
        planner=planner,
        admin=admin,
        password=PASSWORD,
    )


def _texts(number: int, copy: int) -> dict[str, str]:
    fi, sv, about_fi, about_sv = THEMES[number % len(THEMES)]
    year = f" ({copy} v. sitten)" if copy else ""
    return {
        "title_fi": f"{fi} {number + 1}{year}",
        "title_sv": f"{sv} {number + 1}" if number % 7 else "",  # some lack a Swedish title
        "description_fi": (
            f"Etäryhmä, jossa puhutaan aiheesta {about_fi}. Ryhmä kokoontuu kerran viikossa "
            "videoyhteydellä. Mukaan voi tulla tukihenkilön kanssa. " * 2
        ).strip(),
        "description_sv": (
            f"En distansgrupp om {about_sv}. Gruppen träffas en gång i veckan på video. "
            "Du kan delta med en stödperson. " * 2
        ).strip(),
    }


def _insert_courses(
    network: list[Any],
    results: list[Any],
    shift: timedelta,
    copy: int,
    rng: random.Random,
    counts: dict[str, int],
) -> list[tuple[int, str]]:
    """Courses, their regions and their planned sessions; returns (id, kind) per course."""
    connection = db.session.connection()
    stamp = utcnow()
    course_rows = []
    for number, request in enumerate(network):
        first = request.slots[0].starts_at + shift
        kind = "closed" if number % 3 == 1 else "open"
        languages = ",".join(sorted(next(iter(request.slots)).languages))
        course_rows.append(
            {
                "kind": kind,
                **_texts(number, copy),
                "languages_csv": languages,
                "cohost": request.cohost,
                "first_session": first,
                "duration_minutes": int(
                    (request.slots[0].ends_at - request.slots[0].starts_at).total_seconds() // 60
                ),
                "session_count": len(request.slots),
                "capacity": 12 if kind == "closed" else None,
                "application_deadline": (first - timedelta(days=14)).date()
                if kind == "closed"
                else None,
                "meeting_provider": "jitsi" if number % 2 else "static",
                "meeting_url": None if number % 2 else f"https://meet.example.org/bench-{number}",
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    inserted = connection.execute(
        db.insert(Course).returning(Course.id, sort_by_parameter_order=True), course_rows
    ).all()
    ids = [row[0] for row in inserted]
    region_rows = []
    session_rows = []
    for course_id, request, result in zip(ids, network, results, strict=True):
        for position, region in enumerate(request.regions):
            region_rows.append(
                {
                    "course_id": course_id,
                    "region_code": region.code,
                    "weight": region.weight,
                    "position": position,
                }
            )
        for number, (slot, assignment) in enumerate(
            zip(request.slots, result.assignments, strict=True), start=1
        ):
            cancelled = rng.random() < 0.02
            session_rows.append(
                {
                    "course_id": course_id,
                    "number": number,
                    "starts_at": slot.starts_at + shift,
                    "ends_at": slot.ends_at + shift,
                    "host_region": assignment.host,
                    "cohost_region": assignment.cohost,
                    "status": "cancelled" if cancelled else "scheduled",
                    "host_set_by_hand": False,
                    "sequence": 1 if cancelled else 0,
                    "updated_at": stamp,
                }
            )
    connection.execute(db.insert(CourseRegion), region_rows)
    connection.execute(db.insert(Session), session_rows)
    counts["courses"] += len(ids)
    counts["sessions"] += len(session_rows)
    kinds = [row["kind"] for row in course_rows]
    return list(zip(ids, kinds, strict=True))


def _open_now(closed: list[int], now: datetime) -> int:
    """A closed course (of region 05 if one runs now): its session nearest to now moves to now."""
    of_region = db.select(CourseRegion.course_id).where(CourseRegion.region_code == REGION)
    sessions = db.session.scalars(
        db.select(Session).where(Session.course_id.in_(closed), Session.status == "scheduled")
    ).all()
    mine = set(db.session.scalars(of_region.where(CourseRegion.course_id.in_(closed))))
    session = min(
        sessions,
        key=lambda s: (s.course_id not in mine, abs((s.starts_at - now).total_seconds())),
    )
    session.starts_at = now - timedelta(minutes=5)
    session.ends_at = now + timedelta(hours=8)
    db.session.flush()
    return session.course_id


def _insert_live_course(now: datetime, counts: dict[str, int]) -> int:
    """An open course of 40 weekly sessions whose session is open from now for eight hours."""
    open_index = 20
    first = now - timedelta(minutes=5) - open_index * WEEK
    course = Course(
        kind="open",
        title_fi="Avoin olohuone",
        title_sv="Öppet vardagsrum",
        description_fi="Avoin ryhmä, johon voi tulla ilman ilmoittautumista.",
        description_sv="En öppen grupp som du kan delta i utan anmälan.",
        languages_csv="fi,sv",
        cohost=True,
        first_session=first,
        duration_minutes=480,
        session_count=40,
        meeting_provider="jitsi",
        participations=[
            CourseRegion(region_code=code, position=i) for i, code in enumerate(("03", "05", "14"))
        ],
    )
    db.session.add(course)
    db.session.flush()
    hosts = ("03", "05", "14")
    db.session.add_all(
        Session(
            course_id=course.id,
            number=index + 1,
            starts_at=first + index * WEEK,
            ends_at=first + index * WEEK + timedelta(hours=8, minutes=5),
            host_region=hosts[index % 3],
            cohost_region=hosts[(index + 1) % 3],
            status="scheduled",
        )
        for index in range(40)
    )
    db.session.flush()
    counts["courses"] += 1
    counts["sessions"] += 40
    return course.id


def _insert_applications(
    closed: list[int], how_many: int, rng: random.Random, counts: dict[str, int], when: datetime
) -> None:
    regions: dict[int, list[str]] = {}
    for course_id, code in db.session.execute(
        db.select(CourseRegion.course_id, CourseRegion.region_code).where(
            CourseRegion.course_id.in_(closed)
        )
    ):
        regions.setdefault(course_id, []).append(code)
    statuses = ("submitted", "accepted", "accepted", "waitlisted", "rejected", "withdrawn")
    made = []
    for index in range(how_many):
        course_id = closed[index % len(closed)]
        name = f"{rng.choice(FIRST_NAMES)} Testinen {counts['applications'] + index}"
        made.append(
            Application(
                course_id=course_id,
                name=name,
                email=f"applicant{counts['applications'] + index}@bench.example",
                region_code=rng.choice(regions[course_id]),
                language="sv" if index % 5 == 0 else "fi",
                needs="Tarvitsen isomman tekstin." if index % 4 == 0 else "",
                status=statuses[index % len(statuses)],
                submitted_at=when - timedelta(days=rng.randint(20, 60)),
                status_changed_at=when - timedelta(days=rng.randint(1, 19)),
                consent_at=when - timedelta(days=60),
                token_nonce=new_nonce(),
                token_hash=hash_token(new_token()[0]),
            )
        )
    db.session.add_all(made)
    db.session.flush()
    counts["applications"] += len(made)


def _participant(course_id: int) -> str:
    application = Application(
        course_id=course_id,
        name="Saga Osallistuja",
        email="participant@bench.example",
        region_code=REGION,
        language="fi",
        status="accepted",
        token_nonce="",
        token_hash=hash_token(new_token()[0]),
    )
    db.session.add(application)
    db.session.flush()
    token = assign_new_token(application)
    db.session.flush()
    return token


def _staff() -> tuple[str, str]:
    create_user(PLANNER, "planner", PASSWORD, region=REGION, name="Bench Planner")
    create_user(ADMIN, "admin", PASSWORD, name="Bench Admin")
    return PLANNER, ADMIN


def _region_token(admin_email: str) -> str:
    return renew_region_token(find_user(admin_email), REGION)
