"""A small, realistic network for the API-wide tests: users of every role, open and closed
courses, applications, materials, a swap request and a closure, made through the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from scheduler.accounts.models import User
from scheduler.accounts.services import create_user, issue_token
from scheduler.calendars import tokens
from scheduler.enrolment.models import Application
from scheduler.enrolment.tokens import assign_new_token, short_code
from scheduler.extensions import db
from scheduler.i18n import HELSINKI
from tests.conftest import KEEP_TABLES, PASSWORD, Staff, course_payload


@dataclass
class Network:
    staff: dict[str, Staff]  # "admin", "planner" (05), "facilitator" (05), "other" (21), "03", "14"
    closed: dict[str, Any]  # 03, 05, 14; taking applications
    open: dict[str, Any]  # 05, 14
    foreign: dict[str, Any]  # 03, 14 (not the planner's region)
    applications: list[int] = field(default_factory=list)  # 05 accepted, 05 submitted, 14
    personal_token: str = ""  # the accepted participant's personal link
    short_code: str = ""  # the code of the same participant's short links (/m/, /j/)
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
    network.personal_token, network.short_code = _personal_links(app, network.applications[0])
    network.waiting_token = _personal_links(app, network.applications[1])[0]

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
    with app.app_context():
        planner = db.session.get(User, staff["planner"].id)
        facilitator = db.session.get(User, staff["facilitator"].id)
        region = tokens.renew_region_token(planner, "05")
        own = tokens.renew_user_token(facilitator)
        db.session.commit()
        return region, own


def _personal_links(app: Any, application_id: int) -> tuple[str, str]:
    """A working personal token and short code for the application (new ones, as both are
    stored hashed)."""
    with app.app_context():
        application = db.session.get(Application, application_id)
        token = assign_new_token(application)
        code = short_code(application)
        db.session.commit()
        return token, code


# --- what the tests send: ids for {placeholders} and valid bodies ------------------------------


def placeholders(network: Network) -> dict[str, Any]:
    hosted_by_05 = next(s for s in network.closed["sessions"] if s["host_region"] == "05")
    return {
        "closed": network.closed["id"],
        "open": network.open["id"],
        "session": hosted_by_05["id"],
        "first": network.closed["sessions"][0]["id"],
        "material": network.materials[0],
        "material2": network.materials[1],
        "hidden": network.hidden_material,
        "submitted": network.applications[1],
        "from_14": network.applications[2],
        "swap": network.swap,
        "token": network.personal_token,
        "short": network.short_code,
        "waiting": network.waiting_token,
        "user": network.staff["facilitator"].id,
        "region_feed": network.region_calendar_token,
        "own_feed": network.own_calendar_token,
    }


def bodies(network: Network, values: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """What each data-changing request sends: valid input, so that the status shows who may."""
    closed = network.closed
    # another region's session, not the one of the seeded swap request
    other_session = [s["id"] for s in closed["sessions"] if s["host_region"] not in ("05", None)][
        -1
    ]
    applicant = {"name": "Maija", "email": "maija@example.org", "region": "05", "language": "fi"}
    later = closed["sessions"][-1]["starts_at"][:10]
    before_later = (date.fromisoformat(later) - timedelta(days=3)).isoformat()
    session_start = next(s for s in closed["sessions"] if s["id"] == values["session"])
    values_session_start = session_start["starts_at"][:16]
    return {
        ("POST", "/sign-in"): {"data": {"email": "nobody@example.org", "password": "wrong"}},
        ("POST", "/courses/{closed}/apply"): {
            "data": {**applicant, "consent": "yes", "on_behalf": "no"}
        },
        ("POST", "/feedback/no-such-invite"): {"data": {"expectations": "yes"}},
        ("POST", "/feedback/course/{open}"): {"data": {"expectations": "yes"}},
        ("POST", "/join/{open}/region"): {"data": {"region": "05"}},
        ("POST", "/planner/calendars/region"): {"data": {"region": "05"}},
        ("POST", "/planner/courses/new"): {
            "data": {
                "kind": "open",
                "title_fi": "Lauluhetki",
                "languages": "fi",
                "regions": ["05", "14"],
                "first_session": closed["sessions"][2]["starts_at"][:16],
                "duration_minutes": "60",
                "sessions": "4",
                "meeting_provider": "static",
                "meeting_url": "https://meet.example.org/laulu",
            }
        },
        ("POST", "/planner/applications/{submitted}/decision"): {"data": {"status": "accepted"}},
        ("POST", "/planner/courses/{closed}/quotas"): {"data": {"quota_05": "3"}},
        ("POST", "/planner/courses/{closed}/quotas#other-region"): {"data": {"quota_03": "3"}},
        ("POST", "/planner/sessions/{session}/host"): {"data": {"host_region": "05"}},
        ("POST", "/planner/sessions/{session}/status"): {"data": {"action": "release"}},
        ("POST", "/planner/sessions/{session}/swap"): {"data": {"session": str(other_session)}},
        ("POST", "/planner/closures"): {
            "data": {"region": "05", "start": later, "end": later, "reason": "Koulutus"}
        },
        ("POST", "/planner/sessions/{session}/attendance"): {"data": {"present": []}},
        ("POST", "/materials/new"): {
            "data": {
                "title_fi": "Rentoutus",
                "url_fi": "https://example.org/rentoutus.pdf",
                "owner_region": "05",
            }
        },
        ("POST", "/materials/{material}/versions/new?language=sv"): {
            "data": {"language": "sv", "url": "https://example.org/sv.pdf"}
        },
        ("POST", "/materials/{material}/attach"): {"data": {"session": str(values["session"])}},
        ("POST", "/materials/{material2}/translation-requests"): {"data": {"language": "sv"}},
        ("POST", "/courses/{open}/translation-requests"): {"data": {"language": "sv"}},
        ("POST", "/courses/{open}/texts"): {"data": {"title_sv": "Stolgympa"}},
        ("POST", "/api/v1/courses/{closed}/applications"): {"json": {**applicant, "consent": True}},
        ("POST", "/api/v1/applications/withdraw"): {"json": {"token": network.waiting_token}},
        ("POST", "/api/v1/courses"): {
            "json": course_payload(
                regions=["05", "14"], first_session=closed["sessions"][2]["starts_at"][:16]
            )
        },
        ("POST", "/api/v1/applications/{submitted}/decision"): {"json": {"status": "accepted"}},
        ("POST", "/api/v1/applications/{from_14}/decision"): {"json": {"status": "accepted"}},
        ("PUT", "/api/v1/courses/{closed}/quotas"): {"json": {"05": 3}},
        ("PUT", "/api/v1/courses/{closed}/quotas#other-region"): {"json": {"03": 3}},
        ("PATCH", "/api/v1/sessions/{session}"): {"json": {"host_set_by_hand": True}},
        ("POST", "/api/v1/sessions/{session}/swap-requests"): {"json": {"session": other_session}},
        ("POST", "/api/v1/regions/05/closures"): {"json": {"start": later, "end": later}},
        ("PUT", "/api/v1/sessions/{session}/attendance"): {"json": {"present": []}},
        ("POST", "/api/v1/materials"): {
            "json": {
                "title": {"fi": "Rentoutus"},
                "url": "https://example.org/rentoutus.pdf",
                "languages": ["fi"],
                "owner_region": "05",
            }
        },
        ("POST", "/api/v1/materials/{material}/versions"): {
            "json": {"language": "sv", "url": "https://example.org/sv.pdf"}
        },
        ("POST", "/api/v1/materials/{hidden}/versions"): {
            "json": {"language": "sv", "url": "https://example.org/sv.pdf"}
        },
        ("POST", "/api/v1/materials/{material2}/translation-requests"): {
            "json": {"language": "sv"}
        },
        ("POST", "/api/v1/courses/{open}/translation-requests"): {"json": {"language": "sv"}},
        ("POST", "/api/v1/courses/{open}/texts"): {"json": {"title": {"sv": "Stolgympa"}}},
        ("POST", "/api/v1/sessions/{first}/materials"): {
            "json": {"material": network.materials[1]}
        },
        # course lifecycle, staff accounts
        ("PATCH", "/api/v1/courses/{closed}"): {"json": {"cohost": False}},
        ("POST", "/api/v1/courses/{closed}/cancel"): {"json": {"reason": {"fi": "Liian vähän"}}},
        ("POST", "/api/v1/courses/{closed}/copy"): {
            "json": {"first_session": f"{later}T10:00", "application_deadline": before_later}
        },
        ("POST", "/api/v1/courses/{closed}/sessions"): {"json": {"count": 1}},
        ("POST", "/api/v1/sessions/{session}/cancel"): {"json": {"reason": {"fi": "Sairastui"}}},
        ("POST", "/api/v1/users"): {
            "json": {"email": "uusi@example.org", "role": "facilitator", "region": "05"}
        },
        ("PATCH", "/api/v1/users/{user}"): {"json": {"active": True}},
        ("POST", "/planner/courses/{closed}/edit"): {"data": {"title_fi": "Uusi nimi"}},
        ("POST", "/planner/courses/{closed}/cancel"): {"data": {"reason_fi": "Liian vähän"}},
        ("POST", "/planner/courses/{closed}/copy"): {
            "data": {"first_session": f"{later}T10:00", "application_deadline": before_later}
        },
        ("POST", "/planner/courses/{closed}/sessions"): {"data": {"count": "1"}},
        ("POST", "/planner/sessions/{session}/move"): {
            "data": {"starts_at": values_session_start.replace("T10:", "T12:")}
        },
        ("POST", "/planner/sessions/{session}/cancel"): {"data": {"reason_fi": "Sairastui"}},
        ("POST", "/planner/users/new"): {
            "data": {"email": "uusi@example.org", "role": "facilitator", "region": "05"}
        },
        ("POST", "/planner/users/{user}"): {"data": {"role": "facilitator", "region": "05"}},
        ("POST", "/planner/users/{user}/active"): {"data": {"active": "1"}},
        ("POST", "/account/password"): {
            "data": {"current_password": "wrong", "new_password": "x", "new_password_again": "x"}
        },
        ("POST", "/sign-in/forgot"): {"data": {"email": "nobody@example.org"}},
        ("POST", "/account/set-password/no-such-link"): {
            "data": {"new_password": "correct horse battery", "new_password_again": "x"}
        },
    }


# --- putting the seeded data back between state-changing requests ---------------------------


def snapshot(app: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the tests fill (regions and the schema version stay)."""

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
