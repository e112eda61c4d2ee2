"""GET /api/v1/reports/ledger: the regions' trade (balances, who hosted for whom, materials)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from scheduler.courses.models import CourseRegion
from scheduler.enrolment.models import Application
from scheduler.extensions import db
from scheduler.hosting.planning import plan_course
from scheduler.hosting.services import load_course
from scheduler.i18n import HELSINKI
from scheduler.meetings import counting
from tests.hosting.conftest import local_day

YEAR = ("2027-01-01", "2027-12-31")


def ledger(client, staff, start=YEAR[0], end=YEAR[1]):
    return client.get(f"/api/v1/reports/ledger?from={start}&to={end}", headers=staff.headers)


def by_code(rows, key="code"):
    return {row[key]: row for row in rows}


def test_balances_follow_the_one_definition_of_fair(client, trade, planners):
    # Finnish, 12 sessions, equal weights: 4 each. Swedish, co-hosted, 6 sessions: 14 serves
    # only Finnish, so 03 and 05 share it (3 each) and co-host each other's sessions.
    response = ledger(client, planners["14"])
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"regions", "pairs", "materials"}
    regions = by_code(body["regions"])
    assert set(regions) == {"03", "05", "14"}
    assert regions["14"]["target"] == 4.0 and regions["14"]["cohost_target"] == 0.0
    assert regions["03"]["target"] == 7.0 and regions["05"]["target"] == 7.0
    # Each co-hosts the sessions the other hosts: its co-host target is exactly that.
    for code, other in (("03", "05"), ("05", "03")):
        assert regions[code]["cohost_target"] == regions[other]["hosted"] - 4
        assert regions[code]["cohosted"] == regions[code]["cohost_target"]
    for row in regions.values():
        expected = (row["hosted"] - row["target"]) + (row["cohosted"] - row["cohost_target"]) / 2
        assert row["balance"] == pytest.approx(expected, abs=0.011)
        assert set(row) == {"code", "hosted", "cohosted", "target", "cohost_target", "balance"}
    assert sum(r["hosted"] for r in regions.values()) == 18
    assert sum(r["target"] for r in regions.values()) == pytest.approx(18)


def test_a_closure_does_not_reduce_the_target(client, make_course, planners, rows, app):
    course = make_course(planner=planners["03"], first_session="2027-03-02T10:00", sessions=9)
    first = local_day(course["sessions"][0]["starts_at"])
    rows.closure("14", first, first + timedelta(days=6 * 7))
    with app.app_context():
        plan_course(load_course(course["id"]))
        db.session.commit()
    regions = by_code(ledger(client, planners["03"]).get_json()["regions"])
    assert regions["14"]["target"] == 3.0  # its share stays: 9 sessions / 3 regions
    # Closed for the first seven weeks, it hosts only the last two: a debt the ledger carries.
    assert regions["14"]["hosted"] == 2
    assert regions["14"]["balance"] == -1.0
    assert sum(r["balance"] for r in regions.values()) == pytest.approx(0.0)


def test_a_session_on_a_holiday_counts_for_nobody(client, make_course, planners, rows):
    course = make_course(planner=planners["03"], first_session="2027-11-23T10:00", sessions=3)
    moved = course["sessions"][1]
    # Move the middle session onto Independence Day (6 December).
    rows.session(
        moved["id"],
        starts_at=datetime(2027, 12, 6, 10, tzinfo=HELSINKI),
        ends_at=datetime(2027, 12, 6, 11, tzinfo=HELSINKI),
    )
    regions = by_code(ledger(client, planners["03"]).get_json()["regions"])
    assert sum(r["target"] for r in regions.values()) == pytest.approx(2.0, abs=0.02)
    assert sum(r["hosted"] for r in regions.values()) == 2
    report = client.get(
        "/api/v1/reports/hosting?from=2027-01-01&to=2027-12-31", headers=planners["03"].headers
    ).get_json()
    assert sum(r["target"] for r in report["regions"]) == pytest.approx(2.0, abs=0.02)


def test_a_region_that_joins_a_running_course_owes_nothing_from_before(
    client, make_course, planners, app
):
    course = make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=10)
    sixth = course["sessions"][5]["starts_at"]
    with app.app_context():
        row = db.session.scalar(
            db.select(CourseRegion).where(
                CourseRegion.course_id == course["id"], CourseRegion.region_code == "14"
            )
        )
        row.joined_at = datetime.fromisoformat(sixth)
        db.session.commit()
    regions = by_code(ledger(client, planners["03"]).get_json()["regions"])
    # 14 takes part in the last five sessions only: 03 and 05 share the first five alone.
    assert regions["14"]["target"] == pytest.approx(5 / 3, abs=0.01)
    assert regions["03"]["target"] == pytest.approx(2.5 + 5 / 3, abs=0.01)
    assert sum(r["target"] for r in regions.values()) == pytest.approx(10.0, abs=0.02)


def test_pairs_count_sessions_and_participants(client, make_course, planners, app):
    open_course = make_course(planner=planners["03"], first_session="2027-04-06T10:00", sessions=6)
    closed = make_course(
        planner=planners["05"],
        kind="closed",
        capacity=10,
        application_deadline="2027-03-01",
        regions=["05", "14"],
        first_session="2027-04-07T10:00",
        sessions=4,
    )
    hosted_by_03 = [s for s in open_course["sessions"] if s["host_region"] == "03"]
    with app.app_context():
        # Two people from 14 and one from 05 said where they joined from.
        counting.count_region(hosted_by_03[0]["id"], "14")
        counting.count_region(hosted_by_03[0]["id"], "14")
        counting.count_region(hosted_by_03[1]["id"], "05")
        for name, region, status in (
            ("Aino", "14", "accepted"),
            ("Bo", "14", "accepted"),
            ("Cai", "14", "waitlisted"),
            ("Dan", "05", "accepted"),
        ):
            db.session.add(
                Application(
                    course_id=closed["id"],
                    name=name,
                    email=f"{name.lower()}@example.org",
                    region_code=region,
                    language="fi",
                    status=status,
                    token_nonce=name,
                    token_hash=f"hash-{name}",
                )
            )
        db.session.commit()
    pairs = {(p["host"], p["guest"]): p for p in ledger(client, planners["05"]).get_json()["pairs"]}
    assert all(p["host"] != p["guest"] for p in pairs.values())
    assert pairs[("03", "14")]["sessions"] == len(hosted_by_03) + 0
    assert pairs[("03", "14")]["participants"] == 2
    assert pairs[("03", "05")]["participants"] == 1
    closed_by_05 = sum(1 for s in closed["sessions"] if s["host_region"] == "05")
    closed_by_14 = 4 - closed_by_05
    # Each accepted participant counts once per session hosted for their region.
    assert pairs[("05", "14")]["participants"] == 2 * closed_by_05
    assert pairs[("14", "05")]["participants"] == 1 * closed_by_14
    assert pairs[("05", "14")]["sessions"] == closed_by_05 + sum(
        1 for s in open_course["sessions"] if s["host_region"] == "05"
    )


def test_materials_side_of_the_trade(client, make_course, planners, make_user):
    course = make_course(planner=planners["03"], first_session="2027-05-04T10:00", sessions=6)
    material = client.post(
        "/api/v1/materials",
        json={
            "title": {"fi": "Tuolijumppa", "sv": ""},
            "description": {"fi": "Ohje", "sv": ""},
            "url": "https://example.org/tuolijumppa",
            "languages": ["fi"],
            "themes": ["liikunta"],
        },
        headers=planners["05"].headers,
    )
    assert material.status_code == 201, material.get_json()
    material_id = material.get_json()["id"]
    by_other = next(s for s in course["sessions"] if s["host_region"] == "03")
    by_owner = next(s for s in course["sessions"] if s["host_region"] == "05")
    for session in (by_other, by_owner):
        response = client.post(
            f"/api/v1/sessions/{session['id']}/materials",
            json={"material": material_id},
            headers=planners["03"].headers,
        )
        assert response.status_code == 201, response.get_json()
    asked = client.post(
        f"/api/v1/materials/{material_id}/translation-requests",
        json={"language": "sv"},
        headers=planners["03"].headers,
    )
    assert asked.status_code == 201, asked.get_json()
    added = client.post(
        f"/api/v1/materials/{material_id}/versions",
        json={"language": "sv", "url": "https://example.org/stolgympa"},
        headers=planners["05"].headers,
    )
    assert added.status_code == 201, added.get_json()
    today = datetime.now(HELSINKI).date()
    start, end = min(today, datetime(2027, 1, 1).date()), datetime(2027, 12, 31).date()
    body = ledger(client, planners["14"], start.isoformat(), end.isoformat()).get_json()
    materials = by_code(body["materials"])
    assert materials["05"] == {
        "code": "05",
        "shared": 1,
        "used_by_others": 1,
        "translations_done": 1,
    }
    assert "03" not in materials


def test_who_may_read_it_and_bad_periods(client, planners, make_user):
    assert client.get("/api/v1/reports/ledger").status_code == 401
    facilitator = make_user("facilitator", "05")
    assert ledger(client, facilitator).status_code == 403
    response = ledger(client, planners["03"], "2027-12-31", "2027-01-01")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "to" in response.get_json()["errors"]
    response = ledger(client, planners["03"], "31.12.2027", "2027-01-01")
    assert response.status_code == 422 and "from" in response.get_json()["errors"]


def test_empty_period(client, planners):
    body = ledger(client, planners["03"], "2031-01-01", "2031-01-31").get_json()
    assert body == {
        "from": "2031-01-01",
        "to": "2031-01-31",
        "regions": [],
        "pairs": [],
        "materials": [],
    }


def test_queries_do_not_grow_with_the_data(client, make_course, planners, count_queries, app):
    make_course(planner=planners["03"], first_session="2027-01-05T10:00", sessions=2)

    def count() -> int:
        with count_queries() as queries:
            response = ledger(client, planners["03"])
        assert response.status_code == 200
        return len(queries)

    few = count()
    for month in range(2, 8):
        course = make_course(
            planner=planners["05"],
            regions=["05", "14", "03"],
            first_session=f"2027-0{month}-02T10:00",
            sessions=10,
            cohost=True,
        )
        with app.app_context():
            counting.count_region(course["sessions"][0]["id"], "14")
            db.session.commit()
    assert count() == few


def test_openapi_documents_the_ledger(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "get" in document["paths"]["/reports/ledger"]
    assert "get" in document["paths"]["/reports/ledger/preview"]
    schema = document["components"]["schemas"]["Ledger"]
    assert set(schema["properties"]) >= {"regions", "pairs", "materials"}
    region = schema["properties"]["regions"]["items"]["properties"]
    assert set(region) == {"code", "hosted", "cohosted", "target", "cohost_target", "balance"}
