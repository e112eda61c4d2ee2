"""A small, realistic network for the API-wide tests: users of every role, open and closed
courses, applications, materials, a swap request and a closure, made through the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from tests.conftest import PASSWORD, Staff, course_payload


@dataclass
class Network:
    staff: dict[str, Staff]  # "admin", "planner" (05), "facilitator" (05), "other" (21), "03", "14"
    closed: dict[str, Any]  # 03, 05, 14; taking applications
    open: dict[str, Any]  # 05, 14
    foreign: dict[str, Any]  # 03, 14 (not the planner's region)
    applications: list[int] = field(default_factory=list)  # 05 accepted, 05 submitted, 14
    personal_token: str = ""  # the accepted participant's personal link
    waiting_token: str = ""  # the submitted applicant's personal link
    materials: list[int] = field(default_factory=list)
    hidden_material: int = 0
    swap: int = 0
    closure: int = 0
    region_calendar_token: str = ""  # region 05's duties feed
    own_calendar_token: str = ""  # the facilitator's own duties feed


def _day(days: int) -> date:
    return datetime.now(HELSINKI).date() + timedelta(days=days)


def _tuesday_in(days: int) -> str:
    day = _day(days)
    day += timedelta(days=(1 - day.weekday()) % 7)
    return f"{day.isoformat()}T10:00"


def _staff(app: Any, role: str, region: str | None, email: str) -> Staff:
    from scheduler.accounts.services import create_user, issue_token

    with app.app_context():
        user = create_user(email, role, PASSWORD, region=region, language="fi")
        token = issue_token(user)
        db.session.commit()
        return Staff(user.id, email, role, region, token)


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def seed_network(app: Any) -> Network:
    """Everything is made through the API, as a region would; ids start from 1."""
    app.config["APPLICATION_RATE_LIMIT_PER_HOUR"] = 1000
    staff = {
        "admin": _staff(app, "admin", None, "admin@example.org"),
        "planner": _staff(app, "planner", "05", "planner05@example.org"),
        "facilitator": _staff(app, "facilitator", "05", "facilitator05@example.org"),
        "other": _staff(app, "planner", "21", "planner21@example.org"),
        "03": _staff(app, "planner", "03", "planner03@example.org"),
        "14": _staff(app, "planner", "14", "planner14@example.org"),
    }
    client = app.test_client()
    planner = staff["planner"].headers

    closed = _ok(
        client.post(
            "/api/v1/courses",
            json=course_payload(
                kind="closed",
                languages=["fi", "sv"],
                regions=["05", "03", "14"],
                cohost=True,
                capacity=10,
                application_deadline=_day(20).isoformat(),
                first_session=_tuesday_in(30),
                sessions=8,
            ),
            headers=planner,
        )
    )
    open_group = _ok(  # its Swedish title is still missing
        client.post(
            "/api/v1/courses",
            json=course_payload(
                title={"fi": "Tuolijumppa", "sv": ""},
                regions=["05", "14"],
                first_session=_tuesday_in(7),
                sessions=6,
            ),
            headers=planner,
        )
    )
    foreign = _ok(
        client.post(
            "/api/v1/courses",
            json=course_payload(
                kind="closed",
                regions=["03", "14"],
                capacity=5,
                application_deadline=_day(10).isoformat(),
                first_session=_tuesday_in(21),
                sessions=4,
            ),
            headers=staff["03"].headers,
        )
    )
    network = Network(staff=staff, closed=closed, open=open_group, foreign=foreign)

    for number, region in enumerate(("05", "05", "14"), start=1):
        created = _ok(
            client.post(
                f"/api/v1/courses/{closed['id']}/applications",
                json={
                    "name": f"Asiakas {number}",
                    "email": f"asiakas{number}@example.org",
                    "phone": "040 123 4567",
                    "region": region,
                    "language": "fi",
                    "needs": "Isompi teksti",
                    "consent": True,
                },
            )
        )
        network.applications.append(created["id"])
    _ok(
        client.post(
            f"/api/v1/applications/{network.applications[0]}/decision",
            json={"status": "accepted"},
            headers=planner,
        ),
        200,
    )
    network.personal_token = _personal_token(app, network.applications[0])
    network.waiting_token = _personal_token(app, network.applications[1])

    for title, themes in (("Uni ja lepo", ["uni"]), ("Liikunta kotona", ["liikunta"])):
        material = _ok(
            client.post(
                "/api/v1/materials",
                json={
                    "title": {"fi": title},
                    "url": "https://example.org/material.pdf",
                    "languages": ["fi"],
                    "themes": themes,
                },
                headers=planner,
            )
        )
        network.materials.append(material["id"])
    hidden = _ok(
        client.post(
            "/api/v1/materials",
            json={
                "title": {"fi": "Oma aineisto"},
                "url": "https://example.org/own.pdf",
                "languages": ["fi"],
                "sharing": "region",
            },
            headers=staff["14"].headers,
        )
    )
    network.hidden_material = hidden["id"]
    first = closed["sessions"][0]["id"]
    _ok(
        client.post(
            f"/api/v1/sessions/{first}/materials",
            json={"material": network.materials[0]},
            headers=planner,
        )
    )
    _ok(
        client.post(
            f"/api/v1/materials/{network.materials[0]}/translation-requests",
            json={"language": "sv"},
            headers=staff["14"].headers,
        )
    )
    _ok(  # region 14's own material, attached by 14 to a session 05 also takes part in
        client.post(
            f"/api/v1/sessions/{first}/materials",
            json={"material": network.hidden_material},
            headers=staff["14"].headers,
        )
    )
    mine = next(s for s in closed["sessions"] if s["host_region"] == "05")
    theirs = next(s for s in closed["sessions"] if s["host_region"] not in ("05", None))
    swap = _ok(
        client.post(
            f"/api/v1/sessions/{mine['id']}/swap-requests",
            json={"session": theirs["id"]},
            headers=planner,
        )
    )
    network.swap = swap["id"]
    closure = _ok(
        client.post(
            "/api/v1/regions/05/closures",
            json={
                "start": _day(200).isoformat(),
                "end": _day(210).isoformat(),
                "reason": "Remontti",
            },
            headers=planner,
        )
    )
    network.closure = closure["id"]
    network.region_calendar_token, network.own_calendar_token = _calendar_tokens(app, staff)
    return network


def _calendar_tokens(app: Any, staff: dict[str, Staff]) -> tuple[str, str]:
    from scheduler.accounts.models import User
    from scheduler.calendars import tokens

    with app.app_context():
        planner = db.session.get(User, staff["planner"].id)
        facilitator = db.session.get(User, staff["facilitator"].id)
        region = tokens.renew_region_token(planner, "05")
        own = tokens.renew_user_token(facilitator)
        db.session.commit()
        return region, own


def _personal_token(app: Any, application_id: int) -> str:
    """A working personal link for the application (a new one, as the token is stored hashed)."""
    from scheduler.enrolment.models import Application
    from scheduler.enrolment.tokens import assign_new_token

    with app.app_context():
        application = db.session.get(Application, application_id)
        token = assign_new_token(application)
        db.session.commit()
        return token


# --- putting the seeded data back between state-changing requests ---------------------------


def snapshot(app: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the tests fill (regions and the schema version stay)."""
    from tests.conftest import KEEP_TABLES

    with app.app_context():
        return {
            table.name: [dict(row._mapping) for row in db.session.execute(table.select())]
            for table in db.metadata.sorted_tables
            if table.name not in KEEP_TABLES
        }


def restore(app: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Back to the snapshot: delete every row and insert the saved ones again (ids included).

    DELETE rather than TRUNCATE: a few dozen rows go much faster this way on PostgreSQL."""
    from sqlalchemy import text

    with app.app_context():
        db.session.remove()
        tables = [table for table in db.metadata.sorted_tables if table.name in rows]
        with db.engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                if rows[table.name]:
                    connection.execute(table.insert(), rows[table.name])
            if connection.dialect.name == "postgresql":
                for table in tables:
                    if "id" in table.c and rows[table.name]:
                        connection.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'),"
                                f' (SELECT max(id) FROM "{table.name}"))'
                            )
                        )
